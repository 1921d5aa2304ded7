"""Memory commands that read: search, show, history, conflicts (and resolve), sql, episodes,
stats."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from agentmem.cli.core import (
    Agent,
    Json,
    Session,
    User,
    app,
    console,
    emit,
    full_id,
    open_memory,
    scope_of,
)
from agentmem.errors import AgentMemError, ValidationError
from agentmem.types import iso


def _short(text: str | None, n: int = 80) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


# --- reading ------------------------------------------------------------------------------
@app.command()
def search(
    query: str,
    user: User,
    agent: Agent = None,
    mode: Annotated[str, typer.Option(help="hybrid, semantic or fulltext")] = "hybrid",
    top_k: Annotated[int, typer.Option("--top-k", "-k")] = 10,
    filter_: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            "-f",
            help="KEY=VALUE (kind, status, subject, attribute, "
            "session_id, created_after, created_before, meta.KEY)",
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="ISO time: what was known and true then")
    ] = None,
    explain: Annotated[bool, typer.Option(help="show each signal's part")] = False,
    as_json: Json = False,
) -> None:
    """Search a user's memories by full text, meaning, or both."""
    filters = parse_filters(filter_ or [])
    with open_memory(existing=True) as mem:
        hits = mem.search(
            query,
            scope_of(user, agent),
            mode=mode,
            top_k=top_k,
            filters=filters or None,
            as_of=as_of,
            explain=explain,
        )
    emit([h.to_dict() for h in hits], as_json, _render_hits)


def parse_filters(items: list[str]) -> dict[str, Any]:
    """`kind=fact`, `kind=fact,note`, `meta.topic=travel` -> a search `filters` dict."""
    filters: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValidationError(f"--filter takes KEY=VALUE, got {item!r}")
        if key.startswith("meta."):
            filters.setdefault("metadata", {})[key[5:]] = value
        elif key in ("kind", "status"):
            filters[key] = value.split(",") if "," in value else value
        else:
            filters[key] = value
    return filters


def _render_hits(hits: list[dict]) -> None:
    table = Table("score", "text", "kind", "id", "explanation")
    for h in hits:
        parts = h.get("explanation") or {}
        why = ", ".join(
            f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in parts.items()
        )
        table.add_row(
            f"{h['score']:.3f}",
            h["text"],
            h["kind"],
            h["id"][:8],
            why,
        )
    console.print(table)


@app.command()
def show(
    memory_id: str,
    user: User,
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    as_json: Json = False,
) -> None:
    """One memory, with every field (its version valid at --as-of) and the episodes it
    came from (what was said, by whom, when)."""
    from datetime import datetime

    try:
        when = datetime.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise ValidationError(
            f"--as-of takes an ISO time such as 2024-06-01T12:00:00+00:00, got {as_of!r}"
        ) from None
    with open_memory(existing=True) as mem:
        record = mem.get(full_id(mem, "memories", memory_id, user), user, as_of=when)
        sources = mem.sources(record.id, user)

    def render(r: dict) -> None:
        table = Table("field", "value", show_header=False)
        for key, value in r.items():
            if key != "sources" and value not in (None, {}, []):
                table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
        for e in r["sources"]:
            speaker = e["metadata"].get("speaker") or e["role"]
            table.add_row("source", f"{e['created_at'][:19]} {speaker}: {_short(e['content'], 80)}")
        console.print(table)

    emit({**record.to_dict(), "sources": [e.to_dict() for e in sources]}, as_json, render)


@app.command()
def history(memory_id: str, user: User, as_json: Json = False) -> None:
    """The chain of versions of a memory, with who changed what and why."""
    with open_memory(existing=True) as mem:
        events = mem.history(full_id(mem, "memories", memory_id, user), user)

    def render(items: list[dict]) -> None:
        table = Table("when", "op", "text", "actor", "reason", "event")
        for e in items:
            change = (
                f"{_short(e['old_text'], 40)} → {_short(e['new_text'], 40)}"
                if e["old_text"] and e["new_text"]
                else _short(e["new_text"] or e["old_text"], 60)
            )
            table.add_row(
                e["created_at"][:19], e["op"], change, e["actor"], e["reason"], e["id"][:8]
            )
        console.print(table)

    emit([e.to_dict() for e in events], as_json, render)


