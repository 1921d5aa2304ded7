from pathlib import Path

import pytest

from agentmem import ConfigError, Memory, MemoryConfig


def test_defaults_live_under_home(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTMEM_HOME", str(tmp_path / "h"))
    config = MemoryConfig.create()
    assert config.home == tmp_path / "h"
    assert config.database_url == f"sqlite:///{tmp_path / 'h' / 'agentmem.db'}"
    assert config.chroma.path == tmp_path / "h" / "chroma"
    assert config.embedding.model == "minilm"


def test_a_new_home_moves_every_derived_path_but_not_the_set_ones(tmp_path):
    """`Memory(config, home=...)` and `agentmem --home` over a TOML file re-derive the paths."""
    first = MemoryConfig.create(home=tmp_path / "one", lora={"adapter_dir": tmp_path / "keep"})
    moved = first.with_overrides(home=tmp_path / "two")
    with Memory(first, home=tmp_path / "three", embedding={"model": "hash"}) as mem:
        opened = mem.config
    for config, home in ((moved, tmp_path / "two"), (opened, tmp_path / "three")):
        assert config.database_url == f"sqlite:///{home / 'agentmem.db'}"
        paths = [config.chroma.path, config.llm.cache_dir, config.kv.snapshot_dir]
        assert [p.parent for p in paths] == [home] * 3
        assert config.last_chat_path.parent == home / "kv"
        assert config.lora.adapter_dir == tmp_path / "keep"


def test_keyword_arguments_beat_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTMEM_SEARCH__RRF_K", "7")
    monkeypatch.setenv("AGENTMEM_MAX_TEXT_CHARS", "99")
    config = MemoryConfig.create(home=tmp_path, max_text_chars=50)
    assert config.search.rrf_k == 7
    assert config.max_text_chars == 50


def test_toml_file(tmp_path):
    path = tmp_path / "agentmem.toml"
    path.write_text(
        'home = "data"\nmax_text_chars = 123\n[search]\nfusion = "sum"\n'
        '[embedding]\nmodel = "hash"\n'
    )
    with Memory.from_config(path) as mem:
        assert mem.config.home == tmp_path / "data"
        assert mem.config.max_text_chars == 123
        assert mem.config.search.fusion == "sum"
        assert (tmp_path / "data" / "agentmem.db").exists()


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"search": {"rrf_k": -3}}, "search.rrf_k"),
        ({"search": {"fusion": "max"}}, "search.fusion"),
        ({"no_such_setting": 1}, "no_such_setting"),
    ],
)
def test_bad_values_name_the_setting(tmp_path, kwargs, needle):
    with pytest.raises(ConfigError, match=needle):
        MemoryConfig.create(home=tmp_path, **kwargs)


def test_missing_or_broken_toml(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        MemoryConfig.from_toml(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("home = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        MemoryConfig.from_toml(broken)


def test_unknown_embedder_is_a_config_error(tmp_path):
    with Memory(home=tmp_path, embedding={"model": "no-such-model"}) as mem:
        with pytest.raises(ConfigError, match="embedding.model"):
            mem.add("hello there", "alice")
    assert Path(tmp_path / "agentmem.db").exists()
