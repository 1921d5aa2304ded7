"""The embedder interface every backend implements, and the lock models load under
(apart from `embeddings`, so that backends in their own modules import it one way)."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from agentmem.adapters.coalesce import Coalescer

# Held while any model (embedder, tokenizer, language model) loads: importing transformers
# and friends from several threads at once fails half-way with an ImportError.
MODEL_LOAD_LOCK = threading.RLock()


class Embedder(ABC):
    """Text -> unit vectors, batch first, with an LRU cache of recent texts.

    The cache lets one write path embed a batch once even when several steps (conflict
    checks, indexing) ask for the same texts, and makes repeated queries free.
    """

    name: str = "embedder"
    dimension: int

    def __init__(self, cache_size: int = 4096) -> None:
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        # concurrent callers (a server's searches) share model calls instead of one each;
        # looked up per call, so a replaced `_embed` is honoured
        self._calls = Coalescer(lambda texts: self._embed(texts))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = hit
        if missing:
            fresh = self._calls.run(list(missing))
            with self._lock:
                for (text, rows), vector in zip(missing.items(), fresh, strict=True):
                    out[rows] = vector
                    self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def embed_aside(self, texts: Sequence[str]) -> np.ndarray:
        """Embed in a model call of its own, neither queued behind nor merged with other
        callers' calls, and not cached: for a background writer, so that a caller's query
        never waits for the writer's backlog (an ONNX Runtime session runs concurrent
        calls)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._embed(list(texts))

    @abstractmethod
    def _embed(self, texts: list[str]) -> np.ndarray:
        """Embed a non-empty batch: (n, dimension) float32, rows of unit length."""


__all__ = ["MODEL_LOAD_LOCK", "Embedder"]
