"""The chat routes: agentmem's own `/v1/chat` and the OpenAI-compatible
`/v1/chat/completions` and `/v1/models`. Streamed replies are server-sent events whose
generation is closed however the response ends (`stream.ClosingStream`)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Generator, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Header

from agentmem.errors import NotFoundError, ValidationError
from agentmem.server import openai_compat
from agentmem.server.auth import ANY_USER, Caller, check_user
from agentmem.server.schemas import ChatCompletionIn, ChatIn
from agentmem.server.stream import ClosingStream
from agentmem.types import Scope


def register(api: APIRouter, mem: Any) -> None:
    """The chat routes over `mem` on `api` (see `routes_memory.register`)."""
    _chat(api, mem)
    _completions(api, mem)
    _models(api)


def _chat(api: APIRouter, mem: Any) -> None:
    @api.post("/v1/chat", tags=["chat"])
    def chat(body: ChatIn, users: Caller) -> Any:
        check_user(users, body.user_id)
        stream = mem.chat_stream(
            body.message, body.scope(), tiers=body.tiers, max_new_tokens=_cap(mem, body.max_tokens)
        )
        if not body.stream:
            stream.text()
            return stream.reply.to_dict()
        return ClosingStream(_sse_chat(stream))


def _completions(api: APIRouter, mem: Any) -> None:
    @api.post("/v1/chat/completions", tags=["chat"])
    def chat_completions(
        body: ChatCompletionIn, users: Caller, x_session_id: Annotated[str | None, Header()] = None
    ) -> Any:
        user_id = body.user or _only_user(users)
        check_user(users, user_id)
        openai_compat.refuse_unsupported(body.model_extra or {})
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
                    "finish_reason": openai_compat.finish_reason(stream.reply),
                    "logprobs": None,
                }
            ],
            "usage": openai_compat.usage(stream.reply),
        }


def _models(api: APIRouter) -> None:
    """`GET /v1/models` and `GET /v1/models/{id}` (what OpenAI clients list and check)."""

    @api.get("/v1/models", tags=["chat"])
    def list_models(users: Caller) -> dict[str, Any]:
        return {"object": "list", "data": [openai_compat.model_card()]}

    @api.get("/v1/models/{model_id}", tags=["chat"])
    def read_model(model_id: str, users: Caller) -> dict[str, Any]:
        if model_id != openai_compat.MODEL_ID:
            raise NotFoundError(
                f"no model {model_id!r}; this service serves {openai_compat.MODEL_ID!r}"
            )
        return openai_compat.model_card()


def _cap(mem: Any, requested: int | None) -> int:
    cap = mem.config.api.max_new_tokens
    return min(requested, cap) if requested else min(mem.config.llm.max_new_tokens, cap)


def _only_user(users: set[str]) -> str:
    if len(users) == 1 and ANY_USER not in users:
        return next(iter(users))
    raise ValidationError("set 'user' to the user id this conversation belongs to")


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
                {
                    "index": 0,
                    "delta": {},
                    "finish_reason": openai_compat.finish_reason(stream.reply),
                }
            ],
            "usage": openai_compat.usage(stream.reply),
        }
    )
    yield "data: [DONE]\n\n"
