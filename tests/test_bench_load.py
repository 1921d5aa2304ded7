"""`agentmem bench load` end to end at a tiny size: a real Chroma server, `agentmem serve
--workers 2`, the raw HTTP client and the in-process baseline, all in one short run.
Asserts what the report contains and that its counts add up, never how fast anything was."""

from __future__ import annotations

import json

from agentmem.bench import load


def test_tiny_load_run_reports_every_figure(tmp_path):
    out = tmp_path / "load.json"
    argv = ["--memories", "120", "--backends", "sqlite", "--clients", "3", "--workers", "2"]
    argv += ["--ops", "search", "add", "--requests", "24", "--seconds", "60"]
    argv += ["--storm", "2", "2", "--embedding", "hash", "--seed", "7", "--json", "--out", str(out)]
    assert load.main(argv) == 0
    results = json.loads(out.read_text())

    runs = results["runs"]
    assert all(r["errors"] == 0 for r in runs), [r for r in runs if r["errors"]]
    local = [r for r in runs if r["where"] == "in-process"]
    service = [r for r in runs if r["where"] == "service"]
    assert [(r["op"], r["clients"], r["requests"]) for r in local] == [("search", 3, 24)]
    assert {(r["op"], r["clients"]) for r in service} >= {("search", 3), ("add", 3)}
    for row in service:
        # every answer names the worker that gave it; none is lost from the count
        assert sum(row["workers"].values()) == row["requests"]
        assert all(pid.isdigit() for pid in row["workers"])
    measured = [r for r in service if "client_cpu_ms_per_request" in r]
    assert measured and all(r["client_cpu_ms_per_request"] > 0 for r in measured)
    assert all(r["server_cpu_ms_per_request"] > 0 for r in measured)

    # every user was warmed on every worker that held a connection
    warm = results["warm_requests_per_worker"]["sqlite"]
    assert all(n >= load.USERS for n in warm.values()), warm

    (comparison,) = results["comparison"]
    assert comparison["rps_ratio"] == round(comparison["service_rps"] / local[0]["rps"], 3)
    (mixed,) = results["mixed"]
    assert mixed["search_clients"] == 2 and mixed["add_clients"] == 2
    assert mixed["adds_rps"] > 0 and mixed["p95_ratio"] > 0
    assert set(results["targets"]) >= {"rps_ratio", "p95_ratio", "storm_p95_ratio", "add_rps"}
