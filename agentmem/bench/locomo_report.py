"""Summaries of a LoCoMo run: per-group aggregates, the targets, a rich table and a PNG."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from agentmem.bench.locomo_data import CATEGORIES

METRICS = ("recall@5", "recall@10", "all@10")
OTHERS = ("fulltext", "semantic", "bm25", "cosine")


def summarise(
    rows: list[dict[str, Any]],
    ingest: dict[str, dict[str, Any]],
    latency: dict[str, dict[str, float]],
    meta: dict[str, Any],
) -> dict[str, Any]:
    """Aggregate per-question rows into groups ('all', and 'tune'/'held_out' with a split)."""
    groups = {"all": rows}
    split = meta.get("split")
    if split:
        groups["tune"] = [r for r in rows if r["conversation"] in split]
        groups["held_out"] = [r for r in rows if r["conversation"] not in split]
    systems = list(rows[0]["scores"]) if rows else []
    turns = sum(i["turns"] for i in ingest.values())
    seconds = sum(i["seconds"] for i in ingest.values())
    cpu = sum(i["cpu_seconds"] for i in ingest.values())
    # until add_many returns (in SQL, found by full text); `seconds` runs until the vector
    # index holds every turn
    acknowledged = sum(i["turns"] / i["acknowledged_per_s"] for i in ingest.values())
    result = {
        **meta,
        "ingest": {
            "turns": turns,
            "seconds": round(seconds, 2),
            "turns_per_s": round(turns / seconds, 1) if seconds else None,
            "turns_per_cpu_s": round(turns / cpu, 1) if cpu else None,
            "acknowledged_per_s": round(turns / acknowledged, 1) if acknowledged else None,
            "lost": sum(i["lost"] for i in ingest.values()),
            "by_conversation": ingest,
        },
        "latency_ms": latency,
        "retrieval": {g: _retrieval(rs, systems) for g, rs in groups.items()},
        "containment": {g: _containment(rs) for g, rs in groups.items()},
        "questions": rows,
    }
    result["targets"] = targets(result)
    return result


def _retrieval(rows: list[dict[str, Any]], systems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for system in systems:
        out[system] = {"overall": _means([r["scores"][system] for r in rows])}
        for cat, name in CATEGORIES.items():
            part = [r["scores"][system] for r in rows if r["category"] == cat]
            if part:
                out[system][name] = _means(part)
    return out


def _means(items: list[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {m: round(statistics.fmean(i[m] for i in items), 4) for m in METRICS}
    out["n"] = len(items)
    return out


def _containment(rows: list[dict[str, Any]]) -> dict[str, Any]:
    asked = [r for r in rows if "layered" in r]
    if not asked:
        return {}
    out: dict[str, Any] = {}
    paths = ["layered", "raw"] + [p for p in ("layered_dates", "raw_dates") if p in asked[0]]
    for path in paths:
        out[path] = {"overall": _share(asked, path)}
        for cat, name in CATEGORIES.items():
            part = [r for r in asked if r["category"] == cat]
            if part:
                out[path][name] = _share(part, path)
    out["evidence_shown"] = {  # share of a question's evidence turns shown, mean
        path: round(statistics.fmean(r[f"{path}_evidence"] for r in asked), 4)
        for path in ("layered", "raw")
    }
    if all("in_transcript" in r for r in asked):
        out["answer_in_transcript"] = _share(asked, "in_transcript")
    if all("in_transcript_dates" in r for r in asked):
        out["answer_in_transcript_dates"] = _share(asked, "in_transcript_dates")
    out["n"] = len(asked)
    out["context_tokens_mean"] = round(statistics.fmean(r["context_tokens"] for r in asked), 1)
    return out


def _ceiling(c: dict[str, Any]) -> str:
    if "answer_in_transcript" not in c:
        return ""
    return (
        "; answer in the words of some turn as shown (the ceiling from turns) "
        f"{c['answer_in_transcript']:.3f}"
    )


def _share(rows: list[dict[str, Any]], key: str) -> float:
    return round(sum(1 for r in rows if r[key]) / len(rows), 4)


def targets(result: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets, each with the figure it was judged on."""
    retrieval = result["retrieval"]["all"]
    out: dict[str, Any] = {
        "turns_lost_is_0": {
            "value": result["ingest"]["lost"],
            "met": result["ingest"]["lost"] == 0,
        },
        "ingest_at_least_300_per_s": {
            "value": result["ingest"]["turns_per_s"],
            "met": (result["ingest"]["turns_per_s"] or 0) >= 300,
        },
    }
    if "hybrid" not in retrieval:
        return out
    overall = retrieval["hybrid"]["overall"]["recall@10"]
    out["hybrid_recall@10_at_least_0.75"] = {"value": overall, "met": overall >= 0.75}
    losses = [
        f"{cat}: {other} {retrieval[other][cat]['recall@10']} >= hybrid {h['recall@10']}"
        for cat, h in retrieval["hybrid"].items()
        for other in OTHERS
        if other in retrieval and retrieval[other][cat]["recall@10"] >= h["recall@10"]
    ]
    out["hybrid_above_every_part_in_every_category"] = {"value": losses, "met": not losses}
    return out


