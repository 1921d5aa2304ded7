"""LangChain integrations: agentmem as chat history, retriever, key-value store, vector store,
embeddings, and a chat model with memory built in.

    from agentmem.adapters.langchain import AgentMemRetriever, ChatAgentMem
    retriever = AgentMemRetriever(memory=mem, scope=Scope(user_id="alice"), k=4)
    chat = ChatAgentMem(memory=mem, scope=Scope(user_id="alice", session_id="s1"))

Every class is confined to its `scope`: a user's documents, keys and messages are never
read or changed through another user's instance.

Store and vector-store entries are long-term memories of kind "note" written as given
(LangChain code expects exact round trips, so they skip fact extraction and conflict
resolution); overwrites and deletes keep their history like any other memory.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any

from agentmem.errors import ValidationError, require

require("langchain_core", "langchain")

from langchain_core.callbacks import CallbackManagerForRetrieverRun  # noqa: E402
from langchain_core.chat_history import BaseChatMessageHistory  # noqa: E402
from langchain_core.documents import Document  # noqa: E402
from langchain_core.embeddings import Embeddings  # noqa: E402
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
from langchain_core.retrievers import BaseRetriever  # noqa: E402
from langchain_core.runnables.config import ensure_config  # noqa: E402
from langchain_core.stores import BaseStore  # noqa: E402
from langchain_core.vectorstores import VectorStore  # noqa: E402
from pydantic import ConfigDict, Field  # noqa: E402

from agentmem.long_term.keyed import KEY, SPACE  # noqa: E402
from agentmem.types import MemoryRecord, Scope  # noqa: E402

KIND_OF_VALUE = "lc_type"
_PRIVATE = {KEY, SPACE, KIND_OF_VALUE}
_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def _public(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if k not in _PRIVATE}


# --- BaseStore ---------------------------------------------------------------------------
class AgentMemStore(BaseStore[str, Any]):
    """A key-value store over long-term memory. Values: str, bytes, or anything JSON can hold."""

    def __init__(self, *, memory: Any, scope: Scope | str, namespace: str = "kv") -> None:
        self._entries = memory.keyed(scope, f"store:{namespace}")

    def mget(self, keys: Sequence[str]) -> list[Any | None]:
        return [None if r is None else _decode_value(r) for r in self._entries.get(keys)]

    def mset(self, key_value_pairs: Sequence[tuple[str, Any]]) -> None:
        latest = dict(key_value_pairs)  # the last value of a repeated key wins
        self._entries.put([(k, *_encode_value(v)) for k, v in latest.items()])

    def mdelete(self, keys: Sequence[str]) -> None:
        self._entries.delete(keys)

    def yield_keys(self, *, prefix: str | None = None) -> Iterator[str]:
        for record in self._entries.records():
            key = record.metadata.get(KEY)
            if key is not None and (prefix is None or key.startswith(prefix)):
                yield key

    async def amget(self, keys: Sequence[str]) -> list[Any | None]:
        return await asyncio.to_thread(self.mget, keys)

    async def amset(self, key_value_pairs: Sequence[tuple[str, Any]]) -> None:
        await asyncio.to_thread(self.mset, key_value_pairs)

    async def amdelete(self, keys: Sequence[str]) -> None:
        await asyncio.to_thread(self.mdelete, keys)

    async def ayield_keys(self, *, prefix: str | None = None) -> AsyncIterator[str]:
        for key in await asyncio.to_thread(lambda: list(self.yield_keys(prefix=prefix))):
            yield key


def _encode_value(value: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(value, str):
        return value, {KIND_OF_VALUE: "str"}
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii"), {KIND_OF_VALUE: "bytes"}
    try:
        return json.dumps(value), {KIND_OF_VALUE: "json"}
    except (TypeError, ValueError):
        raise ValidationError(
            f"store values must be str, bytes or JSON-serialisable, got {type(value).__name__}"
        ) from None


def _decode_value(record: MemoryRecord) -> Any:
    kind = record.metadata.get(KIND_OF_VALUE)
    if kind == "bytes":
        return base64.b64decode(record.text)
    if kind == "json":
        return json.loads(record.text)
    return record.text


# --- VectorStore -------------------------------------------------------------------------
class AgentMemEmbeddings(Embeddings):
    """agentmem's embedder (the bundled MiniLM by default) as LangChain `Embeddings`."""

    def __init__(self, memory: Any = None, *, model: str = "minilm") -> None:
        if memory is not None:
            self._embedder = memory.long_term.embedder
        else:
            from agentmem.adapters.embeddings import make_embedder

            self._embedder = make_embedder(model)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._embedder.embed_query(text).tolist()

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        return await asyncio.to_thread(self.embed_query, text)


