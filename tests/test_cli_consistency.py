"""The CLI speaks one language: ids as printed (unique prefixes) work everywhere, every error
is one line with exit code 1, reading commands do not invent a home, JSON keys are
identifiers."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentmem.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def hash_embedder(monkeypatch):
    monkeypatch.setenv("AGENTMEM_EMBEDDING__MODEL", "hash")


def cli(home: Path, *args: str):
    return runner.invoke(app, ["--home", str(home), *args])


def ok_json(home: Path, *args: str):
    result = cli(home, *args, "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def one_line_error(result) -> str:
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.output and "Errno" not in lines[0]
    return lines[0]


def test_short_ids_from_tables_work(home):
    first = ok_json(home, "add", "I live in Turku", "-u", "mia")
    second = ok_json(home, "add", "I live in Oulu", "-u", "mia")
    short = second["id"][:8]
    assert short in cli(home, "search", "Oulu", "-u", "mia").stdout
    assert ok_json(home, "show", short, "-u", "mia")["id"] == second["id"]
    events = ok_json(home, "history", first["id"][:8], "-u", "mia")
    superseded = next(e for e in events if e["op"] == "SUPERSEDE")
    assert superseded["id"][:8] in cli(home, "history", first["id"][:8], "-u", "mia").stdout
    restored = ok_json(home, "restore", superseded["id"][:8], "-u", "mia")
    assert restored["id"] == first["id"] and restored["status"] == "active"
    assert one_line_error(cli(home, "show", short, "-u", "other-user"))


def test_an_ambiguous_prefix_is_refused(home):
    ids = [ok_json(home, "add", f"note number {i}", "-u", "nils")["id"] for i in range(40)]
    shared = next(c for c in "0123456789abcdef" if sum(i.startswith(c) for i in ids) > 1)
    line = one_line_error(cli(home, "show", shared, "-u", "nils"))
    assert "more characters" in line


def test_errors_are_one_line_in_cli_words(home, tmp_path):
    ok_json(home, "add", "I work as a glazier", "-u", "olga")
    missing_dir = tmp_path / "no" / "such" / "dir" / "out.jsonl"
    assert str(missing_dir.parent) in one_line_error(cli(home, "export", str(missing_dir)))
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[llm\nmodel = 3\n")
    assert "bad.toml" in one_line_error(cli(home, "--config", str(bad_toml), "stats"))
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("steps: [ {say: 'x'\n")
    assert "bad.yaml" in one_line_error(cli(home, "check-conflicts", str(bad_yaml)))
    hint = one_line_error(cli(home, "restore", "0123456789abcdef0123456789abcdef", "-u", "olga"))
    assert "agentmem history" in hint and "()" not in hint
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        assert port in one_line_error(cli(home, "serve", "--port", port))
        assert port in one_line_error(
            cli(home, "mcp", "-u", "olga", "--transport", "http", "--port", port)
        )


def test_check_conflicts_json_fails_when_a_scenario_fails(home, tmp_path):
    scenario = tmp_path / "wrong.yaml"
    scenario.write_text(
        "name: an expectation that cannot hold\n"
        "steps:\n"
        "  - {say: 'I live in Vaasa'}\n"
        "  - expect: {current: {lives_in: Kotka}}\n"
    )
    result = cli(home, "check-conflicts", str(scenario), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["failed"] == 1
    misplaced = tmp_path / "misplaced.yaml"
    misplaced.write_text("name: x\nsteps:\n  - {say: 'I live in Vaasa'}\nexpect: {}\n")
    assert "expect" in one_line_error(cli(home, "check-conflicts", str(misplaced)))


def test_reading_commands_refuse_a_home_that_does_not_exist(tmp_path):
    typo = tmp_path / "hoem"
    for args in (["stats"], ["search", "x", "-u", "p"], ["history", "abc", "-u", "p"]):
        assert "hoem" in one_line_error(cli(typo, *args))
    assert not typo.exists()


def test_stats_json_keys_are_identifiers(home):
    ok_json(home, "add", "I live in Pori", "-u", "pekka")
    stats = ok_json(home, "stats")

    def keys(value):
        if isinstance(value, dict):
            for k, v in value.items():
                yield k
                yield from keys(v)

    bad = [k for k in keys(stats) if not re.fullmatch(r"[a-z][a-z0-9_]*", k)]
    assert not bad
    assert stats["tiers"]["long_term_text"]["fact_active"] == 1
