"""The parse's matrix products on numpy's BLAS at one thread, in place of thinc's BLIS.

thinc runs every dense layer of the pipeline (the token encoder, the tagger, the parser's
and the entity recogniser's hidden layers) through BLIS, whose packaged build may pick its
generic kernel on a CPU it does not recognise (it does on the AMD EPYC this project is
measured on: three to four times slower than OpenBLAS on the pipeline's shapes, and about
half of a parse's CPU). `use_numpy_blas` gives the pipeline's layers an Ops whose product is
numpy's (`numpy.dot`) inside a `one_thread` section, and BLIS's outside one. The products
differ in rounding only: every tag, head, dependency, lemma, morphology and entity of the
2,760 LoCoMo dev turns agreed, and so did every fact read from 3,174 texts (those turns and
the generated fact cases); `tests/test_parse_blas.py` keeps a sample of the check. The
parser's transition loop multiplies in C through thinc's own BLIS table, left as it is.

Inside a section numpy's BLAS runs one thread: the pipeline's products are small (tens of
rows), and a second thread waiting on a busy core costs more than it brings (a 40 x 288 x 96
product took 23 ms instead of 0.07 on two loaded cores). The setting is the process's, so a
section is counted: the first to enter sets one thread, the last to leave restores what was
set; numpy products elsewhere in the process meanwhile run one thread too. Without
threadpoolctl or a BLAS it can set, nothing changes: the pipeline keeps BLIS.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

log = logging.getLogger("agentmem.extraction")
_LOCK = threading.Lock()
_state: dict[str, Any] = {"depth": 0, "blas": None, "limit": None, "ops": None}


def use_numpy_blas(nlp: Any) -> bool:
    """Give every layer of `nlp`'s trained components the section-aware Ops; False (the
    pipeline unchanged) where numpy's BLAS cannot be held at one thread."""
    blas = _controller()
    if blas is None:
        return False
    ops = _ops()
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops
    return True


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """While inside, numpy's BLAS runs one thread and the pipeline's products use it."""
    with _LOCK:
        if _state["depth"] == 0 and _state["blas"] is not None:
            _release(_state["blas"])
            _state["limit"] = _state["blas"].limit(limits=1)
        _state["depth"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _state["depth"] -= 1
            if _state["depth"] == 0 and _state["limit"] is not None:
                _release(_state["blas"])
                _state["limit"].restore_original_limits()
                _release(_state["blas"])
                _state["limit"] = None


def _release(blas: Any) -> None:
    """Let this thread set the libraries' threads. threadpoolctl lets only the first thread
    that set OpenBLAS's (without OpenMP) set it again, silently ignoring the others; the
    first to enter a section and the last to leave may be any threads, and each sets it
    under the section's lock."""
    for lib in blas.lib_controllers:
        clear = getattr(type(lib), "clear_controlling_thread", None)
        if clear is not None:
            clear(force=True)


def _controller() -> Any | None:
    """threadpoolctl's handle on the process's BLAS libraries (found once), or None."""
    with _LOCK:
        if _state["blas"] is None:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:
                log.info("threadpoolctl is not installed: the parse keeps thinc's BLIS")
                return None
            blas = ThreadpoolController().select(user_api="blas")
            if not blas.lib_controllers:
                log.info("no BLAS library threadpoolctl can set: the parse keeps thinc's BLIS")
                return None
            _state["blas"] = blas
        return _state["blas"]


def _ops() -> Any:
    """One Ops for every pipeline of the process: BLIS's product outside a `one_thread`
    section, numpy's inside."""
    with _LOCK:
        if _state["ops"] is None:
            from thinc.api import NumpyOps
            from thinc.backends.ops import Ops

            class SectionOps(NumpyOps):
                def gemm(self, x, y, *, out=None, trans1=False, trans2=False):
                    if _state["depth"]:
                        return Ops.gemm(self, x, y, out=out, trans1=trans1, trans2=trans2)
                    return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)

            _state["ops"] = SectionOps()
        return _state["ops"]


__all__ = ["one_thread", "use_numpy_blas"]
