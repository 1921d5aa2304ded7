"""`bench.search_cpu` with both trees at once, taking turns at chunks of searches: this tree
against its own commit answers alike, and each side's CPU per search is reported."""

from __future__ import annotations

from agentmem.bench import search_cpu


def test_both_trees_at_once_in_turns_answer_alike(capsys):
    chunk = 4
    args = ["--baseline", "HEAD", "--memories", "48", "--users", "3", "--searches", "10"]
    args += ["--warmup", "2", "--rounds", "1", "--json", "--chunk", str(chunk)]
    result = search_cpu.main(args)
    capsys.readouterr()
    assert result["identical_ids_and_order"] is True
    assert result["empty_answers"] < result["searches"]
    cpu = result["cpu_ms_per_search_median_chunk"]
    assert set(cpu) == {"baseline", "this"}
    assert result["ratio_this_over_baseline"] > 0
