"""The HTTP service for chatbot backends (FastAPI): memory endpoints, chat, and an
OpenAI-compatible `/v1/chat/completions` that adds memory to any chat client.

    from agentmem.server import create_app
    app = create_app(MemoryConfig(...), api_keys={"key1": {"alice", "bob"}})
    # uvicorn.run(app) — or: agentmem serve --port 8080

Every route but `/healthz` and the OpenAPI pages needs `Authorization: Bearer <key>`; a key
acts only for the users it maps to (`"*"`: any). Asking for another user's data is 403;
an id from another user's scope is 404, exactly like an id that does not exist.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Generator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from agentmem.errors import (
    AgentMemError,
    ConfigError,
    ConflictStateError,
    ModelError,
    NotFoundError,
    ValidationError,
    require,
)

require("fastapi", "server")

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request  # noqa: E402
from fastapi.exceptions import RequestValidationError  # noqa: E402
from fastapi.responses import JSONResponse, Response  # noqa: E402
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer  # noqa: E402
from pydantic import BaseModel, ConfigDict, Field  # noqa: E402
from starlette.exceptions import HTTPException as StarletteHTTPException  # noqa: E402

from agentmem.config import MemoryConfig  # noqa: E402
from agentmem.server import docs as server_docs  # noqa: E402
from agentmem.server import openai_compat as openai_api  # noqa: E402
from agentmem.server.contract import document_errors, methods_of  # noqa: E402
from agentmem.server.fields import (  # noqa: E402
    IsoDateTime,
    Kind,
    Metadata,
    Plain,
    SearchFilters,
    Status,
    Text,
    integer,
)
from agentmem.server.json_route import JSONRoute  # noqa: E402
from agentmem.server.stream import ClosingStream  # noqa: E402
from agentmem.types import MemoryRecord, Scope  # noqa: E402

ENV_KEYS = "AGENTMEM_API_KEYS"
ANY_USER = "*"
ApiKeys = dict[str, set[str]]
# The schema itself refuses what Scope refuses (NUL, blank), so clients see it in the spec.
ScopeId = Annotated[
    str, Field(min_length=1, max_length=256, pattern=r"^[^\x00]*[^\x00\s][^\x00]*$")
]


def parse_api_keys(text: str) -> ApiKeys:
    """`"key1:alice,bob;key2:carol"` -> {"key1": {"alice", "bob"}, "key2": {"carol"}}."""
    keys: ApiKeys = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, users = part.partition(":")
        names = {u.strip() for u in users.split(",") if u.strip()}
        if not sep or not key.strip() or not names:
            raise ConfigError(f"API keys are 'key:user1,user2;key2:user3', got {part!r}")
        keys.setdefault(key.strip(), set()).update(names)
    return keys


def resolve_api_keys(config: MemoryConfig, api_keys: ApiKeys | str | None) -> ApiKeys:
    """Keys given to create_app, else the config's `api.keys` plus AGENTMEM_API_KEYS."""
    if isinstance(api_keys, str):
        return parse_api_keys(api_keys)
    if api_keys is not None:
        return {k: set(v) for k, v in api_keys.items()}
    keys = {k: set(v) for k, v in config.api.keys.items()}
    for key, users in parse_api_keys(os.environ.get(ENV_KEYS, "")).items():
        keys.setdefault(key, set()).update(users)
    return keys


# --- request bodies -----------------------------------------------------------------------
# Request bodies are strict: JSON `false` is not a number nor `"5"` an integer, as the spec says.
STRICT = ConfigDict(extra="forbid", strict=True)


class ScopeIn(BaseModel):
    model_config = STRICT
    user_id: ScopeId
    agent_id: ScopeId | None = None
    session_id: ScopeId | None = None

    def scope(self) -> Scope:
        return Scope(user_id=self.user_id, agent_id=self.agent_id, session_id=self.session_id)


class MemoryIn(ScopeIn):
    text: Text
    metadata: Metadata | None = None
    kind: Literal["note", "fact", "summary", "episode"] = "note"
    importance: float = Field(0.5, ge=0.0, le=1.0)


class MemoryPatch(BaseModel):
    model_config = STRICT
    user_id: ScopeId
    text: Text
    metadata: Metadata | None = None


