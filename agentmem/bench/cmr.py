"""`agentmem bench cmr`: hidden-state reweaving (CMR) against same-budget KV retention.

Every case is prefilled once with the full cache while the retention policies record their
statistics and the weaver records its latents; each condition then gets a copy compressed to
its budget before the question (query-agnostic), and answers greedily:

- ``alone``: the policy at the budget; ``alone+latent``: the policy with its budget raised by
  the latents' bytes; ``cmp``: CMP at the budget (its cold copies lie outside it);
- ``cmr``: the policy plus reweaving, the latents' bytes taken out of the same budget;
- ``cmr_sum``: the same, traces scored by all heads' attention summed over all the
  question's tokens (the first selection; ``cmr`` takes the strongest token per head and
  the most attentive head unless ``kv.reweave.tokens``/``heads`` say);
- ``oracle``: reweaving of exactly the needle's evicted tokens (the upper bound of selection);
- ``filler``: the needle's rows dropped from every layer and head, then the oracle's
  positions rewoven from other tokens' latents (must fail: it measures whether the answer
  comes from the needle's latents; with the policy's kept needle rows left in place, the
  re-run at the needle's positions read the kept digits and answered from them);
- ``ridge``: the oracle's positions with every layer predicted by the ridge maps, no re-run;
- ``full``: the whole cache (a ceiling; KL and hidden error are measured against it).

Per question: correct or not, next-token KL and per-layer relative hidden error against the
full cache at the question's last token, latency (reweaving + question + decode) and decode
ms/token, device KV and latent bytes as shares of the full cache. ``perplexity``: Python's
documentation with the policy applied every ``ppl_chunk`` tokens, with and without the
weaver (no question, so only its reserved bytes can cost). Paired conditions are compared by
exact McNemar tests; accuracies carry 95% Wilson intervals.

Output: ``cmr.json`` (``summary``, ``tests``, ``buckets``, ``records``), a table, ``cmr.png``.
The command line and the resume bookkeeping: `agentmem.bench.cmr_cli`.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from agentmem.bench import cmr_cases, cmr_cli, cmr_stats, plots_common
from agentmem.bench.kv import perplexity_text
from agentmem.bench.kv_fork import _Fanout, _fork, _kl
from agentmem.kv.policies import get_policy

CONDITIONS = ("full", "alone", "alone+latent", "cmp", "cmr", "cmr_sum", "oracle", "filler",
              "ridge")  # fmt: skip
TASKS = ("passkey", "rareword", "locker", "locker2", "perplexity")


def _cases(llm, task: str, lengths, length: int, n: int, seed: int) -> list:
    tok = llm.tokenizer
    if task == "passkey":
        return [c for L in lengths for c in cmr_cases.passkey(tok, L, n, seed)]
    if task == "rareword":
        cases = cmr_cases.rareword(tok, length, n, seed)
        for case in cases:
            case.meta["logprob"] = _logprob(llm, "The secret word is", " " + case.answer)
        return cases
    return cmr_cases.locker(tok, length, n, seed, hops=2 if task == "locker2" else 1)


def _logprob(llm, prefix: str, word: str) -> float:
    """The model's log-probability of ``word`` right after ``prefix`` (no other context)."""
    s = llm.session("full", 1.0, prefill_chunk=0)
    ids = llm.encode(word)
    logits = s.feed_ids(llm.encode(prefix) + ids, return_logits=True)
    logp = torch.log_softmax(logits[-len(ids) - 1 : -1], -1)
    return float(logp.gather(1, torch.tensor(ids)[:, None]).sum())


def _policy(spec: str | dict, name: str | None = None):
    """A fresh policy: ``spec`` (a name, or a dict with its ``name`` and options), or the
    baseline ``name`` with its defaults."""
    return get_policy(spec if name is None else name)


def _name(spec: str | dict) -> str:
    return spec if isinstance(spec, str) else spec["name"]


