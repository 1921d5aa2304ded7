"""Predicates the attribute table does not list, matched to ones it does by meaning.

The parse extractor names a slot by a predicate's lemmas ("reside in" -> `lives_in`). A
predicate the table lacks ("relocated to", "was hired by") is compared, by the bundled
MiniLM embedder, with the table's predicates that take the same preposition, and takes the
slot of the nearest when the cosine reaches THRESHOLD. The preposition must agree because it
gives the object its role: "live near X" is not "live in X", "work with X" is not "work
for X"; the verb's meaning is what the embedding judges. THRESHOLD was set on a list of
predicate phrases kept apart from the fact suites (`tests/test_extraction_similar.py`):
synonyms reach 0.85 or more, near misses ("study at", "travel to") stay below 0.75.

The embedder loads once per process, its ONNX export cached in the model directory of the
Memory that configured it (`config.llm.cache_dir`): in the background when a Memory opens
on a home that holds the export (`preload`, after the parse's pipeline), else on the first
text that needs it; a text that needs it while the background load runs waits for that load.
The loading thread is not a daemon: a process that ends during the load waits for it, since
ONNX Runtime's native threads torn down under a running session creation abort the process
("terminate called without an active exception"). Without the bundled model the table alone
decides.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from agentmem.facts.extraction.pipeline import predicate_index

log = logging.getLogger("agentmem.extraction")
THRESHOLD = 0.8
_LOCK = threading.RLock()  # the embedder loads under the table's load
_LOADED: dict[str, Any] = {}  # "embedder", "table": loaded once per process
_PRELOAD = [True]  # whether a Memory opening loads them in the background: `preload_on_open`
_CACHE_DIR: list[Path] = []  # where the embedder's export goes: set by `use_cache_dir`
_LOADER: list[threading.Thread] = []  # the running background load, at most one
_LOADER_LOCK = threading.Lock()  # not _LOCK: the load holds that one for seconds


def use_cache_dir(folder: Path) -> None:
    """Keep the embedder's export in `folder` (a Memory's `llm.cache_dir`), not in a
    directory outside the configured home; the last Memory built before the load decides."""
    _CACHE_DIR[:] = [Path(folder)]


def similar_attribute(predicate: str, preposition: str) -> str | None:
    """The slot of the table's predicate nearest in meaning to `predicate` + `preposition`
    ("relocate", "to" -> `lives_in`), or None when none is near enough."""
    return _similar(predicate.lower(), preposition.lower())


@functools.lru_cache(maxsize=8192)
def _similar(predicate: str, preposition: str) -> str | None:
    table = _table()
    if table is None or preposition not in table:
        return None
    attributes, matrix = table[preposition]
    vector = table[""].embed([f"I {predicate} {preposition}"])[0]
    sims = matrix @ vector
    best = int(np.argmax(sims))
    return attributes[best] if float(sims[best]) >= THRESHOLD else None


def embed(texts: list[str]) -> np.ndarray | None:
    """Unit vectors of `texts` by the bundled embedder (loaded once, shared with the slot
    table); None when it cannot load."""
    embedder = _shared()
    return None if embedder is None else np.asarray(embedder.embed(texts))


def preload_on_open(enabled: bool) -> None:
    """Whether opening a Memory starts `preload`. A one-shot command (the CLI) turns it off:
    its process ends before a load would pay off, and its few texts load on first use."""
    _PRELOAD[:] = [enabled]


def preload(then: Callable[[], object] | None = None) -> threading.Thread | None:
    """Load the embedder and the slot table in a background thread, after the parse's
    pipeline, then run `then` (what else is built on the embedder), when the configured cache
    directory already holds the export; the thread, or None. A fresh home (most tests, a
    first run) is left to load on first use: its export costs about 13 CPU-seconds, which a
    Memory that never meets an unlisted predicate or a "have" would pay for nothing."""
    if not _PRELOAD[0] or "table" in _LOADED or not _exported():
        return None
    with _LOADER_LOCK:
        if _LOADER and _LOADER[0].is_alive():  # a Memory opened before is loading them
            return _LOADER[0]
        # not a daemon: the interpreter's exit waits for the load (see the module's text)
        thread = threading.Thread(
            target=_load_after_pipeline, args=(then,), name="agentmem-minilm-load", daemon=False
        )
        _LOADER[:] = [thread]
        thread.start()
    return thread


def reset() -> None:
    """Forget the loaded embedder, table and matches (tests that move the cache directory)."""
    with _LOCK:
        _LOADED.clear()
        _similar.cache_clear()


def _exported() -> bool:
    from agentmem.adapters.embeddings import bundled_minilm_path, is_exported
    from agentmem.errors import ModelError

    try:
        return is_exported(bundled_minilm_path(), _cache_dir())
    except ModelError:  # no bundled model: nothing to preload (first use logs why)
        return False


def _load_after_pipeline(then: Callable[[], object] | None) -> None:
    from agentmem.facts.extraction.pipeline import load_pipeline

    if load_pipeline() is not None:  # without it nothing reads a predicate
        _table()
        if then is not None:
            then()


def _shared():
    return _once("embedder", _embedder)


def _table() -> dict[str, Any] | None:
    """preposition -> (attributes, unit vectors of the table's predicates ending in it);
    "" -> the embedder. None when the bundled embedder cannot load."""
    return _once("table", _build_table)


def _once(key: str, load) -> Any:
    """`load()` once per process; callers during the load wait for it (one load)."""
    if key not in _LOADED:
        with _LOCK:
            if key not in _LOADED:
                _LOADED[key] = load()
    return _LOADED[key]


def _build_table() -> dict[str, Any] | None:
    embedder = _shared()
    if embedder is None:
        return None
    by_prep: dict[str, list[tuple[str, str]]] = {}
    for phrase, attribute in predicate_index().items():
        words = phrase.split()
        if len(words) >= 2 and "'s" not in words:
            by_prep.setdefault(words[-1], []).append((phrase, attribute))
    table: dict[str, Any] = {"": embedder}
    for prep, pairs in by_prep.items():
        vectors = embedder.embed([f"I {p}" for p, _ in pairs])
        table[prep] = ([a for _, a in pairs], np.asarray(vectors))
    return table


def _cache_dir() -> Path:
    if not _CACHE_DIR:  # used outside a Memory: the user's cache directory
        _CACHE_DIR.append(
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "agentmem" / "models"
        )
    return _CACHE_DIR[0]


def _embedder():
    from agentmem.adapters.embeddings import MODEL_LOAD_LOCK, OnnxMiniLMEmbedder

    try:
        with MODEL_LOAD_LOCK:
            return OnnxMiniLMEmbedder(cache_dir=_cache_dir(), threads=1)
    except Exception:
        log.exception(
            "the bundled embedder could not load; predicates the attribute table does not "
            "list name no slot"
        )
        return None


__all__ = [
    "THRESHOLD",
    "embed",
    "preload",
    "preload_on_open",
    "reset",
    "similar_attribute",
    "use_cache_dir",
]
