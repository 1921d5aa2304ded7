"""The `agentmem` command: inspect and change memory, chat, serve, run the demo and benchmarks.

Every reading command takes `--json` for scripts. Errors are one readable line and a
non-zero exit code; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from agentmem.errors import AgentMemError, ValidationError

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
            err_console.print(f"[red]error:[/] {type(exc).__name__}: {exc} (run with --debug "
                              "for the traceback)", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


app = typer.Typer(cls=_Commands, add_completion=False, no_args_is_help=True,
                  pretty_exceptions_enable=False,
                  help="agentmem: memory for LLM agents (text, KV and parametric).")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks (side by side, in one run).")
kv_app = typer.Typer(no_args_is_help=True, help="KV memory: policies, snapshots, token paths.")
adapters_app = typer.Typer(no_args_is_help=True, help="Parametric memory: LoRA adapters.")
app.add_typer(bench_app, name="bench")
app.add_typer(kv_app, name="kv")
app.add_typer(adapters_app, name="adapters")

User = Annotated[str, typer.Option("--user", "-u", help="user id: the scope's hard partition")]
Agent = Annotated[str | None, typer.Option("--agent", help="agent id (narrows the scope)")]
Session = Annotated[str | None, typer.Option("--session", "-s", help="session id")]
Json = Annotated[bool, typer.Option("--json", help="print JSON for scripts")]
PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True,
               "help_option_names": []}


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
        return MemoryConfig.create(**{**cfg.model_dump(), **overrides}) if overrides else cfg
    return MemoryConfig.create(**overrides)


def scope_of(user: str, agent: str | None = None, session: str | None = None):
    from agentmem import Scope

    return Scope(user_id=user, agent_id=agent, session_id=session)


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    else:
        render(data)


def not_available(what: str, module: str) -> None:
    raise AgentMemError(f"{what} is not available yet in this build ({module} is missing)")


def _short(text: str | None, n: int = 80) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


# --- writing ------------------------------------------------------------------------------
@app.command()
def add(text: str, user: User, agent: Agent = None, session: Session = None,
        metadata: Annotated[str | None, typer.Option(help="JSON object")] = None,
        kind: Annotated[str, typer.Option(help="note, fact, summary or episode")] = "note",
        as_json: Json = False) -> None:
    """Store one memory (it passes through conflict resolution)."""
    meta = _json_object("--metadata", metadata)
    with open_memory() as mem:
        record = mem.add(text, scope_of(user, agent, session), meta, kind=kind)
    emit(record.to_dict(), as_json, lambda r: console.print(
        f"[green]stored[/] {r['id']} ({r['kind']}"
        + (f": {r['subject']}.{r['attribute']} = {r['value']}" if r["attribute"] else "") + ")"))


@app.command()
def observe(content: str, user: User, agent: Agent = None, session: Session = None,
            role: Annotated[str, typer.Option(help="user, assistant, system, tool")] = "user",
            as_json: Json = False) -> None:
    """Feed one input through sensory -> short-term -> long-term memory."""
    with open_memory() as mem:
        obs = mem.observe(role, content, scope_of(user, agent, session))
    def render(o: dict) -> None:
        console.print(f"episode {', '.join(i[:8] for i in o['episode_ids'])} "
                      f"salience {o['salience']:.2f}"
                      + (" — consolidated" if o["consolidated"] else ""))
        for f in o["facts"]:
            console.print(f"  fact: {f['text']}  [dim]{f['id'][:8]}[/]")
    emit(obs.to_dict(), as_json, render)


@app.command()
def update(memory_id: str, text: str, user: User, as_json: Json = False) -> None:
    """Replace a memory's text; the old version stays in its history."""
    with open_memory() as mem:
        record = mem.update(memory_id, text, user)
    emit(record.to_dict(), as_json, lambda r: console.print(
        f"[green]updated[/] {r['id']} (version {r['version']})"))


@app.command()
def delete(memory_id: str, user: User) -> None:
    """Soft-delete a memory (it stays in history; `restore` undoes it)."""
    with open_memory() as mem:
        mem.delete(memory_id, user)
    console.print(f"deleted {memory_id}")


