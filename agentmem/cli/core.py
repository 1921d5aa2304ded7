"""The root command: global options, error handling, shared option types and helpers.

The command modules register on `app`; this module imports none of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from agentmem.errors import AgentMemError

console = Console()
err_console = Console(stderr=True)
_state: dict[str, Any] = {"home": None, "config": None, "debug": False}


class _Commands(TyperGroup):
    """The root group: any error becomes one line on stderr and exit code 1 (or a traceback
    with --debug), under the real command line and under test runners alike."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except AgentMemError as exc:
            if _state["debug"]:
                raise
            err_console.print(f"[red]error:[/] {cli_words(exc)}", highlight=False, soft_wrap=True)
        except OSError as exc:  # a file or directory named on the command line
            if _state["debug"]:
                raise
            where = f" {exc.filename!r}" if exc.filename else ""
            err_console.print(
                f"[red]error:[/] cannot use{where}: {exc.strerror or exc}",
                highlight=False,
                soft_wrap=True,
            )
        except Exception as exc:
            if _state["debug"]:
                raise
            err_console.print(
                f"[red]error:[/] {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                highlight=False,
                soft_wrap=True,
            )
        raise typer.Exit(1)


app = typer.Typer(
    cls=_Commands,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="agentmem: memory for LLM agents (text, KV and parametric).",
)

User = Annotated[str, typer.Option("--user", "-u", help="user id: the scope's hard partition")]
Agent = Annotated[str | None, typer.Option("--agent", help="agent id (narrows the scope)")]
Session = Annotated[str | None, typer.Option("--session", "-s", help="session id")]
Json = Annotated[bool, typer.Option("--json", help="print JSON for scripts")]
PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


@app.callback()
def _global(
    home: Annotated[Path | None, typer.Option(help="memory home (default ./.agentmem)")] = None,
    config: Annotated[Path | None, typer.Option(help="TOML config file")] = None,
    debug: Annotated[
        bool, typer.Option(help="show tracebacks, library warnings, logs and progress bars")
    ] = False,
) -> None:
    from agentmem.quiet import quiet_process

    quiet_process(debug)
    _state.update(home=home, config=config, debug=debug)


# The Memory calls that errors of the shared core name in their hints, as CLI commands.
_CLI_FOR = {
    "history": "agentmem history MEMORY_ID -u USER",
    "adapters": "agentmem adapters list -u USER",
    "train_adapter": "agentmem adapters train -u USER",
    "rollback_adapter": "agentmem adapters rollback -u USER",
    "conflicts": "agentmem conflicts -u USER",
    "resolve_conflict": "agentmem resolve CONFLICT_ID CHOICE -u USER",
    "restore": "agentmem restore EVENT_ID -u USER",
    "reindex": "agentmem reindex",
    "consolidate": "agentmem observe ... (consolidation runs as turns arrive)",
    "purge": "agentmem purge -u USER",
}
_CALL = re.compile(r"`?(?:Memory|mem|memory)?\.?\b(\w+)\([^()]*\)`?")


def cli_words(error: Exception) -> str:
    """An error of the shared core in the words of this interface: a hint that names a
    Python call names the command instead; `Scope(user_id=...)` is `--user`."""
    text = re.sub(r"pass Scope\((\w+)=[^)]*\)", lambda m: _flag(m.group(1)), str(error))

    def command(match: re.Match) -> str:
        cli = _CLI_FOR.get(match.group(1))
        return f"`{cli}`" if cli else match.group(0)

    return _CALL.sub(command, text)


def _flag(field: str) -> str:
    return {"user_id": "pass --user", "agent_id": "pass --agent", "session_id": "pass --session"}[
        field
    ]


def open_memory(existing: bool = False):
    """The Memory the global options describe. `existing`: refuse a home that holds no
    memory yet (a mistyped --home must not be created and reported healthy)."""
    from agentmem import Memory
    from agentmem.facts.extraction import similar

    similar.preload_on_open(False)  # one command: its texts load the parse's MiniLM on use
    if existing:
        check_home_exists()
    overrides = {"home": _state["home"]} if _state["home"] else {}
    if _state["config"]:
        return Memory.from_config(_state["config"], **overrides)
    return Memory(**overrides)


def check_home_exists() -> None:
    cfg = load_config()
    if not cfg.is_sqlite or str(cfg.database_url) in ("sqlite://", "sqlite:///:memory:"):
        return  # the database lives on a server (or in memory); the home only caches files
    db = Path(str(cfg.database_url).removeprefix("sqlite:///"))
    if not db.is_file():
        raise AgentMemError(
            f"no memory at {str(cfg.home)!r} (no {db.name} there); check --home, "
            "or store something first with `agentmem add` or `agentmem import`"
        )


def load_config():
    from agentmem import MemoryConfig

    overrides = {"home": _state["home"]} if _state["home"] else {}
    if _state["config"]:
        cfg = MemoryConfig.from_toml(_state["config"])
        return cfg.with_overrides(**overrides) if overrides else cfg
    return MemoryConfig.create(**overrides)


def scope_of(user: str, agent: str | None = None, session: str | None = None):
    from agentmem import Scope

    return Scope(user_id=user, agent_id=agent, session_id=session)


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    else:
        render(data)


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another process listens on, in one line, before anything starts."""
    import socket

    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise AgentMemError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                "pass another --port or stop the process using it"
            ) from None


FULL_ID = 32  # ids are uuid4 hex; tables show their first characters


def full_id(mem: Any, table: str, given: str, user: str) -> str:
    """The whole id of the user's row in `table` ("memories", "memory_events", "conflicts")
    that `given` starts with: tables print short ids, and any unique prefix works. An id
    that matches nothing is returned unchanged, so the command reports it as not found."""
    if not given or len(given) >= FULL_ID:
        return given
    from sqlalchemy import select

    from agentmem.stores import schema

    t = getattr(schema, table)
    escaped = given.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (
        select(t.c.id)
        .where(t.c.user_id == user, t.c.id.like(escaped + "%", escape="\\"))
        .distinct()
        .limit(6)
    )
    with mem.long_term.engine.begin() as conn:
        ids = [row[0] for row in conn.execute(stmt)]
    if len(ids) > 1:
        shown = ", ".join(i[:12] for i in ids[:5])
        raise AgentMemError(
            f"id {given!r} is the start of several ids of user {user!r} ({shown}"
            f"{', ...' if len(ids) > 5 else ''}); give more characters"
        )
    return ids[0] if ids else given
