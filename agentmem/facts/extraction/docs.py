"""Parsed docs for the parse extractor (`extraction_parse`): batching and on-demand parts.

Concurrent callers (a server's adds) share one batched parse (`nlp.pipe`), which costs far
less per text than one parse each; a text whose parse fails fails its caller only. The
entity recogniser (its own token encoder, nothing after it in the pipeline) is about half
of a parse and only a few readings look at an entity type, so it runs on a doc only when a
reading first asks for one (`entity_type`), and so on the docs of texts a reading
rewrites and parses again (`Parser.one`: a repaired possessive, a restated clause). The
attribute ruler runs by lookup (`extraction_attributes`) and the lemmatizer remembers its
outcomes (`extraction_lemmas`), each run on each doc in turn. A text typed in the chat
register is read as prose first (`extraction_register`: "im", "i", lower-case names, a
left-out "I"; the texts that open with a subjectless report parsed again in one batch).
Each parse multiplies on numpy's BLAS at one thread (`extraction_blas`), with the same docs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmem.adapters.coalesce import Coalescer
from agentmem.facts.extraction import chat, register
from agentmem.facts.extraction.attributes import fast_ruler
from agentmem.facts.extraction.blas import one_thread
from agentmem.facts.extraction.lemmas import fast_lemmatizer
from agentmem.facts.extraction.pipeline import ON_DEMAND

BATCH = 64  # texts per parse call
_LATER = "agentmem_on_demand"  # Doc.user_data key: the components not yet run on the doc


class Parser:
    """`nlp` behind a batching queue, its on-demand components held back."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp
        self._later = [n for n in ON_DEMAND if n in nlp.pipe_names]
        self._disabled, self._after = list(self._later), []
        self._ruler = fast_ruler(nlp)
        if self._ruler is not None:  # the ruler and what follows it run per doc, in order
            rest = nlp.pipe_names[nlp.pipe_names.index("attribute_ruler") :]
            self._disabled += [n for n in rest if n not in self._later]
            self._after = [
                fast_lemmatizer(nlp.get_pipe(n)) for n in rest[1:] if n not in self._later
            ]
        self._parses = Coalescer(self._parse, max_batch=BATCH, isolate=True)
        # the chat register's names and left-out subjects (`register`)
        self._lexicon, self._name_parts = register.lexicon(nlp), register.name_parts(nlp)
        self._verbs, self._past = register.verbs(nlp), register.past_forms(nlp)

    def parse(self, texts: Sequence[str]) -> list[Any]:
        """Docs of `texts`, cleaned, read as prose where written in the chat register
        (`register`: "im", "i", lower-case names, a left-out "I") and repaired
        (`chat.repaired`), in batches: an add that arrives during a long consolidation pass
        waits for one batch, not the whole pass. A text given twice (a turn and the same
        turn as the context of the next one) is parsed once; its positions share the doc."""
        prepared = {
            t: register.normalised(clean(t), self._lexicon, self._name_parts)
            for t in dict.fromkeys(texts)
        }
        cleaned = list(dict.fromkeys(prepared.values()))
        docs = [
            doc
            for start in range(0, len(cleaned), BATCH)
            for doc in self._parses.run(cleaned[start : start + BATCH])
        ]
        docs = [chat.repaired(doc, self.one) for doc in self._with_subjects(docs)]
        of = dict(zip(cleaned, docs, strict=True))
        return [of[prepared[t]] for t in texts]

    def _with_subjects(self, docs: list[Any]) -> list[Any]:
        """`docs`, each with its left-out "I" restored ("moved to X": `register`), the texts
        that need it parsed again in one batch, a restoration the parse does not bear out
        dropped."""
        again = {
            i: t
            for i, doc in enumerate(docs)
            if (t := register.with_subject(doc, self._verbs, self._past))
        }
        if not again:
            return docs
        redone = dict(zip(again, self._parse(list(again.values())), strict=True))
        return [
            redone[i] if i in redone and register.borne_out(redone[i]) else doc
            for i, doc in enumerate(docs)
        ]

    def one(self, text: str) -> Any:
        """The doc of one text a reading has rewritten, parsed on this path (the on-demand
        components held back, as in `parse`), neither queued nor cleaned nor repaired."""
        return self._parse([text])[0]

    def _parse(self, texts: list[str]) -> list[Any]:
        with one_thread():  # the products on numpy's BLAS, one thread (`extraction_blas`)
            docs = list(self.nlp.pipe(texts, disable=self._disabled, batch_size=BATCH))
        if self._ruler is not None:
            for doc in docs:
                self._ruler(doc)
                for component in self._after:
                    component(doc)
        later = [(n, self.nlp.get_pipe(n)) for n in self._later]
        for doc in docs:
            doc.user_data[_LATER] = later
        return docs


def entity_type(token) -> str:
    """The token's entity type, running the on-demand components on its doc first. Every
    reading of an entity type goes through here: `token.ent_type_` alone may be unset."""
    later = token.doc.user_data.pop(_LATER, ())
    if later:
        with one_thread():
            for _, component in later:
                component(token.doc)
    return token.ent_type_


def clean(text: str) -> str:
    """Curly apostrophes as straight ones, which the pipeline's contractions expect."""
    return text.replace("\u2019", "'").replace("\u2018", "'")


__all__ = ["BATCH", "ON_DEMAND", "Parser", "clean", "entity_type"]
