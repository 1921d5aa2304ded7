"""Shared fixtures: a real SQLite database and a real Chroma index in a temp dir.

Unit tests use the deterministic hash embedder, so they need no model; tests of the real
embedder say so by using the `minilm_memory` fixture.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from agentmem import Memory, Scope  # noqa: E402


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


@pytest.fixture
def mem(home):
    with Memory(home=home, embedding={"model": "hash"}) as m:
        yield m


@pytest.fixture(params=["sqlite", "postgresql"])
def mem_sql(request, home):
    """`mem` on SQLite, then on a fresh PostgreSQL database."""
    config = {"home": home, "embedding": {"model": "hash"}}
    if request.param == "postgresql":
        config["database_url"] = request.getfixturevalue("pg_url")
    with Memory(**config) as m:
        yield m


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_mem_sql(request, tmp_path_factory):
    """One Memory for a whole module (hash embedder, words counted as tokens) on SQLite,
    then on a fresh PostgreSQL database."""
    from agentmem.short_term import word_counter

    home = tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2])
    config = {"home": home, "embedding": {"model": "hash"}}
    if request.param == "postgresql":
        name = home.name.replace("-", "_")
        config["database_url"] = request.getfixturevalue("postgres").create_database(name)
    with Memory(**config, token_counter=word_counter) as m:
        yield m


@pytest.fixture
def alice():
    return Scope(user_id="alice")


@pytest.fixture
def bob():
    return Scope(user_id="bob")


@pytest.fixture(scope="session")
def minilm(tmp_path_factory):
    """The bundled MiniLM as the product runs it (ONNX Runtime), exported once per session."""
    from agentmem.adapters.embeddings import OnnxMiniLMEmbedder

    return OnnxMiniLMEmbedder(cache_dir=tmp_path_factory.mktemp("models"))


# --- servers for the contract, concurrency and tenant suites (tests/servers.py) -----------
@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for the whole run; fails loudly if it cannot start."""
    import servers

    with servers.postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def chroma_server():
    """A `chroma run` server for the whole run; fails loudly if it cannot start."""
    import servers

    with servers.chroma_server() as server:
        yield server


@pytest.fixture
def pg_url(postgres, request):
    """The URL of a fresh, empty PostgreSQL database for one test."""
    import re

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:40] + "_" + os.urandom(3).hex()
    return postgres.create_database(name)


@pytest.fixture(scope="session")
def local_llm():
    """The bundled model, converted once per machine and loaded once per test session."""
    import tempfile
    from pathlib import Path

    from agentmem import MemoryConfig
    from agentmem.llm import LocalLLM

    cache = Path(
        os.environ.get(
            "AGENTMEM_TEST_MODEL_CACHE", Path(tempfile.gettempdir()) / "agentmem-test-models"
        )
    )
    return LocalLLM.load(MemoryConfig.create(home=cache, llm={"cache_dir": cache}))


@pytest.fixture(scope="session")
def read_facts():
    """What the parse extractor reads in a text: {(subject, attribute, value, negated)}."""
    from agentmem.facts.extraction import make_extractor

    extractor = make_extractor("parse")
    return lambda text: {
        (f.subject, f.attribute, f.value, f.negated) for f in extractor.extract(text)
    }
