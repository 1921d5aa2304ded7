"""Load figures: `agentmem bench load --json`.

Starts `agentmem serve`'s app under uvicorn with several worker processes on loopback,
fills the store with N memories (spread over many users, written directly through the
Python API, which is far faster than over HTTP), then drives it with 8 and 32 concurrent
clients for search, observe and add, on SQLite and on PostgreSQL. Reports requests/s and
p50/p95/p99 latency per operation and concurrency, bounded in requests and time.

The workers share one database and a Chroma server (embedded Chroma is single-process).
PostgreSQL and the Chroma server are started here when no URL is given, in a temp dir
(the same helpers as the test suite: PostgreSQL 15 binaries must be installed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

API_KEY = "bench-key"
USERS = 200
WORDS = (
    "apple anchor banjo cactus dolphin ember falcon glacier harbor igloo jasmine kettle "
    "lantern meadow nectar orchid pepper quartz raven saddle tulip umber violet walnut "
    "yarrow zephyr bramble cobalt dune fjord gravel hazel indigo juniper kelp lilac "
    "marble nutmeg oyster pumice quill rhubarb sorrel thistle coffee train garden "
    "sister Berlin Lisbon piano chess climbing dentist Tuesday birthday"
).split()


def _sentence(rng: random.Random) -> str:
    return f"I {rng.choice(['like', 'own', 'visited', 'remember', 'need'])} " + " ".join(
        rng.sample(WORDS, 6)
    )


def fill(config: dict[str, Any], memories: int, seed: int = 0, batch: int = 500) -> float:
    """Store `memories` notes over USERS users; returns seconds taken."""
    from agentmem import Memory
    from agentmem.long_term import WritePlan, event, new_id
    from agentmem.types import MemoryRecord, Scope, utcnow

    rng = random.Random(seed)
    started = time.perf_counter()
    with Memory(**config) as mem:
        done = 0
        while done < memories:
            n = min(batch, memories - done)
            now = utcnow()
            records = [
                MemoryRecord(
                    id=new_id(),
                    text=_sentence(rng) + f" #{done + i}",
                    scope=Scope(f"user{(done + i) % USERS}"),
                    created_at=now,
                    updated_at=now,
                    valid_from=now,
                    recorded_at=now,
                )
                for i in range(n)
            ]
            # bulk load: rows, ADD events and vectors in one plan, without conflict checks
            mem.long_term.apply(
                WritePlan(
                    inserts=records,
                    events=[
                        event("ADD", r, actor="bench", reason="bulk load", new_text=r.text)
                        for r in records
                    ],
                )
            )
            done += n
    return time.perf_counter() - started


@contextmanager
def serve(config: dict[str, Any], workers: int, port: int) -> Iterator[str]:
    """uvicorn with `workers` processes over the app factory, configured by environment."""
    env = {
        **os.environ,
        "AGENTMEM_API_KEYS": f"{API_KEY}:*",
        "AGENTMEM_HOME": str(config["home"]),
        "AGENTMEM_EMBEDDING__MODEL": config["embedding"]["model"],
        "AGENTMEM_CHROMA__HOST": config["chroma"]["host"],
        "AGENTMEM_CHROMA__PORT": str(config["chroma"]["port"]),
        "AGENTMEM_DATABASE_URL": config["database_url"],
        "ANONYMIZED_TELEMETRY": "False",
    }
    log = Path(config["home"]) / "uvicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "agentmem.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        import signal

        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the server did not become healthy: {log.read_text()[-2000:]}")


def _request(op: str, rng: random.Random) -> tuple[str, dict[str, Any]]:
    user = f"user{rng.randrange(USERS)}"
    if op == "search":
        return "/v1/search", {"user_id": user, "query": " ".join(rng.sample(WORDS, 3)), "top_k": 10}
    if op == "add":
        return "/v1/memories", {"user_id": user, "text": _sentence(rng)}
    return "/v1/observe", {
        "user_id": user,
        "session_id": f"s{rng.randrange(8)}",
        "role": "user",
        "content": _sentence(rng),
    }


async def drive(
    url: str, op: str, clients: int, requests: int, seconds: float, seed: int = 0
) -> dict[str, Any]:
    """`clients` concurrent clients issue `op` until `requests` are done or time is up."""
    import httpx

    latencies: list[float] = []
    errors = 0
    rng = random.Random(seed)
    budget = {"left": requests}
    deadline = time.perf_counter() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while budget["left"] > 0 and time.perf_counter() < deadline:
            budget["left"] -= 1
            path, body = _request(op, rng)
            t0 = time.perf_counter()
            try:
                response = await http.post(path, json=body)
                ok = response.status_code < 300
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - t0)
            errors += not ok

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=url, timeout=60, limits=limits, headers={"Authorization": f"Bearer {API_KEY}"}
    ) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        wall = time.perf_counter() - started
    return _summary(op, clients, latencies, errors, wall)


def _summary(
    op: str, clients: int, latencies: list[float], errors: int, wall: float
) -> dict[str, Any]:
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float | None:
        return round(ms[min(len(ms) - 1, int(p * len(ms)))], 2) if ms else None

    return {
        "op": op,
        "clients": clients,
        "requests": len(ms),
        "errors": errors,
        "seconds": round(wall, 2),
        "rps": round(len(ms) / wall, 1) if wall else None,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
    }


@contextmanager
def _backend(name: str, root: Path, stack: ExitStack, pg_url: str | None) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite:///{root / 'agentmem.db'}"
    elif pg_url:
        yield pg_url
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
        import servers

        server = stack.enter_context(servers.postgres_server())
        yield server.create_database("bench_load")


def run(
    *,
    memories: int = 100_000,
    clients: tuple[int, ...] = (8, 32),
    backends: tuple[str, ...] = ("sqlite", "postgresql"),
    ops: tuple[str, ...] = ("search", "observe", "add"),
    workers: int = 4,
    requests: int = 2000,
    seconds: float = 30.0,
    embedding: str = "minilm",
    pg_url: str | None = None,
    chroma: str | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Fill each backend with `memories`, then measure every op at every concurrency."""
    import socket

    results: dict[str, Any] = {
        "memories": memories,
        "workers": workers,
        "users": USERS,
        "embedding": embedding,
        "cpus": os.cpu_count(),
        "requests_per_cell": requests,
        "seconds_per_cell": seconds,
        "runs": [],
    }
    with ExitStack() as stack:
        if chroma:
            host, _, port = chroma.partition(":")
            chroma_cfg = {"host": host, "port": int(port or 8000)}
        else:
            sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
            import servers

            server = stack.enter_context(servers.chroma_server())
            chroma_cfg = {"host": server.host, "port": server.port}
        for backend in backends:
            root = Path(tempfile.mkdtemp(prefix=f"agentmem-load-{backend}-"))
            stack.callback(shutil.rmtree, root, True)
            with ExitStack() as inner:
                url = inner.enter_context(_backend(backend, root, inner, pg_url))
                config = {
                    "home": root,
                    "database_url": url,
                    "embedding": {"model": embedding},
                    "chroma": {**chroma_cfg, "collection": f"load{backend[:2]}"},
                }
                fill_s = fill(config, memories, seed)
                with socket.socket() as s:
                    s.bind(("127.0.0.1", 0))
                    port = s.getsockname()[1]
                with serve(config, workers, port) as base:
                    # warm-up: every worker loads its embedder and tokenizer once
                    asyncio.run(drive(base, "search", workers * 2, workers * 8, 120, seed))
                    asyncio.run(drive(base, "observe", workers * 2, workers * 8, 300, seed))
                    for n in clients:
                        for op in ops:
                            cell = asyncio.run(drive(base, op, n, requests, seconds, seed))
                            results["runs"].append(
                                {"backend": backend, **cell, "fill_seconds": round(fill_s, 1)}
                            )
                _drop_collections(config)
    results["target"] = _target(results["runs"])
    return results


