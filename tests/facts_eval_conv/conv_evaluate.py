"""Score text memory on the conversational suite (`conv_generate.py`) through the public API.

    per category  share of cases whose subjects end holding exactly what the turns say:
                  current values active (one record when restated), old values not active
                  but kept as history
    lost          turns whose text is stored nowhere (as a memory or a merged paraphrase)
    merged        near-miss pairs (and distinct-subject cases) where one text was absorbed
                  into the other's memory: `add` returned the other record, a text is not
                  stored, or the history shows a MERGE/REINFORCE
    crossed       facts of one subject superseded by a turn about another subject

Usage: python tests/facts_eval_conv/conv_evaluate.py [--split dev|heldout|both]
       [--per-template N] [--pairs-per-template N] [--embedder minilm|hash]
       [--database-url URL] [--json PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from conv_generate import Case, Expect, Pair, cases, pairs  # noqa: E402
from eval_report import saved  # noqa: E402

from agentmem import Memory, MemoryRecord, Scope  # noqa: E402
from agentmem.facts.conflicts import is_negated, normalise_value  # noqa: E402
from agentmem.facts.vocabulary import canonical_subject  # noqa: E402
from agentmem.stores.sql import MemoryQuery  # noqa: E402


def _holds(record: MemoryRecord, expect: Expect) -> bool:
    """The record is a fact of one of the expected subjects whose value names the value."""
    if record.kind != "fact" or canonical_subject(record.subject) not in {
        canonical_subject(s) for s in expect.subjects
    }:
        return False
    want, got = normalise_value(expect.value).split(), normalise_value(record.value).split()
    return any(got[i : i + len(want)] == want for i in range(len(got) - len(want) + 1))


def _records(mem: Memory, scope: Scope) -> list[MemoryRecord]:
    return mem.long_term.find(MemoryQuery(user_id=scope.user_id, statuses=None))


def _kept(records: list[MemoryRecord]) -> set[str]:
    return {r.text for r in records} | {
        p for r in records for p in r.metadata.get("paraphrases", [])
    }


def score_case(mem: Memory, case: Case, scope: Scope) -> dict:
    added = []
    for turn in case.turns:
        added.append(mem.add(turn.text, scope, {"speaker": turn.speaker} if turn.speaker else None))
    records = _records(mem, scope)
    active = [r for r in records if r.status == "active" and not is_negated(r)]
    problems = []
    for e in case.current:
        holding = [r for r in active if _holds(r, e)]
        if not holding or (case.one_record and len(holding) > 1):
            problems.append(f"current {e.subjects[0]}={e.value}: {len(holding)} active")
    for e in case.gone:
        if any(_holds(r, e) for r in active):
            problems.append(f"still active {e.subjects[0]}={e.value}")
        elif not any(_holds(r, e) for r in records):
            problems.append(f"no history of {e.subjects[0]}={e.value}")
    by_id = {r.id: r for r in records}
    crossed = [  # a fact ended by a fact of another subject
        (r.subject, by_id[r.superseded_by].subject)
        for r in records
        if case.apart
        and r.kind == "fact"
        and r.superseded_by in by_id
        and canonical_subject(r.subject) != canonical_subject(by_id[r.superseded_by].subject)
    ]
    merged = case.apart and len({a.id for a in added}) < len(added)
    return {
        "ok": not problems,
        "problems": problems,
        "lost": [t.text for t in case.turns if t.text not in _kept(records)],
        "crossed": crossed,
        "merged": merged,
        "facts": sorted(
            f"{r.status}{'(neg)' if is_negated(r) else ''} {r.subject}|{r.attribute}|{r.value}"
            for r in records
            if r.kind == "fact"
        ),
    }


def check_pair(mem: Memory, pair: Pair, scope: Scope) -> str | None:
    """What went wrong with one near-miss pair, or None."""
    a, b = mem.add(pair.first, scope), mem.add(pair.second, scope)
    records = _records(mem, scope)
    texts = {r.text for r in records}
    if a.id == b.id or a.text != pair.first or b.text != pair.second:
        return f"add returned another memory: {pair.first!r} / {pair.second!r}"
    if not {pair.first, pair.second} <= texts:
        return f"a text is not stored: {pair.first!r} / {pair.second!r}"
    if any(e.op in ("MERGE", "REINFORCE") for r in (a, b) for e in mem.history(r.id, scope)):
        return f"merged in history: {pair.first!r} / {pair.second!r}"
    return None


def _memory(home: Path, embedder, database_url: str | None) -> Memory:
    """A Memory with the named embedder ("minilm", "hash") or the one given."""
    options: dict = {"database_url": database_url} if database_url else {}
    if not isinstance(embedder, str):
        options["embedder"] = embedder
    elif embedder == "minilm":
        from agentmem.adapters.embeddings import OnnxMiniLMEmbedder

        options["embedder"] = OnnxMiniLMEmbedder(cache_dir=home / "models")
    else:
        options["embedding"] = {"model": "hash"}
    return Memory(home=home, **options)


def run_split(mem: Memory, split: str, per_template: int, pairs_per_template: int) -> dict:
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures, lost, crossed, merged = [], [], [], []
    for n, case in enumerate(cases(split, per_template)):
        result = score_case(mem, case, Scope(f"{split}-case-{n}"))
        for key in (case.category, "all"):
            by[key][0] += result["ok"]
            by[key][1] += 1
        lost += result["lost"]
        crossed += result["crossed"]
        merged += [[t.text for t in case.turns]] if result["merged"] else []
        if not result["ok"]:
            failures.append(
                {"category": case.category, "turns": [t.text for t in case.turns], **result}
            )
    near = pairs(split, pairs_per_template)
    silent = [
        f for n, p in enumerate(near) if (f := check_pair(mem, p, Scope(f"{split}-pair-{n}")))
    ]
    return {
        "split": split,
        "by_category": {
            k: {"accuracy": round(a / n, 3), "cases": n} for k, (a, n) in sorted(by.items())
        },
        "lost_turns": lost,
        "crossed_subjects": crossed,
        "merged_apart_cases": merged,
        "nearmiss_pairs": len(near),
        "silent_merges": silent,
        "failures": failures,
    }


def run(
    splits, per_template=4, pairs_per_template=40, embedder="minilm", database_url=None, home=None
) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        with _memory(Path(home or tmp), embedder, database_url) as mem:
            return [run_split(mem, s, per_template, pairs_per_template) for s in splits]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "heldout", "both"), default="both")
    parser.add_argument("--per-template", type=int, default=4)
    parser.add_argument("--pairs-per-template", type=int, default=40)
    parser.add_argument("--embedder", choices=("minilm", "hash"), default="minilm")
    parser.add_argument("--database-url")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--show-failures", action="store_true", help="dev only: print failed cases")
    args = parser.parse_args(argv)
    splits = ("dev", "heldout") if args.split == "both" else (args.split,)
    report = run(
        splits, args.per_template, args.pairs_per_template, args.embedder, args.database_url
    )
    for r in report:
        print(f"== {r['split']}")
        for cat, v in sorted(r["by_category"].items(), key=lambda kv: (kv[0] == "all", kv[0])):
            print(f"  {cat:16} {v['accuracy']:.3f} ({v['cases']} cases)")
        print(
            f"  lost turns {len(r['lost_turns'])}, crossed subjects {len(r['crossed_subjects'])}, "
            f"merged apart cases {len(r['merged_apart_cases'])}, "
            f"silent merges {len(r['silent_merges'])} of {r['nearmiss_pairs']} near-miss pairs"
        )
        if args.show_failures and r["split"] == "dev":
            for f in r["failures"]:
                print(f"  - [{f['category']}] {f['turns']} {f['problems']}\n      {f['facts']}")
            for s in r["silent_merges"]:
                print(f"  ! {s}")
    return saved(report, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
