"""The generated fact suite (tests/facts_eval, written apart from the extractor) through
`Memory.add` on SQLite and PostgreSQL: no turn is lost, and facts of two subjects or two
speakers never touch each other. Precision, recall and conflict accuracy are figures, not
checks: `python tests/facts_eval/facts_evaluate.py` prints them for the dev and held-out splits."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agentmem.facts.extraction import parse

sys.path.insert(0, str(Path(__file__).parent / "facts_eval"))
from facts_evaluate import score_conflicts  # noqa: E402
from facts_generate import generate  # noqa: E402

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")
SEPARATE = ("multi_speaker", "distinct_subjects")


def _check(report: dict) -> None:
    assert report["lost_turns"] == []
    for category in SEPARATE:
        assert report["by_category"][category]["accuracy"] == 1.0, report["failures"]


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_nothing_lost_and_subjects_apart_on_sqlite(tmp_path, split):
    _check(score_conflicts(generate(split, per_template=2), "parse", None, tmp_path))


@pytest.mark.slow
def test_nothing_lost_and_subjects_apart_on_postgres(tmp_path, pg_url):
    _check(score_conflicts(generate("heldout", per_template=1), "parse", pg_url, tmp_path))
