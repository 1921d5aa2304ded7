"""The hand-written events (tests/events_hand: changes told as events, paraphrased
preferences, life events of named people, "have" with abstract nouns, and near misses that
must change nothing) through `Memory.add` one at a time and through one `add_many` batch:
no text merged into another or lost, and the share of cases met stays above a floor a
little under the measured figure (the script prints it)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "events_hand"))
from events_evaluate import Case, check, load, run  # noqa: E402
from hand_suite import fact_record, invariant_tests  # noqa: E402

FLOOR = {"all": 0.80, "batch:all": 0.80}  # measured 0.837 and 0.837 (0.453 before)


def test_the_suite_covers_events_preferences_origins_and_near_misses():
    cases = load()
    assert len(cases) >= 60
    wanted = {"parting", "leaving", "switching", "renaming", "preference", "origin", "having"}
    assert wanted | {"headnoun", "nearmiss"} <= {c.category for c in cases}
    assert len({c.say for c in cases}) == len(cases)
    assert sum(1 for c in cases if c.category == "nearmiss") >= 10
    assert sum(1 for c in cases if c.ends) >= 25


def _fact(subject, value, status="active", negated=False):
    return fact_record(subject, value, "likes", status, negated)


def test_expectations_are_read_from_the_records():
    """The reading itself can fail: two active records are not one, a longer value is not
    the exact one, a stray value is seen."""
    once = Case("t", ("a", "b"), once=("user: autumn",))
    assert check(once, [_fact("user", "autumn"), _fact("user", "Autumn", "superseded")]) == []
    assert check(once, [_fact("user", "autumn"), _fact("user", "Autumn")]) == ["once user: autumn"]
    exact = Case("t", ("a",), exact=("thabo: durban",))
    assert check(exact, [_fact("thabo", "the Durban")]) == []
    assert check(exact, [_fact("thabo", "Durban to a family")]) == ["exact thabo: durban"]
    lacks = Case("t", ("a",), lacks=("user: most",))
    assert check(lacks, [_fact("user", "most", negated=True)]) == []
    assert check(lacks, [_fact("user", "most")]) == ["lacks user: most"]


test_nothing_merged_or_lost_and_above_the_floor, test_nothing_merged_or_lost_on_postgres = (
    invariant_tests(run, FLOOR)
)
