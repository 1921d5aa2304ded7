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


@pytest.fixture
def alice():
    return Scope(user_id="alice")


@pytest.fixture
def bob():
    return Scope(user_id="bob")


@pytest.fixture(scope="session")
def minilm():
    from agentmem.adapters.embeddings import MiniLMEmbedder

    return MiniLMEmbedder()
