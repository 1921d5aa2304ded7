"""Long-context speed of `agentmem bench kv` (task ``speed``): prefill and decode, side by side.

At each length (default ~2k, ~4k, ~7k tokens; SmolLM2's window is 8k) every configuration
(default: the full cache, CMP at 12.5%, STR at 25%) prefills the same context through a
session (chunks of ``prefill_chunk``, the policy applied after each), reads a question, then
decodes ``decode_tokens`` tokens greedily (end-of-turn ignored, so each decodes the same
count). Reported: prefill seconds, decode ms/token, device KV ratio, and both times as a
ratio to the full cache's at that length, measured in the same run. Configurations are
interleaved per repeat and the median repeat is kept, so a load change on a shared machine
touches all of them alike. Torch threads are fixed by the caller (``bench kv --threads``);
on CUDA every timing ends with a synchronisation.
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


def measure(llm, context: str, question: str, policy: str, budget: float, decode_tokens: int,
            prefill_chunk: int) -> dict[str, float]:  # fmt: skip
    """Prefill seconds and decode ms/token of one configuration on one context."""
    session = llm.session(policy, budget, prefill_chunk=prefill_chunk)
    ids = llm.encode(context)
    _sync(llm.device)
    started = time.perf_counter()
    session.feed_ids(ids)
    _sync(llm.device)
    prefill = time.perf_counter() - started
    session.feed_ids(llm.encode(question))
    started = time.perf_counter()
    for _ in range(decode_tokens):
        session.feed_ids([int(session.last_logits.argmax())])
    _sync(llm.device)
    decode = (time.perf_counter() - started) / decode_tokens * 1000
    return {"prefill_s": prefill, "decode_ms_per_token": decode,
            "device_kv_ratio": session.stats()["device_kv_ratio"]}  # fmt: skip


def speed(
    llm, lengths: Sequence[int] = (2048, 4096, 7168), configs=CONFIGS, decode_tokens: int = 32,
    prefill_chunk: int = 1024, repeats: int = 1, log: Callable[[str], object] = print,
) -> list[dict]:  # fmt: skip
    """Rows ``{"task": "speed", "policy", "budget", "metric": "<metric>@<length>", ...}``."""
    rng = random.Random(3)
    warm = passkey_case(llm.tokenizer, 256, 0.5, rng)
    for name, budget in configs:  # first calls pay one-time costs (allocations, kernels)
        measure(llm, warm.context, warm.question, name, budget, 2, prefill_chunk)
    rows = []
    for length in lengths:
        case = passkey_case(llm.tokenizer, length, 0.5, rng)
        runs: dict[tuple[str, float], list[dict]] = {c: [] for c in configs}
        for _ in range(repeats):
            for name, budget in configs:
                runs[(name, budget)].append(
                    measure(
                        llm, case.context, case.question, name, budget, decode_tokens, prefill_chunk
                    )  # fmt: skip
                )
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
