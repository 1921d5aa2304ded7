"""LangChain chat integrations: a session's messages as agentmem episodes
(`AgentMemChatMessageHistory`) and the local model with memory built in (`ChatAgentMem`).
Both are re-exported by `agentmem.adapters.langchain`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from agentmem.errors import require

require("langchain_core", "langchain")

from langchain_core.chat_history import BaseChatMessageHistory  # noqa: E402
from langchain_core.language_models.chat_models import BaseChatModel  # noqa: E402
from langchain_core.messages import (  # noqa: E402
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    message_to_dict,
    messages_from_dict,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult  # noqa: E402
from langchain_core.runnables.config import ensure_config  # noqa: E402
from pydantic import ConfigDict, Field  # noqa: E402

from agentmem.types import Scope  # noqa: E402

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


# --- BaseChatMessageHistory ----------------------------------------------------------------
class AgentMemChatMessageHistory(BaseChatMessageHistory):
    """A session's messages, stored as agentmem episodes (so they feed long-term memory too).

    `clear()` consolidates the session into long-term memory first, then removes its
    episodes: what was learned stays; the transcript goes.
    """

    def __init__(self, *, memory: Any, scope: Scope | str) -> None:
        self.memory = memory
        self.scope = Scope.coerce(scope)

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        episodes = self.memory.long_term.episodes(self.scope)
        out: list[BaseMessage] = []
        seen: set[str] = set()
        for e in episodes:
            stored = e.metadata.get("lc_message")
            if stored is not None:
                if e.metadata.get("lc_id") in seen:
                    continue  # a long message split into several episodes
                seen.add(e.metadata.get("lc_id"))
                out.extend(messages_from_dict([stored]))
            else:
                out.append(_message_for(e.role, e.content))
        return out

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        for m in messages:
            role = _ROLES.get(m.type, "user" if m.type == "chat" else "tool")
            text = m.content if isinstance(m.content, str) else m.text
            self.memory.observe(
                role,
                text or "(empty)",
                self.scope,
                metadata={"lc_message": message_to_dict(m), "lc_id": uuid.uuid4().hex},
            )

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        await asyncio.to_thread(self.add_messages, messages)

    async def aget_messages(self) -> list[BaseMessage]:
        return await asyncio.to_thread(lambda: self.messages)

    def clear(self) -> None:
        self.memory.clear_session(self.scope)


def _message_for(role: str, content: str) -> BaseMessage:
    if role == "user":
        return HumanMessage(content=content)
    if role == "assistant":
        return AIMessage(content=content)
    if role == "system":
        return SystemMessage(content=content)
    return ChatMessage(role=role, content=content)


# --- BaseChatModel ------------------------------------------------------------------------
class ChatAgentMem(BaseChatModel):
    """The local model with memory built in: each call retrieves the scope's memories into
    the prompt, runs under the configured KV policy, and is observed into memory."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    memory: Any
    scope: Any
    max_tokens: int = Field(64, gt=0)
    tiers: list[str] | None = None
    model_name: str = "agentmem-local"
    temperature: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "agentmem"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "max_tokens": self.max_tokens}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params.update(
            ls_provider="agentmem",
            ls_model_name=kwargs.get("model", self.model_name),
            ls_max_tokens=self.max_tokens,
            ls_temperature=self.temperature,
        )
        return params

    def _start(self, messages: list[BaseMessage], **kwargs: Any):
        conversation = [
            {
                "role": _ROLES.get(m.type, "user"),
                "content": m.content if isinstance(m.content, str) else m.text,
            }
            for m in messages
        ]
        last = (
            next((c["content"] for c in reversed(conversation) if c["role"] == "user"), None)
            or conversation[-1]["content"]
            or "(empty)"
        )
        conversation = [c if c["role"] != "tool" else {**c, "role": "user"} for c in conversation]
        scope = Scope.coerce(self.scope)
        history = self._history_scope(scope)
        return self.memory.chat_stream(
            last,
            history or scope,
            tiers=self.tiers,
            messages=conversation,
            max_new_tokens=kwargs.get("max_tokens", self.max_tokens),
            observe=history is None,
        )

    def _history_scope(self, scope: Scope) -> Scope | None:
        """The session scope of an AgentMemChatMessageHistory over this memory and user
        that a RunnableWithMessageHistory keeps this conversation in. That history stores
        every turn already; observing them here too would store each turn twice."""
        history = ensure_config().get("configurable", {}).get("message_history")
        if (
            isinstance(history, AgentMemChatMessageHistory)
            and history.memory is self.memory
            and history.scope.user_id == scope.user_id
        ):
            return history.scope
        return None

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        stream = self._start(messages, **kwargs)
        text = _cut(stream.text(), stop)
        message = AIMessage(
            content=text,
            usage_metadata=_usage(stream.reply),
            response_metadata={"model_name": self.model_name, "finish_reason": "stop"},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        stream = self._start(messages, **kwargs)
        pieces = iter(stream)
        emitted = ""
        for piece in pieces:
            text = _cut(emitted + piece, stop)
            delta, emitted = text[len(emitted) :], text
            if delta:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk
            if stop and len(text) < len(emitted + piece):
                break
        for _ in pieces:  # finish the turn (observed into memory) even after a stop word
            pass
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=_usage(stream.reply),
                response_metadata={"model_name": self.model_name, "finish_reason": "stop"},
                chunk_position="last",
            )
        )


def _cut(text: str, stop: list[str] | None) -> str:
    for word in stop or []:
        if word and word in text:
            text = text[: text.index(word)]
    return text


def _usage(reply: Any) -> dict[str, int]:
    kv = reply.kv if reply is not None else {}
    prompt, completion = int(kv.get("prefill_tokens", 0)), int(kv.get("decode_tokens", 0))
    return {
        "input_tokens": prompt,
        "output_tokens": completion,
        "total_tokens": prompt + completion,
    }


__all__ = ["AgentMemChatMessageHistory", "ChatAgentMem"]
