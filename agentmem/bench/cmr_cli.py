"""The command line of `agentmem bench cmr` and its resume bookkeeping.

A run given ``--out DIR`` appends each finished case's records to ``DIR/cmr.partial.jsonl``;
a later run with the same policy (and options), seed and reweave options takes them back by
``case_key`` (a hash of the case, not its index) and asks only the conditions and budgets
they lack. The benchmark itself is `agentmem.bench.cmr`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentmem.bench import cmr_stats, output


def case_key(case) -> str:
    """What identifies a case across runs: a hash of its text, question and answer (its index
    depends on the lengths and case count asked, and the cases at an index change with them)."""
    text = json.dumps([case.task, case.segments, case.question, case.answer])
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def resumed(partial, policy: str | dict, seed: int, reweave: dict) -> list[dict]:
    """The records an earlier run with the same policy (and options), seed and reweave options
    left in ``partial`` (a resumed run asks only the conditions and budgets they lack; records
    are matched to cases by ``case_key``, so older records without one are asked again)."""
    if partial is None or not Path(partial).exists():
        return []
    rows = [json.loads(line) for line in Path(partial).read_text(encoding="utf-8").splitlines()]
    same = {"policy": policy, "seed": seed, "reweave": reweave}
    return [r for r in rows if all(r.get(k, same[k]) == v for k, v in same.items())]


def pairs(records: list[dict]) -> set[tuple[str, float]]:
    return {(r["condition"], r["budget"]) for r in records}


def missing(kept: list[dict], conditions: Sequence[str], budgets: Sequence[float]) -> list[str]:
    """The conditions lacking a record at some budget (``full`` only at 1.0)."""
    done = pairs(kept)
    return [c for c in conditions
            if any((c, b) not in done for b in ([1.0] if c == "full" else budgets))]  # fmt: skip


def append_records(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")


def main(cmr: Any, argv: Sequence[str] | None = None) -> int:
    """``agentmem bench cmr [--quick] [--json] [--out DIR] ...`` over the benchmark module
    `cmr` (`agentmem.bench.cmr`, which calls this; passed in, not imported, since it imports
    this module for the bookkeeping and the module graph has no circles)."""
    parser = argparse.ArgumentParser(
        prog="agentmem bench cmr", description=cmr.__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true",
                        help="passkey at 1k and rare words, 4 cases, budget 12.5%%")  # fmt: skip
    output.add_output_flags(parser, "cmr", plot=True)
    parser.add_argument("--no-plot", action="store_true", help="do not write cmr.png")
    parser.add_argument("--tasks", nargs="+", choices=cmr.TASKS)
    parser.add_argument("--lengths", type=int, nargs="+", help="passkey context lengths")
    parser.add_argument("--length", type=int, help="context length of the other tasks")
    parser.add_argument("--budgets", type=float, nargs="+")
    parser.add_argument("--cases", type=int, help="cases per task and length")
    parser.add_argument("--policy", help="the retention policy reweaving wraps (default str)")
    parser.add_argument("--policy-option", action="append", default=[], metavar="KEY=VALUE",
                        help="a policy option (repeatable), e.g. hold_pending=0")  # fmt: skip
    parser.add_argument("--conditions", nargs="+", choices=cmr.CONDITIONS)
    parser.add_argument("--layer", type=int, help="capture layer (default: the middle)")
    parser.add_argument("--recall-tokens", type=int)
    parser.add_argument("--latent", choices=("int8", "int4", "float32"), help="(default int8)")
    parser.add_argument("--rank", type=int, help="store latents over this many principal dims")
    parser.add_argument("--ppl-length", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: default)")
    args = parser.parse_args(argv)
    options: dict[str, Any] = {}
    if args.quick:
        options.update(tasks=("passkey", "rareword"), lengths=(1024,), cases=4, budgets=(0.125,))
    for name in ("tasks", "lengths", "length", "budgets", "cases", "policy", "conditions",
                 "layer", "recall_tokens", "latent", "rank", "ppl_length", "seed"):  # fmt: skip
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if args.policy_option:
        options["policy_options"] = _options(parser, args.policy_option)
    partial = Path(args.out) / "cmr.partial.jsonl" if args.out else None
    report = cmr.run(plot=False, threads=args.threads, log=_progress, partial=partial, **options)
    plot = None if args.no_plot or not report["summary"] else _plot
    printed = {k: v for k, v in report.items() if k != "records"}
    output.emit(args, report, _table, plot=plot, printed=printed)
    return 0


def _options(parser, pairs: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs, each value read as JSON when it parses (numbers, true/false)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            parser.error(f"--policy-option {pair!r}: write it as KEY=VALUE, e.g. hold_pending=0")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)  # stdout carries only the table or the JSON


def _table(report: dict) -> str:
    lines = [cmr_stats.table(report["summary"])]
    for row in report["perplexity"]:
        lines.append(f"{row['task']} {row['condition']} @{row['budget']}: ppl {row['ppl']:.3f}")
    return "\n".join(lines)


def _plot(report: dict, path: Path) -> None:
    cmr_stats.plot(report["summary"], path)
