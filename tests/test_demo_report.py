"""The demo report's parametric section reads as a table of learned facts, not a JSON dump."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from rich.console import Console

from agentmem import Scope
from agentmem.demo_model import lora as _lora
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


def test_bar_plot_labels_never_overlap():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from agentmem.report import _bar_figure, bar_plot

    cases = [
        (["full", "h2o", "str", "cmp"], [1.0, 0.5, 0.7, 0.9]),
        ([f"long-term text: kind number {i} (active)" for i in range(9)], list(range(1, 10))),
    ]
    for labels, values in cases:
        fig = _bar_figure(plt, "a title", labels, values, "count", None)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        ticks = [*ax.get_xticklabels(), *ax.get_yticklabels()]
        boxes = [t.get_window_extent(renderer) for t in ticks if t.get_text() in labels]
        assert len(boxes) == len(labels)
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
        plt.close(fig)
        assert bar_plot("a title", labels, values, "count")
