"""Predicates the attribute table does not list, matched to ones it does by meaning.

The parse extractor names a slot by a predicate's lemmas ("reside in" -> `lives_in`). A
predicate the table lacks ("relocated to", "was hired by") is compared, by the bundled
MiniLM embedder, with the table's predicates that take the same preposition, and takes the
slot of the nearest when the cosine reaches THRESHOLD. The preposition must agree because it
gives the object its role: "live near X" is not "live in X", "work with X" is not "work
for X"; the verb's meaning is what the embedding judges. THRESHOLD was set on a list of
predicate phrases kept apart from the fact suites (`tests/test_extraction_similar.py`):
synonyms reach 0.85 or more, near misses ("study at", "travel to") stay below 0.75.

The embedder loads on the first unknown predicate (once per process, its ONNX export cached
in the model directory of the Memory that configured it, `config.llm.cache_dir`); without
the bundled model the table alone decides.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from agentmem.facts.extraction.pipeline import predicate_index

log = logging.getLogger("agentmem.extraction")
THRESHOLD = 0.8
_LOCK = threading.Lock()
_CACHE_DIR: list[Path] = []  # where the embedder's export goes: set by `use_cache_dir`


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


@functools.cache
def _shared():
    with _LOCK:
        return _embedder()


@functools.cache
def _table() -> dict[str, Any] | None:
    """preposition -> (attributes, unit vectors of the table's predicates ending in it);
    "" -> the embedder. None when the bundled embedder cannot load."""
    embedder = _shared()
    if embedder is None:
        return None
    with _LOCK:
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


def _embedder():
    from agentmem.adapters.embeddings import MODEL_LOAD_LOCK, OnnxMiniLMEmbedder

    if not _CACHE_DIR:  # used outside a Memory: the user's cache directory
        _CACHE_DIR.append(
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "agentmem" / "models"
        )
    try:
        with MODEL_LOAD_LOCK:
            return OnnxMiniLMEmbedder(cache_dir=_CACHE_DIR[0], threads=1)
    except Exception:
        log.exception(
            "the bundled embedder could not load; predicates the attribute table does not "
            "list name no slot"
        )
        return None


__all__ = ["THRESHOLD", "embed", "similar_attribute", "use_cache_dir"]
