"""The hand-written people, places, names and partners (tests/people_hand: endings said
with a coordinated subject, switches between things named by a possessive, names given with
their kind, places bounded by the named place, partners said with "with" or "together",
employers named by the verb frame, and near misses that must change nothing) through
`Memory.add` one at a time and through one `add_many` batch: no text merged into another or
lost, and the share of cases met stays above a floor a little under the measured figure
(the script prints it)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "people_hand"))
sys.path.insert(0, str(Path(__file__).parent / "events_hand"))
from events_evaluate import Case, check  # noqa: E402
from hand_suite import fact_record, invariant_tests  # noqa: E402
from people_evaluate import load, run  # noqa: E402

FLOOR = {"all": 0.85, "batch:all": 0.85}  # measured 0.914 and 0.914 (0.457 before)


def test_the_suite_covers_every_shape_and_near_misses():
    cases = load()
    assert len(cases) >= 60
    shapes = {"coordinated_parting", "possessive_switch", "kind_naming", "place_bound"}
    assert shapes | {"employer", "together", "nearmiss"} <= {c.category for c in cases}
    assert len({c.say for c in cases}) == len(cases)
    assert sum(1 for c in cases if c.category == "nearmiss") >= 10
    assert sum(1 for c in cases if c.ends) >= 20


def test_a_slot_named_with_the_subject_is_read():
    """The reading can fail: a value in another slot is not the one named."""
    case = Case("t", ("a",), holds=("user|works_at: monzo",))
    assert check(case, [fact_record("user", "Monzo", "works_at")]) == []
    assert check(case, [fact_record("user", "Monzo", "spouse")]) == ["holds user|works_at: monzo"]
    assert check(case, [fact_record("user", "Monzo", "works_at", "superseded")]) != []


test_nothing_merged_or_lost_and_above_the_floor, test_nothing_merged_or_lost_on_postgres = (
    invariant_tests(run, FLOOR)
)
