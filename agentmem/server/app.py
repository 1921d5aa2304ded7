"""The HTTP service for chatbot backends (FastAPI): memory endpoints, chat, and an
OpenAI-compatible `/v1/chat/completions` that adds memory to any chat client.

    from agentmem.server import create_app
    app = create_app(MemoryConfig(...), api_keys={"key1": {"alice", "bob"}})
    # uvicorn.run(app) — or: agentmem serve --port 8080

Every route but `/healthz` and the OpenAPI pages needs `Authorization: Bearer <key>`
(`auth`); the routes live in `routes_memory` and `routes_chat`, their bodies in `schemas`.
A well-formed request to one of the busiest routes is answered by `lean` (the same
handler and answer, without FastAPI's per-request work); every other request, and every
refusal, is FastAPI's.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

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

from fastapi import Depends, FastAPI, HTTPException, Request  # noqa: E402
from fastapi.exceptions import RequestValidationError  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.exceptions import HTTPException as StarletteHTTPException  # noqa: E402

from agentmem.server import docs as server_docs  # noqa: E402
from agentmem.server import routes_chat, routes_memory  # noqa: E402
from agentmem.server.auth import ApiKeys, resolve_api_keys  # noqa: E402
from agentmem.server.contract import document_errors, methods_of  # noqa: E402
from agentmem.server.json_route import JSONRoute  # noqa: E402
from agentmem.server.lean import LeanRoutes, LeanTable, replay_body  # noqa: E402


# --- the app --------------------------------------------------------------------------------
def create_app(
    memory_or_config: Any = None,
    *,
    api_keys: ApiKeys | str | None = None,
    max_body_bytes: int | None = None,
    writer_process: bool = False,
) -> FastAPI:
    """The service over a Memory (kept open by the caller) or a config (opened here).

    `writer_process`: adds and updates run in a child process over the same config
    (`server/writer.py`), started here and stopped with the app; the index must then be
    one that several processes can open (a Chroma server)."""
    from agentmem import Memory, __version__

    owned = not isinstance(memory_or_config, Memory)
    memory = (
        memory_or_config
        if not owned
        else Memory(memory_or_config if memory_or_config is not None else None)
    )
    keys = resolve_api_keys(memory.config, api_keys)
    limit = max_body_bytes or memory.config.api.max_body_bytes
    writer = _writer(memory) if writer_process else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if writer is not None:  # a child that cannot open its Memory stops the worker
            await run_in_threadpool(writer.ready)
        try:
            yield
        finally:
            if writer is not None:
                await run_in_threadpool(writer.close)
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
    lean = LeanTable()  # the busiest routes, answered without FastAPI's per-request work
    app.add_middleware(LeanRoutes, table=lean, app_of_record=app)
    app.add_middleware(BodyLimit, limit=limit)  # added last: outside, so it bounds both
    _errors(app)

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    routes_memory.register(app.router, memory, lean, writer)
    routes_chat.register(app.router, memory)
    server_docs.install(app)
    document_errors(app)
    return app


def _writer(memory: Any) -> Any:
    from agentmem.server.writer import WriterProcess

    if memory.config.chroma.host is None:
        raise ConfigError(
            "a writer process needs the vector index on a Chroma server (an embedded index "
            "belongs to one process): set chroma.host, or serve with --no-writer-process"
        )
    return WriterProcess(memory.config, hold=memory.long_term.indexer.hold)


async def _one_value_per_query_key(request: Request) -> None:
    """Every query parameter of the service is a single value: a repeated key is refused
    instead of silently taking its last value."""
    keys = [k for k, _ in request.query_params.multi_items()]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise HTTPException(
            422, f"query parameter(s) {repeated} given more than once; pass each at most once"
        )


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
        await self.app(scope, replay_body(bytes(body), receive), send)

    async def _too_large(self, scope: dict, receive: Any, send: Any) -> None:
        response = _error(
            413,
            "request_too_large",
            f"request body is over {self.limit} bytes; send less per request",
        )
        await response(scope, receive, send)


__all__ = ["create_app"]
