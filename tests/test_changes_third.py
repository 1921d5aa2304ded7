"""The third hand-written suite of changes of state (tests/changes_third: an American forum
poster, a formal older writer, a non-native speaker's English, messages about colleagues,
neighbours, clients, pets and things; idioms of leaving, switches with the old value
unsaid, one-off events and near misses) through `Memory.add` on SQLite and PostgreSQL: no
text merged into another or lost, and the share of pairs met on SQLite at least its floor,
by half (dev: tuned on; judge: not) and for keep_both pairs, so that a few pairs fewer fail
(the script prints the figures)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "changes_third"))
from changes_third_evaluate import halves, load, run  # noqa: E402
from hand_suite import invariant_tests  # noqa: E402

# measured 0.686 dev (35 of 51), 0.700 judge (35 of 50), keep_both 0.909 (20 of 22),
# distinct 0.950 (19 of 20): two pairs fewer in a half, one fewer in keep_both or distinct
FLOOR = {"dev:all": 0.64, "judge:all": 0.66, "keep_both": 0.86, "distinct": 0.9}


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
