import hashlib
import re

import numpy as np

from agentmem.adapters.embeddings import (
    HashEmbedder,
    MiniLMEmbedder,
    OnnxMiniLMEmbedder,
    bundled_minilm_path,
)


def test_hash_embedder_is_deterministic_and_normalised():
    a, b = HashEmbedder(), HashEmbedder()
    v = a.embed(["the cat sat", "the cat sat", "quantum physics"])
    assert np.array_equal(v, b.embed(["the cat sat", "the cat sat", "quantum physics"]))
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0)
    assert v[0] @ v[1] > 0.99 and v[0] @ v[2] < 0.5
    assert a.embed([]).shape == (0, 384)


def _hash_reference(text: str, dimension: int) -> np.ndarray:
    """The hash embedder's definition, one feature at a time: each word ("w:" + word,
    weight 1), then each word's trigrams of "#word#" (weight 0.3), hashed (blake2b, 8 bytes)
    to a cell and a sign, added in float32 (before the rows are scaled to unit length)."""
    words = [w.lower() for w in re.findall(r"\w+", text)]
    features = [("w:" + w, 1.0) for w in words]
    for w in words:
        features += [("t:" + f"#{w}#"[i : i + 3], 0.3) for i in range(len(w))]
    out = np.zeros(dimension, dtype=np.float32)
    for feature, weight in features or [("empty", 1.0)]:
        value = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
        out[(value >> 1) % dimension] += (1.0 if value & 1 else -1.0) * weight
    return out


def test_hash_embedder_gives_its_definitions_vectors_exactly():
    texts = [
        "Tamsin: we drove up to Inverness on Sat, car broke down twice lol",
        "Tamsin: we drove up to Inverness on Sat, car broke down twice lol",  # cached now
        "ÉLODIE'S café — naïve 東京 2024-03-05 #tags",
        "a a a a a a a a b",  # a cell hit many times, in order
        "?!",  # no word: the empty feature
        "",
    ]
    for dimension in (384, 13):
        got = HashEmbedder(dimension)._embed(texts)
        expected = np.stack([_hash_reference(t, dimension) for t in texts])
        norms = np.linalg.norm(expected, axis=1, keepdims=True)
        assert np.array_equal(got, expected / np.where(norms == 0, 1.0, norms))


def test_bundled_minilm_loads_offline_and_batches(minilm):
    assert bundled_minilm_path().is_dir()
    assert isinstance(minilm, OnnxMiniLMEmbedder) and minilm.dimension == 384
    vectors = minilm.embed(["I love my dog", "My puppy is adorable", "Tax law in 1850"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert np.allclose(minilm.embed_query("I love my dog"), vectors[0], atol=1e-5)


def test_onnx_export_matches_pytorch(minilm):
    texts = ["I live in Lisbon", "My sister Anna lives in Osaka and loves ramen", "ok"]
    onnx_vectors = minilm.embed(texts)
    torch_vectors = MiniLMEmbedder().embed(texts)
    assert np.allclose((onnx_vectors * torch_vectors).sum(axis=1), 1.0, atol=1e-4)


def _thread_niceness() -> dict[str, int]:
    """Linux: every thread of this process -> its nice value."""
    from pathlib import Path

    tasks = Path("/proc/self/task")
    return {
        t.name: int((t / "stat").read_text().rsplit(")", 1)[1].split()[16]) for t in tasks.iterdir()
    }


def test_background_embeddings_run_at_lower_priority_than_the_writer(minilm):
    """The index writer's model threads yield the cores to callers, while the writer's own
    thread keeps its priority: it holds the interpreter lock and SQLite's write lock at
    times, and a starved holder makes callers wait (priority inversion)."""
    import os
    import sys
    import threading

    import pytest

    if not sys.platform.startswith("linux"):
        pytest.skip("thread priorities are read from /proc")
    texts = ["Maren: the ferry leaves at nine", "Odd: I'll bring the maps", "ok", "ok"]
    expected = minilm.embed(texts)  # the callers' session has run (its threads exist)
    before = _thread_niceness()
    out: list = []
    writer_niceness: list = []
    writer_ids: set = set()

    def writer() -> None:
        writer_ids.add(str(threading.get_native_id()))
        out.append(minilm.embed_aside(texts))
        writer_niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=writer)
    thread.start()
    thread.join()
    # other tests' workers, and the writer itself: a joined thread can linger in /proc while
    # the OS tears it down, at the priority it keeps
    python_threads = {str(t.native_id) for t in threading.enumerate()} | writer_ids
    native = {t: n for t, n in _thread_niceness().items() if t not in python_threads}
    # the background session may have been made by an earlier test of this process: its
    # threads then predate `before`, but still run lowered
    assert any(n >= 10 for n in native.values()), "no model thread runs at lowered priority"
    created = {t: n for t, n in native.items() if t not in before}
    assert all(n >= 10 for n in created.values()), created
    assert writer_niceness == [os.getpriority(os.PRIO_PROCESS, 0)]
    assert np.allclose((out[0] * expected).sum(axis=1), 1.0, atol=1e-5)