@app.command()
def restore(event_id: str, user: User, as_json: Json = False) -> None:
    """Undo what one audit event did (a resolution, update, delete, merge or archival)."""
    with open_memory() as mem:
        record = mem.restore(event_id, user)
    emit(record.to_dict(), as_json, lambda r: console.print(f"restored {r['id']}: {r['text']}"))


@app.command()
def purge(user: User, yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False
          ) -> None:
    """Hard-delete everything of a user in every store."""
    if not yes and not typer.confirm(f"delete every memory of {user!r} for good?"):
        raise typer.Exit(1)
    with open_memory() as mem:
        mem.purge(user)
    console.print(f"purged {user}")


# --- reading ------------------------------------------------------------------------------
@app.command()
def search(query: str, user: User, agent: Agent = None,
           mode: Annotated[str, typer.Option(help="hybrid, semantic or fulltext")] = "hybrid",
           top_k: Annotated[int, typer.Option("--top-k", "-k")] = 10,
           filter_: Annotated[list[str] | None, typer.Option(
               "--filter", "-f", help="KEY=VALUE (kind, status, subject, attribute, "
                                      "session_id, created_after, created_before, meta.KEY)")]
           = None,
           as_of: Annotated[str | None, typer.Option("--as-of", help="ISO time: what was "
                                                     "known and true then")] = None,
           explain: Annotated[bool, typer.Option(help="show each signal's part")] = False,
           as_json: Json = False) -> None:
    """Search a user's memories by full text, meaning, or both."""
    filters = parse_filters(filter_ or [])
    with open_memory() as mem:
        hits = mem.search(query, scope_of(user, agent), mode=mode, top_k=top_k,
                          filters=filters or None, as_of=as_of, explain=explain)
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
        why = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in parts.items())
        table.add_row(f"{h['score']:.3f}", h["record"]["text"], h["record"]["kind"],
                      h["record"]["id"][:8], why)
    console.print(table)


@app.command()
def show(memory_id: str, user: User,
         as_of: Annotated[str | None, typer.Option("--as-of")] = None, as_json: Json = False
         ) -> None:
    """One memory, with every field (its version valid at --as-of)."""
    from datetime import datetime

    when = datetime.fromisoformat(as_of) if as_of else None
    with open_memory() as mem:
        record = mem.get(memory_id, user, as_of=when)
    def render(r: dict) -> None:
        table = Table("field", "value", show_header=False)
        for key, value in r.items():
            if value not in (None, {}, []):
                table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
        console.print(table)
    emit(record.to_dict(), as_json, render)


@app.command()
def history(memory_id: str, user: User, as_json: Json = False) -> None:
    """The chain of versions of a memory, with who changed what and why."""
    with open_memory() as mem:
        events = mem.history(memory_id, user)
    def render(items: list[dict]) -> None:
        table = Table("when", "op", "text", "actor", "reason", "event")
        for e in items:
            change = (f"{_short(e['old_text'], 40)} → {_short(e['new_text'], 40)}"
                      if e["old_text"] and e["new_text"] else _short(e["new_text"] or
                                                                     e["old_text"], 60))
            table.add_row(e["created_at"][:19], e["op"], change, e["actor"], e["reason"],
                          e["id"][:8])
        console.print(table)
    emit([e.to_dict() for e in events], as_json, render)


@app.command()
def conflicts(user: User, all_: Annotated[bool, typer.Option("--all", help="resolved ones "
                                                             "too")] = False,
              as_json: Json = False) -> None:
    """Conflicts waiting for review (resolve them with `agentmem resolve`)."""
    with open_memory() as mem:
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
def resolve(conflict_id: str, choice: Annotated[str, typer.Argument(
        help="a memory id to keep, or new, old, dismiss")], user: User,
            as_json: Json = False) -> None:
    """Close a conflict, keeping one side."""
    with open_memory() as mem:
        events = mem.resolve_conflict(conflict_id, choice, user)
    emit([e.to_dict() for e in events], as_json, lambda es: console.print(
        f"resolved {conflict_id}: " + ", ".join(f"{e['op']} {e['memory_id'][:8]}" for e in es)))


