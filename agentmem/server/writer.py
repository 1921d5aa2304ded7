"""The writer process: a serving worker's adds and updates, run in a child process at lower
CPU priority, so that their CPU does not land on the searches the worker answers.

An add costs about 10 ms of Python (the extraction's parse, the early read, conflict
planning, SQL); a search in the same process waits for the interpreter while it runs, so
8 clients adding beside 8 searching raised the searches' p95 4.7-5.3x (README, "Load").
Each worker starts one `WriterProcess` (multiprocessing's 'spawn': never a fork of a
process with threads), which opens its own `Memory` over the worker's config: the same
database and the same Chroma server, shared by several processes as several workers share
them. The child runs at `NICE` above its worker and answers many requests at once (a pool
of `THREADS`), so that concurrent adds are still planned together and written in one
transaction (`facade.add_writer`).

Protocol, over one `multiprocessing` Pipe: the worker sends `(id, method, args, kwargs)`;
the child answers `(id, True, (value, vectors))` or `(id, False, error)` once the call
returned, that is after its transaction committed. `vectors` are those of the written
memories that its index writer has not written yet (`IndexSync.handover`): the worker
searches them from its own overlay until they reach it through the index
(`IndexSync.hold`), so that its next search finds them as if it had written them (the
other workers find them as they find each other's writes, once the index has them and
their users' generations moved). `None` asks the child to finish what it holds and exit.
A worker's request thread waits on a `Future` (no interpreter held); one reader thread
takes the answers. agentmem's errors cross as (class, message, attributes) and are rebuilt as
the same class, so a route answers with the status and message it gives in process; any
other exception becomes a RuntimeError naming it (a 500, as it was).

If the child dies, every request it held fails with a StoreError that says so and what to
do, and the next request starts a new child. The child ignores SIGINT and SIGTERM (a stop
signal to the server's process group would otherwise kill it in the middle of a write):
it stops when its worker asks, or when its worker's end of the pipe closes, so it never
outlives its worker.
"""

from __future__ import annotations

import importlib
import itertools
import logging
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from agentmem.errors import AgentMemError, ConfigError, StoreError

log = logging.getLogger(__name__)
HEADER = "X-Agentmem-Writer"  # names the writer's pid on the answers it wrote
NICE = 10  # the child's CPU priority above its worker's
THREADS = 40  # requests served at once: as many as the threads of the worker's lean path
WRITES = frozenset({"add", "add_many", "update"})  # the calls a worker hands over
READY_S = 120.0  # the longest wait for a new child to open its Memory


@dataclass
class Answer:
    """What a call returned, and the pid of the process that ran it."""

    value: Any
    pid: int


@dataclass
class _Child:
    process: Any
    conn: Connection
    ready: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    pending: dict[int, Future] = field(default_factory=dict)
    pid: int = 0
    nice: int = 0
    gone: str | None = None  # why it stopped answering, once it has


