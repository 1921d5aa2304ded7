"""Model commands: chat, serve, KV memory (kv), parametric memory (adapters) and the demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentmem import quiet
from agentmem.cli.core import (
    Agent,
    Json,
    Session,
    User,
    app,
    check_port_free,
    console,
    emit,
    err_console,
    load_config,
    open_memory,
    scope_of,
)
from agentmem.errors import AgentMemError, ValidationError
from agentmem.quiet import debugging

GRACEFUL_SHUTDOWN_S = 5

kv_app = typer.Typer(no_args_is_help=True, help="KV memory: policies, snapshots, token paths.")
adapters_app = typer.Typer(no_args_is_help=True, help="Parametric memory: LoRA adapters.")
app.add_typer(kv_app, name="kv")
app.add_typer(adapters_app, name="adapters")


# --- chat and serve -----------------------------------------------------------------------
@app.command()
def chat(
    user: User,
    session: Session = None,
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="one message, then exit")
    ] = None,
    tiers: Annotated[
        list[str] | None, typer.Option("--tier", help="text, kv, parametric (repeat; default all)")
    ] = None,
    as_json: Json = False,
) -> None:
    """Chat with the local model, with memory (interactive unless --message)."""
    scope = scope_of(user, None, session or "cli")
    with open_memory() as mem:
        if message is not None:
            _chat_turn(mem, message, scope, tiers, as_json)
            return
        console.print("[dim]chatting with memory; empty line or Ctrl-D to quit[/]")
        while True:
            try:
                line = console.input("[bold cyan]you>[/] ").strip()
            except (EOFError, KeyboardInterrupt):
                break
            if not line or line in ("/exit", "/quit"):
                break
            _chat_turn(mem, line, scope, tiers, as_json)


def _chat_turn(mem, message: str, scope, tiers: list[str] | None, as_json: bool) -> None:
    stream = mem.chat_stream(message, scope, tiers=tiers)
    if as_json:
        for _ in stream:
            pass
        typer.echo(json.dumps(stream.reply.to_dict(), indent=2, default=str))
        return
    console.print("[bold green]agent>[/] ", end="")
    for piece in stream:
        console.print(piece, end="", markup=False, highlight=False, soft_wrap=True)
    console.print()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8080,
    api_keys: Annotated[
        str | None,
        typer.Option(
            "--api-keys", help='"key1:alice,bob;key2:carol" (default: config or AGENTMEM_API_KEYS)'
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="worker processes, each on its own SO_REUSEPORT socket")
    ] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="log every request")
    ] = False,
    writer_process: Annotated[
        bool | None,
        typer.Option(
            "--writer-process/--no-writer-process",
            help="run adds and updates in a lower-priority process beside each worker "
            "(default: server.writer_process, 'auto': where the index is a Chroma server)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the HTTP service (FastAPI + uvicorn)."""
    from agentmem.errors import require
    from agentmem.server import serving

    require("uvicorn", "server")
    from agentmem.server import create_app, parse_api_keys, resolve_api_keys

    keys = parse_api_keys(api_keys) if api_keys else None
    sockets = serving.bind(host, port, workers)  # a busy port is the first thing said
    config = load_config()
    if not resolve_api_keys(config, keys):
        err_console.print(
            "[yellow]warning:[/] no API keys configured, so every request gets "
            "401; set AGENTMEM_API_KEYS='key:user1,user2' or pass --api-keys"
        )
    writer = serving.writer_wanted(config, workers, writer_process)
    with serving.shared_index(config, workers, writer):  # embedded Chroma: one process
        err_console.print(
            f"agentmem serving on http://{host}:{sockets[0].getsockname()[1]} with {workers} "
            f"worker(s){' and their writer processes' if writer else ''} (OpenAPI at /docs)"
        )
        code = serving.run(
            lambda: create_app(config, api_keys=keys, writer_process=writer),
            sockets,
            access_log=access_log,
            log_level="info" if debugging() else "warning",
            graceful_s=GRACEFUL_SHUTDOWN_S,
        )
    if code:
        raise typer.Exit(code)


@app.command()
def mcp(
    user: User,
    agent: Agent = None,
    session: Session = None,
    transport: Annotated[
        str, typer.Option(help="stdio (an MCP client launches this command) or http")
    ] = "stdio",
    host: Annotated[str, typer.Option(help="interface to bind (http)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (http)")] = 8765,
) -> None:
    """Serve one user's memory as MCP tools (add, observe, search, context, facts, history,
    conflicts, resolve_conflict) over stdio or streamable HTTP at /mcp."""
    from agentmem.server.mcp_server import serve as serve_mcp

    if transport not in ("stdio", "http"):
        raise ValidationError(f"--transport must be stdio or http, got {transport!r}")
    if transport == "http":
        check_port_free(host, port)
    scope = scope_of(user, agent, session)
    with open_memory() as mem:
        if transport == "http":
            err_console.print(f"agentmem MCP server for {user} on http://{host}:{port}/mcp")
        serve_mcp(mem, scope, transport=transport, host=host, port=port)


