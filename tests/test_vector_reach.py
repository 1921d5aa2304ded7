"""Every stored vector is reachable in the graph index a real build makes.

Chroma's HNSW graph, built with 16 links per vector, left 0-12 of 1,103 near-identical
notes with no link pointing to them (26 in 10 builds of the notes below, batches of 100
in a shuffled order): no search by meaning could return those notes, and at this size
the graph still answers every query in full, so `vector_exact` cannot notice. New
collections are made with `chroma.max_neighbors` links (48: none in the same 10 builds).
Other insertion orders, another template and another embedder dimension than the
measurement's are used here; six builds make a graph that hides a vector in any of
them likely to show.
"""

from __future__ import annotations

import random
import uuid

import numpy as np
import pytest

from agentmem.adapters.embeddings import make_embedder
from agentmem.stores.vector import VectorIndex
from tests.test_contract_vector import _records

pytestmark = pytest.mark.slow  # six builds of 1,100 vectors (~1 s each)

EMBED = make_embedder("hash", 16, 384)


def _near_identical(n: int) -> list[str]:
    return [
        f"ticket {i + 300}: the refund of invoice {i * 4099 % 9973} was sent on day {i % 31}"
        for i in range(n)
    ]


@pytest.mark.parametrize("seed", [3, 11, 29, 41, 57, 73])
def test_each_vector_finds_itself(tmp_path, seed):
    texts = _near_identical(1_100) + ["My brother Tomas coaches rowing", "We painted the fence"]
    vectors = EMBED.embed(texts)
    records = _records(texts, "ruth")
    order = random.Random(seed).sample(range(len(texts)), len(texts))
    index = VectorIndex(path=tmp_path / "chroma", prefix="x" + uuid.uuid4().hex[:12])
    try:
        for start in range(0, len(order), 64):
            rows = order[start : start + 64]
            index.upsert([records[i] for i in rows], vectors[np.asarray(rows)])
        answers = index.query_many("ruth", vectors, 1)
        lost = [records[i].id for i, found in enumerate(answers) if found[0][0] != records[i].id]
        assert lost == [], f"{len(lost)} of {len(texts)} vectors no query reaches: {lost[:5]}"
    finally:
        index.drop_all()
        index.close()
