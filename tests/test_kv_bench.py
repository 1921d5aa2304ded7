"""`agentmem bench kv` on the tiny fake model: the JSON shape, every policy, the plot."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("transformers")
pytest.importorskip("matplotlib")


def test_bench_kv_writes_json_and_plot(tmp_path):
    from agentmem.bench import kv
    from agentmem.llm.fakes import tiny_llm

    report = kv.run(
        llm=tiny_llm(), lengths=(160,), budgets=(0.5, 0.25), trials=2, ppl_lengths=(96,),
        out_dir=tmp_path, log=lambda _m: None,
    )  # fmt: skip
    saved = json.loads((tmp_path / "kv.json").read_text())
    assert set(saved) >= {"model", "device", "torch", "results"}
    for row in saved["results"]:
        answers = row["metric"].startswith(("accuracy@", "kept_of_full@"))
        extra = {"wilson95"} if answers else set()
        assert set(row) == {"task", "policy", "budget", "metric", "value", "n"} | extra
        if extra:
            low, high = row["wilson95"]
            assert low <= row["value"] <= high
    tasks = {r["task"] for r in saved["results"]}
    assert tasks == {"passkey", "multikey", "perplexity", "cost", "ttft"}
    assert {r["policy"] for r in saved["results"]} == set(kv.ALL_POLICIES)
    ppl = {r["metric"] for r in saved["results"] if r["task"] == "perplexity"}
    assert ppl == {"ppl@96", "ppl_dev@96"}  # held-out (judged) and dev (tuned) text
    full_kl = [
        r for r in saved["results"] if r["policy"] == "full" and r["metric"] == "kl_next_token@160"
    ]
    assert full_kl and abs(full_kl[0]["value"]) < 1e-4
    assert (tmp_path / "kv.png").stat().st_size > 0
    for measure in ("accuracy", "survival", "error", "perplexity", "memory"):
        assert (tmp_path / f"kv_{measure}.png").stat().st_size > 0
    assert report["results"] == saved["results"]
