"""Long-context speed of `agentmem bench kv` (task ``speed``): prefill and decode, side by side.

At each length (default ~2k, ~4k, ~7k tokens; SmolLM2's window is 8k) every configuration
(default: the full cache, CMP at 12.5%, STR at 25%) prefills the same context through a
session (chunks of ``prefill_chunk``, the policy applied after each), reads a question, then
decodes ``decode_tokens`` tokens greedily (end-of-turn ignored, so each decodes the same
count). Reported: prefill seconds, decode ms/token, device KV ratio, and both times as a
ratio to the full cache's at that length, measured in the same run. Configurations advance
in turn, one prefill chunk or decoded token each (see ``measure``), and the median repeat is
kept, so a load change on a shared machine touches all of them alike. Torch threads are
fixed by the caller (``bench kv --threads``); on CUDA every timing ends with a
synchronisation.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence

import torch

from agentmem.bench.kv_tasks import passkey_case

CONFIGS: tuple[tuple[str, float], ...] = (("full", 1.0), ("cmp", 0.125), ("str", 0.25))


def _sync(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def _timed(device, fn) -> float:
    _sync(device)
    started = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - started


def measure(llm, context: str, question: str, configs, decode_tokens: int,
            prefill_chunk: int) -> dict[tuple[str, float], dict[str, float]]:  # fmt: skip
    """Prefill seconds and decode ms/token of every configuration on one context.

    The configurations advance in turn, one prefill chunk or one decoded token each, so a
    load change on a shared machine touches all of them alike; decode ms/token is the median
    step (robust to a stall), prefill the sum of the chunks."""
    sessions = {c: llm.session(c[0], c[1], prefill_chunk=0) for c in configs}
    ids = llm.encode(context)
    prefill = dict.fromkeys(configs, 0.0)
    for lo in range(0, len(ids), prefill_chunk):
        chunk = ids[lo : lo + prefill_chunk]
        for c, s in sessions.items():
            prefill[c] += _timed(llm.device, lambda s=s, chunk=chunk: s.feed_ids(chunk))
    steps: dict[tuple[str, float], list[float]] = {c: [] for c in configs}
    for s in sessions.values():
        s.feed_ids(llm.encode(question))
    for _ in range(decode_tokens):
        for c, s in sessions.items():
            token = int(s.last_logits.argmax())
            steps[c].append(_timed(llm.device, lambda s=s, t=token: s.feed_ids([t])))
    return {
        c: {"prefill_s": prefill[c], "decode_ms_per_token": statistics.median(steps[c]) * 1000,
            "device_kv_ratio": s.stats()["device_kv_ratio"]}
        for c, s in sessions.items()
    }  # fmt: skip


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
                values["prefill_ratio_vs_full"] = m["prefill_s"] / full["prefill_s"]
                values["decode_ratio_vs_full"] = (
                    m["decode_ms_per_token"] / full["decode_ms_per_token"]
                )
            for metric, value in values.items():
                row = {"task": "speed", "policy": name, "budget": budget}
                rows.append({**row, "metric": f"{metric}@{length}", "value": value, "n": repeats})
        log(f"speed {length} done")
    return rows
