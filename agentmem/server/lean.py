"""The lean path of the service's busiest routes: a well-formed request answered without
FastAPI's per-request machinery, a malformed one handed to FastAPI untouched.

Profiled under `agentmem bench load` (search, 32 clients, 2,000 memories over 200 users),
the route cost as much CPU as the search itself: FastAPI resolved the bearer scheme and
the query-key check as dependencies, validated the body through its field machinery and
handed the endpoint to a thread through anyio's limiter, 1.0-1.6 ms a request on top of
2.2-3.0 ms of `Memory.search`. A lean route is a POST whose only inputs are a JSON body of
one pydantic model and the caller's API key. For such a request, `LeanRoutes` checks the
key, decodes the body with the stdlib decoder FastAPI uses and validates it with the same
model, then runs the same handler in one thread hop and encodes the answer as `JSONRoute`
does, so the answer's bytes and headers are those of the FastAPI route.

Anything else goes to the app as it came (the body replayed), so that every refusal, its
status and its body, is FastAPI's own: a query string, another content type, a missing or
unknown key, a body that is not JSON or that the model refuses. An exception raised by the
handler is answered by the app's exception handlers; one they do not handle propagates to
the server-error middleware outside, as from any route. The FastAPI route stays registered
for the OpenAPI spec and for the requests handed over.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as BodyError
from starlette.requests import Request
from starlette.responses import Response

from agentmem.server.json_route import dumps

THREADS = 40  # as many as the thread pool FastAPI hands sync endpoints to (anyio's default)
Handler = Callable[[Any, set[str]], Any]  # (validated body, the key's users) -> JSON answer


@dataclass(frozen=True)
class LeanRoute:
    model: type[BaseModel]
    handler: Handler
    status: int = 200


class LeanTable:
    """The lean routes of one app, by (method, path), filled as the routes are registered."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], LeanRoute] = {}

    def post(self, path: str, model: type[BaseModel], status: int = 200):
        """Decorator: `handler(body, users)` answers POST `path` on the lean path."""

        def register(handler: Handler) -> Handler:
            key = ("POST", path)
            if key in self.routes:
                raise ValueError(f"lean route POST {path} registered twice; register it once")
            self.routes[key] = LeanRoute(model, handler, status)
            return handler

        return register


class LeanRoutes:
    """ASGI middleware over the app's router: answers the table's routes leanly (see the
    module docstring). `app_of_record` is the FastAPI app: its API keys and its exception
    handlers."""

    def __init__(self, app: Any, table: LeanTable, app_of_record: Any) -> None:
        self.app, self.table, self.owner = app, table, app_of_record
        self._threads: ThreadPoolExecutor | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        route = None
        if scope["type"] == "http" and not scope.get("query_string"):
            route = self.table.routes.get((scope["method"], scope["path"]))
        users = route and self._users(scope["headers"])
        if users is None:
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        value = _validated(route.model, body)
        if value is None:
            return await self.app(scope, replay_body(body, receive), send)
        try:
            answer = await self._run(route.handler, value, users)
        except Exception as exc:
            response = await self._error(scope, receive, exc)
        else:
            response = (
                answer
                if isinstance(answer, Response)
                else Response(answer, status_code=route.status, media_type="application/json")
            )
        await response(scope, receive, send)

    def _users(self, headers: list[tuple[bytes, bytes]]) -> set[str] | None:
        """The users of a well-formed JSON request's bearer key; None to hand it over."""
        auth = kind = None
        for name, value in headers:
            if name == b"authorization" and auth is None:
                auth = value
            elif name == b"content-type" and kind is None:
                kind = value
        if auth is None or kind is None or kind.split(b";")[0].strip() != b"application/json":
            return None
        scheme, _, token = auth.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.owner.state.api_keys.get(token.strip())

    async def _run(self, handler: Handler, value: Any, users: set[str]) -> Any:
        """The handler and the encoding of its answer, in one hop to a thread."""
        if self._threads is None:
            self._threads = ThreadPoolExecutor(THREADS, thread_name_prefix="agentmem-lean")

        def work() -> Any:
            answer = handler(value, users)
            return answer if isinstance(answer, Response) else dumps(answer)

        return await asyncio.get_running_loop().run_in_executor(self._threads, work)

    async def _error(self, scope: dict, receive: Any, exc: Exception) -> Response:
        handlers = self.owner.exception_handlers
        for cls in type(exc).__mro__:
            if cls in handlers:
                response = handlers[cls](Request(scope, receive), exc)
                return await response if inspect.isawaitable(response) else response
        raise exc


def _validated(model: type[BaseModel], body: bytes) -> BaseModel | None:
    """The body as FastAPI reads it (stdlib JSON, then the model), None where it would not."""
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, BodyError):  # JSONDecodeError and UnicodeDecodeError included
        return None


def replay_body(body: bytes, receive: Any) -> Callable[[], Any]:
    """An ASGI `receive` that gives the body already read once, then defers to `receive`."""
    sent = False

    async def replayed() -> dict:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
