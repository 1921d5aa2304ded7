"""The retrieval tasks of `agentmem bench kv`: a passkey and a multi-key needle, per length.

- ``passkey``: a 5-digit key hidden at depths 10-90% in repetitive filler text (as in
  Landmark Attention / LongBench's passkey); the question asks for it.
- ``multikey``: four "special magic number for <name>" needles (RULER's multi-key needle) at
  spread depths in natural text (the held-out half of Python's own documentation,
  ``pydoc_data``); the question
  asks for one of them, so the other three are distractors of the same shape.
- ``needles2``: one fact in other forms, asked in other words (`agentmem.bench.kv_needles`).

Each case is prefilled once with the full cache while every policy records its statistics;
each policy then compresses a copy to its budget (query-agnostic: before the question) and
answers, compressing again after every decoded token. Recorded per (policy, budget, length):
accuracy, survival of the answer's tokens (on device / in any tier), device KV bytes, and the
error propagation of the question's forward pass against the full cache (per-layer relative
hidden-state error, next-token KL).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence

from agentmem.bench.kv_case import Case
from agentmem.bench.kv_fork import FILLER, INTRO, _Fanout, _fork, _kl
from agentmem.bench.kv_text import perplexity_text
from agentmem.kv.policies import get_policy

NAMES = (
    "amber", "falcon", "harbor", "juniper", "lantern", "meadow", "orchid", "pepper", "quartz",
    "raven", "saffron", "thistle", "velvet", "willow", "cobalt", "ember", "glacier", "hazel",
)  # fmt: skip
TASKS = ("passkey", "multikey", "needles2")


def _count(tokenizer, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def _insert(hay: str, needle: str, depth: float) -> str:
    """``needle`` placed at a sentence boundary about ``depth`` of the way into ``hay``."""
    cut = hay.rfind(". ", 0, int(len(hay) * depth)) + 2 if depth > 0 else 0
    return hay[:cut] + needle + hay[cut:]


def passkey_case(tokenizer, length: int, depth: float, rng: random.Random) -> Case:
    key = str(rng.randint(10000, 99999))
    needle = f" The pass key is {key}. Remember it. {key} is the pass key. "
    question = "\nWhat is the pass key? The pass key is"
    per = _count(tokenizer, FILLER)
    fixed = _count(tokenizer, INTRO + needle + question)
    hay = FILLER * max(1, (length - fixed) // per)
    return Case(INTRO + _insert(hay, needle, depth), question, key)


def multikey_case(
    tokenizer, length: int, depth: float, rng: random.Random, pairs=4, part: str = "heldout"
) -> Case:
    """``pairs`` needles; the asked one sits at about ``depth``, the others spread around it,
    in the ``part`` half of the documentation text (``agentmem.bench.kv_text.perplexity_text``:
    the benchmark judges on held-out text; tuning experiments use ``part="dev"``)."""
    names = rng.sample(NAMES, pairs)
    values = [str(rng.randint(100000, 999999)) for _ in names]
    needles = [
        f" One of the special magic numbers for {n} is: {v}. "
        for n, v in zip(names, values, strict=True)
    ]
    asked = rng.randrange(pairs)
    question = (
        f"\nWhat is the special magic number for {names[asked]} mentioned in the provided text? "
        f"The special magic number for {names[asked]} mentioned in the provided text is"
    )
    fixed = _count(tokenizer, INTRO + "".join(needles) + question)
    text = perplexity_text(part)
    start = rng.randrange(len(text) // 2)
    ids = tokenizer(text[start:], add_special_tokens=False)["input_ids"][: max(1, length - fixed)]
    hay = tokenizer.decode(ids)
    depths = [(depth + i / pairs) % 1.0 * 0.8 + 0.1 for i in range(pairs)]
    for i in sorted(range(pairs), key=lambda i: -depths[i]):  # deepest first keeps cuts valid
        hay = _insert(hay, needles[i], depths[i])
    return Case(INTRO + hay, question, values[asked])


def make_case(task: str, tokenizer, length: int, depth: float, rng: random.Random) -> Case:
    if task == "passkey":
        return passkey_case(tokenizer, length, depth, rng)
    if task == "multikey":
        return multikey_case(tokenizer, length, depth, rng)
    raise ValueError(f"unknown retrieval task {task!r}; choose from {TASKS}")


def trial_cases(
    task: str, tokenizer, lengths: Sequence[int], trials: int, seed: int = 0
) -> Iterator[tuple[int, int, Case]]:
    """``(length, trial, case)`` for every trial of every length: depths spread evenly over
    10-90%, keys, names and text drawn from one generator seeded with ``seed`` (a different
    seed is a different draw of cases at the same depths; seed 0 is the benchmark's usual
    draw). ``needles2`` draws its own cases (`agentmem.bench.kv_needles.trial_cases`)."""
    if task == "needles2":
        from agentmem.bench import kv_needles

        yield from kv_needles.trial_cases(tokenizer, lengths, trials, seed)
        return
    rng = random.Random(seed)
    for length in lengths:
        for t in range(trials):
            depth = 0.1 + 0.8 * (t / max(trials - 1, 1))
            yield length, t, make_case(task, tokenizer, length, depth, rng)


def evaluate_case(llm, case: Case, policies, budgets, make_policy=get_policy, decode=None):
    """``{(policy, budget): {metric: value}}`` for one case (see the module docstring)."""
    if decode is None:
        from agentmem.bench.kv_needles import DECODE

        decode = DECODE if case.normalised else 10
    objs = {name: make_policy(name) for name in policies}
    prefilled = llm.session(_Fanout(objs), 1.0, prefill_chunk=0)
    prefilled.feed(case.context, mark=case.answer)
    question = llm.encode(case.question)
    reference = _fork(llm, prefilled, "full", get_policy("full"), 1.0)
    ref_logits, ref_hidden = reference.probe(question)
    out = {}
    for name in policies:
        for budget in [1.0] if name == "full" else budgets:
            s = _fork(llm, prefilled, name, make_policy(name), budget)
            logits, hidden = s.probe(question)
            answer = "".join(s.decode(decode))
            stats = s.stats()
            errs = [float((h - r).norm() / r.norm().clamp_min(1e-9))
                    for h, r in zip(hidden[1:], ref_hidden[1:], strict=True)]  # fmt: skip
            out[(name, budget)] = {
                "accuracy": float(case.right(answer)),
                "survival_device": stats["survival_device"],
                "survival_any_tier": stats["survival_any_tier"],
                "device_kv_ratio": stats["device_kv_ratio"],
                "kl_next_token": _kl(ref_logits, logits),
                "hidden_rel_error_mean": sum(errs) / len(errs),
                "hidden_rel_error_final": errs[-1],
                **{f"hidden_rel_error_L{i + 1}": e for i, e in enumerate(errs)},
            }
    return out


def retrieval(
    llm, task: str, lengths: Sequence[int], budgets: Sequence[float], policies: Sequence[str],
    trials: int, seed: int = 0, log: Callable[[str], object] = print, make_policy=get_policy,
) -> list[dict]:  # fmt: skip
    """Rows ``{"task", "policy", "budget", "metric": "<metric>@<length>", "value", "n"}``;
    with "full" among the policies, ``kept_of_full@<length>`` is the share of the cases the
    full cache answers that the policy answers too (``n``: the cases full answers)."""
    acc: dict[tuple, list[float]] = defaultdict(list)
    for length, t, case in trial_cases(task, llm.tokenizer, lengths, trials, seed):
        results = evaluate_case(llm, case, policies, budgets, make_policy)
        for (name, budget), metrics in results.items():
            for metric, value in metrics.items():
                acc[(name, budget, f"{metric}@{length}")].append(value)
        for (name, budget), kept in kept_of_full(results).items():
            acc[(name, budget, f"kept_of_full@{length}")].append(kept)
        log(f"{task} {length} trial {t + 1}/{trials} done")
    rows = []
    for (p, b, m), v in sorted(acc.items(), key=lambda kv: str(kv[0])):
        row = {"task": task, "policy": p, "budget": b, "metric": m, "value": sum(v) / len(v),
               "n": len(v)}  # fmt: skip
        if m.startswith(("accuracy@", "kept_of_full@")):
            row["wilson95"] = list(wilson(sum(v), len(v)))
        rows.append(row)
    return rows


def kept_of_full(results: dict) -> dict[tuple[str, float], float]:
    """Of one case's ``evaluate_case`` results: where the full cache answers it, whether each
    other policy answers it too (1.0 or 0.0); nothing where full does not answer."""
    full = results.get(("full", 1.0))
    if full is None or full["accuracy"] != 1.0:
        return {}
    return {key: m["accuracy"] for key, m in results.items() if key[0] != "full"}


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default): small samples of answers
    right or wrong, where the normal approximation gives bounds outside [0, 1]."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