def table(result: dict[str, Any]) -> None:
    """Print the run as rich tables."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for group, systems in result["retrieval"].items():
        t = Table(title=f"LoCoMo evidence recall@10 ({group}), recall@5 / all@10 overall")
        names = ["overall", *CATEGORIES.values()]
        t.add_column("system")
        for name in names:
            n = next(iter(systems.values())).get(name, {}).get("n", 0)
            t.add_column(f"{name} (n={n})", justify="right")
        t.add_column("r@5", justify="right")
        t.add_column("all@10", justify="right")
        for system, cats in systems.items():
            cells = [f"{cats[n]['recall@10']:.3f}" if n in cats else "-" for n in names]
            overall = cats["overall"]
            t.add_row(system, *cells, f"{overall['recall@5']:.3f}", f"{overall['all@10']:.3f}")
        console.print(t)
    for group, c in result["containment"].items():
        if c:
            parts = ", ".join(
                f"{k} {c['layered'][k]:.3f} vs {c['raw'][k]:.3f}" for k in c["layered"]
            )
            console.print(
                f"answer containment ({group}, n={c['n']}, ~{c['context_tokens_mean']} tokens): "
                f"context() vs raw hybrid turns: {parts}; evidence turns shown "
                f"{c['evidence_shown']['layered']:.3f} vs {c['evidence_shown']['raw']:.3f}"
                + _ceiling(c)
            )
            if "layered_dates" in c:
                parts = ", ".join(
                    f"{k} {c['layered_dates'][k]:.3f} vs {c['raw_dates'][k]:.3f}"
                    for k in c["layered_dates"]
                )
                console.print(
                    f"  dates compared in one form ('July 2, 2023' = '2 July 2023'): {parts}; "
                    f"ceiling {c.get('answer_in_transcript_dates', 0):.3f}"
                )
    ingest = result["ingest"]
    console.print(
        f"ingest: {ingest['turns']} turns in {ingest['seconds']} s = {ingest['turns_per_s']} "
        f"turns/s ({ingest['turns_per_cpu_s']} per CPU-second; "
        f"{ingest.get('acknowledged_per_s')} turns/s acknowledged); turns lost: {ingest['lost']}"
    )
    for mode, lat in result["latency_ms"].items():
        console.print(f"query {mode}: p50 {lat['p50']} ms, p95 {lat['p95']} ms")
    for name, target in result["targets"].items():
        console.print(f"target {name}: {'met' if target['met'] else 'MISSED'} ({target['value']})")


def plot(result: dict[str, Any], path: Path) -> None:
    """Recall@10 per category and system; answer containment beside it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = result["retrieval"]["all"]
    names = ["overall", *CATEGORIES.values()]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / max(1, len(systems))
    for i, (system, cats) in enumerate(systems.items()):
        xs = [j + i * width for j in range(len(names))]
        axes[0].bar(xs, [cats.get(n, {}).get("recall@10", 0) for n in names], width, label=system)
    axes[0].set_xticks([j + 0.4 - width / 2 for j in range(len(names))], names)
    axes[0].set_ylabel("evidence recall@10")
    axes[0].set_ylim(0, 1)
    axes[0].legend(fontsize=8)
    axes[0].set_title(f"LoCoMo turn retrieval ({', '.join(result['conversations'])})")
    c = result["containment"].get("all") or {}
    if c:
        keys = list(c["layered"])
        for i, path_name in enumerate(("layered", "raw")):
            xs = [j + i * 0.4 for j in range(len(keys))]
            label = "context()" if path_name == "layered" else "raw hybrid turns"
            axes[1].bar(xs, [c[path_name][k] for k in keys], 0.4, label=label)
        axes[1].set_xticks([j + 0.2 for j in range(len(keys))], keys, fontsize=8)
        axes[1].set_ylim(0, 1)
        axes[1].set_title(f"answer in context (~{c['context_tokens_mean']:.0f} tokens)")
        axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