# --- KV and parametric memory -------------------------------------------------------------
@kv_app.command("policies")
def kv_policies(as_json: Json = False) -> None:
    """The retention policies and their default hyperparameters."""
    from dataclasses import asdict, is_dataclass

    from agentmem.kv.policies import POLICIES

    items = []
    for name, cls in sorted(POLICIES.items()):
        policy = cls()
        params = asdict(policy) if is_dataclass(policy) else {}
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        items.append({"name": name, "params": params, "doc": doc})
    cfg = load_config().kv

    def render(rows: list[dict]) -> None:
        table = Table("policy", "about", "defaults")
        for r in rows:
            mark = " (configured)" if r["name"] == cfg.policy else ""
            table.add_row(
                r["name"] + mark, r["doc"], ", ".join(f"{k}={v}" for k, v in r["params"].items())
            )
        console.print(table)
        console.print(f"budget: {cfg.budget}")

    emit(items, as_json, render)


@kv_app.command("snapshots")
def kv_snapshots(as_json: Json = False) -> None:
    """Saved activation snapshots (KV of memory prefixes)."""
    cfg = load_config()
    folder = Path(cfg.kv.snapshot_dir)
    items = []
    for meta in sorted(folder.rglob("*.json")) if folder.is_dir() else []:
        if meta.name == "last_chat.json":
            continue
        try:
            data = json.loads(meta.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        tensors = meta.with_suffix(".safetensors")
        items.append(
            {
                "file": str(meta.relative_to(folder)),
                **{k: data.get(k) for k in ("user_id", "tokens", "fingerprint", "created_at")},
                "bytes": tensors.stat().st_size if tensors.is_file() else None,
            }
        )

    def render(rows: list[dict]) -> None:
        if not rows:
            console.print(f"no snapshots under {folder}")
            return
        table = Table(*rows[0].keys())
        for r in rows:
            table.add_row(*(str(v) for v in r.values()))
        console.print(table)

    emit(items, as_json, render)


@kv_app.command("last")
def kv_last(
    positions: Annotated[int, typer.Option(help="token paths to show")] = 8, as_json: Json = False
) -> None:
    """KV statistics and per-token tier paths of the last chat."""
    cfg = load_config()
    path = cfg.last_chat_path
    if not path.is_file():
        raise AgentMemError(f"no chat has run in {cfg.home} yet; run `agentmem chat` first")
    data = json.loads(path.read_text())
    data["paths"] = dict(list(data.get("paths", {}).items())[:positions])

    def render(d: dict) -> None:
        s = d.get("stats", {})
        console.print(
            f"policy {s.get('policy', {}).get('name')} budget {s.get('budget')}: "
            f"{s.get('tokens_seen')} tokens seen, tiers {s.get('tiers')}, device KV "
            f"{s.get('device_kv_bytes', 0) / 1e3:.1f} kB of "
            f"{s.get('full_kv_bytes', 0) / 1e3:.1f} kB"
        )
        if not d["paths"]:
            console.print("no tier moves recorded (only the cmp policy moves tokens between tiers)")
        for pos, path in d["paths"].items():
            steps = " → ".join(["hot"] + [f"{e['to']}@{e['step']}" for e in path["layer0_head0"]])
            moves = ", ".join(f"{k} ×{v}" for k, v in path["moves"].items())
            console.print(f"  token {pos}: layer 0 head 0 {steps}; all layers/heads: {moves}")

    emit(data, as_json, render)


def _render_adapters(rows: list[dict]) -> None:
    if not rows:
        console.print("no adapters")
        return
    table = Table("id", "version", "status", "facts", "recall", "created")
    for a in rows:
        metrics = a.get("metrics") or {}
        recall = metrics.get("recall", metrics.get("heldout_recall", ""))
        table.add_row(
            a["id"][:12],
            str(a["version"]),
            a["status"],
            str(len(a["fact_ids"])),
            str(recall),
            str(a["created_at"])[:19],
        )
    console.print(table)


@adapters_app.command("list")
def adapters_list(user: User, as_json: Json = False) -> None:
    """The adapters of a user, newest first."""
    with open_memory() as mem:
        items = mem.adapters(user)
    emit([a.to_dict() for a in items], as_json, _render_adapters)


@adapters_app.command("train")
def adapters_train(user: User, as_json: Json = False) -> None:
    """Train a LoRA adapter from the user's stable facts."""
    with open_memory() as mem:
        with quiet.task("loading the model"):
            mem.parametric.base  # noqa: B018 -- loaded here so that the bar below is training only
        info = mem.train_adapter(user, progress=err_console.is_terminal)
    emit(info.to_dict(), as_json, lambda a: _render_adapters([a]))


@adapters_app.command("show")
def adapters_show(adapter_id: str, user: User, as_json: Json = False) -> None:
    """One adapter: its facts, config and metrics."""
    with open_memory() as mem:
        match = [a for a in mem.adapters(user) if a.id.startswith(adapter_id)]
    if not match:
        raise AgentMemError(
            f"no adapter {adapter_id!r} for user {user!r}; see `agentmem adapters list`"
        )
    emit(match[0].to_dict(), as_json, lambda a: console.print_json(json.dumps(a, default=str)))


@adapters_app.command("rollback")
def adapters_rollback(user: User, as_json: Json = False) -> None:
    """Make the previous adapter version the active one."""
    with open_memory() as mem:
        info = mem.rollback_adapter(user)
    emit(
        info.to_dict(),
        as_json,
        lambda a: console.print(f"active adapter is now {a['id']} (version {a['version']})"),
    )


# --- demo ---------------------------------------------------------------------------------
@app.command()
def demo(
    quick: Annotated[bool, typer.Option(help="skip the local model (KV, LoRA, chat)")] = False,
) -> None:
    """A scripted multi-session agent showing every memory tier, with an HTML report."""
    from agentmem import demo as demo_module

    demo_module.run(open_memory, console, use_model=not quick)