def _prefill(llm, case, policy: str | dict, reweave: dict, chunk: int, conditions=CONDITIONS):
    objs = {_name(policy): _policy(policy)}
    if "cmp" in conditions and _name(policy) != "cmp":  # CMP's statistics cost time
        objs["cmp"] = _policy(policy, "cmp")
    s = llm.session(_Fanout(objs), 1.0, prefill_chunk=chunk, reweave=reweave)
    _feed(s, case.segments)
    # The ridge maps are fitted (minutes, once per model) or loaded on first use: here, before
    # any question is timed. Left to the first recall, the fit was timed as that question's
    # reweaving (session 13's rare words: 229.5 s in case 0, 2.68x the policy's mean latency
    # over 40 cases; 1.29x without that case).
    s.weaver.prepare()
    return s


def _feed(s, segments: list[tuple[str, bool]]) -> None:
    """The segments fed as one text, tokenised whole as a reader gets it (tokens do not break
    at segment ends), the tokens overlapping a needle segment marked."""
    text = "".join(t for t, _ in segments)
    ranges, at = [], 0
    for t, needle in segments:
        if needle:
            ranges.append((at, at + len(t)))
        at += len(t)
    ids, spans, _ = s.encode_spans(text)
    offsets = s.llm.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    marked = [i for i, (a, b) in enumerate(offsets["offset_mapping"])
              if any(a < hi and b > lo for lo, hi in ranges)]  # fmt: skip
    start = s.tokens_seen
    s.feed_ids(ids, spans)
    s.cache.marked.update(start + i for i in marked)


def _condition_session(llm, pre, condition: str, policy: str | dict, budget: float, bases: dict):
    """A session for ``condition``; the compressed policy (with and without the latents'
    bytes reserved) is built once per budget in ``bases`` and copied (compressing re-reads)."""
    if condition == "full":
        return _fork(llm, pre, "full", _policy(policy, "full"), 1.0)
    if condition == "cmp":
        return _fork(llm, pre, "cmp", _policy(policy, "cmp"), budget)
    name = _name(policy)
    if condition == "alone+latent":
        share = pre.weaver.store.nbytes / (pre.tokens_seen * pre.cache.full_token_bytes())
        return _fork(llm, pre, name, _policy(policy), min(1.0, budget + share))
    if ("alone", budget) not in bases:
        bases[("alone", budget)] = _fork(llm, pre, name, _policy(policy), budget)
    if condition == "alone":
        return _clone(llm, bases[("alone", budget)])
    if ("woven", budget) not in bases:
        s = _clone(llm, bases[("alone", budget)])
        s.weaver = pre.weaver.fork(s.cache)
        s.cache.compress()  # the latents' bytes now count against the budget
        bases[("woven", budget)] = s
    return _clone(llm, bases[("woven", budget)])


def _clone(llm, s):
    """A copy of session ``s``: cache, policy and its statistics, latents (not the model)."""
    rereader, s.cache.rereader = s.cache.rereader, None  # it holds the model
    try:
        cache = copy.deepcopy(s.cache)
    finally:
        s.cache.rereader = rereader
    new = llm.session(cache.policy, cache.budget, prefill_chunk=0)
    cache.rereader, new.cache = new.cache.rereader, cache
    new.weaver = s.weaver.fork(cache) if s.weaver else None
    new._last_logits = s._last_logits
    return new


def _recall(s, condition: str, question: list[int], oracle: list[int], rng) -> int:
    if s.weaver is None:
        return 0
    if condition in ("cmr", "cmr_sum"):
        if condition == "cmr_sum":  # this session's own weaver (a copy)
            s.weaver.options = dataclasses.replace(s.weaver.options, heads="sum", tokens="sum")
        return s.weaver.recall(question)
    if condition == "filler":
        drop(s.cache, oracle)  # the control is about the latents: no needle row stays
        others = [p for p in range(8, s.tokens_seen) if p not in set(oracle)]
        donors = torch.tensor(rng.choices(others, k=len(oracle)))
        store = s.weaver.store
        store.replace(torch.tensor(oracle), store.rows(donors, torch.float32))
    return s.weaver.recall(question, positions=oracle, ridge_only=condition == "ridge")


