"""What the OpenAI-compatible `/v1/chat/completions` can honour, and `/v1/models`.

A request option the local model cannot honour is refused with 400 and the option's name,
never dropped: a client that asks for two choices, tool calls or a JSON schema and silently
gets one plain reply would act on an answer it did not ask for.
"""

# No `from __future__ import annotations`: the routes' parameter types name a local
# (the caller dependency), which FastAPI can only read from evaluated annotations.
import time
from typing import Any

from agentmem.errors import ValidationError

MODEL_ID = "agentmem"
_STARTED = int(time.time())


def refuse_unsupported(options: dict[str, Any]) -> None:
    """400 for each option of OpenAI's request that changes the answer's shape and that the
    local model cannot produce (`options`: the request's fields beyond agentmem's own)."""
    n = options.get("n")
    if n is not None and n != 1:
        raise ValidationError(f"n={n!r}: this service returns one choice per request; send n=1")
    for name in ("tools", "functions"):
        if options.get(name):
            raise ValidationError(
                f"{name}: the local model cannot call tools; leave {name} out "
                "(and tool_choice with it)"
            )
    fmt = options.get("response_format")
    kind = fmt.get("type") if isinstance(fmt, dict) else fmt
    if fmt is not None and kind != "text":
        raise ValidationError(
            f"response_format={kind!r}: the local model cannot guarantee JSON output; "
            "send response_format={'type': 'text'} or leave it out"
        )
    if options.get("logprobs") or options.get("top_logprobs"):
        raise ValidationError("logprobs: this service does not return log probabilities")


def finish_reason(reply: Any) -> str:
    """ "length" when the reply was cut by max_tokens, else "stop"."""
    return (reply.kv.get("finish_reason") if reply is not None else None) or "stop"


def usage(reply: Any) -> dict[str, int]:
    """Tokens in the model's prompt (an activation snapshot's prefix included) and reply."""
    kv = reply.kv if reply is not None else {}
    completion = int(kv.get("decode_tokens", 0))
    prompt = int(kv.get("tokens_seen", 0)) - completion
    if prompt <= 0:
        prompt = int(kv.get("prefill_tokens", 0))
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def model_card(model_id: str = MODEL_ID) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": _STARTED, "owned_by": "agentmem"}


def register(app: Any, caller: Any) -> None:
    """`GET /v1/models` and `GET /v1/models/{id}` (what OpenAI clients list and check)."""
    from agentmem.errors import NotFoundError

    @app.get("/v1/models", tags=["chat"])
    def list_models(users: caller) -> dict[str, Any]:
        return {"object": "list", "data": [model_card()]}

    @app.get("/v1/models/{model_id}", tags=["chat"])
    def read_model(model_id: str, users: caller) -> dict[str, Any]:
        if model_id != MODEL_ID:
            raise NotFoundError(f"no model {model_id!r}; this service serves {MODEL_ID!r}")
        return model_card()


__all__ = ["MODEL_ID", "finish_reason", "model_card", "refuse_unsupported", "register", "usage"]
