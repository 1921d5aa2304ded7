"""The texts one speaker stored last in one scope, newest first (`facts.referents` reads a
text with "he"/"she" after them).

Only texts a caller stored count: notes and facts given to `add`/`add_many`. Facts derived
from a note (`metadata["derived_from"]`) and what consolidation wrote (`episode_ids`: its
facts and summaries) are readings of other texts, not something said; a deleted memory was
taken back by the caller. Episodes are not read: see `facts.referents` for why.
"""

from __future__ import annotations

import functools

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from agentmem.long_term.memory import LongTermMemory
from agentmem.long_term.plans import speaker_of
from agentmem.stores.schema import memories
from agentmem.types import Scope

STATED_KINDS = ("note", "fact")


def said_before(
    long_term: LongTermMemory, scope: Scope, speaker: str | None, limit: int
) -> list[str]:
    """Up to `limit` texts of `speaker` stored in exactly this scope (its user, agent and
    session; None matches only None), newest first: in the order they were written, which
    for concurrent writers is the order their transactions took the user's write lock.
    One query on the scope index, read backwards."""
    statement = _statement(scope.agent_id is None, scope.session_id is None, speaker is None)
    values = {**scope.to_dict(), "speaker": speaker, "limit": limit}
    with long_term.sql.begin() as conn:
        rows = conn.execute(statement, values).all()
    # the SQL compares the name stripped of spaces; `speaker_of` has the last word
    return [text for text, meta in rows if speaker_of(meta or {}) == speaker]


@functools.cache
def _statement(no_agent: bool, no_session: bool, nobody: bool) -> Select:
    """The query for one shape of scope and speaker, built once (values bound by name)."""
    m = memories.c
    return (
        select(m.text, m.meta)
        .where(
            m.user_id == bindparam("user_id"),
            m.agent_id.is_(None) if no_agent else m.agent_id == bindparam("agent_id"),
            m.session_id.is_(None) if no_session else m.session_id == bindparam("session_id"),
            m.kind.in_(STATED_KINDS),
            m.status != "deleted",
            m.meta["derived_from"].as_string().is_(None),
            m.meta["episode_ids"].as_string().is_(None),
            _spoken_by(nobody),
        )
        .order_by(m.pk.desc())
        .limit(bindparam("limit"))
    )


def _spoken_by(nobody: bool) -> ColumnElement[bool]:
    """Rows whose stored name, stripped of spaces, is the speaker (a blank name is nobody's,
    as `speaker_of` reads it)."""
    named = func.trim(memories.c.meta["speaker"].as_string())
    return or_(named.is_(None), named == "") if nobody else named == bindparam("speaker")


__all__ = ["said_before"]
