"""`agentmem bench cmr` on a tiny random Llama: conditions, resuming, cases, controls."""

from __future__ import annotations

import json

import pytest
import torch

from agentmem.config import MemoryConfig
from agentmem.errors import ConfigError
from agentmem.llm.fakes import tiny_llm

transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    config = MemoryConfig.create(home=tmp_path_factory.mktemp("home"))
    return tiny_llm(seed=3, config=config, num_hidden_layers=4)


def test_bench_cmr_reports_every_condition_on_paired_cases(tiny, tmp_path):
    from agentmem.bench import cmr

    report = cmr.run(
        tasks=("passkey", "perplexity"), lengths=(120,), budgets=(0.25,), cases=2,
        ppl_length=64, layer=2, llm=tiny, out_dir=tmp_path, threads=0, log=lambda _: 0,
        partial=tmp_path / "partial.jsonl",
    )  # fmt: skip
    kept = (tmp_path / "partial.jsonl").read_text().splitlines()
    assert len(kept) == len(report["records"]) > 0
    rows = {(r["task"], r["condition"]): r for r in report["summary"]}
    assert {c for _, c in rows} == set(cmr.CONDITIONS)
    woven, alone = rows[("passkey@120", "cmr")], rows[("passkey@120", "alone")]
    assert woven["n"] == alone["n"] == 2 and woven["rewoven"] > 0
    assert (
        woven["total_ratio"] <= 0.25 + 0.02 < rows[("passkey@120", "alone+latent")]["total_ratio"]
    )
    assert all(0 <= t["p_mcnemar"] <= 1 for t in report["tests"])
    assert {p["condition"] for p in report["perplexity"]} == {"alone", "cmr"}
    assert (tmp_path / "cmr.json").exists() and (tmp_path / "cmr.png").exists()


def test_bench_cmr_resumes_from_its_partial_file_asking_only_what_is_missing(tiny, tmp_path):
    from agentmem.bench import cmr

    partial = tmp_path / "partial.jsonl"
    common = dict(tasks=("passkey",), lengths=(100,), cases=2, layer=2, llm=tiny, threads=0,
                  log=lambda _: 0, partial=partial, budgets=(0.25,))  # fmt: skip
    first = cmr.run(conditions=("full", "alone"), **common)
    lines = partial.read_text().splitlines()
    second = cmr.run(conditions=("full", "alone", "oracle"), **common)
    added = partial.read_text().splitlines()[len(lines) :]
    assert len(lines) == 4 and len(added) == 2  # two cases: full + alone, then oracle only
    assert {json.loads(line)["condition"] for line in added} == {"oracle"}
    old = {(r["case"], r["condition"]): r["reply"] for r in first["records"]}
    assert {(r["case"], r["condition"]): r["reply"] for r in second["records"]
            if r["condition"] != "oracle"} == old  # fmt: skip
    other_seed = cmr.run(conditions=("full",), seed=9, **common)  # not the same run's records
    assert len(partial.read_text().splitlines()) == 6 + 2 and len(other_seed["records"]) == 2


def test_bench_cmr_resumes_by_case_not_by_index(tiny, tmp_path):
    """Asking for more cases moves the others' depths: only the case that stayed the same
    (the first) is taken from the partial file; the others are asked."""
    from agentmem.bench import cmr

    partial = tmp_path / "partial.jsonl"
    common = dict(tasks=("passkey",), lengths=(100,), layer=2, llm=tiny, threads=0,
                  log=lambda _: 0, partial=partial, budgets=(0.25,),
                  conditions=("full",))  # fmt: skip
    first = cmr.run(cases=2, **common)
    second = cmr.run(cases=3, **common)
    assert len(partial.read_text().splitlines()) == 2 + 2
    keys = [r["case_key"] for r in second["records"]]
    assert len(set(keys)) == 3 and keys[0] == first["records"][0]["case_key"]
    assert first["records"][1]["case_key"] not in keys


