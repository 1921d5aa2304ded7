"""Load figures: `agentmem bench load --json` (`--quick`: a couple of minutes).

Fills the store with N memories over many users (through the Python API, far faster than
over HTTP), measures `Memory.search` from threads of this process (the in-process
ceiling), then runs `agentmem serve --workers N` on loopback and drives it with a raw
asyncio HTTP/1.1 client, one keep-alive connection per simulated client (`rawhttp`),
cheaper per request than the server. Every user is warmed on every worker first (and
every worker has served one request of each op, the add storm's adds included, before
the clock), and every cell draws its requests from its own seed. Per cell: req/s,
p50/p95/p99, CPU per request of the service's processes, of the Chroma server and of
the load generator, and which worker answered how many. Side by side: service over
in-process at each concurrency, and search latency with and without a concurrent stream
of adds.

The workers share one database and a Chroma server (embedded Chroma is single-process).
PostgreSQL and the Chroma server are started here when no URL is given, in a temp dir
(the same helpers as the test suite: PostgreSQL 15 binaries must be installed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from agentmem.bench import load_measure as measure
from agentmem.bench.load_service import HOST, USERS, Service, serve
from agentmem.bench.load_texts import WORDS, sentence
from agentmem.bench.rawhttp import Stream


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
                    text=sentence(rng) + f" #{done + i}",
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


def _search(rng: random.Random, user: str | None = None) -> tuple[str, str, bytes]:
    user = user or f"user{rng.randrange(USERS)}"
    body = {"user_id": user, "query": " ".join(rng.sample(WORDS, 3)), "top_k": 10}
    return "POST", "/v1/search", json.dumps(body).encode()


def _add(rng: random.Random) -> tuple[str, str, bytes]:
    body = {"user_id": f"user{rng.randrange(USERS)}", "text": sentence(rng)}
    return "POST", "/v1/memories", json.dumps(body).encode()


def _observe(rng: random.Random) -> tuple[str, str, bytes]:
    user = f"user{rng.randrange(USERS)}"
    body = {"user_id": user, "session_id": f"s{rng.randrange(8)}", "role": "user"}
    body["content"] = sentence(rng)
    return "POST", "/v1/observe", json.dumps(body).encode()


OPS = {"search": _search, "add": _add, "observe": _observe}


def _local_search(mem: Any, rng: random.Random) -> object:
    """The in-process twin of `_search`: the same query distribution, no HTTP."""
    return mem.search(" ".join(rng.sample(WORDS, 3)), f"user{rng.randrange(USERS)}", top_k=10)


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
    workers: int = 2,
    requests: int = 2000,
    seconds: float = 30.0,
    embedding: str = "minilm",
    storm: tuple[int, int] = (8, 8),
    pg_url: str | None = None,
    chroma: str | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Fill each backend with `memories`; measure in-process search, then the service's
    cells (every op at every concurrency, and searches during an add storm)."""
    results: dict[str, Any] = {
        "memories": memories,
        "workers": workers,
        "users": USERS,
        "embedding": embedding,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "clients": list(clients),
        "requests_per_cell": requests,
        "seconds_per_cell": seconds,
        "runs": [],
        "comparison": [],
        "mixed": [],
    }
    with ExitStack() as stack:
        chroma_cfg, marker = _chroma(chroma, stack)
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
                cells = _cells(
                    config, backend, marker, results, workers, storm, ops, requests, seconds, seed
                )
                for row in cells:
                    row.update(backend=backend, fill_seconds=round(fill_s, 1))
                _drop_collections(config)
    results["load_average_after"] = os.getloadavg()
    results["targets"] = measure.targets(results)
    return results


def _chroma(address: str | None, stack: ExitStack) -> tuple[dict[str, Any], str | None]:
    """The Chroma server every process shares, and a marker to find its process by."""
    if address:
        host, _, port = address.partition(":")
        return {"host": host, "port": int(port or 8000)}, None
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
    import servers

    server = stack.enter_context(servers.chroma_server())
    return {"host": server.host, "port": server.port}, str(server.path)


