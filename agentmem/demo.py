"""`agentmem demo`: a scripted multi-session agent that shows every memory tier at work.

Sessions of a user's conversation go through sensory -> short-term -> long-term memory;
a contradiction is resolved with its history; a search is explained; the local model's KV
cache runs under each retention policy on the same long prompt; a LoRA adapter learns the
user's stable facts (when parametric memory is available); the agent chats with all tiers.
Ends with a terminal report and an HTML report with plots in the memory home.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from agentmem import demo_model, report
from agentmem.types import Scope

USER = "demo-user"
SESSIONS = {
    "monday": [
        ("user", "Hi! I'm Maya. I live in Lisbon and I work as a nurse."),
        ("assistant", "Nice to meet you, Maya! How is life in Lisbon?"),
        ("user", "Busy. My sister Anna lives in Osaka, I miss her."),
        ("assistant", "Osaka is far away. Do you visit her often?"),
        ("user", "Once a year. I have a dog called Biscuit who hates flying."),
        ("user", "My favourite food is ramen, which is why I love Osaka."),
        ("assistant", "Ramen in Osaka sounds perfect."),
    ],
    "thursday": [
        ("user", "Big news: I moved to Porto last month."),
        ("assistant", "Congratulations on the move to Porto!"),
        ("user", "I also started working as a midwife at the new hospital."),
    ],
}
NEEDLE = "The code of Maya's locker at the hospital is 4817."


def run(open_memory: Callable[[], Any], console: Console, *, use_model: bool = True) -> Path:
    """Run the demo; returns the path of the HTML report."""
    started = time.perf_counter()
    scope = Scope(user_id=USER)
    sections: list[dict[str, Any]] = []
    with open_memory() as mem:
        mem.purge(scope)  # a fresh run every time
        console.print(Panel(f"agentmem demo — memory home [bold]{mem.config.home}[/]"))
        sections += _sessions(mem, scope, console)
        sections += _contradiction(mem, scope, console)
        sections += _search(mem, scope, console)
        if use_model:
            sections += demo_model.kv(mem, console, _long_prompt(), "4817")
            sections += demo_model.lora(mem, scope, console)
            sections += demo_model.chat(mem, scope, console)
            sections += demo_model.chat_suite(mem, console)
        stats = report.collect_stats(mem, USER)
        sections.append(_tiers_section(stats))
        elapsed = time.perf_counter() - started
        path = report.write_html(
            Path(mem.config.home) / "demo-report.html", f"agentmem demo ({elapsed:.0f} s)", sections
        )
    _summary(console, stats, sections, elapsed, path)
    return path


def _sessions(mem: Any, scope: Scope, console: Console) -> list[dict[str, Any]]:
    console.rule("1. sensory -> short-term -> long-term: two sessions")
    rows = []
    for session, turns in SESSIONS.items():
        s = Scope(user_id=scope.user_id, session_id=session)
        for role, text in turns:
            obs = mem.observe(role, text, s)
            rows.append(
                {
                    "session": session,
                    "role": role,
                    "text": text,
                    "salience": f"{obs.salience:.2f}",
                    "facts extracted": "; ".join(f.text for f in obs.facts),
                }
            )
        done = mem.consolidate(s)
        # the pass's chunk summary: what it kept of these turns (the session summary is
        # composed from such chunks)
        chunk = done.chunk_summary_id or done.summary_id
        rows.append(
            {
                "session": session,
                "role": "summary",
                "text": mem.get(chunk, scope).text if chunk else "",
                "salience": "",
                "facts extracted": "; ".join(f.text for f in done.facts),
            }
        )
    table = Table("session", "role", "text", "facts extracted")
    for r in rows:
        table.add_row(r["session"], r["role"], r["text"], r["facts extracted"])
    console.print(table)
    facts = mem.facts(scope)
    console.print(
        f"[bold]{len(facts)} current facts:[/] "
        + "; ".join(f"{f.attribute}={f.value}" for f in facts)
    )
    return [
        {"heading": "Sessions: episodes, summaries and extracted facts", "rows": rows},
        {
            "heading": "Current facts",
            "rows": [
                {
                    "subject": f.subject,
                    "attribute": f.attribute,
                    "value": f.value,
                    "since": f.valid_from.strftime("%Y-%m-%d %H:%M"),
                }
                for f in facts
            ],
        },
    ]


def _contradiction(mem: Any, scope: Scope, console: Console) -> list[dict[str, Any]]:
    console.rule("2. a contradiction resolved, with its history")
    versions = mem.facts(scope, attribute="lives_in", include_history=True)
    current = [v for v in versions if v.status == "active"]
    rows = []
    if current:
        for e in mem.history(current[0].id, scope):
            rows.append(
                {
                    "when": e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    "op": e.op,
                    "old": e.old_text,
                    "new": e.new_text,
                    "reason": e.reason,
                }
            )
    table = Table("op", "old", "new", "reason")
    for r in rows:
        table.add_row(r["op"], r["old"] or "", r["new"] or "", r["reason"])
    console.print(table)
    return [{"heading": "Contradiction: where Maya lives, and why it changed", "rows": rows}]


def _search(mem: Any, scope: Scope, console: Console) -> list[dict[str, Any]]:
    console.rule("3. search, explained")
    query = "where does my sister live?"
    hits = mem.search(query, scope, top_k=5, explain=True)
    signals = [
        k for k in ("fulltext", "semantic", "neighbours", "recency", "importance")
        if any((h.explanation or {}).get(k) for h in hits)
    ]  # fmt: skip
    rows = [
        {
            "score": f"{h.score:.2f}",
            "text": h.record.text,
            "kind": h.record.kind,
            **{k: f"{(h.explanation or {}).get(k, 0.0):.2f}" for k in signals},
        }
        for h in hits
    ]
    table = Table(*(rows[0] if rows else ("score", "text")))
    for r in rows:
        table.add_row(*r.values())
    console.print(f"query: [bold]{query}[/]")
    console.print(table)
    top = (hits[0].explanation or {}) if hits else {}
    plot = (
        report.bar_plot(
            f"top hit: what each signal added to its score\n{query!r}",
            signals,
            [float(top.get(k, 0.0)) for k in signals],
            "part of the score",
        )
        if signals
        else None
    )
    return [
        {
            "heading": f"Search with explanations: {query!r}",
            "rows": rows,
            "plots": [plot] if plot else [],
        }
    ]


def _long_prompt() -> str:
    lines = []
    for session, turns in SESSIONS.items():
        lines += [f"[{session}] {role}: {text}" for role, text in turns]
    filler = (
        "The ward was quiet in the afternoon; the nurses restocked supplies, checked "
        "charts and talked about the weather and the football. "
    )
    return " ".join(lines[:3]) + " " + filler * 2 + NEEDLE + " " + filler * 3 + " ".join(lines[3:6])


def _tiers_section(stats: dict[str, Any]) -> dict[str, Any]:
    counts = {
        f"{report.label(tier)}: {report.label(what)}": n
        for tier, items in stats["tiers"].items()
        for what, n in items.items()
        if n
    }
    plot = (
        report.bar_plot(
            "what the demo user's memory holds",
            list(counts)[:10],
            list(counts.values())[:10],
            "count",
        )
        if counts
        else None
    )
    return {
        "heading": "Memory tiers after the demo",
        "rows": [{"tier and kind": k, "count": v} for k, v in counts.items()],
        "plots": [plot] if plot else [],
    }


def _summary(
    console: Console,
    stats: dict[str, Any],
    sections: list[dict[str, Any]],
    elapsed: float,
    path: Path,
) -> None:
    console.rule("report")
    table = Table("tier", "what", "count")
    for tier, items in stats["tiers"].items():
        for what, n in items.items():
            table.add_row(report.label(tier), report.label(what), str(n))
    console.print(table)
    console.print(f"finished in {elapsed:.0f} s; HTML report with plots: [bold]{path}[/]")
