"""Fact extraction: text -> subject/attribute/value facts, by rules or by a language model.

    extraction_base      FactExtractor (the interface) and render (a fact as a sentence)
    extraction_patterns  the rule extractor's pattern table, as data
    extraction_lexicon   the words the rows and the parse share (occupations, kin, pets)
    extraction_sentences a text as the clauses the rows read (contractions, hedges)
    extraction_rules     the rule engine: RuleExtractor, the offline default
    extraction_llm       LLMExtractor: a chat model (LangChain or local) answering in JSON
    extraction_parse     ParseExtractor: a dependency parse, facts of any subject

This module is the import path the rest of agentmem uses, and picks the extractor a config
names.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Sequence
from typing import Any

from agentmem.facts.extraction import holdable, similar
from agentmem.facts.extraction import parse as extraction_parse
from agentmem.facts.extraction.base import USER, FactExtractor, as_speaker, render
from agentmem.facts.extraction.lexicon import PET_KINDS
from agentmem.facts.extraction.llm import LLMExtractor, local_model_completion, parse_facts
from agentmem.facts.extraction.patterns import RULES, Rule
from agentmem.facts.extraction.rules import RuleExtractor, clauses
from agentmem.facts.vocabulary import canonical
from agentmem.registry import Registry
from agentmem.types import Fact

log = logging.getLogger("agentmem.extraction")


class LayeredExtractor(FactExtractor):
    """The rule table as a fast path, a slower general extractor behind it.

    `extract` gives both (the rules' reading wins where both read a slot's value);
    `quick` is the part cheap enough for every observed turn, and `extract_more` what the
    deep part adds to it, for the consolidation pass over turns the quick part has read.
    """

    fast = True

    def __init__(self, quick: FactExtractor, deep: FactExtractor) -> None:
        self._quick, self.deep = quick, deep
        self.name = f"{quick.name}+{deep.name}"

    @property
    def quick(self) -> FactExtractor:
        return self._quick

    def _extract(self, text: str, *, source: str) -> list[Fact]:
        return self.extract_many([text], source=source)[0]

    def _extract_batch(
        self, texts: Sequence[str], source: str, speakers: Sequence[str | None]
    ) -> list[list[Fact]]:
        quick = self._quick.extract_many(texts, source=source, speakers=speakers)
        deep = self.deep.extract_many(texts, source=source, speakers=speakers)
        quick, deep = ([[_as_pet(f) for f in q] for q in both] for both in (quick, deep))
        return [
            _ends(cut := _cut(_unswitched(_unended(q, d), d), d), d) + _new(cut, d)
            for q, d in zip(quick, deep, strict=True)
        ]

    def extract_more(
        self, text: str, *, source: str = "user", speaker: str | None = None
    ) -> list[Fact]:
        """What the deep part reads in `text` beyond the quick part."""
        everything = self.extract(text, source=source, speaker=speaker)
        return _new(self._quick.extract(text, source=source, speaker=speaker), everything)


def _cut(known: list[Fact], found: list[Fact]) -> list[Fact]:
    """`known` with each value that runs past the parse's constituent of the same slot cut
    to it: the rules read "hiking with my sister on weekends" where the parse reads the
    object "hiking" (`extraction_constituents`)."""
    out = []
    for f in known:
        words = f.value.lower().split()
        part = next(
            (
                d.value
                for d in found
                if (d.subject.lower(), canonical(d.attribute), d.negated)
                == (f.subject.lower(), canonical(f.attribute), f.negated)
                and _within(d.value.lower().split(), words)
            ),
            None,
        )
        if part is not None:
            text = render(f.subject, f.attribute, part, f.negated)
            f = dataclasses.replace(f, value=part, text=text)
        out.append(f)
    return out


def _within(part: list[str], words: list[str]) -> bool:
    """`part` is a shorter run of consecutive words of `words`."""
    n = len(part)
    return 0 < n < len(words) and any(words[i : i + n] == part for i in range(len(words) - n + 1))


def _ends(known: list[Fact], found: list[Fact]) -> list[Fact]:
    """`known`, each taking what the same fact of `found` says it ends ("I left Initech": the
    rules read the retraction, the parse what it ends, `extraction_change`) and whether it
    adds its value beside the others (`extraction_additions`)."""
    ends = {_key(f): f.ends for f in found if f.ends is not None}
    added = {_key(f) for f in found if f.added}  # "I also work at KPMG" (`additions`)
    known = [dataclasses.replace(f, added=True) if _key(f) in added else f for f in known]
    return [dataclasses.replace(f, ends=ends[_key(f)]) if _key(f) in ends else f for f in known]


def _as_pet(fact: Fact) -> Fact:
    """A possession that is an animal kept as a pet ("I own a hamster") in the slot the
    parse reads pets in (`has_pet`), so one text states one fact of it."""
    words = fact.value.lower().split()
    if canonical(fact.attribute) != "owns" or not words or words[-1] not in PET_KINDS:
        return fact
    text = render(fact.subject, "has_pet", fact.value, fact.negated)
    return dataclasses.replace(fact, attribute="has_pet", text=text)


def _unended(known: list[Fact], found: list[Fact]) -> list[Fact]:
    """`known` without the positive facts whose value the same text says ended ("My hamster
    passed away": the rules read "my hamster" as a pet had, the parse its death)."""
    from agentmem.facts.conflicts import normalise_value

    ended = [
        (f.subject.lower(), set(normalise_value(f.ends).split()))
        for f in found
        if f.negated and f.ends
    ]
    return [
        f
        for f in known
        if f.negated
        or not any(
            s == f.subject.lower() and words and words <= set(normalise_value(f.value).split())
            for s, words in ended
        )
    ]


def _unswitched(known: list[Fact], found: list[Fact]) -> list[Fact]:
    """`known` without the facts, in another slot, of the two values the parse reads as a
    switch ("I moved from Vim to VS Code": the rules read a move of home, the parse a
    switch of tools, whose slot is the old value's, `extraction_replacement`)."""
    from agentmem.facts.conflicts import normalise_value

    switches = [
        (f.subject.lower(), canonical(f.attribute), {normalise_value(v) for v in (f.value, f.ends)})
        for f in found
        if not f.negated and f.ends
    ]
    return [
        f
        for f in known
        if not any(
            s == f.subject.lower()
            and a != canonical(f.attribute)
            and normalise_value(f.value) in vs
            for s, a, vs in switches
        )
    ]


def _key(f: Fact) -> tuple[str, str, str, bool]:
    from agentmem.facts.conflicts import normalise_value

    return (f.subject.lower(), canonical(f.attribute), normalise_value(f.value), f.negated)


def _new(known: list[Fact], found: list[Fact]) -> list[Fact]:
    """Facts of `found` that `known` does not already read: another slot, or a value that
    is neither one of `known`'s values of that slot nor a part of one, nor contains one."""
    from agentmem.facts.conflicts import normalise_value

    values: dict[tuple[str, str], list[set[str]]] = {}
    for f in known:
        key = (f.subject.lower(), canonical(f.attribute))
        values.setdefault(key, []).append(set(normalise_value(f.value).split()))
    out = []
    for f in found:
        words = set(normalise_value(f.value).split())
        read = values.get((f.subject.lower(), canonical(f.attribute)), [])
        if not any(words <= w or w <= words for w in read):
            out.append(f)
    return out


def make_extractor(
    kind: str = "rules", *, chat_model: Any = None, config: Any = None
) -> FactExtractor:
    """The extractor a config names (`EXTRACTORS`): 'rules'; 'parse' (the rules, then a
    dependency parse; the rules alone, logged, when no English pipeline is installed); or
    'llm' (the chat model if given, else the local one)."""
    if config is not None and config.llm.cache_dir is not None:
        similar.use_cache_dir(config.llm.cache_dir)  # the parse's embedder: under the home
    return EXTRACTORS.create(kind, chat_model=chat_model, config=config)


def parse_extractor() -> FactExtractor:
    """Rules plus the dependency parse, or the rules alone when no pipeline is installed
    (`extraction_parse.load_pipeline` logs why). The pipeline loads on first use."""
    return LayeredExtractor(RuleExtractor(), _LazyParse())


class _LazyParse(FactExtractor):
    """The parse extractor, loading in the background from its creation (with `Memory()`)
    so that `Memory()` starts fast and the first text rarely waits for the load."""

    name = "parse"

    def __init__(self) -> None:
        extraction_parse.preload()  # off the request path: the first add need not wait
        similar.preload(then=holdable.kinds)  # the parse's MiniLM too, where exported

    def _extract(self, text: str, *, source: str) -> list[Fact]:
        return self.extract_many([text], source=source)[0]

    def _extract_batch(self, texts, source, speakers) -> list[list[Fact]]:
        if not extraction_parse.available():
            return [[] for _ in texts]
        parser = _parser()
        return parser.extract_many(texts, source=source, speakers=speakers)


@functools.cache
def _parser() -> extraction_parse.ParseExtractor:
    return extraction_parse.ParseExtractor()


def _llm_extractor(*, chat_model: Any, config: Any) -> FactExtractor:
    if chat_model is not None:
        return LLMExtractor.from_chat_model(chat_model)
    return LLMExtractor(local_model_completion(config))


# Fact extractors by the name `consolidation.extractor` gives; a factory takes the keywords
# chat_model and config.
EXTRACTORS: Registry[FactExtractor] = Registry("extractor", "consolidation.extractor")
EXTRACTORS.register("rules", lambda **_: RuleExtractor())
EXTRACTORS.register("parse", lambda **_: parse_extractor())
EXTRACTORS.register("llm", _llm_extractor)


__all__ = [
    "EXTRACTORS",
    "RULES",
    "USER",
    "as_speaker",
    "FactExtractor",
    "LLMExtractor",
    "LayeredExtractor",
    "Rule",
    "RuleExtractor",
    "clauses",
    "local_model_completion",
    "make_extractor",
    "parse_extractor",
    "parse_facts",
    "render",
]
