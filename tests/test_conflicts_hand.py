"""The hand-written conflict pairs (tests/conflicts_hand: updates, retractions, restatements
and near misses as varied users write them, never tuned on) through `Memory.add` on SQLite
and PostgreSQL, checking what must always hold: no distinct statement is merged into
another and no text is lost. The share of expected outcomes is a figure, not a check:
`python tests/conflicts_hand/conflicts_evaluate.py` prints it."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from agentmem import Scope

sys.path.insert(0, str(Path(__file__).parent / "conflicts_hand"))
from conflicts_evaluate import (  # noqa: E402
    OUTCOMES,
    Item,
    _memory,
    load,
    outcome,
    passed,
    run,
)
from hand_suite import invariant_tests  # noqa: E402


def test_the_suite_covers_every_outcome_and_kind_of_change():
    items = load()
    assert len(items) >= 60
    assert set(Counter(i.expected for i in items)) == set(OUTCOMES)
    assert {"job", "city", "partner", "diet", "pet", "favourite", "nearmiss"} <= {
        i.category for i in items
    }
    assert len({(i.first, i.second) for i in items}) == len(items)


def test_outcomes_are_read_from_the_records(tmp_path, minilm):
    """The reading itself can fail: a plain move supersedes, a second subject keeps both."""
    with _memory(tmp_path, minilm, None) as mem:
        _readings(mem)


def _readings(mem) -> None:
    move = Item("t", "I live in Berlin.", "I moved to Paris.", "supersede")
    assert outcome(mem, move, Scope("oc-1"))[0] == "supersede"
    apart = Item("t", "I live in Berlin.", "My sister lives in Berlin.", "keep_both")
    assert outcome(mem, apart, Scope("oc-2"))[0] == "keep_both"
    same = Item("t", "I live in Berlin.", "I live in Berlin.", "reinforce")
    got = outcome(mem, same, Scope("oc-3"))[0]
    assert passed(got, "reinforce") and not passed(got, "keep_both")


test_nothing_merged_or_lost_on_sqlite, test_nothing_merged_or_lost_on_postgres = invariant_tests(
    run
)