@app.command()
def sql(statement: str, user: User, as_json: Json = False,
        max_rows: Annotated[int, typer.Option(help="refuse a result longer than this")] = 1000
        ) -> None:
    """Run one read-only SELECT over the user's rows (memories, episodes, memory_events,
    conflicts)."""
    with open_memory() as mem:
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
def episodes(user: User, session: Session = None,
             limit: Annotated[int, typer.Option("--limit", "-n")] = 50,
             as_json: Json = False) -> None:
    """The raw inputs of a user (all sessions unless --session), newest last."""
    from sqlalchemy import select

    from agentmem.stores.schema import episodes as table

    with open_memory() as mem:
        stmt = select(table).where(table.c.user_id == user)
        if session:
            stmt = stmt.where(table.c.session_id == session)
        stmt = stmt.order_by(table.c.pk.desc()).limit(limit)
        with mem.long_term.sql.begin() as conn:
            rows = [dict(r) for r in conn.execute(stmt).mappings()][::-1]
    items = [{"id": r["id"], "session_id": r["session_id"], "seq": r["seq"], "role": r["role"],
              "content": r["content"], "salience": r["salience"],
              "consolidated": r["consolidated"], "created_at": r["created_at"].isoformat()}
             for r in rows]
    def render(rows: list[dict]) -> None:
        table_ = Table("session", "seq", "role", "content", "salience", "consolidated")
        for r in rows:
            table_.add_row(r["session_id"] or "-", str(r["seq"]), r["role"],
                           _short(r["content"]), f"{r['salience']:.2f}",
                           "yes" if r["consolidated"] else "")
        console.print(table_)
    emit(items, as_json, render)


@app.command()
def stats(as_json: Json = False) -> None:
    """Counts per tier, store sizes and vector-index health."""
    from agentmem.report import collect_stats

    with open_memory() as mem:
        data = collect_stats(mem)
    def render(d: dict) -> None:
        table = Table("tier", "what", "count")
        for tier, counts in d["tiers"].items():
            for what, n in counts.items():
                table.add_row(tier, what, str(n))
        console.print(table)
        sizes = ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in d["sizes"].items())
        console.print(f"store sizes: {sizes}")
        idx = d["index"]
        state = "[green]healthy[/]" if idx["healthy"] else "[red]needs `agentmem reindex`[/]"
        console.print(f"vector index: {idx['vectors']} vectors for {idx['rows']} rows, "
                      f"{idx['dirty']} waiting — {state}")
    emit(data, as_json, render)


# --- maintenance --------------------------------------------------------------------------
@app.command()
def reindex() -> None:
    """Rebuild the vector index from SQL."""
    with console.status("rebuilding the vector index from SQL…"), open_memory() as mem:
        n = mem.reindex()
    console.print(f"reindexed {n} memories")


@app.command("export")
def export_(out: Annotated[Path, typer.Argument(help="JSONL file to write ('-': stdout)")],
            user: Annotated[str | None, typer.Option("--user", "-u", help="only this user")]
            = None) -> None:
    """Write memories, history, episodes and conflicts as JSONL (lossless)."""
    from agentmem import export

    with open_memory() as mem:
        if str(out) == "-":
            export.export_jsonl(mem, sys.stdout, user)
            return
        n = export.export_jsonl(mem, out, user)
    err_console.print(f"exported {n} rows to {out}")


@app.command("import")
def import_(source: Annotated[Path, typer.Argument(help="JSONL file written by export")],
            as_json: Json = False) -> None:
    """Read an export; rows already present are skipped, so importing twice is harmless."""
    from rich.progress import Progress

    from agentmem import export

    total = export.count_rows(source) if source.is_file() else 0
    with open_memory() as mem, Progress(console=err_console, transient=True,
                                        disable=as_json) as bar:
        task = bar.add_task("importing", total=total)
        report = export.import_jsonl(mem, source, progress=lambda n: bar.advance(task, n))
    emit(report.to_dict(), as_json, lambda r: console.print(
        f"added {sum(r['added'].values())} rows, skipped {sum(r['skipped'].values())} already "
        f"present, indexed {r['indexed']}: " + ", ".join(
            f"{k} +{v}" for k, v in r["added"].items())))


