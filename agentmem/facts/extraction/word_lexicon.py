"""The parse pipeline's own lexicon, as the chat register reads it (`extraction_register`):
whether a lower-case word is an ordinary English word (the lemmatizer's index and
exceptions, by its suffix rules and productive prefixes, its stop words, and chat's
interjections), the base forms of its verbs, and whether a word may continue a name it
follows. Each is built once per pipeline.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from agentmem.facts.extraction.lexicon import CHILDREN, PET_KINDS, RELATIONS, SIBLINGS, SPOUSES

# Chat's interjections and abbreviations: ordinary words of the register, never names.
CHAT_WORDS = frozenset(
    {"lol", "lmao", "omg", "tbh", "btw", "imo", "imho", "idk", "fyi", "afaik", "brb", "thx"}
    | {"pls", "plz", "ok", "okay", "yeah", "yep", "yup", "nope", "nah", "haha", "hah", "hmm"}
    | {"gonna", "wanna", "gotta", "kinda", "sorta", "dunno", "ya", "ur", "u", "ty", "np"}
    | {"tho", "cuz", "coz", "bc", "rn", "atm", "irl", "asap", "ugh", "wow", "oh", "ah", "uh"}
    | {"um", "erm", "aww", "yay", "meh", "whoa", "hey", "hi", "hello", "thanks", "cheers"}
)
# Nouns of kin (children, siblings, spouses, relations): a kinship noun plus "s" directly
# before another ("my sisters husband", "my mums boyfriend") or before a kind of pet ("my
# dads dog") is a possessive typed without its apostrophe; before anything else it is the
# plural it looks like ("my sisters live in York").
KIN = frozenset(w for w in (*CHILDREN, *SIBLINGS, *SPOUSES.split("|"), *RELATIONS) if w.isalpha())
# Productive prefixes of English verbs and adjectives ("rehome", "unfollow", "outgrew").
PREFIXES = ("re", "un", "dis", "mis", "over", "under", "out", "pre", "co", "non", "de")
# Words that make an opening verb a request to the assistant, not a report.


def lexicon(nlp: Any) -> Callable[[str], bool]:
    """Whether a lower-case word is an English word by `nlp`'s lexicon (see `normalised`):
    built once per pipeline."""
    return _lexicon_of(nlp)


@functools.cache
def verbs(nlp: Any) -> frozenset[str]:
    """The base forms of verbs in `nlp`'s lexicon (the lemmatizer's index)."""
    if "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or "lemma_index" not in lookups.tables:
        return frozenset()
    return frozenset(lookups.get_table("lemma_index").get("verb", ()))


@functools.cache
def past_forms(nlp: Any) -> frozenset[str]:
    """The irregular past forms of verbs in `nlp`'s lexicon ("took", "went", "began"): the
    lemmatizer's exceptions that are no base form of a verb themselves ("found", "saw" and
    "left" as bases stay out: "found" a company)."""
    index, exc = _tables(nlp)
    bases = frozenset(index.get("verb", ()))
    return frozenset(
        form
        for form, lemmas in exc.get("verb", {}).items()
        if form.isalpha()
        and form not in bases
        and not form.endswith(("ing", "s"))
        and all(lemma not in (form, "be") for lemma in lemmas)
    )


def lexicon_of_pipeline() -> Callable[[str], bool] | None:
    """`lexicon` of the loaded parse pipeline; None where none is loaded."""
    return pipeline_lexicon()[0]


def pipeline_lexicon() -> tuple[Callable[[str], bool] | None, Callable[[str], bool] | None]:
    from agentmem.facts.extraction.pipeline import load_pipeline

    nlp = load_pipeline()
    return (None, None) if nlp is None else (lexicon(nlp), name_parts(nlp))


@functools.cache
def name_parts(nlp: Any) -> Callable[[str], bool]:
    """Whether a lower-case word may continue a name it follows ("pellworth insurance",
    "halden bank", "petra lind"): a noun of `nlp`'s lexicon (or its plural) that is no
    adverb ("jamie yesterday"), no stop word and no inflected verb ("jamie works",
    "jamie said"), no noun of kin or kind of pet ("chris wife": a relation of Chris)."""
    index, exc = _tables(nlp)
    nouns, adverbs, verbs_ = (frozenset(index.get(p, ())) for p in ("noun", "adv", "verb"))
    verb_forms = frozenset(exc.get("verb", {}))
    stop = frozenset(w.lower() for w in nlp.Defaults.stop_words) | CHAT_WORDS
    stop |= {f"{w}s" for w in KIN | PET_KINDS} | KIN | PET_KINDS  # "ana cats", "jen kids"

    @functools.lru_cache(maxsize=8192)
    def continues(word: str) -> bool:
        word = word.lower()
        if word in stop or word in adverbs or word in verb_forms:
            return False
        for suffix, base in (("s", ""), ("es", ""), ("ed", ""), ("ed", "e"), ("ing", "")):
            if word.endswith(suffix) and word[: -len(suffix)] + base in verbs_:
                return False
        return word in nouns or (word.endswith("s") and word[:-1] in nouns)

    return continues


def _tables(nlp: Any) -> tuple[dict, dict]:
    """The lemmatizer's index and exceptions of `nlp` by part of speech ({} where none)."""
    lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.pipe_names else None
    lookups = getattr(lemmatizer, "lookups", None)
    tables = lookups.tables if lookups is not None else []
    parts = ("noun", "verb", "adj", "adv")
    return tuple(
        {p: lookups.get_table(name).get(p, {}) for p in parts} if name in tables else {}
        for name in ("lemma_index", "lemma_exc")
    )


@functools.cache
def _lexicon_of(nlp: Any) -> Callable[[str], bool]:
    """Whether a lower-case word is an English word by `nlp`'s lexicon (see `normalised`)."""
    words: set[str] = set(CHAT_WORDS) | {w.lower() for w in nlp.Defaults.stop_words}
    rules: list[tuple[str, str]] = []
    if "lemmatizer" in nlp.pipe_names:
        lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
        tables = lookups.tables if lookups is not None else []
        if "lemma_index" in tables:
            for entries in lookups.get_table("lemma_index").values():
                words.update(entries)
        if "lemma_exc" in tables:
            for forms in lookups.get_table("lemma_exc").values():
                words.update(forms)
        if "lemma_rules" in tables:
            for table in lookups.get_table("lemma_rules").values():
                rules += [(old, new) for old, new in table if old.isalpha()]

    def inflected(word: str) -> bool:
        if word in words:
            return True
        return any(
            word.endswith(old) and len(word) > len(old) + 1 and word[: -len(old)] + new in words
            for old, new in rules
        )

    @functools.lru_cache(maxsize=8192)
    def ordinary(word: str) -> bool:
        word = word.lower()
        return inflected(word) or any(
            word.startswith(p) and len(word) > len(p) + 2 and inflected(word[len(p) :])
            for p in PREFIXES
        )

    return ordinary


__all__ = [
    "CHAT_WORDS",
    "KIN",
    "PREFIXES",
    "lexicon",
    "lexicon_of_pipeline",
    "name_parts",
    "pipeline_lexicon",
    "verbs",
]
