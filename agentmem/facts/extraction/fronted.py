"""A fronted object ("Tea, I love"), restated in canonical order for `extraction_inversion`.

English moves a verb's object to the front of its clause for contrast or emphasis; the
verb is left with its object slot empty. The fronted phrase and the clause are found in the
parse and restated with the phrase in the gap (`extraction_gaps`).
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.gaps import Restatement, has_object, restate
from agentmem.facts.extraction.subjects import joined_to_subject

OBJECT_DEPS = ("dobj", "attr", "acomp", "oprd", "dative", "xcomp", "ccomp")


def topicalised(pred) -> Iterator[Restatement]:
    """'Tea, I love': a noun before the subject, the verb's object slot empty."""
    subj = next((c for c in pred.children if c.dep_ == "nsubj"), None)
    if subj is None or any(c.dep_ in OBJECT_DEPS and c.i > pred.i for c in pred.children):
        return
    fronted = [
        c
        for c in pred.children
        if c.i < subj.i
        and c.pos_ in ("NOUN", "PROPN", "ADJ")
        and c.tag_ != "VBG"
        and not any(t.tag_ in ("WP", "WRB", "WDT", "WP$") or t.pos_ == "VERB" for t in c.subtree)
        and (c.pos_ != "ADJ" or entity_type(c) in ("NORP", "LANGUAGE"))  # "Spanish I speak"
        and entity_type(c) not in ("DATE", "TIME", "PERSON")  # a time; whom one addresses
        and c.left_edge.i in (pred.sent.start, _after_conjunction(pred))
        and not joined_to_subject(c, [subj])  # "Ana and I broke up": a second subject
    ]
    if fronted and not any(has_object(c) for c in pred.children if c.dep_ == "prep"):
        yield restate(pred, fronted[0])


def _after_conjunction(pred) -> int:
    """The index after a conjunction that opens the verb's clause ("but opera I hate")."""
    cc = [c.i for c in pred.head.children if c.dep_ == "cc" and c.i < pred.i]
    return max(cc) + 1 if pred.dep_ == "conj" and cc else -1


__all__ = ["topicalised"]
