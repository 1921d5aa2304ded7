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
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parents[1]))
from hand_suite import (  # noqa: E402
    _active,
    _matching,
    _words,
    missed_holds_and_ends,
    run_in_modes,
    script_main,
)

from agentmem import MemoryRecord  # noqa: E402

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
    missed = missed_holds_and_ends(case, records)
    missed += [f"once {e}" for e in case.once if len(_active(_matching(records, e))) != 1]
    for e in case.exact:
        want = _bare(e.partition(":")[2])
        if not [r for r in _active(_matching(records, e)) if _bare(r.value) == want]:
            missed.append(f"exact {e}")
    return missed + [f"lacks {e}" for e in case.lacks if _active(_matching(records, e))]


def _restates(case: Case) -> bool:
    return bool(case.once)


def run(embedder="minilm", database_url=None, home=None, cases: Path = CASES) -> dict:
    return run_in_modes(load(cases), check, "events", embedder, database_url, home, _restates)


def main(argv: list[str] | None = None) -> int:
    return script_main(__doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
