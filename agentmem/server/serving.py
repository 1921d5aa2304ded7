"""`agentmem serve`: uvicorn in one process, or in N worker processes that share the work.

uvicorn's own `--workers` shares one listening socket between its processes: whichever wakes
first accepts, so a burst of keep-alive connections lands on one or two workers and the
others idle. Here every worker gets its own listening socket bound to the same port with
SO_REUSEPORT, and the kernel hashes each new connection to one of them. The sockets are
bound in the parent before any worker starts, so a busy port fails once, up front.

Every response names the process that answered in `X-Agentmem-Worker` (its pid), so a
client or a benchmark can count how the work was spread; an add or update run by the
worker's writer process (`writer.py`) also names that process in `X-Agentmem-Writer`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from agentmem.errors import ConfigError

log = logging.getLogger(__name__)
WORKER_HEADER = b"x-agentmem-worker"


class WorkerHeader:
    """ASGI middleware: add `X-Agentmem-Worker: <pid>` to every HTTP response."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.value = str(os.getpid()).encode()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_named(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (WORKER_HEADER, self.value)]
            await send(message)

        await self.app(scope, receive, send_named)


def bind(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` listening sockets on one port (the first picks it when `port` is 0)."""
    if count > 1 and not hasattr(socket, "SO_REUSEPORT"):
        raise ConfigError(
            f"--workers {count} needs SO_REUSEPORT, which this platform lacks; use --workers 1"
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if count > 1:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]
            sock.listen(2048)
            sock.set_inheritable(True)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
            "pick a free port with --port or stop what holds this one"
        ) from exc
    return sockets


def run(
    make_app: Callable[[], Any],
    sockets: list[socket.socket],
    *,
    access_log: bool = False,
    log_level: str = "info",
    graceful_s: float | None = None,
) -> int:
    """Serve the app on `sockets`: here with one, else one forked worker per socket.
    `make_app` runs in each worker, so each opens its own Memory. Returns an exit code."""
    if len(sockets) == 1:
        _serve(make_app, sockets[0], access_log, log_level, graceful_s)
        return 0
    ctx = multiprocessing.get_context("fork")
    workers = [
        ctx.Process(
            target=_serve,
            args=(make_app, sock, access_log, log_level, graceful_s),
            name=f"agentmem-worker-{i}",
        )
        for i, sock in enumerate(sockets)
    ]
    for worker in workers:
        worker.start()
    for sock in sockets:
        sock.close()  # the workers hold their own copies
    return _supervise(workers)


def _serve(
    make_app: Callable[[], Any],
    sock: socket.socket,
    access_log: bool,
    level: str,
    graceful_s: float | None = None,
) -> None:
    import uvicorn

    # On SIGTERM, a reply still decoding after `graceful_s` is cancelled (its stream closes,
    # generation stops) so that the server stops within seconds.
    config = uvicorn.Config(
        WorkerHeader(make_app()),
        log_level=level,
        access_log=access_log,
        lifespan="on",
        timeout_graceful_shutdown=graceful_s,
    )
    uvicorn.Server(config).run(sockets=[sock])


def _supervise(workers: list[multiprocessing.Process]) -> int:
    """Wait for the workers. A stop signal is passed on to all; a worker that dies on its
    own takes the others down with it (a supervisor that restarts is the deployment's job)."""
    stopping, failed = False, False

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for worker in workers:
            if worker.is_alive():
                os.kill(worker.pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        alive = list(workers)
        while alive:
            wait([w.sentinel for w in alive], timeout=1.0)
            for worker in [w for w in alive if not w.is_alive()]:
                if not stopping:
                    log.error(
                        "worker %s exited with %s; stopping the others", worker.pid, worker.exitcode
                    )
                    failed = True
                    stop(signal.SIGTERM, None)
            alive = [w for w in alive if w.is_alive()]
        return 1 if failed else 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def chroma_server(path: Path, host: str = "127.0.0.1", timeout: float = 60) -> Iterator[int]:
    """`chroma run` over the embedded index's own directory, so that several workers share
    one index (embedded Chroma belongs to one process) and its writes run outside them.
    Yields the port; the server stops when the block ends."""
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        raise ConfigError("several workers need a Chroma server: install chromadb's `chroma`")
    with socket.socket() as probe:
        probe.bind((host, 0))
        port = probe.getsockname()[1]
    path.mkdir(parents=True, exist_ok=True)
    log = path.parent / "chroma-server.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [exe, "run", "--path", str(path), "--host", host, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    try:
        _wait_heartbeat(host, port, proc, log, timeout)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_heartbeat(
    host: str, port: int, proc: subprocess.Popen, log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(f"the Chroma server exited ({proc.returncode}); see {log}")
        try:
            url = f"http://{host}:{port}/api/v2/heartbeat"
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise ConfigError(f"the Chroma server did not answer within {timeout:.0f} s; see {log}")


def writer_wanted(config: Any, workers: int, choice: bool | None = None) -> bool:
    """Whether each worker hands its writes to a writer process (`server/writer.py`):
    `choice` (the CLI's flag) over `server.writer_process`; 'auto' where a second process
    can open the index, a Chroma server (configured, or started for several workers)."""
    setting = config.server.writer_process if choice is None else ("on" if choice else "off")
    if setting == "auto":
        return config.chroma.host is not None or workers > 1
    return setting == "on"


@contextmanager
def shared_index(config: Any, workers: int, writer: bool = False) -> Iterator[None]:
    """With several processes over an embedded index (several workers, or a worker and its
    writer process), serve that index's directory from a Chroma server for the time of the
    block and point `config` at it."""
    chroma = config.chroma
    if (workers == 1 and not writer) or chroma.host is not None:
        yield
        return
    with chroma_server(chroma.path) as port:
        chroma.host, chroma.port = "127.0.0.1", port
        try:
            yield
        finally:
            chroma.host = None