@app.command()
def conflicts(
    user: User,
    all_: Annotated[bool, typer.Option("--all", help="resolved ones too")] = False,
    as_json: Json = False,
) -> None:
    """Conflicts waiting for review (resolve them with `agentmem resolve`)."""
    with open_memory(existing=True) as mem:
        items = mem.conflicts(user, status=None if all_ else "open")
        texts = {mid: _text_of(mem, mid, user) for c in items for mid in c.memory_ids}

    def render(rows: list[dict]) -> None:
        if not rows:
            console.print("no conflicts")
        for c in rows:
            console.print(f"[bold]{c['id']}[/] {c['status']} — {c['reason']}")
            for mid in c["memory_ids"]:
                console.print(f"   {mid}  {texts.get(mid) or ''}")

    emit([c.to_dict() for c in items], as_json, render)


def _text_of(mem, memory_id: str, user: str) -> str | None:
    try:
        return mem.get(memory_id, user).text
    except AgentMemError:
        return None


@app.command()
def resolve(
    conflict_id: str,
    choice: Annotated[str, typer.Argument(help="a memory id to keep, or new, old, dismiss")],
    user: User,
    as_json: Json = False,
) -> None:
    """Close a conflict, keeping one side."""
    with open_memory(existing=True) as mem:
        conflict_id = full_id(mem, "conflicts", conflict_id, user)
        if choice not in ("new", "old", "dismiss"):
            choice = full_id(mem, "memories", choice, user)
        events = mem.resolve_conflict(conflict_id, choice, user)
    emit(
        [e.to_dict() for e in events],
        as_json,
        lambda es: console.print(
            f"resolved {conflict_id}: " + ", ".join(f"{e['op']} {e['memory_id'][:8]}" for e in es)
        ),
    )


@app.command()
def sql(
    statement: str,
    user: User,
    as_json: Json = False,
    max_rows: Annotated[
        int | None, typer.Option(help="refuse a result longer than this (default: sql.max_rows)")
    ] = None,
) -> None:
    """Run one read-only SELECT over the user's rows (memories, episodes, memory_events,
    conflicts, adapters); limits in the config's `sql` section."""
    with open_memory(existing=True) as mem:
        rows = mem.sql(statement, user, max_rows=max_rows)

    def render(items: list[dict]) -> None:
        if not items:
            console.print("(no rows)")
            return
        table = Table(*items[0].keys())
        for row in items:
            table.add_row(*(_short(str(v), 60) for v in row.values()))
        console.print(table)

    emit(rows, as_json, render)


@app.command()
def episodes(
    user: User,
    session: Session = None,
    limit: Annotated[int, typer.Option("--limit", "-n")] = 50,
    as_json: Json = False,
) -> None:
    """The raw inputs of a user (all sessions unless --session), newest last."""
    from sqlalchemy import select

    from agentmem.stores.schema import episodes as table

    with open_memory(existing=True) as mem:
        stmt = select(table).where(table.c.user_id == user)
        if session:
            stmt = stmt.where(table.c.session_id == session)
        stmt = stmt.order_by(table.c.pk.desc()).limit(limit)
        with mem.long_term.engine.begin() as conn:
            rows = [dict(r) for r in conn.execute(stmt).mappings()][::-1]
    items = [
        {
            "id": r["id"],
            "session_id": r["session_id"],
            "seq": r["seq"],
            "role": r["role"],
            "content": r["content"],
            "salience": r["salience"],
            "consolidated": r["consolidated"],
            "created_at": iso(r["created_at"]),
        }
        for r in rows
    ]

    def render(rows: list[dict]) -> None:
        table_ = Table("session", "seq", "role", "content", "salience", "consolidated")
        for r in rows:
            table_.add_row(
                r["session_id"] or "-",
                str(r["seq"]),
                r["role"],
                _short(r["content"]),
                f"{r['salience']:.2f}",
                "yes" if r["consolidated"] else "",
            )
        console.print(table_)

    emit(items, as_json, render)


@app.command()
def stats(as_json: Json = False) -> None:
    """Counts per tier, store sizes and vector-index health."""
    from agentmem.report import collect_stats, label

    with open_memory(existing=True) as mem:
        data = collect_stats(mem)

    def render(d: dict) -> None:
        table = Table("tier", "what", "count")
        for tier, counts in d["tiers"].items():
            for what, n in counts.items():
                table.add_row(label(tier), label(what), str(n))
        console.print(table)
        sizes = ", ".join(f"{label(k)} {v / 1e6:.2f} MB" for k, v in d["sizes"].items())
        console.print(f"store sizes: {sizes}")
        idx = d["index"]
        found = (
            f"{idx['missing']} missing, {idx['unretrievable']} unretrievable, "
            f"{idx['stray']} stray, {idx['dirty']} waiting"
        )
        state = (
            "[green]healthy[/]"
            if idx["healthy"]
            else f"[yellow]was not healthy ({found}); repaired {idx['repaired']}[/]"
        )
        console.print(f"vector index: {idx['vectors']} vectors for {idx['rows']} rows — {state}")

    emit(data, as_json, render)
