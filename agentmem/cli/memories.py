"""Memory commands: write (add, observe, update, delete, restore, purge) and read (search,
show, history, conflicts, resolve, sql, episodes, stats)."""

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


# --- writing ------------------------------------------------------------------------------
@app.command()
def add(
    text: str,
    user: User,
    agent: Agent = None,
    session: Session = None,
    metadata: Annotated[str | None, typer.Option(help="JSON object")] = None,
    kind: Annotated[str, typer.Option(help="note, fact, summary or episode")] = "note",
    as_json: Json = False,
) -> None:
    """Store one memory (it passes through conflict resolution)."""
    meta = _json_object("--metadata", metadata)
    with open_memory() as mem:
        record = mem.add(text, scope_of(user, agent, session), meta, kind=kind)
    emit(
        record.to_dict(),
        as_json,
        lambda r: console.print(
            f"[green]stored[/] {r['id']} ({r['kind']}"
            + (f": {r['subject']}.{r['attribute']} = {r['value']}" if r["attribute"] else "")
            + ")"
        ),
    )


@app.command()
def observe(
    content: str,
    user: User,
    agent: Agent = None,
    session: Session = None,
    role: Annotated[str, typer.Option(help="user, assistant, system, tool")] = "user",
    speaker: Annotated[str | None, typer.Option(help="who said it (a name)")] = None,
    at: Annotated[str | None, typer.Option("--at", help="when it was said (ISO 8601)")] = None,
    as_json: Json = False,
) -> None:
    """Feed one input through sensory -> short-term -> long-term memory."""
    from datetime import datetime

    try:
        said = datetime.fromisoformat(at) if at else None
    except ValueError:
        raise typer.BadParameter(f"--at must be an ISO 8601 time, got {at!r}") from None
    with open_memory() as mem:
        obs = mem.observe(
            role, content, scope_of(user, agent, session), observed_at=said, speaker=speaker
        )

    def render(o: dict) -> None:
        console.print(
            f"episode {', '.join(i[:8] for i in o['episode_ids'])} "
            f"salience {o['salience']:.2f}"
            + (" — consolidated" if o["consolidated"] or o["consolidation_scheduled"] else "")
        )
        for f in o["facts"]:
            console.print(f"  fact: {f['text']}  [dim]{f['id'][:8]}[/]")

    emit(obs.to_dict(), as_json, render)


@app.command()
def update(memory_id: str, text: str, user: User, as_json: Json = False) -> None:
    """Replace a memory's text; the old version stays in its history."""
    with open_memory(existing=True) as mem:
        record = mem.update(full_id(mem, "memories", memory_id, user), text, user)
    emit(
        record.to_dict(),
        as_json,
        lambda r: console.print(f"[green]updated[/] {r['id']} (version {r['version']})"),
    )


@app.command()
def delete(memory_id: str, user: User) -> None:
    """Soft-delete a memory (it stays in history; `restore` undoes it)."""
    with open_memory(existing=True) as mem:
        memory_id = full_id(mem, "memories", memory_id, user)
        mem.delete(memory_id, user)
    console.print(f"deleted {memory_id}")


@app.command()
def restore(event_id: str, user: User, as_json: Json = False) -> None:
    """Undo what one audit event did (a resolution, update, delete, merge or archival)."""
    with open_memory(existing=True) as mem:
        record = mem.restore(full_id(mem, "memory_events", event_id, user), user)
    emit(record.to_dict(), as_json, lambda r: console.print(f"restored {r['id']}: {r['text']}"))


@app.command()
def purge(
    user: User, yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False
) -> None:
    """Hard-delete everything of a user in every store."""
    if not yes and not typer.confirm(f"delete every memory of {user!r} for good?"):
        raise typer.Exit(1)
    with open_memory(existing=True) as mem:
        mem.purge(user)
    console.print(f"purged {user}")


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


def _json_object(name: str, text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{name} must be a JSON object: {exc.msg}") from None
    if not isinstance(value, dict):
        raise ValidationError(f"{name} must be a JSON object, got {text!r}")
    return value
