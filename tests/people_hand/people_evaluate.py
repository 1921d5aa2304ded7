"""Score facts of people, places, names and partners said in other shapes on the
hand-written cases (`cases.yaml`) through the public API, with the scorer of
tests/events_hand (each case through `Memory.add` one text at a time and through one
`Memory.add_many` batch; `holds`, `ends`, `once`, `exact`, `lacks`; a subject may name
its slot: "subject|slot: words"): accuracy by category (coordinated_parting,
possessive_switch, kind_naming, place_bound, employer, together, nearmiss), silent merges
and lost texts.

Usage: python tests/people_hand/people_evaluate.py [--embedder minilm|hash]
       [--database-url URL] [--json PATH] [--show-failures]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "events_hand"))
sys.path.insert(0, str(Path(__file__).parents[1]))
import events_evaluate  # noqa: E402
from hand_suite import script_main  # noqa: E402

CASES = Path(__file__).with_name("cases.yaml")


def load() -> list[events_evaluate.Case]:
    return events_evaluate.load(CASES)


def run(embedder="minilm", database_url=None, home=None) -> dict:
    return events_evaluate.run(embedder, database_url, home, cases=CASES)


def main(argv: list[str] | None = None) -> int:
    return script_main(__doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
