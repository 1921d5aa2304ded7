"""The texts one speaker stored last in one scope, newest first (`facts.referents` reads a
text with "he"/"she" after them).

Only texts a caller stored count: notes and facts given to `add`/`add_many`. Facts derived
from a note (`metadata["derived_from"]`) and what consolidation wrote (`episode_ids`: its
facts and summaries) are readings of other texts, not something said; a deleted memory was
taken back by the caller. Episodes are not read: see `facts.referents` for why.
"""

from __future__ import annotations

import functools

from sqlalchemy import Select, bindparam, select

from agentmem.long_term.memory import LongTermMemory
from agentmem.long_term.plans import speaker_of
from agentmem.stores.schema import memories
from agentmem.types import Scope

STATED_KINDS = ("note", "fact")


def said_before(
    long_term: LongTermMemory, scope: Scope, speaker: str | None, window: int
) -> list[str]:
    """The texts `speaker` stored among the newest `window` notes and facts of exactly this
    scope (its user, agent and session; None matches only None), newest first: in the order
    they were written, which for concurrent writers is the order their transactions took
    the user's write lock.

    One query that stops at `window` rows (SQLite reads the scope index backwards;
    PostgreSQL the primary key once the table is analysed, else the scope index and a
    top-N sort); who said a row and where it came from are read here, not in SQL, where
    they would be parsed out of the JSON of every row of the scope."""
    values = {**scope.to_dict(), "window": window}
    statement = _statement(scope.agent_id is None, scope.session_id is None)
    with long_term.sql.begin() as conn:
        rows = conn.execute(statement, values).all()
    return [text for text, meta in rows if _stated_by(meta or {}, speaker)]


def _stated_by(meta: dict, speaker: str | None) -> bool:
    derived = meta.get("derived_from") is not None or meta.get("episode_ids") is not None
    return not derived and speaker_of(meta) == speaker


@functools.cache
def _statement(no_agent: bool, no_session: bool) -> Select:
    """The query for one shape of scope, built once (values bound by name)."""
    m = memories.c
    return (
        select(m.text, m.meta)
        .where(
            m.user_id == bindparam("user_id"),
            m.agent_id.is_(None) if no_agent else m.agent_id == bindparam("agent_id"),
            m.session_id.is_(None) if no_session else m.session_id == bindparam("session_id"),
            m.kind.in_(STATED_KINDS),
            m.status != "deleted",
        )
        .order_by(m.pk.desc())
        .limit(bindparam("window"))
    )


__all__ = ["said_before"]
