"""Store statistics (`agentmem stats`) and the demo's HTML report with matplotlib plots.

The HTML report is one self-contained file: plots are embedded as base64 PNGs, so it can be
mailed or archived as it is.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from agentmem.stores.schema import conflicts, episodes, memories, memory_events


def collect_stats(memory: Any, user_id: str | None = None) -> dict[str, Any]:
    """Counts per tier, store sizes and vector-index health (of one user, or of all)."""
    engine = memory.long_term.engine

    def where(stmt, table):
        return stmt if user_id is None else stmt.where(table.c.user_id == user_id)

    with engine.begin() as conn:
        by_kind = conn.execute(
            where(
                select(memories.c.kind, memories.c.status, func.count()).group_by(
                    memories.c.kind, memories.c.status
                ),
                memories,
            )
        )
        text: dict[str, int] = {}
        for kind, status, n in by_kind:
            text[f"{kind}_{status}"] = int(n)
        n_episodes = conn.execute(
            where(select(func.count()).select_from(episodes), episodes)
        ).scalar_one()
        pending = conn.execute(
            where(
                select(func.count())
                .select_from(episodes)
                .where(episodes.c.consolidated.is_(False)),
                episodes,
            )
        ).scalar_one()
        n_events = conn.execute(
            where(select(func.count()).select_from(memory_events), memory_events)
        ).scalar_one()
        n_open = conn.execute(
            where(
                select(func.count()).select_from(conflicts).where(conflicts.c.status == "open"),
                conflicts,
            )
        ).scalar_one()
    # id by id, every vector tested, and repaired: a count can match while one is unusable
    health = memory.long_term.check_index(user_id, deep=True, fix=True)
    home = Path(memory.config.home)
    kv_dir = Path(memory.config.kv.snapshot_dir)
    return {
        "home": str(home),
        "tiers": {
            "sensory": {"episodes": int(n_episodes)},
            "short_term": {"unconsolidated_turns": int(pending)},
            "long_term_text": {
                **text,
                "audit_events": int(n_events),
                "open_conflicts": int(n_open),
            },
            "long_term_kv": {"snapshots": _count(kv_dir, "*.safetensors")},
            "parametric": {
                "adapters": _count(memory.config.lora.adapter_dir, "adapter_config.json")
            },
        },
        "sizes": {
            "sql": _sql_bytes(memory),
            "vector_index": _bytes(memory.config.chroma.path),
            "kv_snapshots": _bytes(kv_dir),
            "adapters": _bytes(memory.config.lora.adapter_dir),
        },
        "index": health.to_dict(),
    }


def label(key: str) -> str:
    """A stats key as words for a table: "long_term_text" -> "long-term text"."""
    return key.replace("_term", "-term").replace("_kv", " KV").replace("_", " ")


def _count(folder: Path, pattern: str) -> int:
    return sum(1 for _ in folder.rglob(pattern)) if folder.is_dir() else 0


def _bytes(path: Path | None) -> int:
    if path is None or not Path(path).exists():
        return 0
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _sql_bytes(memory: Any) -> int:
    if not memory.config.is_sqlite:
        return 0
    db = Path(str(memory.config.database_url).split("///", 1)[-1])
    return sum(_bytes(db.with_name(db.name + suffix)) for suffix in ("", "-wal", "-shm"))


# --- the demo's HTML report ---------------------------------------------------------------
def bar_plot(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    ylabel: str,
    *,
    highlight: str | None = None,
) -> str:
    """A bar chart as a base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = _bar_figure(plt, title, list(labels), list(values), ylabel, highlight)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _bar_figure(plt, title, labels, values, ylabel, highlight):
    """Vertical bars while the labels fit side by side under a 6-inch axis (about 55
    characters at 8 points); longer labels go on the left of horizontal bars, one per line,
    so they never overlap."""
    colors = ["#d95f02" if label == highlight else "#1b9e77" for label in labels]
    if sum(len(label) + 2 for label in labels) <= 55:
        fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
        ax.bar(labels, values, color=colors)
        ax.set_ylabel(ylabel)
        for i, v in enumerate(values):
            ax.annotate(f"{v:.2g}", (i, v), ha="center", va="bottom", fontsize=8)
    else:
        fig, ax = plt.subplots(figsize=(7, 1.2 + 0.35 * len(labels)), dpi=100)
        ax.barh(labels, values, color=colors)
        ax.invert_yaxis()  # first label on top, as in the table beside it
        ax.set_xlabel(ylabel)
        for i, v in enumerate(values):
            ax.annotate(f" {v:.2g}", (v, i), ha="left", va="center", fontsize=8)
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def write_html(path: Path, title: str, sections: list[dict[str, Any]]) -> Path:
    """Write a report: each section has a heading, optional text, table rows and plots."""
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;"
        "padding:0 1em;color:#222}table{border-collapse:collapse;margin:.5em 0}"
        "td,th{border:1px solid #ccc;padding:3px 8px;font-size:14px;text-align:left}"
        "th{background:#f3f3f3}"
        "h2{border-bottom:2px solid #1b9e77;padding-bottom:2px}.ok{color:#1b7e2f}"
        "pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}"
        # plots shrink with the window (long tokens in cells get break points: _breakable)
        "img{display:block;max-width:100%;height:auto;margin:.5em 0}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
    ]
    for section in sections:
        parts.append(f"<h2>{_e(section['heading'])}</h2>")
        if section.get("text"):
            parts.append(f"<p>{_e(section['text'])}</p>")
        rows = section.get("rows")
        if rows:
            header = list(rows[0].keys())
            parts.append("<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr>")
            for row in rows:
                parts.append(
                    "<tr>"
                    + "".join(f"<td>{_breakable(_cell(row.get(h)))}</td>" for h in header)
                    + "</tr>"
                )
            parts.append("</table>")
        for png in section.get("plots", []):
            parts.append(f"<img alt='plot' src='data:image/png;base64,{png}'>")
        if section.get("json") is not None:
            parts.append(f"<pre>{_e(json.dumps(section['json'], indent=2, default=str))}</pre>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "" if value is None else str(value)


def _e(text: Any) -> str:
    return html.escape(str(text))


_LONG = re.compile(r"\S{25,}")


def _breakable(text: str, every: int = 16) -> str:
    """Escaped text in which an unbroken token (an id, a hash, a path) may wrap every
    `every` characters, so it stays inside its cell; shorter words never break."""
    out, last = [], 0
    for m in _LONG.finditer(text):
        token = m.group()
        pieces = [token[i : i + every] for i in range(0, len(token), every)]
        out += [_e(text[last : m.start()]), "<wbr>".join(_e(p) for p in pieces)]
        last = m.end()
    out.append(_e(text[last:]))
    return "".join(out)


__all__ = ["bar_plot", "collect_stats", "write_html"]
