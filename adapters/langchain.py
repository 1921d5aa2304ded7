"""LangChain integrations: agentmem as chat history, retriever, key-value store, vector store,
embeddings, and a chat model with memory built in (the last two in `langchain_chat`,
re-exported here).

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
from langchain_core.documents import Document  # noqa: E402
from langchain_core.embeddings import Embeddings  # noqa: E402
from langchain_core.retrievers import BaseRetriever  # noqa: E402
from langchain_core.stores import BaseStore  # noqa: E402
from langchain_core.vectorstores import VectorStore  # noqa: E402
from pydantic import ConfigDict  # noqa: E402

from agentmem.adapters.langchain_chat import AgentMemChatMessageHistory, ChatAgentMem  # noqa: E402
from agentmem.long_term.keyed import KEY, SPACE  # noqa: E402
from agentmem.types import MemoryRecord, Scope  # noqa: E402

KIND_OF_VALUE = "lc_type"
_PRIVATE = {KEY, SPACE, KIND_OF_VALUE}


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


__all__ = [
    "AgentMemChatMessageHistory",
    "AgentMemEmbeddings",
    "AgentMemRetriever",
    "AgentMemStore",
    "AgentMemVectorStore",
    "ChatAgentMem",
]
