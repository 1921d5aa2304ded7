"""Score changes told as events, paraphrased preferences, life events and "have" with
abstract nouns on the hand-written cases (`cases.yaml`) through the public API.

Each case goes through `Memory.add` one text at a time in its own scope, and again through
one `Memory.add_many` batch, with the reading of tests/holdings_hand (`holds`, `ends`), and:

    once   exactly one active positive fact of the subject holds the words
    exact  an active positive fact of the subject whose value is the words (articles aside)
    lacks  no active positive fact of the subject holds the words

A case passes when all its expectations hold. A silent merge is a text whose record is
another text's, in a case that expects no restatement (`once`); the invariant test requires
none, and no text lost.

Usage: python tests/events_hand/events_evaluate.py [--embedder minilm|hash]
       [--database-url URL] [--json PATH] [--show-failures]
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parents[1] / "holdings_hand"))
sys.path.insert(0, str(Path(__file__).parents[1]))
from eval_report import hand_suite_arguments, print_accuracy, saved  # noqa: E402
from holdings_evaluate import MODES, _active, _kept, _matching, _memory, _words, stored  # noqa: E402

from agentmem import MemoryRecord, Scope  # noqa: E402
from agentmem.facts.conflicts import is_negated  # noqa: E402

CASES = Path(__file__).with_name("cases.yaml")
EXPECTATIONS = ("holds", "ends", "once", "exact", "lacks")
ARTICLES = frozenset({"a", "an", "the"})


@dataclass(frozen=True)
class Case:
    category: str
    say: tuple[str, ...]
    holds: tuple[str, ...] = ()
    ends: tuple[str, ...] = ()
    once: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()


def load(cases: Path = CASES) -> list[Case]:
    spec = yaml.safe_load(cases.read_text())
    out = []
    for category, rows in spec.items():
        for row in rows:
            extra = set(row) - {"say", *EXPECTATIONS}
            if extra or not row.get("say") or not any(row.get(e) for e in EXPECTATIONS):
                raise ValueError(f"bad case {row!r}: say, and one of {EXPECTATIONS}")
            expected = {e: tuple(row.get(e, ())) for e in EXPECTATIONS}
            out.append(Case(category, tuple(row["say"]), **expected))
    return out


def _bare(text: str | None) -> list[str]:
    return [w for w in _words(text) if w not in ARTICLES]


def check(case: Case, records: list[MemoryRecord]) -> list[str]:
    """The expectations of `case` the records do not meet."""
    missed = [f"holds {e}" for e in case.holds if not _active(_matching(records, e))]
    for e in case.ends:
        found = _matching(records, e)
        if _active(found) or not [r for r in found if r.status != "active"]:
            missed.append(f"ends {e}")
    missed += [f"once {e}" for e in case.once if len(_active(_matching(records, e))) != 1]
    for e in case.exact:
        want = _bare(e.partition(":")[2])
        if not [r for r in _active(_matching(records, e)) if _bare(r.value) == want]:
            missed.append(f"exact {e}")
    return missed + [f"lacks {e}" for e in case.lacks if _active(_matching(records, e))]


def run(embedder="minilm", database_url=None, home=None, cases: Path = CASES) -> dict:
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures, silent, lost = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        with _memory(Path(home or tmp), embedder, database_url) as mem:
            for n, case in enumerate(load(cases)):
                for mode in MODES:
                    returned, records = stored(mem, case, Scope(f"events-{mode}-{n}"), mode)
                    missed = check(case, records)
                    prefix = "" if mode == "add" else "batch:"
                    for key in (case.category, "all"):
                        by[prefix + key][0] += not missed
                        by[prefix + key][1] += 1
                    if len({r.id for r in returned}) < len(returned) and not case.once:
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
