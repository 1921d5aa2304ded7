"""The retrieval tasks and the speed task of `agentmem bench kv`, on the tiny fake model."""

from __future__ import annotations

import random
import time

import pytest

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny():
    from agentmem.llm.fakes import tiny_llm

    return tiny_llm(seed=4)


@pytest.mark.parametrize("length", [1000, 2500])
def test_multikey_case_holds_four_needles_and_asks_one(tiny, length):
    from agentmem.bench.kv_tasks import multikey_case

    rng = random.Random(21)
    for depth in (0.1, 0.5, 0.9):
        case = multikey_case(tiny.tokenizer, length, depth, rng)
        assert case.context.count("special magic numbers for") == 4
        assert case.context.count(case.answer) == 1
        asked = case.question.split(" for ")[1].split(" ")[0]
        assert f"for {asked} is: {case.answer}." in case.context
        n = len(tiny.tokenizer(case.context + case.question)["input_ids"])
        assert 0.9 * length <= n <= 1.1 * length


def test_passkey_case_places_the_key_at_the_depth(tiny):
    from agentmem.bench.kv_tasks import passkey_case

    rng = random.Random(8)
    shallow = passkey_case(tiny.tokenizer, 600, 0.2, rng)
    deep = passkey_case(tiny.tokenizer, 600, 0.8, rng)
    assert shallow.context.index(shallow.answer) < len(shallow.context) * 0.4
    assert deep.context.index(deep.answer) > len(deep.context) * 0.6


@pytest.mark.parametrize("task", ["passkey", "multikey"])
def test_one_seed_draws_the_same_trials_and_another_seed_others(tiny, task):
    from agentmem.bench.kv_tasks import trial_cases

    def draw(seed):
        return [(n, t, c.context, c.answer)
                for n, t, c in trial_cases(task, tiny.tokenizer, (300, 500), 3, seed)]  # fmt: skip

    first, again, other = draw(0), draw(0), draw(1)
    assert first == again
    assert [row[:2] for row in other] == [row[:2] for row in first]  # same lengths and trials
    assert all(a[3] != b[3] for a, b in zip(first, other, strict=True))  # other needles


def test_bench_seed_reaches_the_passkey_and_multikey_trials(tiny):
    from agentmem.bench import kv

    def figures(seed):
        report = kv.run(
            llm=tiny, tasks=("passkey", "multikey"), lengths=(160,), trials=1, seed=seed,
            policies=("full", "str"), budgets=(0.25,), plot=False, log=lambda _m: None,
        )  # fmt: skip
        assert report["config"]["seed"] == seed
        return {(r["task"], r["policy"], r["metric"]): r["value"] for r in report["results"]}

    first, again, other = figures(0), figures(0), figures(5)
    assert first == again
    for key in (("passkey", "str", "hidden_rel_error_mean@160"),
                ("multikey", "str", "kl_next_token@160")):  # fmt: skip
        assert other[key] != first[key]


def test_speed_task_reports_ratios_against_the_full_cache(tiny, tmp_path):
    from agentmem.bench import kv

    logged = []
    report = kv.run(
        llm=tiny, tasks=("speed",), speed_lengths=(120, 240), decode_tokens=3,
        out_dir=tmp_path, log=logged.append,
    )  # fmt: skip
    rows = {(r["policy"], r["metric"]): r["value"] for r in report["results"]}
    for length in (120, 240):
        for ratio in ("decode", "prefill", "cpu_decode", "cpu_prefill"):
            assert rows[("full", f"{ratio}_ratio_vs_full@{length}")] == 1.0
        for policy in ("cmp", "str"):
            assert rows[(policy, f"prefill_s@{length}")] > 0
            assert rows[(policy, f"cpu_prefill_s@{length}")] > 0
            assert rows[(policy, f"cpu_decode_ms_per_token@{length}")] > 0
            cpu = rows[(policy, f"cpu_decode_ms_per_token@{length}")]
            full = rows[("full", f"cpu_decode_ms_per_token@{length}")]
            assert rows[(policy, f"cpu_decode_ratio_vs_full@{length}")] == pytest.approx(cpu / full)
            assert rows[(policy, f"decode_ratio_vs_full@{length}")] > 0
            assert rows[(policy, f"device_kv_ratio@{length}")] < 0.5
    table = logged[-1].splitlines()
    assert len(table) == 1 + 2 * 3 and table[1].split()[:2] == ["120", "cmp"]
    assert (tmp_path / "kv_speed.png").stat().st_size > 0


def test_speed_configurations_take_turns_first():
    from agentmem.bench.kv_speed import _rotations

    orders = list(_rotations(["full", "cmp", "str"], 4))
    assert [o[0] for o in orders] == ["full", "cmp", "str", "full"]
    assert all(sorted(o) == ["cmp", "full", "str"] for o in orders)


def test_cpu_time_counts_work_not_waiting():
    from agentmem.bench.kv_speed import _timed

    wall, cpu = _timed("cpu", lambda: time.sleep(0.05))
    assert wall >= 0.05 and cpu < wall / 2
    busy_wall, busy_cpu = _timed("cpu", lambda: sum(i * i for i in range(200_000)))
    assert busy_cpu > 0


def test_dev_and_heldout_texts_split_the_documentation_without_overlap():
    import pydoc_data.topics as topics

    from agentmem.bench.kv import perplexity_text

    dev, heldout = perplexity_text("dev"), perplexity_text("heldout")
    # a topic whose text sits inside another's is found in both halves by containment alone
    own = [t for t in topics.topics.values()
           if sum(t in other for other in topics.topics.values()) == 1]  # fmt: skip
    assert len(own) > len(topics.topics) // 2
    assert all((t in dev) != (t in heldout) for t in own)
    assert abs(len(dev) - len(heldout)) < 0.5 * len(perplexity_text())
    with pytest.raises(ValueError, match="unknown text part 'test'"):
        perplexity_text("test")
