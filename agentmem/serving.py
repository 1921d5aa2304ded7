"""`agentmem serve`: uvicorn in one process, or in N worker processes that share the work.

uvicorn's own `--workers` shares one listening socket between its processes: whichever wakes
first accepts, so a burst of keep-alive connections lands on one or two workers and the
others idle. Here every worker gets its own listening socket bound to the same port with
SO_REUSEPORT, and the kernel hashes each new connection to one of them. The sockets are
bound in the parent before any worker starts, so a busy port fails once, up front.

Every response names the process that answered in `X-Agentmem-Worker` (its pid), so a
client or a benchmark can count how the work was spread.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
from collections.abc import Callable
from multiprocessing.connection import wait
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
) -> int:
    """Serve the app on `sockets`: here with one, else one forked worker per socket.
    `make_app` runs in each worker, so each opens its own Memory. Returns an exit code."""
    if len(sockets) == 1:
        _serve(make_app, sockets[0], access_log, log_level)
        return 0
    ctx = multiprocessing.get_context("fork")
    workers = [
        ctx.Process(
            target=_serve,
            args=(make_app, sock, access_log, log_level),
            name=f"agentmem-worker-{i}",
        )
        for i, sock in enumerate(sockets)
    ]
    for worker in workers:
        worker.start()
    for sock in sockets:
        sock.close()  # the workers hold their own copies
    return _supervise(workers)


def _serve(make_app: Callable[[], Any], sock: socket.socket, access_log: bool, level: str) -> None:
    import uvicorn

    config = uvicorn.Config(
        WorkerHeader(make_app()), log_level=level, access_log=access_log, lifespan="on"
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
