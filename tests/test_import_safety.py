"""Import is checked whole, then written in one transaction into the scope the caller names:
a bad row after good ones, a row of another user, an id given twice or held by another user
leave nothing imported, with an error naming the line and the fix. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json

import pytest
from typer.testing import CliRunner

from agentmem import Memory, ValidationError
from agentmem.cli import app
from agentmem.long_term.export import export_jsonl, import_jsonl


@pytest.fixture(scope="module")
def lines(tmp_path_factory):
    """An export of two users: header, then one JSON row per line."""
    with Memory(home=tmp_path_factory.mktemp("src"), embedding={"model": "hash"}) as src:
        for text in ("Tomas keeps bees on the roof", "the hives face south", "honey in June"):
            src.add(text, "tomas", {"topic": "bees"})
        src.observe("user", "The queen was replaced last spring", "tomas")
        src.add("Wren plays the cello", "wren")
        buffer = io.StringIO()
        export_jsonl(src, buffer)
    return buffer.getvalue().splitlines()


@pytest.fixture(params=["sqlite", "postgresql"])
def dst(request, tmp_path):
    config = {"home": tmp_path / "dst", "embedding": {"model": "hash"}}
    if request.param == "postgresql":
        config["database_url"] = request.getfixturevalue("pg_url")
    with Memory(**config) as m:
        yield m


def _of(lines: list[str], user: str) -> list[str]:
    return [lines[0]] + [x for x in lines[1:] if json.loads(x)["row"]["user_id"] == user]


def _edited(lines: list[str], index: int, **changes) -> list[str]:
    item = json.loads(lines[index])
    item["row"].update(changes)
    return [*lines[:index], json.dumps(item), *lines[index + 1 :]]


def _memory_line(lines: list[str], nth: int) -> int:
    return [i for i, x in enumerate(lines) if json.loads(x).get("table") == "memories"][nth]


def _nothing_imported(mem: Memory) -> None:
    for user in ("tomas", "wren"):
        for table in ("memories", "episodes", "memory_events"):
            assert mem.sql(f"SELECT count(*) AS n FROM {table}", user)[0]["n"] == 0, table


def _import(mem, lines, scope=None):
    return import_jsonl(mem, io.StringIO("\n".join(lines) + "\n"), scope)


@pytest.mark.parametrize(
    "change, needle",
    [
        ({"text": "stolen\x00byte"}, "NUL"),
        ({"text": "z" * 200_001}, "max_text_chars"),
        ({"kind": "admin"}, "kind"),
        ({"status": "root"}, "status"),
        ({"meta": {"k": "\udfff"}}, "UTF-8"),
        ({"meta": {"score": float("nan")}}, "NaN"),
        ({"user_id": "tom\x00as"}, "NUL"),
        ({"created_at": "0001-01-01T00:00:00+14:00"}, "range"),
    ],
)
def test_a_bad_row_after_good_ones_leaves_nothing(dst, lines, change, needle):
    mine = _of(lines, "tomas")
    bad = _edited(mine, _memory_line(mine, 2), **change)  # two good memories come first
    with pytest.raises(ValidationError, match=needle) as caught:
        _import(dst, bad, "tomas")
    assert "line" in str(caught.value)
    _nothing_imported(dst)


def test_rows_of_another_user_are_refused(dst, lines):
    with pytest.raises(ValidationError, match="belongs to user 'wren'"):
        _import(dst, lines, "tomas")
    _nothing_imported(dst)
    report = _import(dst, _of(lines, "tomas"), "tomas")
    assert report.added["memories"] == 4  # three notes and the observed turn's episode row
    assert dst.sql("SELECT count(*) AS n FROM memories", "wren")[0]["n"] == 0
    assert [h.record.text for h in dst.search("bees roof", "tomas", top_k=1)] == [
        "Tomas keeps bees on the roof"
    ]


def test_a_repeated_id_is_refused_with_its_lines(dst, lines):
    mine = _of(lines, "tomas")
    first = json.loads(mine[_memory_line(mine, 0)])["row"]["id"]
    repeated = _edited(mine, _memory_line(mine, 1), id=first)
    with pytest.raises(ValidationError, match="appears again"):
        _import(dst, repeated, "tomas")
    _nothing_imported(dst)


def test_an_id_held_by_another_user_is_refused(dst, lines):
    wren = _of(lines, "wren")
    _import(dst, wren, "wren")
    taken = json.loads(wren[_memory_line(wren, 0)])["row"]["id"]
    mine = _of(lines, "tomas")
    clash = _edited(mine, _memory_line(mine, 2), id=taken)
    with pytest.raises(ValidationError, match="another user"):
        _import(dst, clash, "tomas")
    for table in ("memories", "episodes"):
        assert dst.sql(f"SELECT count(*) AS n FROM {table}", "tomas")[0]["n"] == 0
    again = _import(dst, wren, "wren")
    assert sum(again.added.values()) == 0  # the same user's rows: skipped, not refused


def test_cli_import_names_its_user(tmp_path, lines):
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    home = ["--home", str(tmp_path / "h")]
    unnamed = runner.invoke(app, [*home, "import", str(path)])
    assert unnamed.exit_code == 2 and "--user" in unnamed.output
    wrong = runner.invoke(app, [*home, "import", str(path), "-u", "wren"])
    assert wrong.exit_code == 1 and "belongs to user 'tomas'" in wrong.output
    mine = tmp_path / "tomas.jsonl"
    mine.write_text("\n".join(_of(lines, "tomas")) + "\n")
    right = runner.invoke(app, [*home, "import", str(mine), "--user", "tomas", "--json"])
    assert right.exit_code == 0, right.output
    assert json.loads(right.stdout)["added"]["memories"] == 4  # with the episode row
