"""Policy variants in `agentmem bench kv`: ``cmp[decode_open=1]`` runs beside ``cmp`` on the
same cases, and a spec the policy cannot take is refused before any model work."""

from __future__ import annotations

import re

import pytest

from agentmem.bench.kv_variants import make_variant, parse_config, parse_variant
from agentmem.errors import ConfigError


def test_a_variant_reads_each_option_by_its_field_type():
    name, params = parse_variant("cmp[decode_open=1, block_size=16,representative=mean]")
    assert name == "cmp"
    assert params == {"decode_open": 1.0, "block_size": 16, "representative": "mean"}
    assert isinstance(params["decode_open"], float) and isinstance(params["block_size"], int)
    policy = make_variant("CMP[recall_share=0.25]")
    assert policy.recall_share == 0.25 and policy.decode_open == 0.0
    assert parse_variant("str") == ("str", {})
    assert parse_variant("streaming[]") == ("streaming_llm", {})  # aliases hold
    assert make_variant("h2o[recent_ratio=0.25]").recent_ratio == 0.25
    assert parse_variant("cmp[cold_path=none]") == ("cmp", {"cold_path": None})


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("cmp[decode_opn=1]", "has no option 'decode_opn'"),
        ("cmp[reselect=two]", "reselect expects int"),
        ("cmp[block_size=1.5]", "block_size expects int"),
        ("cmp[decode_open=-1]", "decode_open must be >= 0"),
        ("cmp[representative=median]", "representative must be"),
        ("cmp[decode_open]", "is not option=value"),
        ("cmp[decode_open=1,decode_open=2]", "given twice"),
        ("quest[k=1]", "unknown KV policy 'quest'"),
        ("cmp decode_open=1", "is not NAME or NAME[option=value"),
        ("cmp[decode_open=1", "is not NAME or NAME[option=value"),
    ],
)
def test_a_bad_variant_is_a_clear_error(spec, says):
    with pytest.raises(ConfigError, match=re.escape(says)):
        make_variant(spec)


def test_speed_configurations_pair_a_variant_with_a_budget():
    assert parse_config("cmp[decode_open=1]@0.125") == ("cmp[decode_open=1]", 0.125)
    assert parse_config("full@1") == ("full", 1.0)
    for bad in ("cmp", "cmp@", "cmp@zero", "cmp@0", "cmp[x=1]@0.1"):
        with pytest.raises(ConfigError):
            parse_config(bad)


def test_the_cli_refuses_an_unknown_option_before_loading_a_model(capsys):
    from agentmem.bench import kv

    with pytest.raises(SystemExit) as exited:
        kv.main(["--tasks", "speed", "--policies", "full", "cmp[decode_opne=1]"])
    assert exited.value.code == 2
    assert "has no option 'decode_opne'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        kv.main(["--tasks", "speed", "--speed-configs", "cmp[decode_open=1]"])
    assert "SPEC@BUDGET" in capsys.readouterr().err


def test_variants_run_side_by_side_on_the_same_cases():
    pytest.importorskip("transformers")
    from agentmem.bench import kv
    from agentmem.llm.fakes import tiny_llm

    specs = ["full", "cmp", "cmp[decode_open=1]", "cmp[recall_share=0.25]"]
    report = kv.run(
        llm=tiny_llm(), lengths=(160,), budgets=(0.25,), trials=2, policies=specs,
        tasks=("passkey", "speed"), speed_lengths=(120,), decode_tokens=2,
        speed_configs=[("full", 1.0), ("cmp[decode_open=1]", 0.125)], plot=False,
        log=lambda _m: None,
    )  # fmt: skip
    rows = report["results"]
    passkey = {r["policy"] for r in rows if r["task"] == "passkey"}
    assert passkey == set(specs)
    for spec in specs[1:]:
        acc = [r for r in rows if r["policy"] == spec and r["metric"] == "accuracy@160"]
        assert len(acc) == 1 and acc[0]["n"] == 2 and acc[0]["budget"] == 0.25
    speed = {(r["policy"], r["budget"]) for r in rows if r["task"] == "speed"}
    assert speed == {("full", 1.0), ("cmp[decode_open=1]", 0.125)}
    ratio = [r for r in rows if r["metric"] == "cpu_decode_ratio_vs_full@120"]
    assert {r["policy"] for r in ratio} == {"full", "cmp[decode_open=1]"}
    assert report["config"]["speed_configs"] == [["full", 1.0], ["cmp[decode_open=1]", 0.125]]
