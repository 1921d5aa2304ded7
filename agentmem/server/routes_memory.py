"""The memory routes: memories, search, the memory flow (observe, context) and conflicts.

The POST routes whose only inputs are one JSON body and the caller's key are also entered
in the app's lean table (`lean`): the same function answers there, called as
`handler(body, users)`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from agentmem.server.auth import Caller, check_user
from agentmem.server.fields import Kind, Status
from agentmem.server.json_route import dumps
from agentmem.server.lean import LeanTable
from agentmem.server.schemas import (
    SCOPE_ID_PATTERN,
    ContextIn,
    MemoryIn,
    MemoryPatch,
    ObserveIn,
    ResolveIn,
    SearchIn,
    record_out,
)
from agentmem.server.writer import HEADER
from agentmem.types import MAX_SCOPE_ID, Scope

MemoryIdP = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]
UserQ = Annotated[str, Query(min_length=1, max_length=MAX_SCOPE_ID, pattern=SCOPE_ID_PATTERN)]
AgentQ = Annotated[
    str | None, Query(min_length=1, max_length=MAX_SCOPE_ID, pattern=SCOPE_ID_PATTERN)
]


def register(api: APIRouter, mem: Any, lean: LeanTable, writer: Any = None) -> None:
    """The routes over `mem` on `api` (the app's own router, so that they share its
    dependencies and route class, and FastAPI versions that include sub-routers lazily
    still list them in `app.routes`); each answers for the users of the caller's key only.
    With a `writer` (`server/writer.py`), adds and updates run in the writer process."""
    _memories(api, mem, lean, _written(mem, writer))
    _flow(api, mem, lean)
    _conflicts(api, mem)


def _written(mem: Any, writer: Any) -> Callable[..., Any]:
    """`write(status, method, *args, **kwargs)`: the record `mem.<method>` returns, as the
    route's answer; run by `writer` when there is one, its pid in `X-Agentmem-Writer`.
    Adds and updates parse text and plan conflicts (most of an add's CPU); deletes and
    conflict resolutions stay in the worker (a row or two), and so do observe and chat,
    whose working context the worker caches."""
    if writer is None:
        return lambda _status, method, *args, **kwargs: record_out(
            getattr(mem, method)(*args, **kwargs)
        )

    def write(status: int, method: str, *args: Any, **kwargs: Any) -> Response:
        answer = writer.call(method, *args, **kwargs)
        return Response(
            dumps(record_out(answer.value)),
            status_code=status,
            media_type="application/json",
            headers={HEADER: str(answer.pid)},
        )

    return write


def _memories(api: APIRouter, mem: Any, lean: LeanTable, write: Callable[..., Any]) -> None:
    @lean.post("/v1/memories", MemoryIn, status=201)
    @api.post("/v1/memories", status_code=201, tags=["memories"])
    def create_memory(body: MemoryIn, users: Caller) -> dict[str, Any]:
        check_user(users, body.user_id)
        return write(
            201,
            "add",
            body.text,
            body.scope(),
            body.metadata,
            kind=body.kind,
            importance=body.importance,
        )

    @api.get("/v1/memories", tags=["memories"])
    def list_memories(
        users: Caller,
        user_id: UserQ,
        agent_id: AgentQ = None,
        kind: Kind | None = None,
        status: Status = "active",
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        check_user(users, user_id)
        scope = Scope(user_id=user_id, agent_id=agent_id)
        found = mem.list_memories(scope, kind=kind, status=status, limit=limit)
        return {"memories": [record_out(r) for r in found]}

    @api.get("/v1/memories/{memory_id}", tags=["memories"])
    def read_memory(
        memory_id: MemoryIdP, users: Caller, user_id: UserQ, as_of: datetime | None = None
    ) -> dict[str, Any]:
        check_user(users, user_id)
        return record_out(mem.get(memory_id, user_id, as_of=as_of))

    @api.patch("/v1/memories/{memory_id}", tags=["memories"])
    @api.put("/v1/memories/{memory_id}", tags=["memories"])  # PATCH under another name
    def update_memory(memory_id: MemoryIdP, body: MemoryPatch, users: Caller) -> dict[str, Any]:
        check_user(users, body.user_id)
        return write(200, "update", memory_id, body.text, body.user_id, metadata=body.metadata)

    @api.delete("/v1/memories/{memory_id}", status_code=204, tags=["memories"])
    def delete_memory(memory_id: MemoryIdP, users: Caller, user_id: UserQ) -> Response:
        check_user(users, user_id)
        mem.delete(memory_id, user_id)
        return Response(status_code=204)

    @api.get("/v1/memories/{memory_id}/history", tags=["memories"])
    def memory_history(memory_id: MemoryIdP, users: Caller, user_id: UserQ) -> dict[str, Any]:
        check_user(users, user_id)
        return {
            "memory_id": memory_id,
            "events": [e.to_dict() for e in mem.history(memory_id, user_id)],
        }

    @lean.post("/v1/search", SearchIn)
    @api.post("/v1/search", tags=["memories"])
    def search(body: SearchIn, users: Caller) -> dict[str, Any]:
        check_user(users, body.user_id)
        hits = mem.search(
            body.query,
            body.scope(),
            mode=body.mode,
            top_k=body.top_k,
            filters=body.filters.to_dict() if body.filters else None,
            as_of=body.as_of,
            explain=body.explain,
        )
        return {
            "results": [
                {**record_out(h.record), "score": h.score, "explanation": h.explanation}
                for h in hits
            ]
        }


def _flow(api: APIRouter, mem: Any, lean: LeanTable) -> None:
    @lean.post("/v1/observe", ObserveIn)
    @api.post("/v1/observe", tags=["memory flow"])
    def observe(body: ObserveIn, users: Caller) -> dict[str, Any]:
        check_user(users, body.user_id)
        return mem.observe(body.role, body.content, body.scope(), metadata=body.metadata).to_dict()

    @lean.post("/v1/context", ContextIn)
    @api.post("/v1/context", tags=["memory flow"])
    def context(body: ContextIn, users: Caller) -> dict[str, Any]:
        check_user(users, body.user_id)
        return mem.context(body.query, body.scope(), body.max_tokens).to_dict()


def _conflicts(api: APIRouter, mem: Any) -> None:
    @api.get("/v1/conflicts", tags=["conflicts"])
    def conflicts(
        users: Caller, user_id: UserQ, status: Literal["open", "resolved", "all"] = "open"
    ) -> dict[str, Any]:
        check_user(users, user_id)
        items = mem.conflicts(user_id, status=None if status == "all" else status)
        return {"conflicts": [c.to_dict() for c in items]}

    @api.post("/v1/conflicts/{conflict_id}/resolve", tags=["conflicts"])
    def resolve(conflict_id: MemoryIdP, body: ResolveIn, users: Caller) -> dict[str, Any]:
        check_user(users, body.user_id)
        events = mem.resolve_conflict(conflict_id, body.choice, body.user_id)
        return {"events": [e.to_dict() for e in events]}