def test_bench_cmr_policy_options_reach_the_policy_and_its_records(tiny, tmp_path):
    from agentmem.bench import cmr, cmr_cli

    partial = tmp_path / "partial.jsonl"
    common = dict(tasks=("passkey",), lengths=(100,), cases=1, layer=2, llm=tiny, threads=0,
                  log=lambda _: 0, partial=partial, budgets=(0.25,),
                  conditions=("alone",))  # fmt: skip
    held = cmr.run(policy_options={"hold_pending": 0}, **common)
    assert {str(r["policy"]) for r in held["records"]} == {str({"name": "str", "hold_pending": 0})}
    plain = cmr.run(**common)  # other options: not the same run's records, asked again
    assert {r["policy"] for r in plain["records"]} == {"str"}
    assert len(partial.read_text().splitlines()) == 2
    with pytest.raises(ConfigError, match="hold_pendng"):
        cmr.run(policy_options={"hold_pendng": 0}, **common)
    assert cmr_cli._options(None, ["hold_pending=0", "name=x"]) == {"hold_pending": 0, "name": "x"}


def test_bench_cmr_passkeys_are_bench_kvs_with_the_keys_sentences_marked(tiny):
    import random

    from agentmem.bench import cmr_cases, kv_tasks

    cases = cmr_cases.passkey(tiny.tokenizer, 1000, 3, seed=5)
    rng = random.Random(5)
    for i, case in enumerate(cases):
        same = kv_tasks.passkey_case(tiny.tokenizer, 1000, 0.1 + 0.4 * i, rng)
        assert "".join(t for t, _ in case.segments) == same.context
        marked = [t for t, needle in case.segments if needle]
        assert len(marked) == 1 and marked[0].count(case.answer) == 2
        assert marked[0].lstrip().startswith("The") and marked[0].endswith(".")


def test_filler_control_keeps_no_needle_row_the_policy_held(tiny):
    """The filler control rebuilds the needle only from other tokens' latents: rows the policy
    kept at the needle's positions are dropped first, in every layer and head."""
    import random

    from agentmem.bench import cmr

    s = tiny.session("str", 0.3, prefill_chunk=32, reweave={"layer": 2})
    s.feed("Cold tea waits on the sill. " * 7)
    s.feed("Vault 88 hides 6024.", mark=True)
    s.feed("A dog barks twice at noon. " * 7)
    needle = sorted(s.cache.marked)
    held = {}  # (layer, head, position): the key row the policy kept
    for st in s.cache.states:
        for h in range(st.pos.shape[0]):
            for i in torch.isin(st.pos[h], torch.tensor(needle)).nonzero().flatten().tolist():
                held[st.index, h, int(st.pos[h, i])] = st.keys[0, h, i].clone()
    assert held and s.cache.survival()["device"] < 1.0  # the policy keeps part of the needle
    cmr._recall(s, "filler", [9, 9], needle, random.Random(0))
    assert s.cache.survival()["device"] == 1.0  # every needle slot rebuilt from donors
    for st in s.cache.states:
        for h in range(st.pos.shape[0]):
            for i, p in enumerate(st.pos[h].tolist()):
                if (st.index, h, p) in held:
                    assert not torch.equal(st.keys[0, h, i], held[st.index, h, p]), (st.index, h)
    lengths = {st.length for st in s.cache.states}
    assert len(lengths) == 1


def test_bench_cmr_prefill_readies_the_ridge_maps_before_any_question_is_timed(tiny):
    """A fit (minutes, once per model) left to the first recall was timed as that question's
    reweaving; the prefill fits or loads the maps, and every condition's copy shares them."""
    from agentmem.bench import cmr, cmr_cases

    case = cmr_cases.passkey(tiny.tokenizer, 100, 1, 0)[0]
    pre = cmr._prefill(tiny, case, "str", {"layer": 2}, 32, ("alone", "cmr"))
    assert pre.weaver._maps is not None
    s = cmr._condition_session(tiny, pre, "cmr", "str", 0.25, {})
    assert s.weaver._maps is pre.weaver._maps


def test_bench_cmr_latency_median_and_paired_ratio_resist_one_stalled_case():
    from agentmem.bench import cmr_stats

    seconds = {"alone": [2.0, 4.0, 3.0], "cmr": [3.0, 5.0, 300.0]}  # case 2: a stall
    records = [{"task": "t", "budget": 0.1, "case": i, "condition": c, "correct": True,
                "latency_s": v} for c, vs in seconds.items() for i, v in enumerate(vs)]  # fmt: skip
    rows = {r["condition"]: r for r in cmr_stats.summarise(records)}
    assert rows["cmr"]["latency_s"] == 308 / 3 and rows["cmr"]["latency_s_median"] == 5.0
    (test,) = [t for t in cmr_stats.paired_tests(records) if (t["a"], t["b"]) == ("cmr", "alone")]
    assert test["latency_ratio_median"] == 1.5  # of 1.5, 1.25 and 100
