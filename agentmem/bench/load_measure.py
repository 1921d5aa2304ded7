"""Measurements for `bench load`: process CPU from /proc, latency summaries, the in-process
baseline (`Memory.search` from threads of one process) and the service/in-process ratios."""

from __future__ import annotations

import os
import random
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from 3 (state) on


def group_pids(pgid: int) -> list[int]:
    """Every live process of a process group (the server and its workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[2]) == pgid:
                pids.append(int(entry.name))
    return pids


def pids_with(text: str) -> list[int]:
    """Processes whose command line contains `text` (the Chroma server, by its data path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, UnicodeDecodeError):
                continue
            if text in cmdline and int(entry.name) != os.getpid():
                found.append(int(entry.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # stat fields 14 and 15
    return total / TICKS


def summary(latencies: list[float], wall: float) -> dict[str, Any]:
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float | None:
        return round(ms[min(len(ms) - 1, int(p * len(ms)))], 2) if ms else None

    return {
        "requests": len(ms),
        "seconds": round(wall, 2),
        "rps": round(len(ms) / wall, 1) if wall else None,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
    }


def per_request_ms(cpu: float, requests: int) -> float | None:
    return round(cpu * 1000 / requests, 3) if requests else None


def in_process(
    mem: Any,
    call: Callable[[Any, random.Random], object],
    clients: int,
    requests: int,
    seconds: float,
    seed: int,
) -> dict[str, Any]:
    """`clients` threads of this process call `call(mem, rng)` until `requests` are done
    or time is up; CPU is this process's (`time.process_time`, all threads)."""
    lock = threading.Lock()
    budget = {"left": requests}
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    def worker(rng: random.Random) -> None:
        while time.perf_counter() < deadline:
            with lock:
                if budget["left"] <= 0:
                    return
                budget["left"] -= 1
            t0 = time.perf_counter()
            try:
                call(mem, rng)
            except Exception as exc:  # counted and reported, like a 5xx of the service
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append(time.perf_counter() - t0)

    threads = [
        threading.Thread(target=worker, args=(random.Random(seed * 1000 + i),))
        for i in range(clients)
    ]
    cpu, started = time.process_time(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    out = {"where": "in-process", "clients": clients, "errors": len(errors)}
    out.update(summary(latencies, wall))
    out["server_cpu_ms_per_request"] = per_request_ms(cpu, len(latencies))
    if errors:
        out["first_error"] = errors[0][:300]
    return out


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def compare(service: dict[str, Any], local: dict[str, Any]) -> dict[str, Any]:
    """Service over in-process at one concurrency: throughput, p95 and CPU per request."""
    return {
        "backend": service["backend"],
        "clients": service["clients"],
        "service_rps": service["rps"],
        "in_process_rps": local["rps"],
        "rps_ratio": ratio(service["rps"], local["rps"]),
        "service_p95_ms": service["p95_ms"],
        "in_process_p95_ms": local["p95_ms"],
        "p95_ratio": ratio(service["p95_ms"], local["p95_ms"]),
        "service_cpu_ms_per_request": service["server_cpu_ms_per_request"],
        "in_process_cpu_ms_per_request": local["server_cpu_ms_per_request"],
    }


def targets(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets, met or not, from the cells at the highest concurrency."""
    top = max(results["clients"])
    comp = next((c for c in results["comparison"] if c["clients"] == top), None)
    runs = results["runs"]
    add = next((r for r in runs if r["op"] == "add" and r["clients"] == top), None)
    mixed = results.get("mixed") or [{}]
    out: dict[str, Any] = {"clients": top}
    if comp:
        out["rps_ratio"] = _target(comp["rps_ratio"], ">=", 0.9)
        out["p95_ratio"] = _target(comp["p95_ratio"], "<=", 1.2)
        out["search_cpu_ms"] = _target(comp["service_cpu_ms_per_request"], "<=", 2.5)
    if mixed[0]:
        out["storm_p95_ratio"] = _target(mixed[0]["p95_ratio"], "<=", 1.5)
    if add:
        out["add_rps"] = _target(add["rps"], ">=", 100.0)
    return out


def _target(value: float | None, op: str, limit: float) -> dict[str, Any]:
    met = value is not None and (value >= limit if op == ">=" else value <= limit)
    return {"value": value, "limit": f"{op} {limit}", "met": met}
