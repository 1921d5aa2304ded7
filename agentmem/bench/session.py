"""Long-running session benchmark: `agentmem bench session [--turns N] [--json]`.

One scripted conversation of N observed turns (user and assistant alternating) with facts
planted early (two of them changed later) and deterministic filler in between. Measured:
`observe` latency p50/p95/p99 over the first 100 turns and over the last 100, the working
context's size, the process's resident memory at both points, and at the end the share of
planted facts whose (newest) value `context("<question>")` contains, asked right after the
last turn (background consolidation passes may still be queued) and again after
`Memory.flush()`. `--inline` consolidates inside `observe` instead, for comparison.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Planted:
    statement: str
    question: str
    expected: str
    stale: str | None = None  # a value the newest context must no longer carry as current


# (statement, question, expected newest value, stale value or None)
_PLANTED_ROWS = (
    ("Hi! My name is Priya Raman.", "What is my name?", "Priya", None),
    ("I live in Oslo.", "Where do I live?", "Lisbon", "Oslo"),
    ("I work at Northwind Traders as a data analyst.", "Where do I work?", "Contoso", "Northwind"),
    ("I'm allergic to penicillin.", "What am I allergic to?", "penicillin", None),
    ("I have a dog named Biscuit.", "What is my dog's name?", "Biscuit", None),
    ("My sister's name is Clara.", "What's my sister's name?", "Clara", None),
    ("My birthday is July 14th.", "When is my birthday?", "July 14", None),
    ("I speak Norwegian and Tamil.", "Which languages do I speak?", "Tamil", None),
    ("My favorite color is teal.", "What's my favorite color?", "teal", None),
    ("I'm 37 years old.", "How old am I?", "37", None),
    ("My phone number is 555-0142.", "What is my phone number?", "555-0142", None),
    ("I drive a Volvo XC40.", "What car do I drive?", "Volvo", None),
    ("I love rock climbing.", "What hobbies do I enjoy?", "rock climbing", None),
    ("I hate olives.", "What food do I hate?", "olives", None),
    ("I'm married to Jonas.", "Who is my husband?", "Jonas", None),
    ("I grew up in Chennai.", "Where did I grow up?", "Chennai", None),
    (
        "I plan to run the Berlin marathon in September.",
        "What are my plans for September?",
        "marathon",
        None,
    ),
    ("My shoe size is 39.", "What is my shoe size?", "39", None),
    ("I have two kids.", "How many children do I have?", "2 kids", None),
    ("My employee ID is 88341.", "What is my employee ID?", "88341", None),
)
PLANTED: tuple[Planted, ...] = tuple(Planted(*row) for row in _PLANTED_ROWS)
UPDATES = (
    "Big news: I moved to Lisbon last month.",
    "I no longer work at Northwind Traders. I joined Contoso in March.",
)

_USER_FILLER = (
    "Can you help me draft an email to the team about the {x} review?",
    "What do you think about {x}?",
    "Thanks, that helps a lot.",
    "Let's talk about {x} for a bit.",
    "Could you summarise the main points on {x}?",
    "Hmm, I'm not sure about that part.",
    "The {x} meeting ran long today.",
    "Give me three ideas for {x}.",
    "ok, next question.",
    "Why does {x} matter so much?",
    "That sounds reasonable.",
    "Remind me what we said about {x} earlier.",
)
_ASSISTANT_FILLER = (
    "Sure. Here is a short overview of {x}: it depends on your goals and your constraints.",
    "Good question. Many people find {x} useful once they break it into small steps.",
    "Here are three ideas on {x}: start small, measure, and iterate.",
    "I can help with that. A clear subject line and a short summary of {x} work well.",
    "In short, {x} matters because it affects cost, time and quality.",
)
_TOPICS = (
    "budget",
    "quarterly planning",
    "the garden",
    "machine learning",
    "travel insurance",
    "the product launch",
    "sourdough baking",
    "time management",
    "the reading list",
    "home office setup",
    "the conference talk",
    "onboarding",
    "the bike repair",
)


def scripted_conversation(turns: int, seed: int = 0) -> list[tuple[str, str]]:
    """`turns` (role, content) pairs: facts planted early, updated once, filler elsewhere."""
    rng = random.Random(seed)
    spacing = max(2, (turns // 5) // len(PLANTED) // 2 * 2)  # within the first fifth
    plant_at = {2 + spacing * i: p.statement for i, p in enumerate(PLANTED)}
    update_at = {
        turns * 6 // 10 - (turns * 6 // 10) % 2: UPDATES[0],
        turns * 7 // 10 - (turns * 7 // 10) % 2: UPDATES[1],
    }
    out = []
    for i in range(turns):
        if i % 2 == 0:
            text = (
                plant_at.get(i)
                or update_at.get(i)
                or rng.choice(_USER_FILLER).format(x=rng.choice(_TOPICS))
            )
            out.append(("user", text))
        else:
            out.append(("assistant", rng.choice(_ASSISTANT_FILLER).format(x=rng.choice(_TOPICS))))
    return out


def recall(mem: Any, scope: Any, planted: tuple[Planted, ...] = PLANTED) -> dict[str, Any]:
    """Share of planted facts whose newest value the context of their question contains."""
    found, stale, misses, latencies = 0, 0, [], []
    for p in planted:
        t0 = time.perf_counter()
        ctx = mem.context(p.question, scope)
        latencies.append((time.perf_counter() - t0) * 1000)
        memory_text = ctx.messages[0]["content"].lower()
        if p.expected.lower() in " ".join(m["content"] for m in ctx.messages).lower():
            found += 1
        else:
            misses.append(p.question)
        stale += bool(p.stale) and any(
            f"{verb} {str(p.stale).lower()}" in memory_text for verb in ("lives in", "works at")
        )
    return {
        "recall": found / len(planted),
        "found": found,
        "planted": len(planted),
        "stale_values_in_context": stale,
        "missed": misses,
        "context_ms_p50": _pct(latencies, 50),
    }


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 3) if values else 0.0


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return round(int(f.read().split()[1]) * resource.getpagesize() / 2**20, 1)
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run(
    turns: int = 10_000,
    *,
    home: str | Path | None = None,
    embedding: str = "minilm",
    token_counter: Callable[[str], int] | None = None,
    seed: int = 0,
    window: int = 100,
    background: bool = True,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Observe `turns` scripted turns in one session; returns the measurements as a dict."""
    from agentmem import Memory, Scope

    window = min(window, turns // 2)
    script = scripted_conversation(turns, seed)
    with tempfile.TemporaryDirectory(prefix="agentmem-bench-") as tmp:
        mem = Memory(
            home=Path(home or tmp),
            embedding={"model": embedding},
            token_counter=token_counter,
            consolidation={"background": background},
        )
        scope = Scope(user_id="bench-user", session_id="long-session")
        try:
            warm = Scope(user_id="bench-warmup")  # loads tokenizer, embedder, index first
            mem.observe("user", "I live in Bergen and I like tea.", warm)
            mem.context("where do I live", warm)
            times, working, scheduled = [], [], 0
            rss_early = 0.0
            t_start = time.perf_counter()
            for i, (role, text) in enumerate(script, start=1):
                t0 = time.perf_counter()
                obs = mem.observe(role, text, scope)
                times.append((time.perf_counter() - t0) * 1000)
                scheduled += obs.consolidation_scheduled
                working.append(mem.short_term.get(scope).tokens)
                if i == window:
                    rss_early = _rss_mb()
                if progress and i % 500 == 0:
                    progress(i)
            elapsed = time.perf_counter() - t_start
            at_end = recall(mem, scope)  # as a caller sees it: passes may still be queued
            t0 = time.perf_counter()
            mem.flush()
            drain = time.perf_counter() - t0
            runner = mem.consolidation_runner
            result = _summary(times, working, window, turns, runner.passes, elapsed)
            result.update(
                rss_mb_at_first_window=rss_early,
                rss_mb_at_end=_rss_mb(),
                recall=at_end,
                recall_after_flush=recall(mem, scope),
                background=background,
                turns_scheduling_a_pass=scheduled,
                failed_passes=runner.worker.failures if runner.worker else 0,
                flush_ms_at_end=round(drain * 1000, 1),
                embedding=embedding,
                max_tokens=mem.config.short_term.max_tokens,
                episodes=mem.sql("SELECT count(*) AS n FROM episodes", scope)[0]["n"],
                summary_exists=mem.short_term.get(scope).summary is not None,
            )
        finally:
            mem.close()
    return result


def _summary(
    times: list[float],
    working: list[int],
    window: int,
    turns: int,
    consolidations: int,
    elapsed: float,
) -> dict[str, Any]:
    first, last = times[:window], times[-window:]
    return {
        "turns": turns,
        "window": window,
        "seconds": round(elapsed, 2),
        "observe_ms": {
            f"turn_{window}": {
                "p50": _pct(first, 50),
                "p95": _pct(first, 95),
                "p99": _pct(first, 99),
            },
            f"turn_{turns}": {"p50": _pct(last, 50), "p95": _pct(last, 95), "p99": _pct(last, 99)},
            "all": {
                "p50": _pct(times, 50),
                "p95": _pct(times, 95),
                "p99": _pct(times, 99),
                "max": round(max(times), 3),
            },
        },
        "p95_ratio_last_vs_first": round(_pct(last, 95) / max(_pct(first, 95), 1e-9), 3),
        "working_tokens_max": max(working),
        "consolidations": consolidations,
    }


def _table(result: dict[str, Any]) -> str:
    obs = result["observe_ms"]
    keys = [k for k in obs if k != "all"]
    mode = "background" if result["background"] else "inline"
    lines = [
        f"session benchmark: {result['turns']} turns, {result['seconds']} s, "
        f"embedding={result['embedding']}, consolidation {mode}",
        f"{'observe latency (ms)':<24}" + "".join(f"{k:>14}" for k in keys),
        *(f"{q:<24}" + "".join(f"{obs[k][q]:>14.2f}" for k in keys) for q in ("p50", "p95", "p99")),
        f"p95 ratio (last/first): {result['p95_ratio_last_vs_first']}",
        f"working context: max {result['working_tokens_max']} tokens "
        f"(budget {result['max_tokens']}), {result['consolidations']} consolidations, "
        f"{result['flush_ms_at_end']} ms to flush at the end",
        f"resident memory: {result['rss_mb_at_first_window']} MB -> {result['rss_mb_at_end']} MB",
        f"planted-fact recall in context(): {result['recall']['found']}/"
        f"{result['recall']['planted']} = {result['recall']['recall']:.0%} "
        f"({result['recall_after_flush']['recall']:.0%} after flush)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from agentmem.bench.output import add_output_flags, emit

    parser = argparse.ArgumentParser(prog="agentmem bench session", description=__doc__)
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--embedding", default="minilm", help="'minilm' (default) or 'hash'")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--inline",
        action="store_true",
        help="consolidate inside observe (consolidation.background = false)",
    )
    add_output_flags(parser, "session")
    args = parser.parse_args(argv)
    if args.turns < 20:
        parser.error(f"--turns must be at least 20, got {args.turns}")
    result = run(
        args.turns,
        embedding=args.embedding,
        seed=args.seed,
        background=not args.inline,
        progress=None if args.json else lambda i: print(f"  {i} turns", file=sys.stderr),
    )
    emit(args, result, _table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
