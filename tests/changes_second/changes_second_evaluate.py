"""Score change-of-state decisions on a second hand-written suite (`cases.yaml`: terse chat,
third-person subjects, tools, teams, schools; additions, one-off events and notes that differ
in one detail) through the public API, with the scorer of tests/conflicts_hand: accuracy by
kind (supersede, retract, keep_both, distinct), silent merges and lost texts.

Usage: python tests/changes_second/changes_second_evaluate.py [--embedder minilm|hash]
       [--database-url URL] [--json PATH] [--show-failures]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "conflicts_hand"))
import conflicts_evaluate  # noqa: E402

CASES = Path(__file__).with_name("cases.yaml")


def load() -> list[conflicts_evaluate.Item]:
    return conflicts_evaluate.load(CASES)


def run(embedder="minilm", database_url=None, home=None) -> dict:
    return conflicts_evaluate.run(embedder, database_url, home, cases=CASES)


def main(argv: list[str] | None = None) -> int:
    return conflicts_evaluate.main(argv, CASES, __doc__)


if __name__ == "__main__":
    raise SystemExit(main())