def _cells(config, backend, marker, results, workers, storm, ops, requests, seconds, seed):
    """Every measured cell of one backend, appended to `results`; returns the new rows."""
    from agentmem import Memory

    rows, cell_seed = [], iter(range(seed * 10_000 + 1, seed * 10_000 + 10_000))
    # in-process and service side by side: one Memory here, the service beside it on the
    # same database and index, their cells back to back at each concurrency
    with Memory(**config) as mem, serve(config, workers, _free_port()) as (host, port, pgid):
        for user in range(USERS):  # warm: every user's collection and the embedder
            mem.search("warm", f"user{user}", top_k=10)
        service = Service(host, port, pgid, marker)
        # the add storm runs whatever `ops` says: its adds are warmed with the other ops
        warm_ops = [OPS[op] for op in dict.fromkeys([*ops, "add"]) if op != "search"]
        results.setdefault("warm_requests_per_worker", {})[backend] = service.warm(
            32, _search, warm_ops
        )
        for n in results["clients"]:
            local = measure.in_process(mem, _local_search, n, requests, seconds, next(cell_seed))
            local.update(op="search", index_cpu_ms_per_request=None)
            rows.append(local)
            for op in ops:
                (row,) = service.cell([Stream(op, n, OPS[op], next(cell_seed))], requests, seconds)
                rows.append(row)
                if op == "search":
                    results["comparison"].append(
                        measure.compare({**row, "backend": backend}, local)
                    )
        rows.extend(_storm(service, backend, results, storm, requests, seconds, cell_seed))
    results["runs"].extend(rows)
    return rows


def _storm(service, backend, results, storm, requests, seconds, cell_seed):
    """Searches alone, then the same searches while `storm[1]` clients add memories."""
    searchers, adders = storm
    (calm,) = service.cell(
        [Stream("search", searchers, _search, next(cell_seed))], requests, seconds
    )
    stormy, adds = service.cell(
        [
            Stream("search", searchers, _search, next(cell_seed)),
            Stream("add", adders, _add, next(cell_seed)),
        ],
        requests,
        seconds,
    )
    stormy["during"] = f"add storm x{adders}"
    results["mixed"].append(
        {
            "backend": backend,
            "search_clients": searchers,
            "add_clients": adders,
            "p95_ms_alone": calm["p95_ms"],
            "p95_ms_during_adds": stormy["p95_ms"],
            "p95_ratio": measure.ratio(stormy["p95_ms"], calm["p95_ms"]),
            "adds_rps": adds["rps"],
        }
    )
    return [calm, stormy, adds]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _drop_collections(config: dict[str, Any]) -> None:
    from agentmem.stores.vector import VectorIndex

    c = config["chroma"]
    index = VectorIndex(host=c["host"], port=c["port"], prefix=c["collection"])
    index.drop_all()
    index.close()


QUICK = {"memories": 2000, "backends": ["sqlite"], "requests": 200, "seconds": 10.0}


def main(argv: list[str] | None = None) -> int:
    from agentmem.bench.output import add_output_flags, emit

    parser = argparse.ArgumentParser(prog="agentmem bench load", description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"a few minutes: {QUICK}, hash")
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--ops", nargs="+", default=list(OPS), choices=list(OPS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=2000, help="per cell")
    parser.add_argument("--seconds", type=float, default=30.0, help="per cell")
    parser.add_argument(
        "--storm",
        type=int,
        nargs=2,
        default=[8, 8],
        metavar=("SEARCH", "ADD"),
        help="clients searching, and adding, in the add-storm cell",
    )
    parser.add_argument("--embedding", default="minilm", help="'minilm' or 'hash'")
    parser.add_argument("--pg-url", default=None, help="use this database, else start one")
    parser.add_argument("--chroma", default=None, help="host:port, else start a server")
    parser.add_argument("--seed", type=int, default=0)
    add_output_flags(parser, "load")
    args = parser.parse_args(argv)
    if args.quick:
        parser.set_defaults(embedding="hash", **QUICK)
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
        storm=tuple(args.storm),
        pg_url=args.pg_url,
        chroma=args.chroma,
        seed=args.seed,
    )
    emit(args, results, _table)
    return 0


def _table(results: dict[str, Any]) -> str:
    lines = [f"load average {results['load_average_before']} -> {results['load_average_after']}"]
    for r in results["runs"]:
        lines.append(
            f"{r['backend']:>10} {r['where']:>10} {r['op']:>7} x{r['clients']:<3} "
            f"{r['rps']:>7} req/s  p50 {r['p50_ms']}  p95 {r['p95_ms']}  p99 {r['p99_ms']} ms  "
            f"cpu/req {r.get('server_cpu_ms_per_request')} ms  errors {r['errors']}"
            + (f"  ({r['during']})" if r.get("during") else "")
        )
    for c in results["comparison"]:
        lines.append(
            f"service/in-process x{c['clients']} ({c['backend']}): "
            f"rps {c['rps_ratio']}  p95 {c['p95_ratio']}"
        )
    for m in results["mixed"]:
        lines.append(f"search p95 during adds / alone ({m['backend']}): {m['p95_ratio']}")
    lines.append(f"targets: {json.dumps(results['targets'])}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
