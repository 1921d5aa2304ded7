"""JSONL export/import: lossless (records, versions, history, episodes, conflicts, as_of
reads), idempotent, scoped, and strict about malformed input."""

from __future__ import annotations

import io
import json

import pytest

from agentmem import Memory, Scope
from agentmem.errors import ValidationError
from agentmem.long_term.export import export_jsonl, import_jsonl


def _table(mem: Memory, user: str, name: str) -> list[dict]:
    rows = mem.sql(f"SELECT * FROM {name}", user)
    return sorted(
        ({k: v for k, v in r.items() if k not in ("pk", "index_dirty")} for r in rows),
        key=lambda r: r["id"],
    )


def test_round_trip_is_lossless_and_import_idempotent(tmp_path, alice, bob):
    with Memory(
        home=tmp_path / "a",
        embedding={"model": "hash"},
        conflicts={"policies": {"works_at": "manual"}},
    ) as src:
        berlin = src.add("I live in Berlin", alice)
        src.add("I moved to Paris", alice)
        src.add("I work at Acme", alice)
        src.add("I work at Globex", alice)  # manual policy: an open conflict
        note = src.add("Remember the milk", alice, {"tags": ["shopping"]})
        src.update(note.id, "Remember the oat milk", alice)
        src.delete(note.id, alice)
        src.observe("user", "Hello, it is raining", Scope("alice", session_id="s1"))
        src.add("Bob likes tea", bob)
        buffer = io.StringIO()
        n = export_jsonl(src, buffer)
        tables = {
            t: _table(src, "alice", t)
            for t in ("memories", "memory_events", "episodes", "conflicts")
        }
        history = [e.to_dict() for e in src.history(berlin.id, alice)]
        past = [h.record.id for h in src.search("live", alice, as_of=berlin.created_at)]
    assert n > 10
    with Memory(home=tmp_path / "b", embedding={"model": "hash"}) as dst:
        report = import_jsonl(dst, io.StringIO(buffer.getvalue()))
        assert sum(report.added.values()) == n and report.indexed > 0
        for name, rows in tables.items():
            assert _table(dst, "alice", name) == rows, name
        assert [e.to_dict() for e in dst.history(berlin.id, alice)] == history
        assert [h.record.id for h in dst.search("live", alice, as_of=berlin.created_at)] == past
        assert len(dst.conflicts(alice)) == 1
        assert dst.get(note.id, alice).status == "deleted"
        assert [h.record.text for h in dst.search("tea", bob)] == ["Bob likes tea"]
        again = import_jsonl(dst, io.StringIO(buffer.getvalue()))
        assert sum(again.added.values()) == 0 and sum(again.skipped.values()) == n
        assert _table(dst, "alice", "memories") == tables["memories"]


def test_export_of_one_user_holds_nothing_of_another(mem, alice, bob):
    mem.add("alice's diary", alice)
    mem.add("bob's diary", bob)
    buffer = io.StringIO()
    export_jsonl(mem, buffer, scope=alice)
    assert "bob" not in buffer.getvalue()
    rows = [json.loads(line) for line in buffer.getvalue().splitlines()[1:]]
    assert rows and all(r["row"]["user_id"] == "alice" for r in rows)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "not an agentmem export"),
        ('{"hello": 1}\n', "not an agentmem export"),
        ('{"agentmem_export": 1}\nnot json\n', "line 2"),
        ('{"agentmem_export": 1}\n{"table": "users", "row": {"id": "x"}}\n', "line 2"),
        (
            '{"agentmem_export": 1}\n{"table": "memories", "row": {"id": "x", "colour": 1}}\n',
            "colour",
        ),
    ],
)
def test_malformed_imports_are_refused(mem, text, message):
    with pytest.raises(ValidationError, match=message):
        import_jsonl(mem, io.StringIO(text))