@app.command("check-conflicts", context_settings=PASSTHROUGH)
def check_conflicts(ctx: typer.Context) -> None:
    """Run conflict-resolution scenario files (YAML); see `check-conflicts --help`."""
    from agentmem import scenarios

    code = scenarios.main(list(ctx.args))
    raise typer.Exit(code or 0)


# --- chat and serve -----------------------------------------------------------------------
@app.command()
def chat(user: User, session: Session = None,
         message: Annotated[str | None, typer.Option("--message", "-m",
                                                     help="one message, then exit")] = None,
         tiers: Annotated[list[str] | None, typer.Option(
             "--tier", help="text, kv, parametric (repeat; default all)")] = None,
         as_json: Json = False) -> None:
    """Chat with the local model, with memory (interactive unless --message)."""
    scope = scope_of(user, None, session or "cli")
    with open_memory() as mem:
        if not hasattr(mem, "chat_stream"):
            not_available("chat", "Memory.chat_stream")
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
def serve(host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port")] = 8080,
          api_keys: Annotated[str | None, typer.Option(
              "--api-keys", help='"key1:alice,bob;key2:carol" (default: config or '
                                 'AGENTMEM_API_KEYS)')] = None) -> None:
    """Run the HTTP service (FastAPI + uvicorn)."""
    from agentmem.errors import require

    uvicorn = require("uvicorn", "server")
    from agentmem.server import create_app, parse_api_keys

    keys = parse_api_keys(api_keys) if api_keys else None
    app_ = create_app(load_config(), api_keys=keys)
    if not app_.state.api_keys:
        err_console.print("[yellow]warning:[/] no API keys configured, so every request gets "
                          "401; set AGENTMEM_API_KEYS='key:user1,user2' or pass --api-keys")
    err_console.print(f"agentmem serving on http://{host}:{port} (OpenAPI at /docs)")
    uvicorn.run(app_, host=host, port=port, log_level="info")


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
            table.add_row(r["name"] + mark, r["doc"],
                          ", ".join(f"{k}={v}" for k, v in r["params"].items()))
        console.print(table)
        console.print(f"budget: {cfg.budget}")
    emit(items, as_json, render)


