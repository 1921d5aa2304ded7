"""Score change-of-state decisions on a fourth hand-written suite (`cases.yaml`: texts to a
friend with emoji and run-ons, a diary in the first person past tense, support tickets, a
teenager's shorthand, reports about family members and coworkers) through the public API,
with the scorer of tests/conflicts_hand, split into a dev half and a judge half: accuracy
by half and kind (supersede, retract, keep_both, distinct), silent merges and lost texts.

The split is fixed: within each category, the pairs at even positions are the dev half,
those at odd positions the judge half. `--show-failures` shows the dev half's failures only;
the judge half is reported as figures.

Usage: python tests/changes_fourth/changes_fourth_evaluate.py [--embedder minilm|hash]
       [--database-url URL] [--json PATH] [--show-failures] [--half dev|judge]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
from split_pairs import HALVES, SplitSuite  # noqa: E402

SUITE = SplitSuite(Path(__file__).with_name("cases.yaml"), "changes-fourth")
load, halves, run = SUITE.load, SUITE.halves, SUITE.run
__all__ = ["HALVES", "SUITE", "halves", "load", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    return SUITE.main(__doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