class SearchIn(ScopeIn):
    query: Text
    top_k: integer(1, 1000) = 10  # type: ignore[valid-type]
    mode: Literal["hybrid", "semantic", "fulltext"] = "hybrid"
    filters: SearchFilters | None = None
    as_of: IsoDateTime | None = None
    explain: bool = False


class ObserveIn(ScopeIn):
    content: Text
    role: Literal["user", "assistant", "system", "tool", "document"] = "user"
    metadata: Metadata | None = None


class ContextIn(ScopeIn):
    query: Text | None = None
    max_tokens: integer(32, 1_000_000) | None = None  # type: ignore[valid-type]


class ResolveIn(BaseModel):
    model_config = STRICT
    user_id: ScopeId
    choice: Plain = Field(min_length=1, description="a memory id to keep, or new/old/dismiss")


class ChatIn(ScopeIn):
    message: str = Field(min_length=1)
    tiers: list[Literal["text", "kv", "parametric"]] | None = None
    max_tokens: int | None = Field(None, ge=1)
    stream: bool = False


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # OpenAI content parts: keep the text ones
            return "".join(p.get("text", "") for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionIn(BaseModel):
    """OpenAI's request shape; fields agentmem does not use are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = "agentmem"
    messages: list[ChatMessage] = Field(min_length=1)
    user: ScopeId | None = None
    stream: bool = False
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    session_id: ScopeId | None = Field(None, description="agentmem extension: the session")


# --- the app --------------------------------------------------------------------------------
def create_app(
    memory_or_config: Any = None,
    *,
    api_keys: ApiKeys | str | None = None,
    max_body_bytes: int | None = None,
) -> FastAPI:
    """The service over a Memory (kept open by the caller) or a config (opened here)."""
    from agentmem import Memory, __version__

    owned = not isinstance(memory_or_config, Memory)
    memory = (
        memory_or_config
        if not owned
        else Memory(memory_or_config if memory_or_config is not None else None)
    )
    keys = resolve_api_keys(memory.config, api_keys)
    limit = max_body_bytes or memory.config.api.max_body_bytes

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        if owned:
            memory.close()

    app = FastAPI(
        title="agentmem",
        version=__version__,
        lifespan=lifespan,
        description="Memory for LLM agents: text, KV and parametric memory.",
        docs_url=None,  # served from local assets by server_docs (no CDN)
        redoc_url=None,
        dependencies=[Depends(_one_value_per_query_key)],
    )
    app.router.route_class = JSONRoute  # plain-dict answers encoded in the endpoint's thread
    app.state.memory = memory
    app.state.api_keys = keys
    app.add_middleware(BodyLimit, limit=limit)
    _errors(app)
    _routes(app, memory, __version__)
    openai_api.register(app, Caller)
    server_docs.install(app)
    document_errors(app)
    return app


async def _one_value_per_query_key(request: Request) -> None:
    """Every query parameter of the service is a single value: a repeated key is refused
    instead of silently taking its last value."""
    keys = [k for k, _ in request.query_params.multi_items()]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise HTTPException(
            422, f"query parameter(s) {repeated} given more than once; pass each at most once"
        )


_BEARER = HTTPBearer(auto_error=False, description="an API key; it acts for the users it maps to")


async def allowed_users(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None,
) -> set[str]:
    """The users the bearer key of this request may act for (401 without a known key).
    The key is declared as the spec's bearer security scheme. Async: a dict lookup,
    answered on the event loop rather than a thread of its own."""
    token = credentials.credentials if credentials is not None else ""
    if not token.strip():
        raise HTTPException(
            401,
            "send the API key as 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    users = request.app.state.api_keys.get(token.strip())
    if users is None:
        raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "Bearer"})
    return users


Caller = Annotated[set[str], Depends(allowed_users)]
MemoryIdP = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]
UserQ = Annotated[str, Query(min_length=1, max_length=256, pattern=r"^[^\x00]*[^\x00\s][^\x00]*$")]
AgentQ = Annotated[
    str | None, Query(min_length=1, max_length=256, pattern=r"^[^\x00]*[^\x00\s][^\x00]*$")
]


def check_user(users: set[str], user_id: str) -> None:
    if ANY_USER not in users and user_id not in users:
        raise HTTPException(403, f"this API key may not act for user {user_id!r}")


def record_out(record: MemoryRecord) -> dict[str, Any]:
    return {**record.to_dict(), "user_id": record.scope.user_id}


def _routes(app: FastAPI, mem: Any, version: str) -> None:
    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": version}

    @app.post("/v1/memories", status_code=201, tags=["memories"])
    def create_memory(body: MemoryIn, users: Caller) -> dict[str, Any]:
        check_user(users, body.user_id)
        return record_out(
            mem.add(
                body.text, body.scope(), body.metadata, kind=body.kind, importance=body.importance
            )
        )

    @app.get("/v1/memories", tags=["memories"])
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

    @app.get("/v1/memories/{memory_id}", tags=["memories"])
    def read_memory(
        memory_id: MemoryIdP, users: Caller, user_id: UserQ, as_of: datetime | None = None
    ) -> dict[str, Any]:
        check_user(users, user_id)
        return record_out(mem.get(memory_id, user_id, as_of=as_of))

    @app.patch("/v1/memories/{memory_id}", tags=["memories"])
    @app.put("/v1/memories/{memory_id}", tags=["memories"])  # PATCH under another name
    def update_memory(memory_id: MemoryIdP, body: MemoryPatch, users: Caller) -> dict[str, Any]:
        check_user(users, body.user_id)
        return record_out(mem.update(memory_id, body.text, body.user_id, metadata=body.metadata))

    @app.delete("/v1/memories/{memory_id}", status_code=204, tags=["memories"])
    def delete_memory(memory_id: MemoryIdP, users: Caller, user_id: UserQ) -> Response:
        check_user(users, user_id)
        mem.delete(memory_id, user_id)
        return Response(status_code=204)

    @app.get("/v1/memories/{memory_id}/history", tags=["memories"])
    def memory_history(memory_id: MemoryIdP, users: Caller, user_id: UserQ) -> dict[str, Any]:
        check_user(users, user_id)
        return {
            "memory_id": memory_id,
            "events": [e.to_dict() for e in mem.history(memory_id, user_id)],
        }

    @app.post("/v1/search", tags=["memories"])
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

    @app.post("/v1/observe", tags=["memory flow"])
    def observe(body: ObserveIn, users: Caller) -> dict[str, Any]:
        check_user(users, body.user_id)
        return mem.observe(body.role, body.content, body.scope(), metadata=body.metadata).to_dict()

    @app.post("/v1/context", tags=["memory flow"])
    def context(body: ContextIn, users: Caller) -> dict[str, Any]:
        check_user(users, body.user_id)
        return mem.context(body.query, body.scope(), body.max_tokens).to_dict()

    @app.get("/v1/conflicts", tags=["conflicts"])
    def conflicts(
        users: Caller, user_id: UserQ, status: Literal["open", "resolved", "all"] = "open"
    ) -> dict[str, Any]:
        check_user(users, user_id)
        items = mem.conflicts(user_id, status=None if status == "all" else status)
        return {"conflicts": [c.to_dict() for c in items]}

    @app.post("/v1/conflicts/{conflict_id}/resolve", tags=["conflicts"])
    def resolve(conflict_id: MemoryIdP, body: ResolveIn, users: Caller) -> dict[str, Any]:
        check_user(users, body.user_id)
        events = mem.resolve_conflict(conflict_id, body.choice, body.user_id)
        return {"events": [e.to_dict() for e in events]}

    @app.post("/v1/chat", tags=["chat"])
    def chat(body: ChatIn, users: Caller) -> Any:
        check_user(users, body.user_id)
        stream = mem.chat_stream(
            body.message, body.scope(), tiers=body.tiers, max_new_tokens=_cap(mem, body.max_tokens)
        )
        if not body.stream:
            stream.text()
            return stream.reply.to_dict()
        return ClosingStream(_sse_chat(stream))

    @app.post("/v1/chat/completions", tags=["chat"])
    def chat_completions(
        body: ChatCompletionIn, users: Caller, x_session_id: Annotated[str | None, Header()] = None
    ) -> Any:
        user_id = body.user or _only_user(users)
        check_user(users, user_id)
        openai_api.refuse_unsupported(body.model_extra or {})
        messages = [
            {"role": "system" if m.role == "developer" else m.role, "content": m.text()}
            for m in body.messages
        ]
        last = next((m["content"] for m in reversed(messages) if m["role"] == "user"), None)
        if not last:
            raise ValidationError("messages must contain a user message with text")
        scope = Scope(user_id=user_id, session_id=body.session_id or x_session_id)
        stream = mem.chat_stream(
            last,
            scope,
            messages=messages,
            max_new_tokens=_cap(mem, body.max_completion_tokens or body.max_tokens),
            stop=(body.model_extra or {}).get("stop"),
        )
        meta = {
            "id": "chatcmpl-" + uuid.uuid4().hex,
            "created": int(time.time()),
            "model": body.model,
        }
        if body.stream:
            return ClosingStream(_sse_openai(stream, meta))
        text = stream.text()
        return {
            **meta,
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": openai_api.finish_reason(stream.reply),
                    "logprobs": None,
                }
            ],
            "usage": _usage(stream.reply),
        }


def _cap(mem: Any, requested: int | None) -> int:
    cap = mem.config.api.max_new_tokens
    return min(requested, cap) if requested else min(mem.config.llm.max_new_tokens, cap)


def _only_user(users: set[str]) -> str:
    if len(users) == 1 and ANY_USER not in users:
        return next(iter(users))
    raise ValidationError("set 'user' to the user id this conversation belongs to")


def _usage(reply: Any) -> dict[str, int]:
    return openai_api.usage(reply)


def _sse(data: Any) -> str:
    return f"data: {json.dumps(data, default=str)}\n\n"


def _sse_chat(stream: Any) -> Generator[str, None, None]:
    try:
        for piece in stream:
            yield _sse({"delta": piece})
        yield _sse({"done": True, "reply": stream.reply.to_dict()})
    finally:
        stream.close()


def _sse_openai(stream: Any, meta: dict[str, Any]) -> Generator[str, None, None]:
    try:
        yield from _openai_events(stream, meta)
    finally:
        stream.close()


def _openai_events(stream: Any, meta: dict[str, Any]) -> Iterator[str]:
    chunk = {**meta, "object": "chat.completion.chunk"}
    yield _sse(
        {
            **chunk,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
            ],
        }
    )
    for piece in stream:
        yield _sse(
            {**chunk, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        )
    yield _sse(
        {
            **chunk,
            "choices": [
                {"index": 0, "delta": {}, "finish_reason": openai_api.finish_reason(stream.reply)}
            ],
            "usage": _usage(stream.reply),
        }
    )
    yield "data: [DONE]\n\n"


# --- errors: 4xx with a useful body, never a bare 500 for bad input ----------------------
_STATUS = [
    (NotFoundError, 404, "not_found"),
    (ValidationError, 400, "invalid_request_error"),
    (ConflictStateError, 409, "conflict"),
    (ConfigError, 500, "config_error"),
    (ModelError, 503, "model_unavailable"),
    (AgentMemError, 500, "server_error"),
]


def _error(status: int, kind: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(
        {"error": {"type": kind, "message": message, "code": status, **extra}}, status_code=status
    )


def _errors(app: FastAPI) -> None:
    @app.exception_handler(AgentMemError)
    async def agentmem_error(_request: Request, exc: AgentMemError) -> JSONResponse:
        status, kind = next((s, k) for cls, s, k in _STATUS if isinstance(exc, cls))
        return _error(status, kind, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kinds = {401: "authentication_error", 403: "permission_error", 404: "not_found"}
        response = _error(
            exc.status_code, kinds.get(exc.status_code, "http_error"), str(exc.detail)
        )
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:  # Starlette lists only the first route of the path
            response.headers["Allow"] = ", ".join(methods_of(app, request))
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        where = "; ".join(f"{'.'.join(str(p) for p in d['loc'])}: {d['msg']}" for d in details)
        return _error(422, "invalid_request_error", where or "invalid request", details=details)


class BodyLimit:
    """ASGI middleware: refuse request bodies over `limit` bytes with 413 before any work."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._too_large(scope, receive, send)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                return await self._too_large(scope, receive, send)
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, scope: dict, receive: Any, send: Any) -> None:
        response = _error(
            413,
            "request_too_large",
            f"request body is over {self.limit} bytes; send less per request",
        )
        await response(scope, receive, send)


__all__ = ["create_app", "parse_api_keys", "resolve_api_keys"]
