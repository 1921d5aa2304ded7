"""The LangChain integrations against the standard suites of `langchain-tests`, plus the
chat history (which has no standard suite) and scope isolation.

One Memory serves a whole module; each suite fixture gets a fresh user, and a scope is a hard
partition, so every fixture starts empty. The chat-model integration suite loads the real
local model (marked `llm`).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from functools import lru_cache
from pathlib import Path

import pytest

pytest.importorskip("langchain_tests")
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage  # noqa: E402
from langchain_tests.integration_tests import (  # noqa: E402
    BaseStoreAsyncTests,
    BaseStoreSyncTests,
    ChatModelIntegrationTests,
    EmbeddingsIntegrationTests,
    RetrieversIntegrationTests,
    VectorStoreIntegrationTests,
)
from langchain_tests.unit_tests import ChatModelUnitTests  # noqa: E402

from agentmem import Memory, MemoryConfig, Scope  # noqa: E402
from agentmem.adapters.langchain import (  # noqa: E402
    AgentMemChatMessageHistory,
    AgentMemEmbeddings,
    AgentMemRetriever,
    AgentMemStore,
    AgentMemVectorStore,
    ChatAgentMem,
)

pytestmark = pytest.mark.filterwarnings("ignore:The test <Function:pytest.PytestWarning")
MODEL_CACHE = Path(
    os.environ.get(
        "AGENTMEM_TEST_MODEL_CACHE", Path(tempfile.gettempdir()) / "agentmem-test-models"
    )
)


@lru_cache(maxsize=1)
def shared_memory() -> Memory:
    home = Path(tempfile.mkdtemp(prefix="agentmem-lc-"))
    return Memory(home=home, embedding={"model": "hash"}, llm={"cache_dir": MODEL_CACHE})


def fresh_scope(session: str | None = None) -> Scope:
    return Scope(user_id="lc-" + uuid.uuid4().hex[:12], session_id=session)


@lru_cache(maxsize=1)
def retriever_scope() -> Scope:
    scope = fresh_scope()
    shared_memory().add_many(
        [
            "My dog Rex loves the beach",
            "I work as a nurse in Lisbon",
            "My sister lives in Osaka",
            "I play the cello on Sundays",
            "The dog's vet is Dr. Santos",
        ],
        scope,
    )
    return scope


class TestStoreSync(BaseStoreSyncTests):
    @pytest.fixture
    def kv_store(self) -> AgentMemStore:
        return AgentMemStore(memory=shared_memory(), scope=fresh_scope())

    @pytest.fixture
    def three_values(self) -> tuple[str, str, str]:
        return "foo", "bar", "buzz"


@pytest.mark.asyncio
class TestStoreAsync(BaseStoreAsyncTests):
    @pytest.fixture
    def kv_store(self) -> AgentMemStore:
        return AgentMemStore(memory=shared_memory(), scope=fresh_scope())

    @pytest.fixture
    def three_values(self) -> tuple[bytes, bytes, bytes]:
        return b"foo", b"bar", b"\x00buzz\xff"


@pytest.mark.asyncio
class TestVectorStore(VectorStoreIntegrationTests):
    @pytest.fixture
    def vectorstore(self) -> AgentMemVectorStore:
        return AgentMemVectorStore(memory=shared_memory(), scope=fresh_scope())


@pytest.mark.asyncio
class TestRetriever(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[AgentMemRetriever]:
        return AgentMemRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"memory": shared_memory(), "scope": retriever_scope()}

    @property
    def retriever_query_example(self) -> str:
        return "what is my dog called?"


@pytest.mark.asyncio
class TestEmbeddings(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[AgentMemEmbeddings]:
        return AgentMemEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"model": "hash"}


class _ChatDeclarations:
    """What the bundled 135M model honestly cannot do."""

    @property
    def chat_model_class(self) -> type[ChatAgentMem]:
        return ChatAgentMem

    @property
    def chat_model_params(self) -> dict:
        return {"memory": shared_memory(), "scope": Scope(user_id="lc-chat", session_id="s")}

    @property
    def standard_chat_model_params(self) -> dict:
        return {**super().standard_chat_model_params, "max_tokens": 12}

    @property
    def has_tool_calling(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def supports_json_mode(self) -> bool:
        return False

    @property
    def supports_image_inputs(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return False


class TestChatModelUnit(_ChatDeclarations, ChatModelUnitTests):
    pass


@pytest.fixture(scope="module")
def local_model():
    from agentmem.llm import LocalLLM

    shared_memory().llm = LocalLLM.load(
        MemoryConfig.create(home=MODEL_CACHE, llm={"cache_dir": MODEL_CACHE})
    )


@pytest.mark.llm
@pytest.mark.asyncio
@pytest.mark.usefixtures("local_model")
class TestChatModelIntegration(_ChatDeclarations, ChatModelIntegrationTests):
    pass


# --- beyond the standard suites ----------------------------------------------------------
def test_chat_history_round_trip_and_clear():
    mem = shared_memory()
    scope = fresh_scope(session="s1")
    history = AgentMemChatMessageHistory(memory=mem, scope=scope)
    assert history.messages == []
    history.add_messages(
        [
            SystemMessage("be kind"),
            HumanMessage("I moved to Porto"),
            AIMessage("Noted!", additional_kwargs={"x": 1}),
        ]
    )
    assert [type(m) for m in history.messages] == [SystemMessage, HumanMessage, AIMessage]
    assert history.messages[2].additional_kwargs == {"x": 1}
    # the messages are episodes, and the user's fact reached long-term memory
    assert [e["role"] for e in mem.sql("SELECT role FROM episodes", scope)] == [
        "system",
        "user",
        "assistant",
    ]
    other = AgentMemChatMessageHistory(
        memory=mem, scope=Scope(user_id=scope.user_id, session_id="s2")
    )
    assert other.messages == []
    history.clear()
    assert history.messages == []
    assert any("Porto" in f.text for f in mem.facts(scope))


def test_scopes_do_not_leak_through_adapters():
    mem = shared_memory()
    a, b = fresh_scope(), fresh_scope()
    AgentMemStore(memory=mem, scope=a).mset([("k", "alice's value")])
    assert AgentMemStore(memory=mem, scope=b).mget(["k"]) == [None]
    AgentMemStore(memory=mem, scope=b).mdelete(["k"])
    assert AgentMemStore(memory=mem, scope=a).mget(["k"]) == ["alice's value"]
    store_a = AgentMemVectorStore(memory=mem, scope=a)
    store_a.add_texts(["secret plan"], ids=["doc"])
    store_b = AgentMemVectorStore(memory=mem, scope=b)
    assert store_b.similarity_search("secret plan") == []
    assert store_b.get_by_ids(["doc"]) == []
    assert AgentMemRetriever(memory=mem, scope=b).invoke("secret plan") == []


def test_store_overwrites_keep_history():
    mem = shared_memory()
    scope = fresh_scope()
    store = AgentMemStore(memory=mem, scope=scope)
    store.mset([("colour", {"v": "green"})])
    store.mset([("colour", {"v": "blue"})])
    assert store.mget(["colour"]) == [{"v": "blue"}]
    record = store._entries.get(["colour"])[0]
    assert [e.op for e in mem.history(record.id, scope)] == ["ADD", "UPDATE"]
