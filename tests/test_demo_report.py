"""The demo report's parametric section reads as a table of learned facts, not a JSON dump."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from rich.console import Console

from agentmem import Scope
from agentmem.demo import _lora
from agentmem.types import AdapterInfo, MemoryRecord


def test_lora_section_lists_the_learned_facts():
    scope = Scope(user_id="ines")
    facts = [
        MemoryRecord(id="f1", text="The user lives in Lima", scope=scope, kind="fact",
                     attribute="lives_in", value="Lima"),
        MemoryRecord(id="f2", text="The user plays chess", scope=scope, kind="fact",
                     attribute="hobby", value="chess"),
    ]  # fmt: skip
    info = AdapterInfo(
        id="adapter-1",
        scope=scope,
        version=3,
        base_fingerprint="fp",
        fact_ids={"f1": 1},
        path="/nowhere",
        created_at=datetime.now(UTC),
        metrics={"steps": 40, "heldout_recall": 0.875, "history": [{"step": 20}]},
    )
    mem = SimpleNamespace(
        train_adapter=lambda s: info,
        facts=lambda s: facts,
        config=SimpleNamespace(lora=SimpleNamespace(steps=100, eval_every=50)),
    )
    (section,) = _lora(mem, scope, Console(quiet=True))
    assert "json" not in section
    assert section["rows"] == [
        {"fact the adapter learned": "The user lives in Lima", "value": "Lima"}
    ]
    assert "version 3" in section["text"] and "0.88" in section["text"]
