"""`agentmem bench kv`: every KV policy at several budgets, side by side, on the local model.

Tasks (all in one process, on the same inputs):

- ``passkey``: a 5-digit key hidden at depths 10-90% in filler text of each length; the context
  is prefilled once with the full cache while every policy records its statistics, then each
  policy compresses a copy to its budget (query-agnostic: before the question) and answers,
  compressing again after every decoded token. Also the survival of the key's tokens
  (on device / in any tier), device KV bytes, and the error propagation of the question's
  forward pass against the full cache (per-layer relative hidden error, next-token KL).
- ``multikey``: four key-value needles, one asked (see `agentmem.bench.kv_tasks`).
- ``needles2``: one fact in other forms (code, name, date, word, quoted phrase, count) in
  prose, chat or a list, asked in other words, scored by normalised containment (see
  `agentmem.bench.kv_needles`).
- ``speed``: prefill and decode time of full / CMP 12.5% / STR 25% at ~2k, ~4k, ~7k tokens,
  as ratios to the full cache (see `agentmem.bench.kv_speed`).
- ``perplexity``: Python's own documentation text (``pydoc_data``), fed in chunks of
  ``ppl_chunk`` tokens with the policy applied after each chunk.
- ``cost``: prefill seconds, decode ms/token at the longest length (each policy at 25%),
  and time-to-first-token with and without an activation snapshot of a 1k-token prefix.

The passkey and multikey cases (keys, names, the text around them) are drawn from ``seed``
(``--seed``; 0 by default, the draw every earlier figure used): choose on one seed and judge
once on another.

Output: ``{"model", "device", "torch", "config", "results": [{"task", "policy", "budget",
"metric", "value", "n"}]}`` as JSON, a PNG of score against budget per policy (``kv.png``)
and one PNG per measure (``kv_<measure>.png``, see `agentmem.bench.kv_plots`).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from agentmem.bench.kv_fork import FILLER, INTRO, QUESTION
from agentmem.bench.kv_text import TEXT_PARTS, perplexity_text
from agentmem.bench.kv_variants import check_variants, make_variant, parse_config
from agentmem.errors import ConfigError

ALL_POLICIES = (
    "full", "streaming_llm", "h2o", "snapkv", "tova", "knorm", "expected_attention", "kvzip", "str",
    "cmp",
)  # fmt: skip


def _passkey_case(tokenizer, length: int, depth: float, rng: random.Random):
    key = str(rng.randint(10000, 99999))
    needle = f" The pass key is {key}. Remember it. {key} is the pass key. "
    per = len(tokenizer(FILLER, add_special_tokens=False)["input_ids"])
    fixed = len(tokenizer(INTRO + needle + QUESTION, add_special_tokens=False)["input_ids"])
    repeats = max(1, (length - fixed) // per)
    hay = FILLER * repeats
    cut = hay.rfind(". ", 0, int(len(hay) * depth)) + 2 if depth > 0 else 0
    return key, INTRO + hay[:cut] + needle + hay[cut:]


def _row(task: str, policy: str, budget: float, metric: str, value: float, n: int) -> dict:
    return {"task": task, "policy": policy, "budget": budget, "metric": metric, "value": value,
            "n": n}  # fmt: skip


def passkey(llm, lengths, budgets, policies, trials, seed=0, log=print) -> list[dict]:
    from agentmem.bench.kv_tasks import retrieval

    return retrieval(llm, "passkey", lengths, budgets, policies, trials, seed, log, make_variant)


# The metric of each part: held-out text is what policies are judged on (``ppl@``); dev text is
# where their hyperparameters may be tuned (``ppl_dev@``).
PPL_METRIC = {"heldout": "ppl", "dev": "ppl_dev"}


def perplexity(llm, lengths, budgets, policies, chunk=32, log=print, parts=TEXT_PARTS):
    """Rows of perplexity per policy, budget and length on each text part (``ppl@<length>``
    on held-out text, ``ppl_dev@<length>`` on dev text); the text is fed with its spans
    (words and numbers), as ``session.feed`` feeds it."""
    rows = []
    for part in parts:
        probe = llm.session("full", 1.0)
        ids_all, spans_all, _ = probe.encode_spans(perplexity_text(part))
        for length in lengths:
            ids, spans = ids_all[: length + 1], spans_all[:length]
            for name in policies:
                for budget in [1.0] if name == "full" else budgets:
                    s = llm.session(make_variant(name), budget, prefill_chunk=chunk)
                    logits = s.feed_ids(ids[:-1], spans, return_logits=True)
                    nll = torch.nn.functional.cross_entropy(logits, torch.tensor(ids[1:]))
                    metric = f"{PPL_METRIC[part]}@{length}"
                    rows.append(_row("perplexity", name, budget, metric, math.exp(float(nll)), 1))
            log(f"perplexity {part} {length} done")
    return rows


def cost(llm, length, policies, decode_tokens=16, prefix_tokens=1024, log=print) -> list[dict]:
    rows = []
    rng = random.Random(7)
    _, context = _passkey_case(llm.tokenizer, length, 0.5, rng)
    for name in policies:
        budget = 1.0 if name == "full" else 0.25
        s = llm.session(make_variant(name), budget, prefill_chunk=0)
        started = time.perf_counter()
        s.feed(context)
        prefill = time.perf_counter() - started
        s.feed(QUESTION)
        started = time.perf_counter()
        n = sum(1 for _ in s.decode(decode_tokens))
        per_token = (time.perf_counter() - started) / max(s.timings["decode_tokens"], 1) * 1000
        stats = s.stats()
        for metric, value in (("prefill_s", prefill), ("decode_ms_per_token", per_token),
                              ("device_kv_ratio", stats["device_kv_ratio"])):  # fmt: skip
            rows.append(_row("cost", name, budget, f"{metric}@{length}", value, max(n, 1)))
    rows.extend(_ttft(llm, prefix_tokens))
    log("cost done")
    return rows


def _ttft(llm, prefix_tokens: int, repeats: int = 3) -> list[dict]:
    from agentmem.kv.snapshots import load_snapshot, save_snapshot

    ids = llm.encode(perplexity_text())[:prefix_tokens]
    prefix = llm.tokenizer.decode(ids)
    question = "\nQuestion: what is this text about? Answer:"
    with tempfile.TemporaryDirectory() as tmp:
        s = llm.session("full", 1.0, prefill_chunk=0)
        s.feed(prefix)
        save_snapshot(s, Path(tmp) / "prefix", prefix)
        cold, warm = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            s = llm.session("full", 1.0, prefill_chunk=0)
            s.feed(prefix)
            s.feed(question)
            next(iter(s.decode(1)), None)
            cold.append(time.perf_counter() - started)
            started = time.perf_counter()
            s = load_snapshot(llm, Path(tmp) / "prefix", prefix)
            s.feed(question)
            next(iter(s.decode(1)), None)
            warm.append(time.perf_counter() - started)
    a, b = min(cold), min(warm)
    return [
        _row("ttft", "full", 1.0, "ttft_recompute_s", a, repeats),
        _row("ttft", "full", 1.0, "ttft_snapshot_s", b, repeats),
        _row("ttft", "full", 1.0, "ttft_speedup", a / b, repeats),
    ]


def run(
    *,
    lengths: Sequence[int] = (1024, 2048, 4096),
    budgets: Sequence[float] = (1.0, 0.5, 0.25, 0.125),
    policies: Sequence[str] = ALL_POLICIES,
    trials: int = 20,
    seed: int = 0,
    ppl_lengths: Sequence[int] = (1024, 4096),
    ppl_chunk: int = 32,
    ppl_parts: Sequence[str] = TEXT_PARTS,
    tasks: Sequence[str] = ("passkey", "multikey", "perplexity", "cost"),
    speed_lengths: Sequence[int] = (2048, 4096, 7168),
    speed_configs: Sequence[tuple[str, float]] | None = None,
    decode_tokens: int = 32,
    out_dir: str | Path | None = None,
    plot: bool = True,
    config=None,
    llm=None,
    threads: int | None = 2,
    log: Callable[[str], Any] = print,
) -> dict:
    """Run the benchmark; writes ``kv.json`` (and ``kv.png``) into ``out_dir`` when given.

    ``policies`` are names or variants (``cmp[decode_open=1]``, `agentmem.bench.kv_variants`);
    ``speed_configs``: the speed task's ``(policy or variant, budget)`` pairs (default
    `agentmem.bench.kv_speed.CONFIGS`). A bad one is a `ConfigError` before the model loads."""
    from agentmem.bench.kv_speed import CONFIGS
    from agentmem.llm.runtime import LocalLLM

    policies = check_variants(policies)
    speed_configs = [(spec, float(b)) for spec, b in (speed_configs or CONFIGS)]
    check_variants(spec for spec, _ in speed_configs)
    if threads:
        torch.set_num_threads(threads)
    llm = llm or LocalLLM.load(config)
    results: list[dict] = []
    started = time.perf_counter()
    if "passkey" in tasks:
        results += passkey(llm, lengths, budgets, policies, trials, seed=seed, log=log)
    if "multikey" in tasks:
        from agentmem.bench.kv_tasks import retrieval

        results += retrieval(
            llm, "multikey", lengths, budgets, policies, trials, seed, log, make_variant
        )
    if "needles2" in tasks:
        from agentmem.bench.kv_tasks import retrieval

        results += retrieval(
            llm, "needles2", lengths, budgets, policies, trials, seed, log, make_variant
        )
    if "speed" in tasks:
        from agentmem.bench.kv_speed import speed

        results += speed(llm, speed_lengths, speed_configs, decode_tokens=decode_tokens, log=log)
    if "perplexity" in tasks:
        results += perplexity(
            llm, ppl_lengths, budgets, policies, chunk=ppl_chunk, log=log, parts=ppl_parts
        )
    if "cost" in tasks:
        results += cost(llm, max(lengths), policies, log=log)
    report = {
        "model": str(llm.source or llm.model.config.name_or_path),
        "fingerprint": llm.fingerprint,
        "device": str(llm.device),
        "torch": torch.__version__,
        "config": {
            "lengths": list(lengths),
            "budgets": list(budgets),
            "policies": list(policies),
            "trials": trials,
            "seed": seed,
            "ppl_lengths": list(ppl_lengths),
            "ppl_chunk": ppl_chunk,
            "ppl_parts": list(ppl_parts),
            "threads": threads,
            "tasks": list(tasks),
            "speed_configs": [list(c) for c in speed_configs],
            "seconds": round(time.perf_counter() - started, 1),
        },  # fmt: skip
        "results": results,
    }
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "kv.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        if plot:
            from agentmem.bench.kv_plots import write_measure_plots

            summary = write_plot(report, out / "kv.png")
            report["plot"] = None if summary is None else str(summary)
            report["plots"] = [str(p) for p in write_measure_plots(report, out)]
    return report


def write_plot(report: dict, path: Path) -> Path | None:
    """Score against budget per policy: accuracy and perplexity panels (one per task and
    length), drawn as `agentmem.bench.kv_plots` draws every measure."""
    from agentmem.bench.kv_plots import budget_figure

    return budget_figure(report["results"], ("accuracy@", "ppl@"), Path(path))


def main(argv: Sequence[str] | None = None) -> int:
    """``agentmem bench kv [--quick] [--json] [--plot] [--out DIR] ...``"""
    parser = argparse.ArgumentParser(prog="agentmem bench kv", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="1k tokens, 3 trials, budgets 50/25/12.5%%, ppl at 1k"
    )
    parser.add_argument(
        "--figures", action="store_true",
        help="every figure in one run: passkey and multikey at 1k/2k/4k, speed at 2k/4k/7k, "
        "perplexity, PNGs (trials default 5; on CUDA when present, see --device)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the JSON report")
    parser.add_argument("--plot", action="store_true", help=argparse.SUPPRESS)  # --out draws it
    parser.add_argument("--out", metavar="DIR", help="also write kv.json and kv.png into DIR")
    parser.add_argument("--lengths", type=int, nargs="+")
    parser.add_argument("--budgets", type=float, nargs="+")
    parser.add_argument(
        "--policies", nargs="+",
        help="policy names or variants with options in brackets, side by side on the same "
        "cases: full cmp 'cmp[decode_open=1]' (options: the policy's fields)",
    )  # fmt: skip
    parser.add_argument("--trials", type=int)
    parser.add_argument(
        "--seed", type=int,
        help="the draw of passkey and multikey cases (keys, names, text); 0 by default, the "
        "draw of earlier figures: choose on one seed, judge once on another",
    )  # fmt: skip
    parser.add_argument("--ppl-lengths", type=int, nargs="+")
    parser.add_argument(
        "--ppl-parts", nargs="+", choices=list(TEXT_PARTS),
        help="perplexity text: the dev half (tuning) and/or the held-out half (judging); both "
        "by default",
    )  # fmt: skip
    parser.add_argument(
        "--tasks",
        nargs="+",
        choices=["passkey", "multikey", "needles2", "perplexity", "cost", "speed"],
    )
    parser.add_argument("--speed-lengths", type=int, nargs="+")
    parser.add_argument(
        "--speed-configs", nargs="+", metavar="SPEC@BUDGET",
        help="the speed task's configurations, e.g. full@1 cmp@0.125 'cmp[decode_open=1]@0.125' "
        "(default full@1 cmp@0.125 str@0.25)",
    )  # fmt: skip
    parser.add_argument("--decode-tokens", type=int, help="tokens decoded per speed measurement")
    parser.add_argument("--device", help="'cpu', 'cuda' or 'auto' (the config's llm.device)")
    parser.add_argument(
        "--threads", type=int, default=1,
        help="torch CPU threads (1 is fastest on a shared, busy CPU; 0 leaves torch's default)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    options: dict[str, Any] = {}
    try:
        if args.policies:
            check_variants(args.policies)
        if args.speed_configs:
            options["speed_configs"] = [parse_config(c) for c in args.speed_configs]
    except ConfigError as exc:
        parser.error(str(exc))
    if args.quick:
        options.update(lengths=(1024,), trials=3, budgets=(0.5, 0.25, 0.125), ppl_lengths=(1024,))
    if args.device:
        from agentmem.config import MemoryConfig

        options["config"] = MemoryConfig.create(llm={"device": args.device})
    if args.figures:
        options.update(tasks=("passkey", "multikey", "speed", "perplexity"), trials=5)
        args.plot = True
    for name in ("lengths", "budgets", "policies", "trials", "seed", "ppl_lengths", "ppl_parts",
                 "tasks", "speed_lengths", "decode_tokens"):  # fmt: skip
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    # with --json, stdout carries the report alone; progress and tables go to stderr
    stream = sys.stderr if args.json else sys.stdout
    log = lambda m: print(m, file=stream, flush=True)  # noqa: E731
    report = run(out_dir=args.out, plot=True, threads=args.threads, log=log, **options)
    if args.json:
        print(json.dumps(report, indent=2))
    elif args.out:
        print(f"wrote {Path(args.out) / 'kv.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
