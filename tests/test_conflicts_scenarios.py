"""Every YAML scenario under tests/conflicts/ runs through the public API and must pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentmem.scenarios import check_conflicts, load, main, run_scenario, scenario_memory

HERE = Path(__file__).parent / "conflicts"
FILES = sorted(HERE.glob("*.yaml"))
SCENARIOS = [s for f in FILES for s in load(f)]


@pytest.fixture(scope="module")
def shared_memory(tmp_path_factory):
    """One memory for all scenarios: each runs under its own users (a hard partition)."""
    with scenario_memory(tmp_path_factory.mktemp("scenarios")) as m:
        yield m


def test_there_are_at_least_forty_scenarios():
    assert len(SCENARIOS) >= 40
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS), "scenario names must be unique"


@pytest.mark.parametrize("index", range(len(SCENARIOS)), ids=[s.source for s in SCENARIOS])
def test_scenario(shared_memory, index):
    result = run_scenario(SCENARIOS[index], shared_memory, namespace=f"t{index}:")
    assert result.passed, "\n".join(result.failures)


def test_check_conflicts_reports_pass_and_fail(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(
        "name: move\nsteps:\n  - {say: 'I live in Berlin', at: 2024-01-01}\n"
        "  - {say: 'I moved to Paris', at: 2024-02-01}\n"
        "  - expect: {current: {lives_in: Paris}}\n"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: wrong expectation\nsteps:\n  - {say: 'I live in Berlin'}\n"
        "  - expect: {current: {lives_in: Rome}}\n"
    )
    report = check_conflicts([good, bad])
    assert (report.passed, report.failed) == (1, 1)
    text = report.render()
    assert "PASS  move" in text and "FAIL  wrong expectation" in text
    assert "expected 'Rome', current ['Berlin']" in text


def test_main_exit_codes(tmp_path, capsys):
    good = tmp_path / "good.yaml"
    good.write_text(
        "name: one\nsteps:\n  - {say: 'I like tea'}\n  - expect: {current: {likes: tea}}\n"
    )
    assert main([str(good)]) == 0
    assert "1/1 scenarios passed" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.yaml")]) == 1
    (tmp_path / "broken.yaml").write_text("name: x\nsteps:\n  - {nonsense: 1}\n")
    assert main([str(tmp_path / "broken.yaml")]) == 1
    assert "exactly one of" in capsys.readouterr().err
