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

from agentmem import report
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
POLICIES = ("full", "streaming_llm", "str", "cmp")
KV_BUDGET = 0.25


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
            sections += _kv(mem, console)
            sections += _lora(mem, scope, console)
            sections += _chat(mem, scope, console)
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
            facts = "; ".join(f.text for f in obs.facts)
            rows.append(
                {
                    "session": session,
                    "role": role,
                    "text": text,
                    "salience": obs.salience,
                    "facts extracted": facts,
                }
            )
        report_ = mem.consolidate(s)
        summary = mem.get(report_.summary_id, scope).text if report_.summary_id else ""
        rows.append(
            {
                "session": session,
                "role": "(consolidation)",
                "text": summary,
                "salience": None,
                "facts extracted": f"{len(report_.facts)} facts",
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
                    "since": f.valid_from.isoformat()[:19],
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
                    "when": e.created_at.isoformat()[:19],
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
    rows = [
        {
            "score": h.score,
            "text": h.record.text,
            "kind": h.record.kind,
            **{
                k: v
                for k, v in (h.explanation or {}).items()
                if k in ("fulltext", "semantic", "recency", "importance")
            },
        }
        for h in hits
    ]
    table = Table("score", "text", "kind", "fulltext", "semantic")
    for r in rows:
        table.add_row(
            f"{r['score']:.3f}",
            r["text"],
            r["kind"],
            f"{r.get('fulltext', 0):.3f}",
            f"{r.get('semantic', 0):.3f}",
        )
    console.print(f"query: [bold]{query}[/]")
    console.print(table)
    plot = (
        report.bar_plot(
            f"top hit: signal contributions\n{query!r}",
            ["fulltext", "semantic"],
            [rows[0].get("fulltext", 0.0), rows[0].get("semantic", 0.0)],
            "part of the score",
        )
        if rows
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


def _kv(mem: Any, console: Console) -> list[dict[str, Any]]:
    console.rule(f"4. KV memory: retention policies at budget {KV_BUDGET:.0%} of the cache")
    with console.status("loading the local model…"):
        llm = mem.llm
    prompt = _long_prompt()
    rows = []
    for name in POLICIES:
        session = llm.session(name, 1.0 if name == "full" else KV_BUDGET)
        t0 = time.perf_counter()
        session.feed(prompt, mark="4817")
        answer = session.ask(
            "\nQuestion: what is the code of Maya's locker?\nAnswer: the code of Maya's locker is",
            max_new_tokens=5,
        )
        s = session.stats()
        rows.append(
            {
                "policy": name,
                "tokens seen": s["tokens_seen"],
                "device KV kB": s["device_kv_bytes"] / 1e3,
                "device / full": s["device_kv_ratio"],
                "needle kept": s["survival_any_tier"],
                "answer": answer.strip(),
                "correct": "4817" in answer,
                "seconds": time.perf_counter() - t0,
            }
        )
    table = Table("policy", "device KV", "of full", "needle kept", "answer", "s")
    for r in rows:
        table.add_row(
            r["policy"],
            f"{r['device KV kB']:.0f} kB",
            f"{r['device / full']:.0%}",
            f"{r['needle kept']:.0%}",
            r["answer"] + (" ✓" if r["correct"] else ""),
            f"{r['seconds']:.1f}",
        )
    console.print(table)
    plots = [
        report.bar_plot(
            "device KV bytes (share of the full cache)",
            [r["policy"] for r in rows],
            [r["device / full"] for r in rows],
            "share",
            highlight="cmp",
        ),
        report.bar_plot(
            "needle tokens still retrievable (any tier)",
            [r["policy"] for r in rows],
            [r["needle kept"] for r in rows],
            "survival",
            highlight="cmp",
        ),
    ]
    return [
        {"heading": "KV memory: policy savings on one long prompt", "rows": rows, "plots": plots}
    ]


def _lora(mem: Any, scope: Scope, console: Console) -> list[dict[str, Any]]:
    console.rule("5. parametric memory: a LoRA adapter of Maya's stable facts")
    train = getattr(mem, "train_adapter", None)
    if train is None:
        console.print("[yellow]parametric memory is not available yet in this build[/]")
        return [{"heading": "Parametric memory", "text": "not available yet in this build"}]
    lora = mem.config.lora  # a small adapter: a few facts, few steps (the bench trains fully)
    lora.steps, lora.eval_every = min(lora.steps, 60), min(lora.eval_every, 20)
    with console.status("training a small LoRA adapter…"):
        info = train(scope)
    metrics = info.metrics or {}
    console.print(
        f"adapter {info.id[:12]} v{info.version}: {len(info.fact_ids)} facts, metrics {metrics}"
    )
    facts = mem.facts(scope)
    learned = [f for f in facts if f.id in info.fact_ids]
    rows = [{"fact the adapter learned": f.text, "value": f.value} for f in learned]
    summary = ", ".join(
        f"{k.replace('_', ' ')} {v:.2f}" if isinstance(v, float) else f"{k.replace('_', ' ')} {v}"
        for k, v in metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    )
    return [
        {
            "heading": "Parametric memory: LoRA adapter",
            "text": f"Adapter version {info.version} holds {len(info.fact_ids)} facts in its "
            f"weights. Training: {summary or 'no metrics recorded'}.",
            "rows": rows,
        }
    ]


def _chat(mem: Any, scope: Scope, console: Console) -> list[dict[str, Any]]:
    console.rule("6. chat with every tier")
    s = Scope(user_id=scope.user_id, session_id="friday")
    rows = []
    for question in ("Where do I live now?", "What is my dog called?"):
        reply = mem.chat(question, s, max_new_tokens=32)
        console.print(f"[bold cyan]user>[/] {question}\n[bold green]agent>[/] {reply.text}")
        rows.append(
            {
                "question": question,
                "reply": reply.text,
                "tiers": ", ".join(reply.tiers),
                "memories used": len(reply.memories),
                "adapter": reply.adapter_id or "-",
            }
        )
    return [{"heading": "Chat (text + KV + parametric tiers)", "rows": rows}]


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
