"""Score fact extraction and conflict resolution on the generated cases (`facts_generate.py`).

    extraction  precision and recall of (subject, attribute, value, negated) read from
                each case's turns, by the extractor `add` uses
    conflicts   share of cases whose slots hold exactly the expected current facts once
                every turn is stored through `Memory.add` (one record where a case says
                its turns restate one fact)
    lost        turns whose text is stored nowhere (as a memory or a merged paraphrase)

Usage: python tests/facts_eval/facts_evaluate.py [--split dev|heldout|both] [--per-template N]
       [--extractor parse|rules] [--database-url URL] [--json PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from eval_report import saved  # noqa: E402
from facts_generate import Case, Triple, generate  # noqa: E402

from agentmem import Memory, Scope  # noqa: E402
from agentmem.facts.conflicts import is_negated, normalise_value  # noqa: E402
from agentmem.facts.vocabulary import canonical, canonical_subject  # noqa: E402
from agentmem.stores.sql import MemoryQuery  # noqa: E402


def normal(t: Triple) -> Triple:
    subject, attribute, value, negated = t
    return canonical_subject(subject), canonical(attribute), normalise_value(value), negated


def extracted(cases: list[Case], kind: str) -> list[set[Triple]]:
    """What the extractor `add` uses (for `kind`) reads in each case's turns."""
    from agentmem.facts.derived import text_extractor

    extractor = text_extractor(kind)
    turns = [t for c in cases for t in c.turns]
    found = extractor.extract_many([t.text for t in turns], speakers=[t.speaker for t in turns])
    out, i = [], 0
    for case in cases:
        facts = [f for fs in found[i : i + len(case.turns)] for f in fs]
        i += len(case.turns)
        out.append({normal((f.subject, f.attribute, f.value, f.negated)) for f in facts})
    return out


def score_extraction(cases: list[Case], kind: str) -> dict:
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # hits, found, expected
    misses = []
    for case, got in zip(cases, extracted(cases, kind), strict=True):
        want = {normal(t) for t in case.expect}
        for key in (case.category, "all"):
            by[key][0] += len(got & want)
            by[key][1] += len(got)
            by[key][2] += len(want)
        if got != want:
            misses.append(
                {
                    "turns": [t.text for t in case.turns],
                    "missing": sorted(want - got),
                    "extra": sorted(got - want),
                }
            )
    return {
        "by_category": {k: _pr(*v) for k, v in sorted(by.items())},
        "misses": misses[:30],
    }


def _pr(hits: int, found: int, expected: int) -> dict:
    return {
        "precision": round(hits / found, 3) if found else None,
        "recall": round(hits / expected, 3) if expected else None,
        "found": found,
        "expected": expected,
    }


def resolve_case(mem: Memory, case: Case, scope: Scope) -> dict:
    """Store the case's turns; what its slots hold, and which turns were lost."""
    for turn in case.turns:
        mem.add(turn.text, scope, {"speaker": turn.speaker} if turn.speaker else None)
    records = mem.long_term.find(MemoryQuery(user_id=scope.user_id, statuses=None))
    kept = {r.text for r in records} | {
        p for r in records for p in r.metadata.get("paraphrases", [])
    }
    want = {normal(t) for t in case.current}
    slots = {(s, a) for s, a, _, _ in want}
    active = [
        r
        for r in records
        if r.status == "active"
        and r.kind == "fact"
        and (canonical_subject(r.subject), canonical(r.attribute or "")) in slots
    ]
    got = {normal((r.subject, r.attribute, r.value, is_negated(r))) for r in active}
    ok = got == want and (not case.one_record or len(active) == len(want))
    return {
        "ok": ok,
        "got": sorted(got),
        "want": sorted(want),
        "active": len(active),
        "lost": [t.text for t in case.turns if t.text not in kept],
    }


def score_conflicts(cases: list[Case], kind: str, database_url: str | None, home: Path) -> dict:
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures, lost = [], []
    options = {"embedding": {"model": "hash"}, "consolidation": {"extractor": kind}}
    if database_url:
        options["database_url"] = database_url
    with Memory(home=home, **options) as mem:
        for n, case in enumerate(c for c in cases if c.current):
            result = resolve_case(mem, case, Scope(f"{case.split}-{n}"))
            for key in (case.category, "all"):
                by[key][0] += result["ok"]
                by[key][1] += 1
            lost += result["lost"]
            if not result["ok"]:
                failures.append({"turns": [t.text for t in case.turns], **result})
    return {
        "by_category": {
            k: {"accuracy": round(a / n, 3), "cases": n} for k, (a, n) in sorted(by.items())
        },
        "lost_turns": lost,
        "failures": failures[:30],
    }


def run(split: str, per_template: int, kind: str, database_url: str | None) -> dict:
    cases = generate(split, per_template)
    with tempfile.TemporaryDirectory() as home:
        conflicts = score_conflicts(cases, kind, database_url, Path(home))
    return {
        "split": split,
        "cases": len(cases),
        "extractor": kind,
        "extraction": score_extraction(cases, kind),
        "conflicts": conflicts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "heldout", "both"), default="both")
    parser.add_argument("--per-template", type=int, default=6)
    parser.add_argument("--extractor", default="parse")
    parser.add_argument("--database-url")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    splits = ("dev", "heldout") if args.split == "both" else (args.split,)
    report = [run(s, args.per_template, args.extractor, args.database_url) for s in splits]
    for r in report:
        print(f"== {r['split']} ({r['cases']} cases, extractor {r['extractor']})")
        ex, co = r["extraction"]["by_category"], r["conflicts"]["by_category"]
        for cat in sorted(set(ex) | set(co), key=lambda c: (c == "all", c)):
            e, c = ex.get(cat, {}), co.get(cat, {})
            print(
                f"  {cat:22} P {e.get('precision')!s:6} R {e.get('recall')!s:6} "
                f"conflicts {c.get('accuracy', '-')!s:6} ({c.get('cases', 0)} cases)"
            )
        print(f"  lost turns: {len(r['conflicts']['lost_turns'])}")
    return saved(report, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
