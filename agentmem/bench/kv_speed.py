"""Long-context speed of `agentmem bench kv` (task ``speed``): prefill and decode, side by side.

At each length (default ~2k, ~4k, ~7k tokens; SmolLM2's window is 8k) every configuration
(default: the full cache, CMP at 12.5%, STR at 25%) prefills the same context through a
session (chunks of ``prefill_chunk``, the policy applied after each), reads a question, then
decodes ``decode_tokens`` tokens greedily (end-of-turn ignored, so each decodes the same
count). Reported: prefill seconds, decode ms/token, device KV ratio, and both times as a
ratio to the full cache's at that length, measured in the same run, each by wall clock and
by process CPU time (``cpu_`` metrics: ``time.process_time``, which a shared machine's other
jobs do not inflate the way they inflate wall clock; with torch threads fixed to 1 it is the
work the step did). Configurations advance in turn, one prefill chunk or decoded token each,
the first of each turn rotating (see ``measure``), and the median repeat is kept, so a load
change touches all of them alike. Torch threads are fixed by the caller (``bench kv
--threads``); on CUDA every timing ends with a synchronisation (CPU time then counts the
host's side only).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence

import torch

from agentmem.bench.kv_tasks import passkey_case
from agentmem.bench.kv_variants import make_variant

# (policy or variant, budget): `agentmem.bench.kv_variants`, ``bench kv --speed-configs``
CONFIGS: tuple[tuple[str, float], ...] = (("full", 1.0), ("cmp", 0.125), ("str", 0.25))


def _sync(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def _timed(device, fn) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of ``fn()``."""
    _sync(device)
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    _sync(device)
    return time.perf_counter() - wall, time.process_time() - cpu


def _rotations(configs: Sequence, rounds: int):
    """``configs`` once per round, the first of each round rotating: no configuration always
    runs right after another (whose caches and allocations it would inherit)."""
    configs = list(configs)
    for r in range(rounds):
        k = r % len(configs)
        yield configs[k:] + configs[:k]


def measure(llm, context: str, question: str, configs, decode_tokens: int,
            prefill_chunk: int) -> dict[tuple[str, float], dict[str, float]]:  # fmt: skip
    """Prefill seconds and decode ms/token of every configuration on one context, by wall
    clock and by process CPU time (``cpu_prefill_s``, ``cpu_decode_ms_per_token``).

    The configurations advance in turn, one prefill chunk or one decoded token each (the
    first of each turn rotating), so a load change on a shared machine touches all of them
    alike; prefill is the sum of the chunks; decode ms/token is the median step by wall clock
    (robust to a stall) and the mean by CPU time (which a stall does not inflate), so the CPU
    figure includes the steps that compress the cache (one in several for CMP), which the
    median leaves out."""
    sessions = {c: llm.session(make_variant(c[0]), c[1], prefill_chunk=0) for c in configs}
    ids = llm.encode(context)
    chunks = [ids[lo : lo + prefill_chunk] for lo in range(0, len(ids), prefill_chunk)]
    prefill = {c: [0.0, 0.0] for c in configs}
    for chunk, order in zip(chunks, _rotations(configs, len(chunks)), strict=True):
        for c in order:
            s = sessions[c]
            for i, t in enumerate(_timed(llm.device, lambda s=s, chunk=chunk: s.feed_ids(chunk))):
                prefill[c][i] += t
    steps: dict[tuple[str, float], list[tuple[float, float]]] = {c: [] for c in configs}
    for s in sessions.values():
        s.feed_ids(llm.encode(question))
    for order in _rotations(configs, decode_tokens):
        for c in order:
            s = sessions[c]
            token = int(s.last_logits.argmax())
            steps[c].append(_timed(llm.device, lambda s=s, t=token: s.feed_ids([t])))
    return {
        c: {"prefill_s": prefill[c][0], "cpu_prefill_s": prefill[c][1],
            "decode_ms_per_token": statistics.median(w for w, _ in steps[c]) * 1000,
            "cpu_decode_ms_per_token": statistics.fmean(u for _, u in steps[c]) * 1000,
            "device_kv_ratio": s.stats()["device_kv_ratio"]}
        for c, s in sessions.items()
    }  # fmt: skip


RATIOS = {
    "prefill_ratio_vs_full": "prefill_s",
    "decode_ratio_vs_full": "decode_ms_per_token",
    "cpu_prefill_ratio_vs_full": "cpu_prefill_s",
    "cpu_decode_ratio_vs_full": "cpu_decode_ms_per_token",
}


def table(rows: list[dict]) -> str:
    """The speed rows as a text table: one line per length and configuration."""
    cells: dict[tuple[int, str], dict[str, float]] = {}
    for r in rows:
        metric, _, length = r["metric"].partition("@")
        cells.setdefault((int(length), f"{r['policy']} {r['budget']:g}"), {})[metric] = r["value"]
    lines = [
        "length  policy      prefill s (cpu s)  decode ms/tok (cpu)"
        "  x full: prefill wall/cpu, decode wall/cpu"
    ]
    for (length, label), m in sorted(cells.items()):
        ratios = "".join(
            f"  {m.get(a, float('nan')):.2f}x/{m.get('cpu_' + a, float('nan')):.2f}x"
            for a in ("prefill_ratio_vs_full", "decode_ratio_vs_full")
        )
        lines.append(
            f"{length:>6}  {label:<10}  {m['prefill_s']:7.1f} ({m['cpu_prefill_s']:7.1f})"
            f"  {m['decode_ms_per_token']:8.1f} ({m['cpu_decode_ms_per_token']:8.1f}){ratios}"
        )
    return "\n".join(lines)


def speed(
    llm, lengths: Sequence[int] = (2048, 4096, 7168), configs=CONFIGS, decode_tokens: int = 32,
    prefill_chunk: int = 1024, repeats: int = 1, log: Callable[[str], object] = print,
) -> list[dict]:  # fmt: skip
    """Rows ``{"task": "speed", "policy", "budget", "metric": "<metric>@<length>", ...}``."""
    rng = random.Random(3)
    warm = passkey_case(llm.tokenizer, 256, 0.5, rng)
    measure(llm, warm.context, warm.question, configs, 2, prefill_chunk)  # one-time costs
    rows = []
    for length in lengths:
        case = passkey_case(llm.tokenizer, length, 0.5, rng)
        runs: dict[tuple[str, float], list[dict]] = {c: [] for c in configs}
        for _ in range(repeats):
            done = measure(llm, case.context, case.question, configs, decode_tokens, prefill_chunk)
            for c, m in done.items():
                runs[c].append(m)
        median = {c: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
                  for c, rs in runs.items()}  # fmt: skip
        full = next((m for (name, _), m in median.items() if name == "full"), None)
        for (name, budget), m in median.items():
            values = dict(m)
            if full is not None:
                for ratio, metric in RATIOS.items():
                    values[ratio] = m[metric] / full[metric] if full[metric] > 0 else float("nan")
            for metric, value in values.items():
                row = {"task": "speed", "policy": name, "budget": budget}
                rows.append({**row, "metric": f"{metric}@{length}", "value": value, "n": repeats})
        log(f"speed {length} done")
    log(table(rows))
    return rows
