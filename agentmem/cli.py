"""The `agentmem` command: inspect and change memory, search, run the demo and benchmarks."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from agentmem.errors import AgentMemError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="agentmem: memory for LLM agents (text, KV and parametric).")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks (side by side, in one run).")
app.add_typer(bench_app, name="bench")
console = Console()
_state: dict[str, Any] = {"home": None, "config": None, "debug": False}


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


def emit(data: Any, as_json: bool, render) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        render(data)


@app.command()
def add(text: str, user: Annotated[str, typer.Option("--user", "-u")],
        as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Store one memory for a user."""
    with open_memory() as mem:
        record = mem.add(text, user)
    emit(record.to_dict(), as_json, lambda r: console.print(f"[green]stored[/] {r['id']}"))


@app.command()
def search(query: str, user: Annotated[str, typer.Option("--user", "-u")],
           mode: str = "hybrid", top_k: Annotated[int, typer.Option("--top-k", "-k")] = 10,
           explain: bool = False, as_json: Annotated[bool, typer.Option("--json")] = False
           ) -> None:
    """Search a user's memories."""
    with open_memory() as mem:
        hits = mem.search(query, user, mode=mode, top_k=top_k, explain=explain)
    emit([h.to_dict() for h in hits], as_json, _render_hits)


def _render_hits(hits: list[dict]) -> None:
    table = Table("score", "text", "kind", "id", "explanation")
    for h in hits:
        parts = h.get("explanation") or {}
        why = ", ".join(f"{k}={v:.3f}" for k, v in parts.items() if not k.endswith("_rank"))
        table.add_row(f"{h['score']:.3f}", h["record"]["text"], h["record"]["kind"],
                      h["record"]["id"][:8], why)
    console.print(table)


@app.command()
def reindex() -> None:
    """Rebuild the vector index from SQL."""
    with open_memory() as mem:
        n = mem.reindex()
    console.print(f"reindexed {n} memories")


@app.command()
def demo() -> None:
    """A short end-to-end run on embedded defaults: store memories, then search them."""
    from agentmem import Scope

    user = Scope(user_id="demo-user")
    facts = ["I live in Lisbon and work as a nurse.", "My sister Anna lives in Osaka.",
             "I have a dog called Biscuit.", "My favourite food is ramen.",
             "On weekends I go bouldering.", "The weather was grey all afternoon."]
    with open_memory() as mem:
        console.print(f"[bold]agentmem demo[/] — home {mem.config.home}")
        mem.add_many(facts, user)
        for query in ("Where does my sibling live?", "dog", "What do I eat most?"):
            console.print(f"\n[bold]{query}[/]")
            _render_hits([h.to_dict() for h in mem.search(query, user, top_k=3, explain=True)])


@bench_app.command("retrieval", context_settings={"allow_extra_args": True,
                                                  "ignore_unknown_options": True})
def bench_retrieval(ctx: typer.Context) -> None:
    """Ingest throughput, search latency and recall (see --help of the module)."""
    from agentmem.bench import retrieval

    retrieval.main(list(ctx.args))


def main() -> None:
    """Entry point: one readable line and a non-zero exit on errors (tracebacks with --debug)."""
    try:
        app(standalone_mode=False)
    except AgentMemError as exc:
        if _state["debug"]:
            raise
        console.print(f"[red]error:[/] {exc}", highlight=False)
        sys.exit(1)
    except (typer.Exit, typer.Abort) as exc:
        sys.exit(getattr(exc, "exit_code", 1))
    except Exception as exc:  # click usage errors and anything unexpected
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if _state["debug"]:
            raise
        console.print(f"[red]error:[/] {type(exc).__name__}: {exc} (run with --debug for "
                      "the traceback)", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
