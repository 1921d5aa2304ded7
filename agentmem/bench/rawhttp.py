"""A load generator cheaper than the server it measures: raw HTTP/1.1 over asyncio.

One keep-alive connection per simulated client, a request written in one call and a
response read by its Content-Length. A general client (httpx) spends milliseconds of CPU per
request on pool bookkeeping, enough to make the client, not the server, the bottleneck of
a two-core machine. The generator's own CPU is measured (`time.process_time`) and reported
next to the server's, so a reader can check it stayed the cheaper side.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# rng -> (method, path, JSON body) of the next request
MakeRequest = Callable[[random.Random], tuple[str, str, bytes]]


class Connection:
    """One keep-alive HTTP/1.1 connection; responses must carry a Content-Length."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._fixed = f"Host: {host}:{port}\r\nContent-Type: application/json\r\n{extra}"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes) -> tuple[int, dict, bytes]:
        """(status, lower-case headers, body). Reconnects when the server closed."""
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\n{self._fixed}Content-Length: {len(body)}\r\n\r\n"
        self._writer.write(head.encode() + body)
        try:
            raw = await self._reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" not in headers:
            self.close()
            raise ConnectionError(f"{path} answered without Content-Length (streamed?)")
        payload = await self._reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, payload

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


@dataclass
class Stream:
    """Clients issuing one kind of request; the first stream of a run sets its length."""

    op: str
    clients: int
    make: MakeRequest
    seed: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    workers: Counter = field(default_factory=Counter)
    wall: float = 0.0


async def run_streams(
    host: str,
    port: int,
    headers: dict[str, str],
    streams: list[Stream],
    requests: int,
    seconds: float,
) -> float:
    """Run every stream at once until the first has made `requests` requests or `seconds`
    passed; returns the generator's CPU seconds over the run."""
    budget = {"left": requests}
    deadline = time.perf_counter() + seconds
    main_done = asyncio.Event()

    async def client(stream: Stream, rng: random.Random, main: bool) -> None:
        conn = Connection(host, port, headers)
        try:
            while time.perf_counter() < deadline and (main or not main_done.is_set()):
                if main:
                    if budget["left"] <= 0:
                        return
                    budget["left"] -= 1
                method, path, body = stream.make(rng)
                t0 = time.perf_counter()
                try:
                    status, got, _ = await conn.request(method, path, body)
                except (OSError, asyncio.IncompleteReadError) as exc:
                    stream.errors += 1
                    stream.statuses[type(exc).__name__] += 1
                    continue
                stream.latencies.append(time.perf_counter() - t0)
                stream.statuses[status] += 1
                stream.errors += status >= 300
                stream.workers[got.get("x-agentmem-worker", "?")] += 1
        finally:
            conn.close()

    async def run_one(stream: Stream, main: bool) -> None:
        started = time.perf_counter()
        tasks = [
            client(stream, random.Random(stream.seed * 1000 + i), main)
            for i in range(stream.clients)
        ]
        await asyncio.gather(*tasks)
        stream.wall = time.perf_counter() - started
        if main:
            main_done.set()

    cpu = time.process_time()
    await asyncio.gather(*(run_one(s, i == 0) for i, s in enumerate(streams)))
    return time.process_time() - cpu


def run(coro_factory: Callable[[], object]) -> object:
    """Run a coroutine on uvloop when it is installed (less CPU per request), else asyncio."""
    try:
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro_factory())


async def warm(
    host: str,
    port: int,
    headers: dict[str, str],
    clients: int,
    users: list[str],
    make: Callable[[str], tuple[str, str, bytes]],
    first: list[Callable[[], tuple[str, str, bytes]]] = (),
) -> dict[str, int]:
    """Send `make(user)` for every user to every worker that holds one of `clients`
    connections: each connection asks which worker it reached, sends the `first`
    requests, then works off that worker's list. Returns the requests each worker answered."""
    todo: dict[str, list[str]] = {}
    answered: Counter = Counter()

    async def client() -> None:
        conn = Connection(host, port, headers)
        try:
            _, got, _ = await conn.request("GET", "/healthz", b"")
            worker = got.get("x-agentmem-worker", "?")
            queue = todo.setdefault(worker, list(users))
            lazy = itertools.chain((f() for f in first), (make(u) for u in _drain(queue)))
            for request in lazy:
                method, path, body = request
                status, _, payload = await conn.request(method, path, body)
                if status >= 300:
                    raise RuntimeError(f"warm-up {path} answered {status}: {payload[:300]!r}")
                answered[worker] += 1
        finally:
            conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return dict(answered)


def _drain(items: list[str]) -> Iterator[str]:
    """Pop items one at a time, so connections of one worker share its list."""
    while items:
        yield items.pop()
