""" "He" and "she" across turns: a text is read after its speaker's previous text.

Chat names someone in one turn and goes on about them in the next ("I met Marta
yesterday." / "she lives in Berlin now"). The parse resolves "he"/"she" to the one person
named before it in the same text (`extraction_subjects.antecedent`); a text with such a
pronoun is therefore read after the previous text of the same speaker in the same scope,
and only the facts the joined reading adds to the previous text's own are its facts.

What "previous" means:
- the same user, agent and session (None matches only None) and the same speaker
  (`metadata["speaker"]`, nobody when none is named);
- a text that names its own subject: one without he/she/him/her. While texts go on
  pointing back ("He plays drums." after "He works at X.") the named text stays the
  context;
- among texts a caller stored with `add`/`add_many` (notes and facts,
  `long_term.said_before`), within the scope's newest `LOOKBACK` of them, in storing
  order: within one `add_many` call the list order, across calls the order their rows
  were written. `observed_at` does not reorder: a conversation imported out of order is
  read in the order it was imported. A restatement merged into an earlier memory
  (REINFORCE, MERGE) writes no row, so the text before it stays the context;
- texts stored concurrently (threads, processes, server workers sharing a database): a
  text sees every text committed when it is read, and none still in flight beside it;
- observed turns are not contexts: consolidation reads each of them on its own, and their
  speakers are roles ("user", "assistant") where `add` names a person or nobody, so an
  agent's note ("She prefers tea") would be read after whatever the user last said.

The state is the database, not the process: a text with a pronoun and no earlier text of
its speaker in the same `add_many` call costs one query that reads the scope's newest
`LOOKBACK` rows. So two memories (two homes or databases) with the same scope ids never
read each other's texts, a restart keeps the context, a purge forgets it, a deleted memory
is no context, and a text whose write failed never becomes one. A cache in the process
would go stale as soon as another process writes the scope (the multi-worker server
spreads one conversation over its workers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agentmem.facts.conflicts import normalise_value
from agentmem.facts.extraction.base import FactExtractor
from agentmem.long_term import LongTermMemory, speaker_of
from agentmem.long_term.said_before import said_before
from agentmem.types import Fact, MemoryRecord

ANAPHOR = re.compile(r"\b(?:he|she|him|her)\b", re.IGNORECASE)
# How many of the scope's newest stored notes and facts (all speakers, derived facts
# included) are searched for the speaker's previous text: a pronoun points back a few
# turns, and sixty-four rows are dozens of turns even where each states several facts.
LOOKBACK = 64


def _key(record: MemoryRecord) -> tuple:
    scope = record.scope
    return (scope.user_id, scope.agent_id, scope.session_id, speaker_of(record.metadata))


def contexts(
    records: Sequence[MemoryRecord], wanted: Sequence[int], long_term: LongTermMemory
) -> dict[int, str]:
    """The previous text the pronouns of each record `wanted` (by position) point back to,
    where there is one; `records` are the texts of one call, in order, not yet stored."""
    out: dict[int, str] = {}
    named: dict[tuple, str] = {}  # the call's latest text that names its own subject
    stored: dict[tuple, str | None] = {}  # one lookup a scope and speaker per call
    wanted = set(wanted)
    for i, record in enumerate(records):
        key = _key(record)
        if ANAPHOR.search(record.text) is None:
            named[key] = record.text
            continue
        if i not in wanted:
            continue
        previous = named.get(key)
        if previous is None:
            if key not in stored:
                stored[key] = _stored_context(long_term, record)
            previous = stored[key]
        if previous is not None:
            out[i] = previous
    return out


def _stored_context(long_term: LongTermMemory, record: MemoryRecord) -> str | None:
    texts = said_before(long_term, record.scope, speaker_of(record.metadata), LOOKBACK)
    return next((t for t in texts if ANAPHOR.search(t) is None), None)


def read(
    extractor: FactExtractor,
    records: Sequence[MemoryRecord],
    wanted: Sequence[int],
    long_term: LongTermMemory,
) -> list[list[Fact]]:
    """The facts of each record `wanted` (by position, in that order), a text with a pronoun
    read after its speaker's previous text; `records` are all texts of the call."""
    if not wanted:
        return []
    before = contexts(records, wanted, long_term)
    texts = [
        _joined(before[i], records[i].text) if i in before else records[i].text for i in wanted
    ]
    speakers = [speaker_of(records[i].metadata) for i in wanted]
    joined = [i for i in wanted if i in before]
    found = extractor.extract_many(
        texts + [before[i] for i in joined],
        source=records[wanted[0]].source,
        speakers=speakers + [speaker_of(records[i].metadata) for i in joined],
    )
    facts = dict(zip(wanted, found[: len(wanted)], strict=True))
    for i, own in zip(joined, found[len(wanted) :], strict=True):
        seen = {_fact_key(f) for f in own}
        facts[i] = [f for f in facts[i] if _fact_key(f) not in seen]
    return [facts[i] for i in wanted]


def _joined(previous: str, text: str) -> str:
    """Two turns as two sentences: a turn typed without a full stop still ends there (else
    the parser may read the next turn as a clause of it)."""
    previous = previous.rstrip()
    end = "" if previous.endswith((".", "!", "?")) else "."
    return f"{previous}{end}\n{text}"


def _fact_key(f: Fact) -> tuple:
    return (f.subject.lower(), f.attribute, normalise_value(f.value), f.negated)


__all__ = ["ANAPHOR", "LOOKBACK", "contexts", "read"]
