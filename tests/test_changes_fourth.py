"""The fourth hand-written suite of changes of state (tests/changes_fourth: texts to a friend
with emoji and run-ons, a diary in the first person past tense, support tickets, a
teenager's shorthand, reports about family members and coworkers; endings said without "no
longer", switches with the old value only implied, lower-case names that are English words,
memberships, one-off events and near misses) through `Memory.add` on SQLite and PostgreSQL:
no text merged into another or lost, and the share of pairs met on SQLite at least its
floor, by half (dev: tuned on; judge: not) and for keep_both pairs, so that a few pairs
fewer fail (the script prints the figures)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "changes_fourth"))
from changes_fourth_evaluate import halves, load, run  # noqa: E402
from hand_suite import invariant_tests  # noqa: E402

# measured 0.615 dev (32 of 52), 0.615 judge (32 of 52), keep_both 1.000 (30 of 30),
# distinct 0.955 (21 of 22): two pairs fewer in a half, one fewer in keep_both or distinct
FLOOR = {"dev:all": 0.57, "judge:all": 0.57, "keep_both": 0.96, "distinct": 0.9}


def test_the_suite_covers_four_kinds_of_pair_in_two_halves():
    items = load()
    assert len(items) >= 90
    assert {"supersede", "retract", "keep_both", "distinct"} == {i.category for i in items}
    assert Counter(i.expected for i in items)["keep_both"] >= 40
    assert len({(i.first, i.second) for i in items}) == len(items)
    split = halves()
    assert abs(len(split["dev"]) - len(split["judge"])) <= 4
    assert not {(i.first, i.second) for i in split["dev"]} & {
        (i.first, i.second) for i in split["judge"]
    }


test_nothing_merged_or_lost_and_above_the_floor, test_nothing_merged_or_lost_on_postgres = (
    invariant_tests(run, FLOOR)
)
