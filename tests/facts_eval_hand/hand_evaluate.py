"""Score text memory on the hand-written suite (`cases.yaml`) through the public API.

A fourth suite made by another process than the generated ones: statements written one by
one, never tuned on. Each case's turns go through `Memory.add`; a case passes when every
`current` value is held by an active fact of its subject, every `gone` value is inactive
but kept, no `none` value is an active fact, and (for `apart` cases) nothing was superseded
across subjects. Near-miss pairs must stay two memories.

Usage: python tests/facts_eval_hand/hand_evaluate.py [--embedder minilm|hash]
       [--database-url URL] [--json PATH] [--show-failures]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parents[1] / "facts_eval_conv"))
sys.path.insert(0, str(Path(__file__).parents[1]))
from conv_evaluate import _holds, _memory, _records, check_pair  # noqa: E402
from conv_generate import Expect, Pair, Turn  # noqa: E402
from eval_report import hand_suite_arguments, print_accuracy, saved  # noqa: E402
from hand_suite import Tally  # noqa: E402

from agentmem import Memory, Scope  # noqa: E402
from agentmem.facts.conflicts import is_negated  # noqa: E402
from agentmem.facts.vocabulary import canonical_subject  # noqa: E402

CASES = Path(__file__).with_name("cases.yaml")


def _expects(spec: str) -> list[Expect]:
    """'A/USER's b = x|y' -> one Expect per value alternative."""
    subjects, values = (p.strip() for p in spec.split("=", 1))
    who = tuple(s.strip().replace("USER", "user") for s in subjects.split("/"))
    return [Expect(who, v.strip()) for v in values.split("|")]


def _turn(spec) -> Turn:
    return Turn(spec) if isinstance(spec, str) else Turn(spec["text"], spec["speaker"])


def load() -> tuple[list[dict], list[Pair]]:
    spec = yaml.safe_load(CASES.read_text())
    cases = [
        {
            "category": category,
            "turns": [_turn(t) for t in case["turns"]],
            **{k: [_expects(e) for e in case.get(k, [])] for k in ("current", "gone", "none")},
            "apart": bool(case.get("apart")),
        }
        for category, items in spec.items()
        if category != "nearmiss"
        for case in items
    ]
    return cases, [Pair("hand", a, b) for a, b in spec["nearmiss"]]


def score(mem: Memory, case: dict, scope: Scope) -> list[str]:
    """What went wrong with one case (empty: it passed)."""
    for turn in case["turns"]:
        mem.add(turn.text, scope, {"speaker": turn.speaker} if turn.speaker else None)
    records = _records(mem, scope)
    active = [r for r in records if r.status == "active" and not is_negated(r)]
    problems = []
    for alternatives in case["current"]:
        if not any(_holds(r, e) for r in active for e in alternatives):
            problems.append(f"missing {alternatives[0].subjects[0]}={alternatives[0].value}")
    for alternatives in case["gone"]:
        if any(_holds(r, e) for r in active for e in alternatives):
            problems.append(f"still active {alternatives[0].value}")
        elif not any(_holds(r, e) for r in records for e in alternatives):
            problems.append(f"no history of {alternatives[0].value}")
    for alternatives in case["none"]:
        if any(_holds(r, e) for r in active for e in alternatives):
            problems.append(f"wrongly a fact: {alternatives[0].value}")
    by_id = {r.id: r for r in records}
    if case["apart"] and any(
        r.superseded_by in by_id
        and canonical_subject(r.subject) != canonical_subject(by_id[r.superseded_by].subject)
        for r in records
    ):
        problems.append("superseded across subjects")
    return problems


def run(embedder="minilm", database_url=None) -> dict:
    cases, near = load()
    tally = Tally()
    failures = []
    with tempfile.TemporaryDirectory() as tmp, _memory(Path(tmp), embedder, database_url) as mem:
        for n, case in enumerate(cases):
            problems = score(mem, case, Scope(f"hand-{n}"))
            tally.count(not problems, (case["category"], "all"))
            if problems:
                failures.append(
                    {"category": case["category"], "turns": [t.text for t in case["turns"]]}
                    | {"problems": problems}
                )
        silent = [f for n, p in enumerate(near) if (f := check_pair(mem, p, Scope(f"hp-{n}")))]
    return {
        "by_category": tally.by_category(),
        "nearmiss_pairs": len(near),
        "silent_merges": silent,
        "failures": failures,
    }


def main(argv: list[str] | None = None) -> int:
    args = hand_suite_arguments(__doc__, argv)
    report = run(args.embedder, args.database_url)
    print_accuracy(report["by_category"], "cases")
    print(f"  silent merges {len(report['silent_merges'])} of {report['nearmiss_pairs']} pairs")
    if args.show_failures:
        for f in report["failures"]:
            print(f"  - [{f['category']}] {f['turns']} {f['problems']}")
    return saved(report, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
