"""The ``needles2`` task of `agentmem bench kv`: cases per seed, their form, and the scoring."""

from __future__ import annotations

import random

import pytest

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny():
    from agentmem.llm.fakes import tiny_llm

    return tiny_llm(seed=4)


def _draw(tokenizer, seed, lengths=(400, 700), trials=6):
    from agentmem.bench.kv_needles import trial_cases

    return [(n, t, c.context, c.question, c.answer)
            for n, t, c in trial_cases(tokenizer, lengths, trials, seed)]  # fmt: skip


def test_one_seed_draws_the_same_cases_and_another_seed_others(tiny):
    tok = tiny.tokenizer
    first, again, other = _draw(tok, 0), _draw(tok, 0), _draw(tok, 1)
    assert first == again
    assert [row[:2] for row in other] == [row[:2] for row in first]
    assert sum(a[2] != b[2] for a, b in zip(first, other, strict=True)) == len(first)


def test_cases_are_well_formed(tiny):
    from agentmem.bench.kv_case import normalise
    from agentmem.bench.kv_needles import FORMS, KINDS, trial_cases

    seen, depths = set(), []
    for length, t, case in trial_cases(tiny.tokenizer, (600, 1200), 18, seed=3):
        assert case.normalised
        assert case.context.count(case.answer) == 1, (t, case.answer)  # one needle, whole
        assert normalise(case.answer) not in normalise(case.question)  # asked, not told
        assert case.question.startswith("\n\nQuestion: ") and case.question.endswith("<assistant>")
        n = len(tiny.tokenizer(case.context + case.question)["input_ids"])
        assert 0.85 * length <= n <= 1.15 * length, (length, n)
        head = case.context.split("\n", 1)[0]  # the user turn's first line names the kind
        seen.add((FORMS[t % 6], head))
        if length == 1200:
            depths.append(case.context.index(case.answer) / len(case.context))
    assert len(seen) == len(FORMS) * len(KINDS)  # every form in every kind of haystack
    assert min(depths) < 0.25 and max(depths) > 0.75  # spread over the context


@pytest.mark.parametrize("form", ["code", "name", "date", "word", "phrase", "count"])
def test_each_form_asks_in_other_words(form):
    from agentmem.bench.kv_needles import _needle

    rng = random.Random(5)
    for _ in range(8):
        needle, question, gold = _needle(form, rng)
        assert gold in needle
        assert question.endswith("?")
        needle_words = set(needle.lower().replace(".", " ").split())
        question_words = set(question.lower().rstrip("?").split())
        assert question_words - needle_words  # the question has words the needle lacks


def test_an_unknown_form_or_kind_is_refused(tiny):
    from agentmem.bench.kv_needles import _needle, needle_case

    with pytest.raises(ValueError, match="unknown needle form"):
        _needle("riddle", random.Random(0))
    with pytest.raises(ValueError, match="unknown haystack kind"):
        needle_case(tiny.tokenizer, 300, "code", "poem", 0.5, random.Random(0))


@pytest.mark.parametrize(
    ("gold", "reply", "right"),
    [
        ("4471", " The combination is 4471.", True),
        ("4471", " 4,471", True),
        ("4471", " 4 4 7 1", True),
        ("4471", " 4417", False),
        ("Odalys", " odalys, the courier", True),
        ("14 March 1987", " On 14 March, 1987.", True),
        ("14 March 1987", " March 14, 1987", False),
        ("salt before silver", ' "Salt before silver!"', True),
        ("salt before silver", " salt and silver", False),
        ("quince", " The QUINCE", True),
    ],
)
def test_answers_are_scored_by_normalised_containment(gold, reply, right):
    from agentmem.bench.kv_case import Case, answered

    assert answered(gold, reply) is right
    assert Case("", "", gold, normalised=True).right(reply) is right


def test_the_older_tasks_keep_exact_containment():
    from agentmem.bench.kv_case import Case

    assert Case("", "", "4471").right(" 4471.")
    assert not Case("", "", "4471").right(" 4 4 7 1")


def test_bench_kv_runs_needles2(tiny):
    from agentmem.bench import kv

    report = kv.run(
        llm=tiny, tasks=("needles2",), lengths=(300,), budgets=(0.25,), policies=("full", "cmp"),
        trials=2, seed=1, plot=False, threads=None, log=lambda m: None,
    )  # fmt: skip
    rows = {(r["policy"], r["metric"]): r for r in report["results"]}
    assert rows[("full", "accuracy@300")]["n"] == 2
    assert rows[("cmp", "accuracy@300")]["task"] == "needles2"
    assert "wilson95" in rows[("cmp", "accuracy@300")]
