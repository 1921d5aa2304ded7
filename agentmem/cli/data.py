"""Data commands: reindex, export, import, check-conflicts and the benchmarks."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from agentmem.cli.core import (
    PASSTHROUGH,
    Json,
    app,
    console,
    emit,
    err_console,
    open_memory,
)
from agentmem.errors import AgentMemError

bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks (side by side, in one run).")
app.add_typer(bench_app, name="bench")


# --- maintenance --------------------------------------------------------------------------
@app.command()
def reindex() -> None:
    """Rebuild the vector index from SQL."""
    with console.status("rebuilding the vector index from SQL…"), open_memory(True) as mem:
        n = mem.reindex()
    console.print(f"reindexed {n} memories")


@app.command("export")
def export_(
    out: Annotated[Path, typer.Argument(help="JSONL file to write ('-': stdout)")],
    user: Annotated[str | None, typer.Option("--user", "-u", help="only this user")] = None,
) -> None:
    """Write memories, history, episodes and conflicts as JSONL (lossless)."""
    from agentmem.long_term import export

    if str(out) != "-" and not out.parent.is_dir():
        raise AgentMemError(
            f"cannot write {str(out)!r}: directory {str(out.parent)!r} does not exist; "
            "create it first or write somewhere else"
        )
    with open_memory(existing=True) as mem:
        if str(out) == "-":
            export.export_jsonl(mem, sys.stdout, user)
            return
        n = export.export_jsonl(mem, out, user)
    console.print(f"exported {n} rows to {out}")


@app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(help="JSONL file written by export")],
    user: Annotated[
        str | None,
        typer.Option("--user", "-u", help="the user the file belongs to (every row must be)"),
    ] = None,
    all_users: Annotated[
        bool, typer.Option("--all-users", help="restore a whole-database export, every user")
    ] = False,
    as_json: Json = False,
) -> None:
    """Read an export into one user's scope (or every user's with --all-users); the file is
    checked whole first, then written in one transaction. Rows already present are skipped,
    so importing twice is harmless."""
    from rich.progress import Progress

    from agentmem.long_term import export

    if (user is None) == (not all_users):
        err_console.print(
            "name the user the file belongs to with --user USER, or pass --all-users to "
            "restore a whole-database export"
        )
        raise typer.Exit(2)

    total = export.count_rows(source) if source.is_file() else 0
    with (
        open_memory() as mem,
        Progress(console=err_console, transient=True, disable=as_json) as bar,
    ):
        task = bar.add_task("importing", total=total)
        report = export.import_jsonl(mem, source, user, progress=lambda n: bar.advance(task, n))
    emit(
        report.to_dict(),
        as_json,
        lambda r: console.print(
            f"added {sum(r['added'].values())} rows, skipped {sum(r['skipped'].values())} already "
            f"present, indexed {r['indexed']}: "
            + ", ".join(f"{k} +{v}" for k, v in r["added"].items())
        ),
    )


@app.command("check-conflicts", context_settings=PASSTHROUGH)
def check_conflicts(ctx: typer.Context) -> None:
    """Run conflict-resolution scenario files (YAML); see `check-conflicts --help`."""
    from agentmem import scenarios

    code = scenarios.main(list(ctx.args))
    raise typer.Exit(code or 0)


# --- benchmarks ---------------------------------------------------------------------------
@bench_app.command("retrieval", context_settings=PASSTHROUGH)
def bench_retrieval(ctx: typer.Context) -> None:
    """Ingest throughput, search latency and recall (see --help of the module)."""
    _bench("retrieval", ctx)


def _bench(name: str, ctx: typer.Context) -> None:
    module = importlib.import_module(f"agentmem.bench.{name}")
    result = module.main(list(ctx.args))
    if isinstance(result, int) and result:
        raise typer.Exit(result)


for _name, _about in (
    ("kv", "KV policies: accuracy, survival, memory and speed vs budget"),
    ("cmr", "hidden-state reweaving (CMR) vs same-budget KV retention"),
    ("lora", "LoRA memory: fact recall and forgetting"),
    ("session", "long sessions: memory tiers over many turns"),
    ("load", "the HTTP service and stores under concurrent load"),
    ("locomo", "LoCoMo conversations: evidence recall, answer containment, ingest"),
    ("chat", "chat with and without memory: questions whose answers were stated"),
):

    def _command(ctx: typer.Context, _n: str = _name) -> None:
        _bench(_n, ctx)

    _command.__doc__ = f"{_about} (see --help of the module)."
    bench_app.command(_name, context_settings=PASSTHROUGH)(_command)