def drop(cache, positions: Sequence[int]) -> None:
    """Remove the rows of ``positions`` from every layer and KV head of ``cache`` (heads keep
    equal lengths: a head holding fewer of them keeps its best-scored others in their place,
    as the policy would; rows are dropped, never added)."""
    gone = torch.tensor(sorted(positions), dtype=torch.long)
    for st in cache.states:
        hit = torch.isin(st.pos, gone.to(st.pos.device))
        keep_n = st.length - int(hit.sum(dim=1).max())
        scores = cache.policy.score(st).float().nan_to_num(posinf=1e30, neginf=-1e30)
        protected = cache.policy.protected(st, st.length)
        scores = torch.where(protected, torch.full_like(scores, 1e30), scores)
        scores = torch.where(hit, torch.full_like(scores, float("-inf")), scores)
        keep = scores.topk(keep_n, dim=1).indices.sort(dim=1).values
        st.keep(keep)


def _ask(s, condition, question, oracle, ref, rng, max_new_tokens: int) -> dict:
    started = time.perf_counter()
    rewoven = _recall(s, condition, question, oracle, rng)
    survival = s.cache.survival(set(oracle))["device"]
    pin = s.weaver.pinning() if s.weaver else contextlib.nullcontext()
    with pin:
        logits, hidden = s.probe(question)
        reply = "".join(s.decode(max_new_tokens))
    latency = time.perf_counter() - started
    stats = s.stats()
    full = stats["tokens_seen"] * s.cache.full_token_bytes()
    out = {"reply": reply, "_ref": (logits, hidden), "rewoven": rewoven, "survival": survival,
           "latency_s": latency, "reweave_s": stats.get("reweave_s", 0.0),
           "decode_ms_per_token": 1000 * stats["decode_s"] / max(stats["decode_tokens"], 1),
           "device_kv_ratio": stats["device_kv_bytes"] / full,
           "latent_ratio": stats["latent_bytes"] / full}  # fmt: skip
    out["total_ratio"] = out["device_kv_ratio"] + out["latent_ratio"]
    if ref is not None:
        errs = [float((h - r).norm() / r.norm().clamp_min(1e-9))
                for h, r in zip(hidden[1:], ref[1][1:], strict=True)]  # fmt: skip
        out.update(kl=_kl(ref[0], logits), hidden_error=errs,
                   hidden_error_mean=sum(errs) / len(errs))  # fmt: skip
    return out


def run_case(llm, case, index, *, policy, budgets, conditions, reweave, chunk, max_new, seed):
    """Records of every condition and budget on one case."""
    pre = _prefill(llm, case, policy, reweave, chunk, conditions)
    question = llm.encode(case.question)
    oracle = sorted(pre.cache.marked)
    rng = random.Random(seed * 1000 + index)
    ref = None
    records = []
    bases: dict = {}
    for condition in ["full", *[c for c in conditions if c != "full"]]:
        for budget in [1.0] if condition == "full" else budgets:
            s = _condition_session(llm, pre, condition, policy, budget, bases)
            out = _ask(s, condition, question, oracle, ref, rng, max_new)
            probed = out.pop("_ref")
            ref = probed if condition == "full" else ref
            if condition not in conditions:
                continue
            records.append({"task": case.task, "case": index, "case_key": cmr_cli.case_key(case),
                            "condition": condition, "budget": budget, "policy": policy,
                            "seed": seed,
                            "reweave": reweave, "answer": case.answer,
                            "correct": case.correct(out["reply"]), **case.meta, **out})  # fmt: skip
    return records


def perplexity(
    llm, length: int, budgets, policy: str | dict, reweave: dict, chunk: int
) -> list[dict]:
    ids = llm.encode(perplexity_text())[: length + 1]
    rows = []
    for budget in budgets:
        for condition, rw in (("alone", False), ("cmr", reweave)):
            s = llm.session(_policy(policy), budget, prefill_chunk=chunk, reweave=rw)
            logits = s.feed_ids(ids[:-1], return_logits=True)
            nll = torch.nn.functional.cross_entropy(logits, torch.tensor(ids[1:]))
            rows.append({"task": f"perplexity@{length}", "condition": condition,
                         "budget": budget, "ppl": math.exp(float(nll))})  # fmt: skip
    return rows


