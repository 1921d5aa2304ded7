"""Score change-of-state decisions on the hand-written pairs (`cases.yaml`) through the
public API, with the scorer of tests/conflicts_hand (same outcomes, same reading of the
stored records): accuracy by category (job, home, partner, pet, diet, device, hobby,
possession, nearmiss), silent merges and lost texts.

Usage: python tests/changes_hand/changes_evaluate.py [--embedder minilm|hash]
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