class WriterProcess:
    """A worker's handle on its writer child: `call` runs one of `WRITES` there."""

    def __init__(self, config: Any, hold: Callable[[dict], None] | None = None) -> None:
        """A child over `config`; `hold` takes the vectors of the memories it wrote that
        are not in the index yet (`IndexSync.hold` of the worker's Memory)."""
        self._config = config
        self._hold = hold
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._closed = False
        self._child = self._start()

    # --- the worker's side --------------------------------------------------------------
    def call(self, method: str, *args: Any, **kwargs: Any) -> Answer:
        """`Memory.<method>(*args, **kwargs)` in the child, answered once it committed."""
        if method not in WRITES:
            raise ValueError(f"{method!r} is not handed to the writer; one of {sorted(WRITES)}")
        child, done, rid = self._current(), Future(), next(self._ids)
        with child.lock:
            if child.gone is None:
                child.pending[rid] = done
                try:
                    child.conn.send((rid, method, args, kwargs))
                except OSError as exc:  # its end closed: the reader fails what it held
                    child.pending.pop(rid)
                    done.set_exception(StoreError(_gone_message(child, f"{exc}")))
            else:
                done.set_exception(StoreError(_gone_message(child, child.gone)))
        ok, value = done.result()
        if not ok:
            raise value
        value, vectors = value
        if vectors and self._hold is not None:
            self._hold(vectors)
        return Answer(value, child.pid)

    def ready(self, timeout: float = READY_S) -> tuple[int, int]:
        """Wait for the child to open its Memory; its (pid, nice). Raises ConfigError if it
        exited or took longer than `timeout` seconds."""
        with self._lock:
            child = self._child
        if not child.ready.wait(timeout):
            raise ConfigError(f"the writer process did not start within {timeout:.0f} s")
        if child.gone is not None:
            raise ConfigError(
                f"the writer process exited before it was ready ({child.gone}); see the "
                "server log above, or serve with --no-writer-process"
            )
        return child.pid, child.nice

    def close(self, timeout: float = 30.0) -> None:
        """Ask the child to finish what it holds and exit; wait for it (killed past
        `timeout` seconds)."""
        with self._lock:
            self._closed, child = True, self._child
        with child.lock:
            if child.gone is None:
                try:
                    child.conn.send(None)
                except OSError:
                    pass
        child.process.join(timeout)
        if child.process.is_alive():
            log.error("the writer process %s did not stop in %.0f s; killed", child.pid, timeout)
            child.process.kill()
            child.process.join(5)

    def _current(self) -> _Child:
        """The live child, a new one in place of one that died."""
        with self._lock:
            if self._child.gone is not None and not self._closed:
                log.warning("starting a new writer process (%s)", self._child.gone)
                self._child = self._start()
            return self._child

    def _start(self) -> _Child:
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        process = ctx.Process(
            target=_child_main,
            args=(theirs, self._config, os.getpid()),
            name="agentmem-writer",
            daemon=True,
        )
        process.start()
        theirs.close()  # the child holds its own: its exit closes the pipe for the reader
        child = _Child(process, ours, pid=process.pid)
        threading.Thread(
            target=self._read, args=(child,), name="agentmem-writer-reader", daemon=True
        ).start()
        return child

    def _read(self, child: _Child) -> None:
        """Take the child's answers until its end of the pipe closes."""
        try:
            while True:
                message = child.conn.recv()
                if message[0] == "ready":
                    child.nice = message[2]
                    child.ready.set()
                    continue
                rid, ok, value = message
                with child.lock:
                    done = child.pending.pop(rid)
                done.set_result((ok, value if ok else _rebuilt(value)))
        except (EOFError, OSError):
            pass
        child.process.join(1.0)
        with child.lock:
            child.gone = f"pid {child.pid} exited with code {child.process.exitcode}"
            held, child.pending = child.pending, {}
        child.ready.set()
        for done in held.values():
            done.set_exception(StoreError(_gone_message(child, child.gone)))
        child.conn.close()


def _gone_message(child: _Child, why: str | None) -> str:
    return (
        f"the writer process stopped before answering ({why}); this write was not "
        "acknowledged and may or may not be stored: read the memory back (search or list "
        "the user's memories) before sending it again. The next write starts a new writer; "
        "see the server log for why it stopped, or serve with --no-writer-process"
    )


# --- the child's side -------------------------------------------------------------------
def _child_main(conn: Connection, config: Any, worker: int) -> None:
    """The child: lower priority, its own Memory, a pool of threads over the requests."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # stopped by its worker, never mid-write
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    nice = os.nice(NICE)
    from agentmem import Memory

    memory = Memory(config)
    sending = threading.Lock()
    conn.send(("ready", os.getpid(), nice))

    def serve(rid: int, method: str, args: tuple, kwargs: dict) -> None:
        try:
            value = getattr(memory, method)(*args, **kwargs)
            ids = [r.id for r in (value if isinstance(value, list) else [value])]
            answer = (rid, True, (value, memory.long_term.indexer.handover(ids)))
        except Exception as exc:  # noqa: BLE001 (answered to the worker that asked)
            if not isinstance(exc, AgentMemError):
                log.exception("writer process: %s failed", method)
            answer = (rid, False, _carried(exc))
        with sending:
            conn.send(answer)

    pool = ThreadPoolExecutor(THREADS, thread_name_prefix="agentmem-writer")
    try:
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):  # the worker is gone
                break
            if request is None or request[1] not in WRITES:
                break
            pool.submit(serve, *request)
    finally:
        pool.shutdown(wait=True)
        memory.close()
        log.debug("writer process of worker %s stopped", worker)


def _carried(exc: Exception) -> tuple[str, str, str, dict[str, Any]]:
    """An exception as (module, class, message, attributes) for `_rebuilt`."""
    attrs = dict(vars(exc))
    try:
        pickle.dumps(attrs)
    except Exception:  # noqa: BLE001 (the attributes are a courtesy; the message is kept)
        attrs = {}
    return type(exc).__module__, type(exc).__qualname__, str(exc), attrs


def _rebuilt(carried: tuple[str, str, str, dict[str, Any]]) -> Exception:
    """The worker's copy of a child's exception: agentmem's own class and message (its
    constructor is not called: some take other arguments), else a RuntimeError."""
    module, name, message, attrs = carried
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        cls = None
    if isinstance(cls, type) and issubclass(cls, AgentMemError):
        exc = cls.__new__(cls)
        Exception.__init__(exc, message)
        exc.__dict__.update(attrs)
        return exc
    return RuntimeError(f"{module}.{name} in the writer process: {message}")


__all__ = ["HEADER", "NICE", "THREADS", "WRITES", "Answer", "WriterProcess"]
