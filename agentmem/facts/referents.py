""" "He" and "she" across turns: a text is read after its speaker's previous text.

Chat names someone in one turn and goes on about them in the next ("I met Marta
yesterday." / "she lives in Berlin now"). The parse resolves "he"/"she" to the one person
named before it in the same text (`extraction_subjects.antecedent`); a text with such a
pronoun is therefore read after the previous text of the same speaker in the same scope,
and only the facts the joined reading adds to the previous text's own are its facts.
While texts go on pointing back ("He plays drums." after "He works at X.") the named text
stays the context; any other text replaces it.

The previous texts are kept per process (the most recent `KEPT` scope-speaker pairs):
after a restart the first pronoun of a conversation has no referent, as before.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence

from agentmem.facts.conflicts import normalise_value
from agentmem.facts.extraction.base import FactExtractor
from agentmem.long_term import speaker_of
from agentmem.types import Fact, MemoryRecord

KEPT = 4096
ANAPHOR = re.compile(r"\b(?:he|she|him|her)\b", re.IGNORECASE)

_previous: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def _key(record: MemoryRecord) -> tuple:
    scope = record.scope
    return (scope.user_id, scope.agent_id, scope.session_id, speaker_of(record.metadata))


def contexts(records: Sequence[MemoryRecord]) -> list[str | None]:
    """The previous text each record's pronouns may point back to (None: read alone), in
    order, remembering each record that names its own subjects as the next context."""
    out: list[str | None] = []
    with _lock:
        for record in records:
            key = _key(record)
            previous = _previous.get(key)
            if previous is not None and ANAPHOR.search(record.text):
                out.append(previous)
                _previous.move_to_end(key)
                continue
            out.append(None)
            _previous[key] = record.text
            _previous.move_to_end(key)
            while len(_previous) > KEPT:
                _previous.popitem(last=False)
    return out


def read(
    extractor: FactExtractor, records: Sequence[MemoryRecord], source: str
) -> list[list[Fact]]:
    """Each record's facts, a text with a pronoun read after its speaker's previous text."""
    before = contexts(records)
    texts = [
        r.text if c is None else _joined(c, r.text) for r, c in zip(records, before, strict=True)
    ]
    speakers = [speaker_of(r.metadata) for r in records]
    joined = [i for i, c in enumerate(before) if c is not None]
    found = extractor.extract_many(
        texts + [before[i] for i in joined],
        source=source,
        speakers=speakers + [speakers[i] for i in joined],
    )
    facts, known = found[: len(records)], found[len(records) :]
    for i, own in zip(joined, known, strict=True):
        seen = {_fact_key(f) for f in own}
        facts[i] = [f for f in facts[i] if _fact_key(f) not in seen]
    return facts


def _joined(previous: str, text: str) -> str:
    """Two turns as two sentences: a turn typed without a full stop still ends there (else
    the parser may read the next turn as a clause of it)."""
    previous = previous.rstrip()
    end = "" if previous.endswith((".", "!", "?")) else "."
    return f"{previous}{end}\n{text}"


def _fact_key(f: Fact) -> tuple:
    return (f.subject.lower(), f.attribute, normalise_value(f.value), f.negated)


__all__ = ["ANAPHOR", "KEPT", "contexts", "read"]
