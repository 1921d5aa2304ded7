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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
from hand_suite import SaidCase, load_said, missed_holds_and_ends, run_in_modes, script_main  # noqa: E402

CASES = Path(__file__).with_name("cases.yaml")
Case = SaidCase
check = missed_holds_and_ends


def load(cases: Path = CASES) -> list[Case]:
    return load_said(cases, ("holds", "ends"))


def run(embedder="minilm", database_url=None, home=None, cases: Path = CASES) -> dict:
    return run_in_modes(load(cases), check, "holdings", embedder, database_url, home)


def main(argv: list[str] | None = None) -> int:
    return script_main(__doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
