"""The one place agentmem calls a LangChain chat model (any `BaseChatModel`, hosted or
local): extraction, summarisation and the conflict judge all reach it through `complete`.

langchain-core is not imported here: the model object brings it, so agentmem without the
langchain extra never loads it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

# agentmem's chat roles -> LangChain's message types
ROLES = {"user": "human", "assistant": "ai", "system": "system"}


def complete(model: Any, messages: str | Sequence[dict[str, str]]) -> str:
    """The text of `model`'s reply to a prompt or to chat messages ({"role", "content"})."""
    if isinstance(messages, str):
        prompt: Any = messages
    else:
        prompt = [(ROLES.get(m["role"], m["role"]), m["content"]) for m in messages]
    reply = model.invoke(prompt)
    return text_of(getattr(reply, "content", reply))


def text_of(content: Any) -> str:
    """A reply's content as text: a string as it is; a list of content blocks (what
    multimodal models answer) as the text of its text blocks, in order; anything else as
    JSON (a structured answer stays parseable)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            block if isinstance(block, str) else str(block.get("text", ""))
            for block in content
            if isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text")
        )
    return json.dumps(content, default=str)


__all__ = ["ROLES", "complete", "text_of"]
