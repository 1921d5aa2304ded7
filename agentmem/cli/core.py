"""The root command: global options, error handling, shared option types and helpers.

The command modules register on `app`; this module imports none of them.
"""

from __future__ import annotations

import json
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
            err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
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
    debug: Annotated[bool, typer.Option(help="show tracebacks")] = False,
) -> None:
    _state.update(home=home, config=config, debug=debug)


def open_memory():
    """The Memory the global options describe."""
    from agentmem import Memory

    overrides = {"home": _state["home"]} if _state["home"] else {}
    if _state["config"]:
        return Memory.from_config(_state["config"], **overrides)
    return Memory(**overrides)


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
