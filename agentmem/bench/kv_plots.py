"""One PNG per measure of `agentmem bench kv`, each against the KV budget (or the length).

- ``kv_accuracy.png``: passkey and multi-key accuracy per length;
- ``kv_survival.png``: survival of the answer's tokens, on device and in any tier;
- ``kv_error.png``: next-token KL and mean relative hidden-state error against budget, and
  the relative error per layer at the budget nearest 25%;
- ``kv_perplexity.png``: perplexity per length;
- ``kv_memory.png``: device KV bytes as a share of the full cache's;
- ``kv_speed.png``: prefill seconds and decode ms/token against the context length.

A measure absent from the report (its task not run) writes no file.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

_LAYER = re.compile(r"hidden_rel_error_L(\d+)@(\d+)$")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _panel(ax, rows: list[dict], key: tuple[str, str]) -> None:
    """``value`` against budget for each policy of ``rows`` matching (task, metric)."""
    by_policy: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in rows:
        if (r["task"], r["metric"]) == key:
            by_policy[r["policy"]].append((r["budget"], r["value"]))
    for policy, points in sorted(by_policy.items()):
        points.sort()
        if policy == "full":
            ax.axhline(points[0][1], color="black", linestyle="--", label="full")
        else:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=policy)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("KV budget (fraction of tokens)")
    ax.set_title(f"{key[0]}: {key[1]}", fontsize=9)
    ax.legend(fontsize=6)


def _grid(plt, n: int):
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.8 * rows), squeeze=False)
    return fig, [ax for row in axes for ax in row]


def budget_figure(rows: list[dict], prefixes: tuple[str, ...], path: Path) -> Path | None:
    """One panel per (task, metric) whose metric starts with one of ``prefixes``; None (no
    file) when the report has none."""
    keys = sorted({(r["task"], r["metric"]) for r in rows if r["metric"].startswith(prefixes)})
    if not keys:
        return None
    plt = _plt()
    fig, axes = _grid(plt, len(keys))
    for ax, key in zip(axes, keys, strict=False):
        _panel(ax, rows, key)
    for ax in axes[len(keys) :]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _error_figure(rows: list[dict], path: Path) -> Path | None:
    layered = [r for r in rows if _LAYER.match(r["metric"])]
    summary = ("kl_next_token@", "hidden_rel_error_mean@")
    keys = sorted({(r["task"], r["metric"]) for r in rows if r["metric"].startswith(summary)})
    if not keys and not layered:
        return None
    plt = _plt()
    lengths = sorted({int(_LAYER.match(r["metric"]).group(2)) for r in layered})
    fig, axes = _grid(plt, len(keys) + len(lengths))
    for ax, key in zip(axes, keys, strict=False):
        _panel(ax, rows, key)
    budgets = sorted({r["budget"] for r in layered if r["policy"] != "full"})
    budget = min(budgets, key=lambda b: abs(b - 0.25)) if budgets else 1.0
    for ax, length in zip(axes[len(keys) :], lengths, strict=False):
        curves: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
        for r in layered:
            layer, at = (int(g) for g in _LAYER.match(r["metric"]).groups())
            if at == length and r["budget"] == budget and r["policy"] != "full":
                curves[(r["task"], r["policy"])].append((layer, r["value"]))
        for (task, policy), points in sorted(curves.items()):
            points.sort()
            ax.plot([p[0] for p in points], [p[1] for p in points], label=f"{policy} ({task})")
        ax.set_xlabel("layer")
        ax.set_title(
            f"relative hidden error per layer, budget {budget}, {length} tokens", fontsize=9
        )
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _speed_figure(rows: list[dict], path: Path) -> Path | None:
    speed = [r for r in rows if r["task"] == "speed"]
    if not speed:
        return None
    plt = _plt()
    metrics = ("prefill_s", "decode_ms_per_token", "decode_ratio_vs_full")
    fig, axes = _grid(plt, len(metrics))
    for ax, metric in zip(axes, metrics, strict=True):
        curves: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for r in speed:
            name, _, length = r["metric"].partition("@")
            if name == metric:
                curves[f"{r['policy']} {r['budget']:g}"].append((int(length), r["value"]))
        for label, points in sorted(curves.items()):
            points.sort()
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=label)
        ax.set_xlabel("context tokens")
        ax.set_title(metric, fontsize=9)
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_measure_plots(report: dict, out: Path) -> list[Path]:
    """Write every measure's PNG that the report has data for; returns their paths."""
    rows = report["results"]
    out = Path(out)
    written = [
        budget_figure(rows, ("accuracy@",), out / "kv_accuracy.png"),
        budget_figure(rows, ("survival_device@", "survival_any_tier@"), out / "kv_survival.png"),
        _error_figure(rows, out / "kv_error.png"),
        budget_figure(rows, ("ppl@", "ppl_dev@"), out / "kv_perplexity.png"),
        budget_figure(rows, ("device_kv_ratio@",), out / "kv_memory.png"),
        _speed_figure(rows, out / "kv_speed.png"),
    ]
    return [p for p in written if p is not None]