class AgentMemVectorStore(VectorStore):
    """A LangChain vector store over a scope's long-term memory (documents are notes).

    Searches use agentmem's own embedder and hybrid retrieval (`mode=`), so a document is
    found by meaning and by its words; scores are agentmem's, in [0, 1].
    """

    def __init__(
        self, *, memory: Any, scope: Scope | str, namespace: str = "docs", mode: str = "semantic"
    ) -> None:
        self.memory = memory
        self.scope = Scope.coerce(scope)
        self.mode = mode
        self._entries = memory.keyed(self.scope, f"vectors:{namespace}")

    @property
    def embeddings(self) -> Embeddings:
        return AgentMemEmbeddings(self.memory)

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        texts = list(texts)
        metadatas = metadatas or [{} for _ in texts]
        ids = [i or uuid.uuid4().hex for i in ids] if ids else [uuid.uuid4().hex for _ in texts]
        if not len(texts) == len(metadatas) == len(ids):
            raise ValidationError("texts, metadatas and ids must have the same length")
        if texts:
            self._entries.put(
                [(i, t, dict(m or {})) for i, t, m in zip(ids, texts, metadatas, strict=True)]
            )
        return ids

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        ids = kwargs.pop("ids", None) or [d.id for d in documents]
        return self.add_texts(
            [d.page_content for d in documents],
            [dict(d.metadata) for d in documents],
            ids=list(ids),
            **kwargs,
        )

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        if ids is None:
            ids = [r.metadata[KEY] for r in self._entries.records()]
        return self._entries.delete(list(ids))

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        return [_document(r) for r in self._entries.get(list(ids)) if r is not None]

    def similarity_search_with_score(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        filters = {"metadata": {SPACE: self._entries.space}}
        hits = self.memory.search(
            query, self.scope, mode=kwargs.get("mode", self.mode), top_k=k, filters=filters
        )
        return [(_document(h.record), h.score) for h in hits]

    def _similarity_search_with_relevance_scores(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        return self.similarity_search_with_score(query, k, **kwargs)

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score(query, k, **kwargs)]

    async def aadd_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        return await asyncio.to_thread(self.add_documents, documents, **kwargs)

    async def aadd_texts(
        self, texts: Iterable[str], metadatas: list[dict] | None = None, **kwargs: Any
    ) -> list[str]:
        return await asyncio.to_thread(self.add_texts, list(texts), metadatas, **kwargs)

    async def adelete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        return await asyncio.to_thread(self.delete, ids, **kwargs)

    async def aget_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        return await asyncio.to_thread(self.get_by_ids, ids)

    async def asimilarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return await asyncio.to_thread(self.similarity_search, query, k, **kwargs)

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings | None = None,
        metadatas: list[dict] | None = None,
        *,
        memory: Any = None,
        scope: Scope | str | None = None,
        **kwargs: Any,
    ) -> AgentMemVectorStore:
        """Build a store over `memory` and `scope` (agentmem embeds with its own model)."""
        if memory is None or scope is None:
            raise ValidationError("AgentMemVectorStore.from_texts needs memory= and scope=")
        store = cls(memory=memory, scope=scope, **kwargs)
        store.add_texts(texts, metadatas, ids=kwargs.get("ids"))
        return store


def _document(record: MemoryRecord) -> Document:
    return Document(
        page_content=record.text,
        metadata=_public(record.metadata),
        id=record.metadata.get(KEY, record.id),
    )


# --- BaseRetriever -----------------------------------------------------------------------
class AgentMemRetriever(BaseRetriever):
    """Retrieves a scope's memories with agentmem's search (hybrid by default)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    memory: Any
    scope: Any
    k: int = 4
    mode: str = "hybrid"
    filters: dict[str, Any] | None = None
    explain: bool = False

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        hits = self.memory.search(
            query,
            Scope.coerce(self.scope),
            top_k=kwargs.get("k", self.k),
            mode=kwargs.get("mode", self.mode),
            filters=kwargs.get("filters", self.filters),
            explain=kwargs.get("explain", self.explain),
        )
        return [
            Document(
                page_content=h.record.text,
                id=h.record.id,
                metadata={
                    **_public(h.record.metadata),
                    "id": h.record.id,
                    "kind": h.record.kind,
                    "score": h.score,
                    "created_at": h.record.created_at.isoformat(),
                    **({"explanation": h.explanation} if h.explanation else {}),
                },
            )
            for h in hits
        ]


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


__all__ = [
    "AgentMemChatMessageHistory",
    "AgentMemEmbeddings",
    "AgentMemRetriever",
    "AgentMemStore",
    "AgentMemVectorStore",
    "ChatAgentMem",
]
