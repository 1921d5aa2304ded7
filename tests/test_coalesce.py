"""Concurrent embedding calls merged into fewer model calls (adapters/coalesce.py).

The model function here blocks until the other callers have queued, so the overlap the
merging relies on is arranged, not hoped for; no assertion depends on timing."""

from __future__ import annotations

import threading
import time

import numpy as np

from agentmem.adapters.coalesce import Coalescer
from agentmem.adapters.embeddings import HashEmbedder


class GatedModel:
    """Rows derived from the texts; the first call waits until `waiting` callers queued."""

    def __init__(self, waiting: int, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.waiting, self.fail_on = waiting, fail_on
        self.coalescer: Coalescer | None = None
        self.entered = threading.Event()

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not self.calls:
            self.entered.set()
            deadline = time.monotonic() + 30
            while len(self.coalescer._queue) < self.waiting and time.monotonic() < deadline:
                time.sleep(0.001)
        self.calls.append(list(texts))
        if self.fail_on in texts:
            raise RuntimeError(f"model failed on a batch with {self.fail_on!r}")
        return np.array([[len(t), sum(map(ord, t))] for t in texts], dtype=np.float32)


def _callers(model: GatedModel, requests: list[list[str]]) -> list[object]:
    """The first request enters the model alone; the others arrive while it runs."""
    coalescer = model.coalescer
    results: list[object] = [None] * len(requests)

    def call(i: int) -> None:
        try:
            results[i] = coalescer.run(requests[i])
        except RuntimeError as exc:
            results[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(requests))]
    threads[0].start()
    assert model.entered.wait(30)
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_overlapping_calls_share_one_model_call_and_get_their_own_rows():
    requests = [[f"query number {i}"] for i in range(12)] + [["two texts", "in one call"]]
    model = GatedModel(waiting=len(requests) - 1)
    model.coalescer = Coalescer(model, max_batch=64)
    results = _callers(model, requests)
    assert len(model.calls) == 2  # the first caller alone, then everyone who queued behind it
    for texts, rows in zip(requests, results, strict=True):
        expected = [[len(t), sum(map(ord, t))] for t in texts]
        assert np.asarray(rows).tolist() == expected


def test_batches_stop_at_max_batch():
    requests = [[f"text {i}"] for i in range(9)]
    model = GatedModel(waiting=8)
    model.coalescer = Coalescer(model, max_batch=3)
    results = _callers(model, requests)
    assert [len(c) for c in model.calls] == [1, 3, 3, 2]
    assert all(r is not None and not isinstance(r, Exception) for r in results)


def test_a_failed_call_fails_its_callers_only():
    requests = [["first"], ["poison"], ["neighbour"]]
    model = GatedModel(waiting=2, fail_on="poison")
    model.coalescer = Coalescer(model, max_batch=64)
    results = _callers(model, requests)
    assert not isinstance(results[0], Exception)
    assert all(isinstance(r, RuntimeError) for r in results[1:])  # they shared the batch
    assert model.coalescer.run(["after"]).shape == (1, 2)  # the next call runs normally


def test_embedder_answers_concurrent_callers_like_sequential_ones():
    embedder, reference = HashEmbedder(dimension=32), HashEmbedder(dimension=32)
    texts = [
        f"remember the {w} on day {d}" for w in ("kettle", "otter", "quartz") for d in range(8)
    ]
    out: dict[str, np.ndarray] = {}
    threads = [
        threading.Thread(target=lambda t=t: out.__setitem__(t, embedder.embed_query(t)))
        for t in texts
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for text in texts:
        assert np.array_equal(out[text], reference.embed_query(text))


def test_isolated_calls_fail_only_the_caller_whose_text_fails():
    requests = [["first"], ["poison"], ["neighbour"], ["another", "pair"]]
    model = GatedModel(waiting=3, fail_on="poison")
    model.coalescer = Coalescer(model, max_batch=64, isolate=True)
    results = _callers(model, requests)
    assert isinstance(results[1], RuntimeError)
    for i in (0, 2, 3):
        expected = [[len(t), sum(map(ord, t))] for t in requests[i]]
        assert np.asarray(results[i]).tolist() == expected
    assert len(model.calls[1]) == 4  # the three waiting callers were merged, then retried alone
