"""Every `agentmem bench X` follows one output convention: `--json` prints JSON on stdout
and nothing else there, `--out DIR` writes X.json and X.txt (and X.png where the benchmark
draws one) into DIR. Older spellings still work, with a note on stderr."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from agentmem.cli import app
from agentmem.cli.data import bench_app

runner = CliRunner()
BENCHES = sorted(c.name for c in bench_app.registered_commands)


@pytest.mark.parametrize("name", BENCHES)
def test_every_bench_offers_json_and_out_dir(name, tmp_path):
    result = runner.invoke(app, ["--home", str(tmp_path), "bench", name, "--help"])
    assert result.exit_code == 0, result.output
    usage = " ".join(result.output.split())
    assert "--json" in usage, usage
    assert "--out DIR" in usage, usage


def _retrieval(tmp_path, *extra: str):
    args = ["--home", str(tmp_path / "home"), "bench", "retrieval"]
    args += ["--sizes", "30", "--queries", "4", "--embedder", "hash", *extra]
    return CliRunner().invoke(app, args)


def test_json_on_stdout_and_files_in_the_out_dir(tmp_path):
    out = tmp_path / "results" / "today"  # missing: created
    result = _retrieval(tmp_path, "--json", "--out", str(out))
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)  # nothing but the JSON on stdout
    assert printed == json.loads((out / "retrieval.json").read_text())
    table = (out / "retrieval.txt").read_text()
    assert table.strip() and not table.lstrip().startswith("{")


def test_table_without_json(tmp_path):
    result = _retrieval(tmp_path)
    assert result.exit_code == 0, result.output
    with pytest.raises(ValueError):
        json.loads(result.stdout)
    assert "recall" in result.stdout.lower()


def test_older_out_file_still_written_with_a_note(tmp_path):
    out = tmp_path / "old.json"
    result = _retrieval(tmp_path, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["sizes"]
    assert "deprecated" in result.stderr and "--out" in result.stderr


def test_older_lora_json_file_spelling_is_read_as_a_file():
    from agentmem.bench.lora import _older_json

    assert _older_json(["--json", "r.json", "--quick"]) == ["--json-file", "r.json", "--quick"]
    assert _older_json(["--json", "-", "--quick"]) == ["--json", "--quick"]
    assert _older_json(["--quick", "--json"]) == ["--quick", "--json"]
