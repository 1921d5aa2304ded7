"""The second hand-written suite of changes of state (tests/changes_second: terse chat,
third-person subjects, tools, teams, schools; additions, one-off events and notes that
differ in one detail; held out, never tuned on) through `Memory.add` on SQLite and
PostgreSQL: no text merged into another or lost, and the share of pairs met on SQLite at
least the measured figure, so that one pair fewer fails (the script prints it)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "changes_second"))
from changes_second_evaluate import load, run  # noqa: E402
from hand_suite import invariant_tests  # noqa: E402

FLOOR = {"all": 0.63}  # measured 0.652 (45 of 69): 43 of 69 is under it


def test_the_suite_covers_four_kinds_of_pair():
    items = load()
    assert len(items) >= 60
    assert {"supersede", "retract", "keep_both", "distinct"} == {i.category for i in items}
    assert Counter(i.expected for i in items)["keep_both"] >= 30
    assert len({(i.first, i.second) for i in items}) == len(items)


test_nothing_merged_or_lost_and_above_the_floor, test_nothing_merged_or_lost_on_postgres = (
    invariant_tests(run, FLOOR)
)
