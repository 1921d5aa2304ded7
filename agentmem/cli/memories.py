"""Memory commands that write: add, observe, update, delete, restore, purge (the reading
commands are in `reading`)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

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
from agentmem.errors import ValidationError


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