@kv_app.command("snapshots")
def kv_snapshots(as_json: Json = False) -> None:
    """Saved activation snapshots (KV of memory prefixes)."""
    cfg = load_config()
    folder = Path(cfg.kv.snapshot_dir or cfg.home / "kv")
    items = []
    for meta in sorted(folder.rglob("*.json")) if folder.is_dir() else []:
        if meta.name == "last_chat.json":
            continue
        try:
            data = json.loads(meta.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        tensors = meta.with_suffix(".safetensors")
        items.append({"file": str(meta.relative_to(folder)), **{
            k: data.get(k) for k in ("user_id", "tokens", "fingerprint", "created_at")},
            "bytes": tensors.stat().st_size if tensors.is_file() else None})
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
def kv_last(positions: Annotated[int, typer.Option(help="token paths to show")] = 8,
            as_json: Json = False) -> None:
    """KV statistics and per-token tier paths of the last chat."""
    cfg = load_config()
    path = Path(cfg.kv.snapshot_dir or cfg.home / "kv") / "last_chat.json"
    if not path.is_file():
        raise AgentMemError(f"no chat has run in {cfg.home} yet; run `agentmem chat` first")
    data = json.loads(path.read_text())
    data["paths"] = dict(list(data.get("paths", {}).items())[:positions])
    def render(d: dict) -> None:
        s = d.get("stats", {})
        console.print(f"policy {s.get('policy', {}).get('name')} budget {s.get('budget')}: "
                      f"{s.get('tokens_seen')} tokens seen, tiers {s.get('tiers')}, device KV "
                      f"{s.get('device_kv_bytes', 0) / 1e3:.1f} kB of "
                      f"{s.get('full_kv_bytes', 0) / 1e3:.1f} kB")
        if not d["paths"]:
            console.print("no tier moves recorded (only the cmp policy moves tokens between "
                          "tiers)")
        for pos, path in d["paths"].items():
            steps = " → ".join(["hot"] + [f"{e['to']}@{e['step']}" for e in path["layer0_head0"]])
            moves = ", ".join(f"{k} ×{v}" for k, v in path["moves"].items())
            console.print(f"  token {pos}: layer 0 head 0 {steps}; all layers/heads: {moves}")
    emit(data, as_json, render)


def _registry_ready(mem) -> None:
    if not hasattr(mem, "adapters") or not hasattr(mem, "train_adapter"):
        not_available("parametric memory", "Memory.adapters / Memory.train_adapter")


def _render_adapters(rows: list[dict]) -> None:
    if not rows:
        console.print("no adapters")
        return
    table = Table("id", "version", "status", "facts", "recall", "created")
    for a in rows:
        metrics = a.get("metrics") or {}
        recall = metrics.get("recall", metrics.get("heldout_recall", ""))
        table.add_row(a["id"][:12], str(a["version"]), a["status"], str(len(a["fact_ids"])),
                      str(recall), str(a["created_at"])[:19])
    console.print(table)


@adapters_app.command("list")
def adapters_list(user: User, as_json: Json = False) -> None:
    """The adapters of a user, newest first."""
    with open_memory() as mem:
        _registry_ready(mem)
        items = mem.adapters(user)
    emit([a.to_dict() for a in items], as_json, _render_adapters)


@adapters_app.command("train")
def adapters_train(user: User, as_json: Json = False) -> None:
    """Train a LoRA adapter from the user's stable facts."""
    with open_memory() as mem:
        _registry_ready(mem)
        with console.status("training a LoRA adapter…", spinner="dots"):
            info = mem.train_adapter(user)
    emit(info.to_dict(), as_json, lambda a: _render_adapters([a]))


@adapters_app.command("show")
def adapters_show(adapter_id: str, user: User, as_json: Json = False) -> None:
    """One adapter: its facts, config and metrics."""
    with open_memory() as mem:
        _registry_ready(mem)
        match = [a for a in mem.adapters(user) if a.id.startswith(adapter_id)]
    if not match:
        raise AgentMemError(f"no adapter {adapter_id!r} for user {user!r}; see "
                            "`agentmem adapters list`")
    emit(match[0].to_dict(), as_json, lambda a: console.print_json(json.dumps(a, default=str)))


@adapters_app.command("rollback")
def adapters_rollback(user: User, as_json: Json = False) -> None:
    """Make the previous adapter version the active one."""
    with open_memory() as mem:
        _registry_ready(mem)
        fn = getattr(mem, "rollback_adapter", None)
        if fn is None:
            not_available("adapter rollback", "Memory.rollback_adapter")
        info = fn(user)
    emit(info.to_dict(), as_json, lambda a: console.print(
        f"active adapter is now {a['id']} (version {a['version']})"))


# --- demo and benchmarks ------------------------------------------------------------------
@app.command()
def demo(quick: Annotated[bool, typer.Option(help="skip the local model (KV, LoRA, chat)")]
         = False) -> None:
    """A scripted multi-session agent showing every memory tier, with an HTML report."""
    from agentmem import demo as demo_module

    demo_module.run(open_memory, console, use_model=not quick)


@bench_app.command("retrieval", context_settings=PASSTHROUGH)
def bench_retrieval(ctx: typer.Context) -> None:
    """Ingest throughput, search latency and recall (see --help of the module)."""
    _bench("retrieval", ctx)


def _bench(name: str, ctx: typer.Context) -> None:
    try:
        module = importlib.import_module(f"agentmem.bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"agentmem.bench.{name}":
            raise
        not_available(f"bench {name}", f"agentmem/bench/{name}.py")
    result = module.main(list(ctx.args))
    if isinstance(result, int) and result:
        raise typer.Exit(result)


for _name, _about in (("kv", "KV policies: accuracy, survival, memory and speed vs budget"),
                      ("lora", "LoRA memory: fact recall and forgetting"),
                      ("session", "long sessions: memory tiers over many turns"),
                      ("load", "the HTTP service and stores under concurrent load")):
    def _command(ctx: typer.Context, _n: str = _name) -> None:
        _bench(_n, ctx)
    _command.__doc__ = f"{_about} (see --help of the module)."
    bench_app.command(_name, context_settings=PASSTHROUGH)(_command)


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


def main() -> None:
    """Entry point of the `agentmem` script."""
    app()


if __name__ == "__main__":
    main()
