"""The episodes table: what was said, in order, per session slot (a part of `SQLStore`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import false, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from agentmem.stores.schema import episodes, memories
from agentmem.stores.sql_rows import from_row, storable, to_row
from agentmem.types import Episode, Scope


class EpisodeTable:
    """Episodes: logged before anything else happens to an input, never rewritten."""

    def insert_episodes(self, conn: Connection, items: Sequence[Episode]) -> None:
        if items:
            conn.execute(episodes.insert(), [to_row(e) for e in items])

    def next_episode_seq(self, conn: Connection, scope: Scope) -> int:
        stmt = select(func.coalesce(func.max(episodes.c.seq), 0)).where(
            episodes.c.user_id == scope.user_id,
            _eq_or_null(episodes.c.session_id, scope.session_id),
        )
        return int(conn.execute(stmt).scalar_one()) + 1

    def list_episodes(
        self,
        conn: Connection,
        scope: Scope,
        *,
        after_seq: int = 0,
        limit: int | None = None,
        unconsolidated: bool = False,
        newest_first: bool = False,
    ) -> list[Episode]:
        c = episodes.c
        stmt = select(episodes).where(*_session_of(scope), c.seq > after_seq)
        if unconsolidated:
            stmt = stmt.where(c.consolidated == false())
        stmt = stmt.order_by(c.seq.desc() if newest_first else c.seq.asc())
        if limit is not None:
            stmt = stmt.limit(limit)
        return [from_row(Episode, r) for r in conn.execute(stmt)]

    def delete_episodes(self, conn: Connection, scope: Scope) -> int:
        """Delete the transcript of the scope's session (its agent's, or the agent-less one)."""
        return int(conn.execute(episodes.delete().where(*_session_of(scope))).rowcount or 0)

    def episodes_without_memory(self, conn: Connection, limit: int) -> list[Episode]:
        """Episodes that have no memory row of their own yet (oldest first)."""
        stmt = (
            select(episodes)
            .outerjoin(memories, memories.c.id == episodes.c.id)
            .where(memories.c.id.is_(None))
            .order_by(episodes.c.pk)
            .limit(limit)
        )
        return [from_row(Episode, r) for r in conn.execute(stmt)]

    def episodes_near(
        self,
        conn: Connection,
        user_id: str,
        session_id: str | None,
        seqs: Sequence[int],
        radius: int,
    ) -> list[Episode]:
        """The episodes of one session within `radius` of any of `seqs`, in order."""
        c = episodes.c
        near = or_(*(c.seq.between(s - radius, s + radius) for s in seqs))
        stmt = (
            select(episodes)
            .where(c.user_id == user_id, _eq_or_null(c.session_id, session_id), near)
            .order_by(c.seq)
        )
        return [from_row(Episode, r) for r in conn.execute(stmt)]

    def get_episodes(self, conn: Connection, ids: Sequence[str], user_id: str) -> list[Episode]:
        ids = [i for i in ids if storable(i)]
        if not ids:
            return []
        stmt = select(episodes).where(episodes.c.id.in_(ids), episodes.c.user_id == user_id)
        return [from_row(Episode, r) for r in conn.execute(stmt)]

    def mark_consolidated(self, conn: Connection, ids: Sequence[str], user_id: str) -> None:
        if ids:
            conn.execute(
                update(episodes)
                .where(episodes.c.id.in_(list(ids)), episodes.c.user_id == user_id)
                .values(consolidated=True)
            )

    def update_episode_meta(
        self, conn: Connection, episode_id: str, user_id: str, meta: dict[str, Any]
    ) -> None:
        """Replace an episode's metadata (its content is never changed)."""
        conn.execute(
            update(episodes)
            .where(episodes.c.id == episode_id, episodes.c.user_id == user_id)
            .values(meta=dict(meta))
        )


def _eq_or_null(column, value) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _session_of(scope: Scope) -> list[ColumnElement[bool]]:
    """The episodes of one session slot: a transcript belongs to its user, agent and session."""
    c = episodes.c
    return [
        c.user_id == scope.user_id,
        _eq_or_null(c.agent_id, scope.agent_id),
        _eq_or_null(c.session_id, scope.session_id),
    ]
