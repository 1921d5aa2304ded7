"""Score holdings (what a subject has, owns, practises, plays or is seeing) and their endings
on the hand-written cases (`cases.yaml`) through the public API.

Each case goes through `Memory.add` one text at a time in its own scope, and again through
one `Memory.add_many` batch (an ending in the same batch as what it ends); its expectations
are read from the stored records:

    holds  "subject: words": an active positive fact of the subject whose value holds every
           word (a word matches one it begins or that begins it: "ferret", "ferrets";
           "knit", "knitting")
    ends   "subject: words": no active positive fact of the subject holds them, and a fact
           that held them is stored, ended (superseded or retracted)

A case passes when all its expectations hold. A silent merge is a text whose record is
another text's (the texts of a case always differ); the invariant test requires none, and
no text lost.

Usage: python tests/holdings_hand/holdings_evaluate.py [--embedder minilm|hash]
       [--database-url URL] [--json PATH] [--show-failures]
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parents[1] / "facts_eval_conv"))
sys.path.insert(0, str(Path(__file__).parents[1]))
from conv_evaluate import _kept, _memory, _records  # noqa: E402
from eval_report import hand_suite_arguments, print_accuracy, saved  # noqa: E402

from agentmem import Memory, MemoryRecord, Scope  # noqa: E402
from agentmem.facts.conflicts import is_negated  # noqa: E402

CASES = Path(__file__).with_name("cases.yaml")
MODES = ("add", "batch")


@dataclass(frozen=True)
class Case:
    category: str
    say: tuple[str, ...]
    holds: tuple[str, ...] = ()
    ends: tuple[str, ...] = ()


def load(cases: Path = CASES) -> list[Case]:
    spec = yaml.safe_load(cases.read_text())
    out = []
    for category, rows in spec.items():
        for row in rows:
            extra = set(row) - {"say", "holds", "ends"}
            if extra or not row.get("say") or not (row.get("holds") or row.get("ends")):
                raise ValueError(f"bad case {row!r}: say, and holds and/or ends")
            holds, ends = tuple(row.get("holds", ())), tuple(row.get("ends", ()))
            out.append(Case(category, tuple(row["say"]), holds, ends))
    return out


def _words(text: str | None) -> list[str]:
    return re.findall(r"[\w-]+", (text or "").lower())


def _holds(words: list[str], value: str | None) -> bool:
    have = _words(value)
    return all(any(h.startswith(w) or w.startswith(h) for h in have) for w in words)


def _matching(records: list[MemoryRecord], expectation: str) -> list[MemoryRecord]:
    subject, _, words = expectation.partition(":")
    return [
        r
        for r in records
        if r.kind == "fact"
        and (r.subject or "").lower() == subject.strip()
        and not is_negated(r)
        and _holds(_words(words), r.value)
    ]


def check(case: Case, records: list[MemoryRecord]) -> list[str]:
    """The expectations of `case` the records do not meet."""
    missed = [f"holds {e}" for e in case.holds if not _active(_matching(records, e))]
    for e in case.ends:
        found = _matching(records, e)
        if _active(found) or not [r for r in found if r.status != "active"]:
            missed.append(f"ends {e}")
    return missed


def _active(records: list[MemoryRecord]) -> list[MemoryRecord]:
    return [r for r in records if r.status == "active"]


def stored(mem: Memory, case: Case, scope: Scope, mode: str) -> tuple[list, list[MemoryRecord]]:
    """The records `mode` ("add": one text at a time; "batch": one add_many) returned."""
    if mode == "batch":
        returned = mem.add_many(list(case.say), scope)
    else:
        returned = [mem.add(text, scope) for text in case.say]
    return returned, _records(mem, scope)


def run(embedder="minilm", database_url=None, home=None, cases: Path = CASES) -> dict:
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures, silent, lost = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        with _memory(Path(home or tmp), embedder, database_url) as mem:
            for n, case in enumerate(load(cases)):
                for mode in MODES:
                    returned, records = stored(mem, case, Scope(f"holdings-{mode}-{n}"), mode)
                    missed = check(case, records)
                    prefix = "" if mode == "add" else "batch:"
                    for key in (case.category, "all"):
                        by[prefix + key][0] += not missed
                        by[prefix + key][1] += 1
                    if len({r.id for r in returned}) < len(returned):
                        silent.append(list(case.say))
                    lost += [t for t in case.say if t not in _kept(records)]
                    if missed:
                        facts = sorted(
                            f"{r.status}{'(neg)' if is_negated(r) else ''} "
                            f"{r.subject}|{r.attribute}|{r.value}"
                            for r in records
                            if r.kind == "fact"
                        )
                        failures.append(
                            {**case.__dict__, "mode": mode, "missed": missed, "facts": facts}
                        )
    return {
        "by_category": {k: {"accuracy": round(a / n, 3), "cases": n} for k, (a, n) in by.items()},
        "silent_merges": silent,
        "lost_texts": lost,
        "failures": failures,
    }


def main(argv: list[str] | None = None) -> int:
    args = hand_suite_arguments(__doc__, argv)
    report = run(args.embedder, args.database_url)
    print_accuracy(report["by_category"], "cases")
    print(f"  silent merges {len(report['silent_merges'])}, lost texts {len(report['lost_texts'])}")
    if args.show_failures:
        for f in report["failures"]:
            print(
                f"  - [{f['category']}/{f['mode']}] {f['say']}: missed {f['missed']}\n"
                f"      {f['facts']}"
            )
    return saved(report, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
