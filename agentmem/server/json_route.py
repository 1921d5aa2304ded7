"""A lean route for the HTTP service: JSON built once, in the endpoint's own thread.

FastAPI answers a sync endpoint annotated `-> dict[str, Any]` with two more hops after the
endpoint's own: the return value is validated against `dict[str, Any]` in the thread pool
(a check that cannot fail) and then serialised on the event loop. `JSONRoute` wraps such
endpoints so the thread that did the work also encodes the answer (orjson when installed),
and the event loop only sends the bytes: one thread hop per request.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from typing import Any, get_type_hints

from fastapi.encoders import jsonable_encoder
from fastapi.routing import APIRoute
from starlette.responses import Response

try:
    import orjson
except ImportError:  # the stdlib encoder gives the same JSON, a few times slower
    orjson = None


def dumps(data: Any) -> bytes:
    """JSON bytes; types JSON lacks (numpy scalars, dates...) as FastAPI would encode them."""
    if orjson is not None:
        return orjson.dumps(data, default=jsonable_encoder, option=orjson.OPT_NON_STR_KEYS)
    return json.dumps(jsonable_encoder(data), separators=(",", ":")).encode()


class JSONRoute(APIRoute):
    """An APIRoute that encodes plain-dict answers of sync endpoints in their thread."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if _plain_sync(endpoint) and _no_model(kwargs.get("response_model")):
            endpoint = _encoding(endpoint, kwargs.get("status_code") or 200)
            kwargs["response_model"] = None
        super().__init__(path, endpoint, **kwargs)


def _no_model(response_model: Any) -> bool:
    from fastapi.datastructures import DefaultPlaceholder

    return response_model is None or isinstance(response_model, DefaultPlaceholder)


def _plain_sync(endpoint: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(endpoint) or inspect.isgeneratorfunction(endpoint):
        return False
    try:
        answer = get_type_hints(endpoint).get("return")
    except Exception:  # an annotation that does not resolve: leave the route to FastAPI
        return False
    return answer == dict[str, Any]


def _encoding(endpoint: Callable[..., Any], status: int) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def encoded(*args: Any, **kwargs: Any) -> Any:
        answer = endpoint(*args, **kwargs)
        if isinstance(answer, Response):
            return answer
        return Response(dumps(answer), status_code=status, media_type="application/json")

    return encoded