def _drop_collections(config: dict[str, Any]) -> None:
    from agentmem.stores.vector import VectorIndex

    c = config["chroma"]
    index = VectorIndex(host=c["host"], port=c["port"], prefix=c["collection"])
    index.drop_all()
    index.close()


def _target(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """search p95 <= 50 ms at 32 clients on PostgreSQL (the issue's benchmark target)."""
    cell = next(
        (
            r
            for r in runs
            if r["backend"] == "postgresql" and r["op"] == "search" and r["clients"] == 32
        ),
        None,
    )
    p95 = cell["p95_ms"] if cell else None
    return {"search_p95_ms_pg_32": p95, "limit_ms": 50.0, "met": p95 is not None and p95 <= 50.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agentmem bench load", description=__doc__)
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument(
        "--ops",
        nargs="+",
        default=["search", "observe", "add"],
        choices=["search", "observe", "add"],
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=2000, help="per op and concurrency")
    parser.add_argument("--seconds", type=float, default=30.0, help="per op and concurrency")
    parser.add_argument("--embedding", default="minilm", help="'minilm' or 'hash'")
    parser.add_argument("--pg-url", default=None, help="use this database, else start one")
    parser.add_argument("--chroma", default=None, help="host:port, else start a server")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    results = run(
        memories=args.memories,
        clients=tuple(args.clients),
        backends=tuple(args.backends),
        ops=tuple(args.ops),
        workers=args.workers,
        requests=args.requests,
        seconds=args.seconds,
        embedding=args.embedding,
        pg_url=args.pg_url,
        chroma=args.chroma,
    )
    text = json.dumps(results, indent=2)
    if args.out:
        args.out.write_text(text)
    if args.json:
        print(text)
    else:
        for r in results["runs"]:
            print(
                f"{r['backend']:>10} {r['op']:>7} x{r['clients']:<3} {r['rps']:>7} req/s  "
                f"p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  errors {r['errors']}"
            )
        print(f"target search p95 <= 50 ms (PG, 32 clients): {results['target']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
