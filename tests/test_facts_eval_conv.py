"""The conversational suite (tests/facts_eval_conv: chat turns as people type them, written
apart from the extractor) through `Memory.add` on SQLite and PostgreSQL, checking what must
always hold: no turn is lost, no near-miss pair (>= 500 across both splits) is merged, and
facts of one subject or speaker never replace another's. Accuracy per category is a figure,
not a check: `python tests/facts_eval_conv/conv_evaluate.py` prints it for dev and heldout."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from agentmem.facts.extraction import parse

sys.path.insert(0, str(Path(__file__).parent / "facts_eval_conv"))
from conv_evaluate import run  # noqa: E402
from conv_generate import cases, pairs  # noqa: E402

CATEGORIES = {"restatement", "update", "retraction", "compound", "third_person", "multi_speaker"}


def test_the_suite_is_large_and_covers_every_category():
    assert len(pairs("dev")) + len(pairs("heldout")) >= 500
    for split in ("dev", "heldout"):
        assert set(Counter(c.category for c in cases(split))) == CATEGORIES
    dev = {t.text for c in cases("dev") for t in c.turns}
    heldout = {t.text for c in cases("heldout") for t in c.turns}
    assert not dev & heldout  # other templates and pools, not the same turns again


def _check(report: dict) -> None:
    print({k: v["accuracy"] for k, v in report["by_category"].items()})
    assert report["lost_turns"] == []
    assert report["silent_merges"] == [], report["silent_merges"][:20]
    assert report["merged_apart_cases"] == []
    assert report["crossed_subjects"] == [], report["crossed_subjects"]


@pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")
def test_nothing_lost_merged_or_crossed_on_sqlite(tmp_path, minilm):
    for report in run(("dev", "heldout"), per_template=2, embedder=minilm, home=tmp_path):
        _check(report)


@pytest.mark.slow
@pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")
def test_nothing_lost_merged_or_crossed_on_postgres(tmp_path, minilm, pg_url):
    reports = run(
        ("heldout",),
        per_template=1,
        pairs_per_template=10,
        embedder=minilm,
        database_url=pg_url,
        home=tmp_path,
    )
    _check(reports[0])
