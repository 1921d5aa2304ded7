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

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parents[1]))
from hand_suite import (  # noqa: E402
    missed_holds_and_ends,
    run_in_modes,
    script_main,
)

from agentmem import MemoryRecord  # noqa: E402

CASES = Path(__file__).with_name("cases.yaml")


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


def check(case: Case, records: list[MemoryRecord]) -> list[str]:
    """The expectations of `case` the records do not meet."""
    return missed_holds_and_ends(case, records)


def run(embedder="minilm", database_url=None, home=None, cases: Path = CASES) -> dict:
    return run_in_modes(load(cases), check, "holdings", embedder, database_url, home)


def main(argv: list[str] | None = None) -> int:
    return script_main(__doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
