"""The `agentmem` command through typer's CliRunner, and once as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentmem import Memory
from agentmem.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def hash_embedder(monkeypatch):
    monkeypatch.setenv("AGENTMEM_EMBEDDING__MODEL", "hash")


def run(home: Path, *args: str, ok: bool = True):
    result = runner.invoke(app, ["--home", str(home), *args])
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


def run_json(home: Path, *args: str):
    return json.loads(run(home, *args, "--json").stdout)


def test_add_search_show_history(home):
    first = run_json(home, "add", "I live in Berlin", "-u", "alice")
    assert first["attribute"] == "lives_in" and first["value"] == "Berlin"
    run(home, "add", "My dog is called Rex", "-u", "alice", "--metadata", '{"topic": "pets"}')
    second = run_json(home, "add", "I moved to Paris", "-u", "alice")

    hits = run_json(home, "search", "where do I live", "-u", "alice", "--explain", "-k", "3")
    assert hits[0]["text"] == "I moved to Paris"
    assert {"fulltext", "semantic"} <= set(hits[0]["explanation"])
    table = run(home, "search", "dog", "-u", "alice", "--explain").stdout
    assert "Rex" in table and "semantic=" in table

    pets = run_json(
        home, "search", "dog", "-u", "alice", "-f", "meta.topic=pets", "-f", "kind=note"
    )
    assert [h["text"] for h in pets] == ["My dog is called Rex"]
    past = run_json(home, "search", "live", "-u", "alice", "--as-of", first["created_at"])
    assert [h["text"] for h in past] == ["I live in Berlin"]

    shown = run_json(home, "show", second["id"], "-u", "alice")
    assert shown["text"] == "I moved to Paris" and shown["status"] == "active"
    history = run_json(home, "history", first["id"], "-u", "alice")
    assert [e["op"] for e in history][:1] == ["ADD"] and "SUPERSEDE" in {e["op"] for e in history}
    assert "SUPERSEDE" in run(home, "history", first["id"], "-u", "alice").stdout


def test_update_delete_restore(home):
    rec = run_json(home, "add", "My favourite colour is green", "-u", "alice")
    updated = run_json(home, "update", rec["id"], "My favourite colour is blue", "-u", "alice")
    assert updated["version"] == 2
    run(home, "delete", rec["id"], "-u", "alice")
    assert run_json(home, "show", rec["id"], "-u", "alice")["status"] == "deleted"
    delete_event = run_json(home, "history", rec["id"], "-u", "alice")[-1]
    assert delete_event["op"] == "DELETE"
    restored = run_json(home, "restore", delete_event["id"], "-u", "alice")
    assert restored["status"] == "active"


def test_observe_episodes_stats(home):
    obs = run_json(
        home, "observe", "I started working at Acme as a designer", "-u", "alice", "-s", "s1"
    )
    assert obs["episode_ids"] and obs["facts"]
    run(home, "observe", "Sounds great!", "-u", "alice", "-s", "s1", "--role", "assistant")
    eps = run_json(home, "episodes", "-u", "alice")
    assert [e["role"] for e in eps] == ["user", "assistant"]
    assert run_json(home, "episodes", "-u", "bob") == []
    stats = run_json(home, "stats")
    assert stats["tiers"]["sensory"]["episodes"] == 2
    assert stats["index"]["healthy"] is True
    assert "vector index" in run(home, "stats").stdout


def test_conflicts_and_resolve(home, tmp_path):
    cfg = tmp_path / "agentmem.toml"
    cfg.write_text('[conflicts]\ndefault_policy = "manual"\n[embedding]\nmodel = "hash"\n')
    base = ["--config", str(cfg)]
    run(home, *base, "add", "I live in Berlin", "-u", "alice")
    run(home, *base, "add", "I live in Madrid", "-u", "alice")
    listed = run_json(home, *base, "conflicts", "-u", "alice")
    assert len(listed) == 1
    assert "Madrid" in run(home, *base, "conflicts", "-u", "alice").stdout
    events = run_json(home, *base, "resolve", listed[0]["id"], "new", "-u", "alice")
    assert events
    assert run_json(home, *base, "conflicts", "-u", "alice") == []
    every = run_json(home, *base, "conflicts", "-u", "alice", "--all")
    assert listed[0]["id"] in {c["id"] for c in every if c["status"] != "open"}
    assert run_json(home, *base, "conflicts", "-u", "bob") == []


def test_sql_is_read_only_and_scoped(home):
    run(home, "add", "alice note", "-u", "alice")
    run(home, "add", "bob note", "-u", "bob")
    rows = run_json(home, "sql", "SELECT text FROM memories", "-u", "alice")
    assert rows == [{"text": "alice note"}]
    refused = run(home, "sql", "DELETE FROM memories", "-u", "alice", ok=False)
    assert refused.exit_code == 1
    assert "error:" in refused.stderr and "Traceback" not in refused.output


def test_errors_are_one_line_unless_debug(home):
    run(home, "add", "a first memory, so that the home exists", "-u", "alice")
    result = run(home, "show", "missing-id", "-u", "alice", ok=False)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "missing-id" in lines[0]
    assert "Traceback" not in result.output
    debug = runner.invoke(app, ["--home", str(home), "--debug", "show", "missing-id", "-u", "a"])
    assert debug.exit_code != 0 and type(debug.exception).__name__ == "NotFoundError"
    usage = run(home, "search", "x", ok=False)  # --user missing
    assert usage.exit_code == 2 and "--user" in usage.output
    bad_json = run(home, "add", "x", "-u", "alice", "--metadata", "[1]", ok=False)
    assert bad_json.exit_code == 1 and "JSON object" in bad_json.stderr


def test_export_import_round_trip(home, tmp_path):
    rec = run_json(home, "add", "I live in Oslo", "-u", "alice")
    run(home, "add", "I live in Bergen", "-u", "alice")
    run(home, "observe", "hello there", "-u", "alice", "-s", "s1")
    out = tmp_path / "dump.jsonl"
    run(home, "export", str(out))
    other = tmp_path / "other"
    rows = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    n_memories = sum(r["table"] == "memories" for r in rows)
    first = run_json(other, "import", str(out), "--all-users")
    assert first["added"]["memories"] == n_memories >= 2
    assert first["indexed"] == n_memories and first["added"]["episodes"] == 1
    again = run_json(other, "import", str(out), "--all-users")
    assert sum(again["added"].values()) == 0
    assert run_json(other, "history", rec["id"], "-u", "alice") == run_json(
        home, "history", rec["id"], "-u", "alice"
    )
    only_bob = tmp_path / "bob.jsonl"
    run(home, "export", str(only_bob), "-u", "bob")
    assert len(only_bob.read_text().splitlines()) == 1  # the header only


def test_kv_views(home):
    policies = run_json(home, "kv", "policies")
    assert {"full", "str", "cmp", "h2o", "snapkv", "tova", "streaming_llm"} <= {
        p["name"] for p in policies
    }
    assert run_json(home, "kv", "snapshots") == []
    missing = run(home, "kv", "last", ok=False)
    assert missing.exit_code == 1 and "agentmem chat" in missing.stderr


def test_kv_views_list_saved_snapshots_and_the_last_chat(home):
    """A real chat on a tiny model saves the scope's prefix snapshot and the last-chat record."""
    from agentmem.llm.fakes import tiny_llm

    with Memory(home=home, embedding={"model": "hash"}) as mem:
        mem.llm = tiny_llm(config=mem.config)
        mem.add("My locker number is 4417", "frida")
        mem.chat("What is my locker number?", "frida", tiers=["text", "kv"], max_new_tokens=2)
    listed = run_json(home, "kv", "snapshots")
    assert [s["user_id"] for s in listed] == ["frida"]
    assert listed[0]["tokens"] > 0 and listed[0]["bytes"] > 0
    last = run_json(home, "kv", "last")
    assert last["user_id"] == "frida" and last["stats"]["tokens_seen"] > listed[0]["tokens"]


