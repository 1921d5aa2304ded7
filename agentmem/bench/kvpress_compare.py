"""agentmem's Knorm, Expected Attention and KVzip next to NVIDIA kvpress's, on the same trials.

kvpress is never a dependency of agentmem: it runs in its own virtualenv (kvpress 0.5.5 needs
transformers < 5.3), found at ``$AGENTMEM_KVPRESS_VENV`` or ``/tmp/kvpress-venv``, through
`agentmem.bench._kvpress_child`. Without it the comparison is skipped with a message. To make
one that reuses this environment's torch instead of downloading another::

    python3.11 -m venv /tmp/kvpress-venv
    /tmp/kvpress-venv/bin/pip install --no-deps kvpress==0.5.5
    /tmp/kvpress-venv/bin/pip install "transformers>=4.56,<5.3" "accelerate<2" datasets \
        "cachetools<6" "fire<0.7" pandas requests filelock fsspec jinja2 networkx sympy psutil
    # expose this environment's torch (and torchgen) to it through a .pth file

Trials are `bench kv`'s passkey cases (same lengths, depths and seed). Both sides get the same
token ids, compress the context before the question (query-agnostic), then answer greedily.
Reported per policy and budget: accuracy of each, the share of answers that are equal, and
the share of kvpress's kept (layer, head, position) entries that agentmem also keeps.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import torch

from agentmem.bench import kv

POLICIES = ("knorm", "expected_attention", "kvzip")
DEFAULT_VENV = "/tmp/kvpress-venv"


def venv_python() -> tuple[Path | None, str]:
    """The kvpress virtualenv's python, or None and why not."""
    root = Path(os.environ.get("AGENTMEM_KVPRESS_VENV", DEFAULT_VENV))
    python = root / "bin" / "python"
    if not python.is_file():
        return None, f"no kvpress virtualenv at {root} (set AGENTMEM_KVPRESS_VENV; see --help)"
    probe = subprocess.run([str(python), "-c", "import kvpress"], capture_output=True, text=True)
    if probe.returncode != 0:
        tail = probe.stderr.strip().splitlines()[-1:] or ["?"]
        return None, f"kvpress does not import in {root}: {tail[0]}"
    return python, ""


def _trials(llm, length: int, trials: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    for t in range(trials):
        depth = 0.1 + 0.8 * (t / max(trials - 1, 1))
        key, context = kv._passkey_case(llm.tokenizer, length, depth, rng)
        cases.append({"key": key, "context": context, "context_ids": llm.encode(context),
                      "question_ids": llm.encode(kv.QUESTION)})  # fmt: skip
    return cases


def _ours(llm, trial: dict, name: str, budget: float, new_tokens: int) -> dict:
    session = llm.session(name, budget, prefill_chunk=0)
    session.feed(trial["context"], mark=trial["key"])
    kept = [st.pos.tolist() for st in session.cache.states]
    survival = session.stats()["survival_device"]
    session.feed_ids(trial["question_ids"])
    answer = "".join(session.decode(new_tokens))
    return {"kept": kept, "answer": answer, "survival": survival}


def _overlap(ours: list, theirs: list) -> float:
    """Share of kvpress's kept (layer, head, position) entries that agentmem keeps too."""
    hit = total = 0
    for layer_ours, layer_theirs in zip(ours, theirs, strict=True):
        for head_ours, head_theirs in zip(layer_ours, layer_theirs, strict=True):
            hit += len(set(head_ours) & set(head_theirs))
            total += len(head_theirs)
    return hit / max(total, 1)


def compare(
    llm,
    *,
    length=1024,
    budgets=(0.5, 0.25, 0.125),
    trials=3,
    seed=0,
    policies: Sequence[str] = POLICIES,
    new_tokens=8,
    threads=1,
    out_dir: str | Path | None = None,
    log=print,
) -> dict:
    """Both sides on the same trials; ``{"skipped": reason}`` without a kvpress virtualenv."""
    python, why = venv_python()
    if python is None:
        log(f"kvpress comparison skipped: {why}")
        return {"skipped": why}
    torch.set_num_threads(threads)
    cases = _trials(llm, length, trials, seed)
    spec = {
        "model_dir": str(llm.source),
        "threads": threads,
        "max_new_tokens": new_tokens,
        "presses": list(policies),
        "ratios": [round(1 - b, 6) for b in budgets],
        "trials": [{k: c[k] for k in ("context_ids", "question_ids")} for c in cases],
    }
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
        child = Path(__file__).with_name("_kvpress_child.py")
        done = subprocess.run([str(python), str(child), f"{tmp}/spec.json", f"{tmp}/out.json"],
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"kvpress run failed: {done.stderr.strip()[-2000:]}")
        theirs = json.loads((Path(tmp) / "out.json").read_text(encoding="utf-8"))
    if out_dir is not None:  # kvpress's side is the slow one: keep it whatever happens next
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        (Path(out_dir) / "kvpress.json").write_text(json.dumps(theirs), encoding="utf-8")
    acc: dict[tuple, list[float]] = defaultdict(list)
    for row in theirs["results"]:
        case = cases[row["trial"]]
        budget = round(1 - row["ratio"], 6)
        ours = _ours(llm, case, row["press"], budget, new_tokens)
        key = (row["press"], budget)
        acc[key + ("accuracy_agentmem",)].append(float(case["key"] in ours["answer"]))
        acc[key + ("accuracy_kvpress",)].append(float(case["key"] in row["answer"]))
        acc[key + ("same_answer",)].append(float(ours["answer"].strip() == row["answer"].strip()))
        acc[key + ("kept_overlap",)].append(_overlap(ours["kept"], row["kept"]))
        acc[key + ("survival_agentmem",)].append(ours["survival"])
        log(f"{row['press']} {budget} trial {row['trial']} done")
    rows = [{"policy": p, "budget": b, "metric": m, "value": sum(v) / len(v), "n": len(v)}
            for (p, b, m), v in sorted(acc.items())]  # fmt: skip
    report = {"kvpress": theirs["kvpress"], "kvpress_transformers": theirs["transformers"],
              "length": length, "trials": trials, "seed": seed, "results": rows}  # fmt: skip
    if out_dir is not None:
        (Path(out_dir) / "compare.json").write_text(json.dumps(report, indent=2), "utf-8")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agentmem.bench.kvpress_compare",
                                     description=__doc__.split("\n")[0])  # fmt: skip
    parser.add_argument("--length", type=int, default=1024)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--budgets", type=float, nargs="+", default=[0.5, 0.25, 0.125])
    parser.add_argument("--policies", nargs="+", default=list(POLICIES), choices=POLICIES)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="directory for kvpress.json and compare.json")
    args = parser.parse_args(argv)
    from agentmem.llm.runtime import LocalLLM

    report = compare(LocalLLM.load(), length=args.length, budgets=tuple(args.budgets),
                     trials=args.trials, policies=args.policies, threads=args.threads,
                     out_dir=args.out,
                     log=lambda m: print(m, file=sys.stderr, flush=True))  # fmt: skip
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
