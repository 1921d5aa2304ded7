"""What the OpenAI-compatible `/v1/chat/completions` can honour, and the model card of `/v1/models`.

A request option the local model cannot honour is refused with 400 and the option's name,
never dropped: a client that asks for two choices, tool calls or a JSON schema and silently
gets one plain reply would act on an answer it did not ask for.
"""

from __future__ import annotations

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


__all__ = ["MODEL_ID", "finish_reason", "model_card", "refuse_unsupported", "usage"]
