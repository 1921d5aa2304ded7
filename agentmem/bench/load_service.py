"""The service side of `bench load`: `agentmem serve` in a process group of its own, and
cells driven by the raw HTTP client with the CPU of every process involved."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agentmem.bench import load_measure as measure
from agentmem.bench import rawhttp
from agentmem.bench.rawhttp import MakeRequest, Stream

HOST = "127.0.0.1"
API_KEY = "bench-key"
USERS = 200
Request = tuple[str, str, bytes]


@contextmanager
def serve(config: dict[str, Any], workers: int, port: int) -> Iterator[tuple[str, int, int]]:
    """`agentmem serve --workers N` as a user runs it, configured by environment; yields
    (host, port, process group) once every worker has answered."""
    env = {
        **os.environ,
        "AGENTMEM_API_KEYS": f"{API_KEY}:*",
        "AGENTMEM_HOME": str(config["home"]),
        "AGENTMEM_EMBEDDING__MODEL": config["embedding"]["model"],
        "AGENTMEM_CHROMA__HOST": config["chroma"]["host"],
        "AGENTMEM_CHROMA__PORT": str(config["chroma"]["port"]),
        "AGENTMEM_CHROMA__COLLECTION": config["chroma"]["collection"],
        "AGENTMEM_DATABASE_URL": config["database_url"],
        "ANONYMIZED_TELEMETRY": "False",
    }
    command = [sys.executable, "-m", "agentmem.cli", "serve", "--host", HOST, "--port", str(port)]
    log = Path(config["home"]) / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_workers(port, workers, proc, log)
        yield HOST, port, proc.pid
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)


def _wait_workers(port: int, workers: int, proc: subprocess.Popen, log: Path) -> None:
    """Poll /healthz on new connections until `workers` distinct workers have answered."""
    seen: set[str] = set()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and len(seen) < workers:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=5) as r:
                seen.add(r.headers.get("X-Agentmem-Worker", "?"))
        except OSError:
            time.sleep(0.3)
    if len(seen) < workers:
        raise RuntimeError(f"only {len(seen)} of {workers} workers answered: {log.read_text()}")


class Service:
    """The running service as the bench sees it: where to connect, whose CPU to count."""

    def __init__(self, host: str, port: int, pgid: int, index_marker: str | None) -> None:
        self.host, self.port, self.pgid, self.index_marker = host, port, pgid, index_marker
        self.headers = {"Authorization": f"Bearer {API_KEY}"}
        self.users = USERS

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far of the service's processes and of the index server."""
        index = (
            measure.cpu_seconds(measure.pids_with(self.index_marker)) if self.index_marker else 0
        )
        return measure.cpu_seconds(measure.group_pids(self.pgid)), index

    def cell(self, streams: list[Stream], requests: int, seconds: float) -> list[dict[str, Any]]:
        """Run the streams at once; one result per stream, CPU per request of the first."""
        before = self.cpu()
        client_cpu = rawhttp.run(
            lambda: rawhttp.run_streams(
                self.host, self.port, self.headers, streams, requests, seconds
            )
        )
        server, index = (a - b for a, b in zip(self.cpu(), before, strict=True))
        done = sum(len(s.latencies) for s in streams)
        out = []
        for stream in streams:
            row = {"where": "service", "op": stream.op, "clients": stream.clients}
            row.update(measure.summary(stream.latencies, stream.wall), errors=stream.errors)
            row["workers"] = dict(stream.workers)
            if stream.errors:
                row["statuses"] = {str(k): v for k, v in stream.statuses.items()}
            out.append(row)
        # CPU is shared by the streams of a cell: per request over all of them
        out[0]["server_cpu_ms_per_request"] = measure.per_request_ms(server, done)
        out[0]["index_cpu_ms_per_request"] = measure.per_request_ms(index, done)
        out[0]["client_cpu_ms_per_request"] = measure.per_request_ms(client_cpu, done)
        return out

    def warm(
        self,
        clients: int,
        search: Callable[[random.Random, str], Request],
        first: list[MakeRequest],
    ) -> dict[str, int]:
        """One search per user on every worker that holds a connection (each worker opens
        its own collections and caches), before anything is measured; each connection
        first sends one of each `first` request (what the other ops load on first use)."""
        users = [f"user{u}" for u in range(self.users)]
        rng = random.Random(-1)
        return rawhttp.run(
            lambda: rawhttp.warm(
                self.host,
                self.port,
                self.headers,
                clients,
                users,
                lambda u: search(rng, u),
                [lambda f=f: f(rng) for f in first],
            )
        )