def test_adapters_commands(home):
    assert run_json(home, "adapters", "list", "-u", "alice") == []
    refused = run(home, "adapters", "rollback", "-u", "alice", ok=False)
    assert refused.exit_code == 1 and "alice" in refused.stderr


def test_bench_and_check_conflicts_dispatch(home, tmp_path):
    out = tmp_path / "bench.json"
    run(
        home,
        "bench",
        "retrieval",
        "--sizes",
        "40",
        "--queries",
        "5",
        "--embedder",
        "hash",
        "--json",
        "--out",
        str(out),
    )
    assert json.loads(out.read_text())["sizes"][0]["latency_ms"]
    unknown = run(home, "bench", "nosuch", ok=False)
    assert unknown.exit_code == 2
    scenario = Path(__file__).parent / "conflicts" / "moves.yaml"
    checked = run(home, "check-conflicts", str(scenario), ok=False)
    assert checked.exit_code == 0, checked.output


def test_real_subprocess(home):
    env = {**os.environ, "AGENTMEM_EMBEDDING__MODEL": "hash"}
    cmd = [sys.executable, "-m", "agentmem.cli", "--home", str(home)]
    added = subprocess.run(
        [*cmd, "add", "I live in Rome", "-u", "alice", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["value"] == "Rome"
    failed = subprocess.run(
        [*cmd, "history", "nope", "-u", "alice"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert failed.returncode == 1
    assert failed.stderr.strip().startswith("error:") and "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
