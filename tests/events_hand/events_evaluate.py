"""Score changes told as events, paraphrased preferences, life events and "have" with
abstract nouns on the hand-written cases (`cases.yaml`) through the public API.

Each case goes through `Memory.add` one text at a time in its own scope, and again through
one `Memory.add_many` batch, with the reading of tests/holdings_hand (`holds`, `ends`), and
(`missed_said` in tests/hand_suite.py):

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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
from hand_suite import (  # noqa: E402
    SaidCase,
    expects_one_record,
    load_said,
    missed_said,
    run_in_modes,
    script_main,
)

CASES = Path(__file__).with_name("cases.yaml")
EXPECTATIONS = ("holds", "ends", "once", "exact", "lacks")
Case = SaidCase
check = missed_said


def load(cases: Path = CASES) -> list[Case]:
    return load_said(cases, EXPECTATIONS)


def run(embedder="minilm", database_url=None, home=None, cases: Path = CASES) -> dict:
    return run_in_modes(
        load(cases), check, "events", embedder, database_url, home, expects_one_record
    )


def main(argv: list[str] | None = None) -> int:
    return script_main(__doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