def run(
    *,
    tasks: Sequence[str] = TASKS,
    lengths: Sequence[int] = (512, 1024, 2048),
    length: int = 1024,
    budgets: Sequence[float] = (0.0625, 0.125, 0.25),
    cases: int = 20,
    policy: str = "str",
    policy_options: dict[str, Any] | None = None,
    conditions: Sequence[str] = CONDITIONS,
    layer: int | None = None,
    recall_tokens: int = 64,
    latent: str | None = None,
    rank: int | None = None,
    ppl_length: int = 1024,
    chunk: int = 256,
    max_new_tokens: int = 8,
    seed: int = 0,
    out_dir: str | Path | None = None,
    partial: str | Path | None = None,
    plot: bool = True,
    threads: int | None = 1,
    llm=None,
    config=None,
    log: Callable[[str], Any] = print,
) -> dict:
    """Run the benchmark; writes ``cmr.json`` (and ``cmr.png``) into ``out_dir`` when given, and
    appends each finished case's records to the JSON-lines file ``partial`` when given."""
    from agentmem.llm.runtime import LocalLLM

    bad = [c for c in conditions if c not in CONDITIONS] + [t for t in tasks if t not in TASKS]
    if bad:
        raise ValueError(f"unknown conditions/tasks {bad}; choose from {CONDITIONS} / {TASKS}")
    if threads:
        torch.set_num_threads(threads)
    # records name the policy as asked: its name alone, or a dict with its options
    spec: str | dict = {"name": policy, **policy_options} if policy_options else policy
    _policy(spec)  # a bad name or option is refused before the model loads
    llm = llm or LocalLLM.load(config)
    reweave: dict[str, Any] = {"layer": layer, "recall_tokens": recall_tokens}
    # set only when asked, so that records of the default int8 format (older) still resume
    reweave.update({k: v for k, v in (("latent", latent), ("rank", rank)) if v is not None})
    started = time.perf_counter()
    records: list[dict] = []
    ppl: list[dict] = []
    earlier = cmr_cli.resumed(partial, spec, seed, reweave)
    for task in tasks:
        if task == "perplexity":
            ppl += perplexity(llm, ppl_length, budgets, spec, reweave, 32)
            log(f"perplexity done ({time.perf_counter() - started:.0f}s)")
            continue
        for i, case in enumerate(_cases(llm, task, lengths, length, cases, seed)):
            kept = [r for r in earlier if r.get("case_key") == cmr_cli.case_key(case)]
            missing = cmr_cli.missing(kept, conditions, budgets)
            records += kept
            if not missing:
                continue
            done = run_case(llm, case, i, policy=spec, budgets=budgets,
                            conditions=missing, reweave=reweave, chunk=chunk,
                            max_new=max_new_tokens, seed=seed)  # fmt: skip
            done = [r for r in done if (r["condition"], r["budget"]) not in cmr_cli.pairs(kept)]
            records += done
            if partial is not None:  # an interrupted run keeps the cases it finished
                cmr_cli.append_records(Path(partial), done)
            log(f"{case.task} case {i + 1} done ({time.perf_counter() - started:.0f}s)")
    summary = cmr_stats.summarise(records)
    report = {
        **plots_common.model_header(llm),
        "config": {
            "tasks": list(tasks),
            "lengths": list(lengths),
            "length": length,
            "budgets": list(budgets),
            "cases": cases,
            "policy": spec,
            "conditions": list(conditions),
            "reweave": reweave,
            "ppl_length": ppl_length,
            "threads": threads,
            "seed": seed,
            "seconds": round(time.perf_counter() - started, 1),
        },  # fmt: skip
        "summary": summary,
        "tests": cmr_stats.paired_tests(records),
        "buckets": cmr_stats.buckets(records),
        "perplexity": ppl,
        "records": records,
    }
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "cmr.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        if plot and summary:
            report["plot"] = str(cmr_stats.plot(summary, out / "cmr.png"))
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """``agentmem bench cmr``: the command line (`agentmem.bench.cmr_cli`) over this module."""
    return cmr_cli.main(sys.modules[__name__], argv)


if __name__ == "__main__":
    raise SystemExit(main())
