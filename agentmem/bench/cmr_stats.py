"""Statistics and the report of `agentmem bench cmr`: Wilson intervals, exact McNemar tests on
paired cases, the summary table and the plot."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from pathlib import Path

from agentmem.bench import plots_common
from agentmem.bench.kv_tasks import wilson  # one Wilson interval for every bench


def mcnemar(b: int, c: int) -> float:
    """Exact two-sided McNemar p-value for ``b`` and ``c`` discordant pairs."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


def summarise(records: list[dict]) -> list[dict]:
    """One row per (task, condition, budget): accuracy with its interval, and means."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        groups[(r["task"], r["condition"], r["budget"])].append(r)
    rows = []
    for (task, condition, budget), rs in sorted(groups.items(), key=lambda kv: str(kv[0])):
        k, n = sum(r["correct"] for r in rs), len(rs)
        lo, hi = wilson(k, n)
        row = {"task": task, "condition": condition, "budget": budget, "correct": k, "n": n,
               "accuracy": k / n, "ci95": [lo, hi]}  # fmt: skip
        for key in (
            "kl",
            "hidden_error_mean",
            "latency_s",
            "reweave_s",
            "decode_ms_per_token",
            "device_kv_ratio",
            "latent_ratio",
            "total_ratio",
            "rewoven",
            "survival",
        ):
            values = [r[key] for r in rs if r.get(key) is not None]
            row[key] = sum(values) / len(values) if values else None
        # one loaded-machine stall moves a mean of 20 by seconds; the median is the typical case
        row["latency_s_median"] = statistics.median(r["latency_s"] for r in rs)
        layers = [r["hidden_error"] for r in rs if r.get("hidden_error")]
        if layers:
            row["hidden_error_per_layer"] = [sum(v) / len(v) for v in zip(*layers, strict=True)]
        rows.append(row)
    return rows


PAIRS = (("cmr", "alone"), ("cmr", "alone+latent"), ("cmr", "cmp"), ("oracle", "alone"),
         ("cmr", "oracle"), ("filler", "oracle"), ("ridge", "oracle"),
         ("cmr", "cmr_sum"), ("filler", "alone"))  # fmt: skip


def paired_tests(records: list[dict]) -> list[dict]:
    """Exact McNemar of each pair of conditions on the same cases, per task and budget, and
    the median over those cases of the latency ratio a/b (a case's conditions run one after
    the other, so a pair shares the machine's load where separate means do not)."""
    by: dict[tuple, dict[str, bool]] = defaultdict(dict)
    seconds: dict[tuple, dict[str, float]] = defaultdict(dict)
    for r in records:
        by[(r["task"], r["budget"], r["case"])][r["condition"]] = r["correct"]
        seconds[(r["task"], r["budget"], r["case"])][r["condition"]] = r.get("latency_s") or 0.0
    tests = []
    cells = sorted({(t, b) for t, b, _ in by}, key=str)
    for task, budget in cells:
        keys = [k for k in by if k[:2] == (task, budget)]
        for a, b in PAIRS:
            both = [k for k in keys if a in by[k] and b in by[k]]
            pairs = [(by[k][a], by[k][b]) for k in both]
            if not pairs:
                continue
            ratios = [seconds[k][a] / seconds[k][b] for k in both if seconds[k][b] > 0]
            wins = sum(x and not y for x, y in pairs)
            losses = sum(y and not x for x, y in pairs)
            tests.append({
                "task": task, "budget": budget, "a": a, "b": b, "n": len(pairs),
                "a_correct": sum(x for x, _ in pairs), "b_correct": sum(y for _, y in pairs),
                "a_only": wins, "b_only": losses, "p_mcnemar": mcnemar(wins, losses),
                "points": 100.0 * (wins - losses) / len(pairs),
                "latency_ratio_median": statistics.median(ratios) if ratios else None,
            })  # fmt: skip
    return tests


def buckets(records: list[dict], parts: int = 3) -> list[dict]:
    """Accuracy of each condition per tercile of the needle word's log-probability."""
    rare = [r for r in records if r.get("logprob") is not None]
    if not rare:
        return []
    values = sorted({r["logprob"] for r in rare})
    edges = [values[min(len(values) - 1, len(values) * i // parts)] for i in range(1, parts)]
    out: dict[tuple, list[bool]] = defaultdict(list)
    for r in rare:
        bucket = sum(r["logprob"] >= e for e in edges)  # 0: rarest
        out[(r["task"], r["budget"], r["condition"], bucket)].append(r["correct"])
    return [
        {
            "task": t,
            "budget": b,
            "condition": c,
            "bucket": k,
            "bucket_edges": edges,
            "correct": sum(v),
            "n": len(v),
        }  # fmt: skip
        for (t, b, c, k), v in sorted(out.items(), key=str)
    ]


def table(rows: list[dict]) -> str:
    """The summary as fixed-width text."""
    head = (f"{'task':<14}{'condition':<14}{'budget':>7}{'acc':>9}{'ci95':>13}{'KL':>8}"
            f"{'lat s':>7}{'ms/tok':>8}{'kv%':>7}{'lat%':>6}{'rewoven':>8}")  # fmt: skip
    lines = [head, "-" * len(head)]
    for r in rows:
        ci = f"{r['ci95'][0]:.2f}-{r['ci95'][1]:.2f}"
        lines.append(
            f"{r['task']:<14}{r['condition']:<14}{r['budget']:>7.4g}"
            f"{r['correct']:>4}/{r['n']:<4}{ci:>13}{_f(r['kl'], 3):>8}{_f(r['latency_s'], 2):>7}"
            f"{_f(r['decode_ms_per_token'], 1):>8}{_f(r['device_kv_ratio'], 1, 100):>7}"
            f"{_f(r['latent_ratio'], 2, 100):>6}{_f(r['rewoven'], 0):>8}"
        )
    return "\n".join(lines)


def _f(value, digits: int, scale: float = 1.0) -> str:
    return "-" if value is None else f"{value * scale:.{digits}f}"


def plot(rows: list[dict], path: Path) -> Path:
    """Accuracy against budget, one panel per task, one line per condition."""
    plt = plots_common.pyplot()
    tasks = sorted({r["task"] for r in rows if r["condition"] != "full"})
    fig, axes = plt.subplots(1, max(len(tasks), 1), figsize=(4.5 * max(len(tasks), 1), 3.8))
    axes = [axes] if len(tasks) <= 1 else list(axes)
    for ax, task in zip(axes, tasks, strict=False):
        lines: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for r in rows:
            if r["task"] == task:
                lines[r["condition"]].append((r["budget"], r["accuracy"]))
        plots_common.budget_panel(ax, lines, xlabel="budget (fraction of tokens)", title=task)
        ax.set_ylim(-0.05, 1.05)
    return plots_common.save(fig, path)
