"""The HTTP service's OpenAPI spec as a contract: every status a route can send, with the
error body the service really sends, and the Allow header of a 405 listing every method of
the path. `document_errors(app)` is applied once the routes are registered, so routes added
later are documented by the same rule."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    type: str = Field(description="invalid_request_error, authentication_error, not_found ...")
    message: str = Field(description="what was wrong, naming the value, and the fix")
    code: int = Field(description="the HTTP status")
    details: list[dict[str, Any]] | None = Field(
        None, description="422 only: each field that failed, with its location"
    )


class ErrorBody(BaseModel):
    """The body of every error the service sends (never FastAPI's `{"detail": ...}`)."""

    error: ErrorDetail


_REF = "#/components/schemas/"
_ERROR_DOCS = {
    400: "a value the memory refuses (text, metadata, filters, dates, ids); nothing was written",
    401: "no API key, or an unknown one: send 'Authorization: Bearer <key>'",
    403: "this API key may not act for that user",
    404: "no such id in the user's scope",
    409: "the record or conflict is not in a state this change fits",
    413: "the request body is over the configured limit",
    422: "the request does not match this schema",
    503: "the language model could not be loaded or run",
}


def _error_statuses(route: Any) -> list[int]:
    """The errors a route can answer with, from what it is: authenticated, with a body,
    with an id in its path, changing state, or running the model."""
    if route.path == "/healthz":
        return []
    statuses = [400, 401, 403, 413, 422]
    if "{" in route.path:
        statuses.append(404)
    if route.methods & {"PATCH", "PUT", "DELETE"} or route.path.endswith("/resolve"):
        statuses.append(409)
    if "chat" in (route.tags or []):
        statuses.append(503)
    return sorted(statuses)


def document_errors(app: FastAPI) -> None:
    """Put every status a route sends, with the real error body, into the OpenAPI spec."""
    from fastapi.routing import APIRoute

    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for status in _error_statuses(route):
            route.responses.setdefault(
                status,
                {
                    "description": _ERROR_DOCS[status],
                    "content": {"application/json": {"schema": {"$ref": _REF + "ErrorBody"}}},
                },
            )
        if "chat" in (route.tags or []):  # `stream: true` answers with server-sent events
            ok = route.responses.setdefault(200, {})
            ok.setdefault("content", {})["text/event-stream"] = {"schema": {"type": "string"}}
    app.openapi_schema = None
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        # pydantic puts a key pattern under patternProperties, which alone lets other keys
        # through; the keys a constrained dict accepts are only those.
        spec = plain_openapi()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        if "ErrorBody" not in schemas:
            body = ErrorBody.model_json_schema(ref_template=_REF + "{model}")
            schemas.update(body.pop("$defs", {}), ErrorBody=body)
        _closed_key_sets(spec)
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _closed_key_sets(node: Any) -> None:
    if isinstance(node, dict):
        if "patternProperties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _closed_key_sets(value)
    elif isinstance(node, list):
        for value in node:
            _closed_key_sets(value)


def methods_of(app: FastAPI, request: Request) -> list[str]:
    """Every method some route serves at the request's path."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


__all__ = ["ErrorBody", "document_errors", "methods_of"]
