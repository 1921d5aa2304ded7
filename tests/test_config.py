from pathlib import Path

import pytest
from pydantic import BaseModel

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


def _sections():
    return {
        name: field.annotation
        for name, field in MemoryConfig.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
    }


def _misspelt(key: str) -> str:
    """The key with one inner letter dropped (a typing slip, not a listed name)."""
    middle = len(key) // 2
    return key[:middle] + key[middle + 1 :]


def test_every_section_refuses_a_misspelt_key_and_names_the_setting(tmp_path):
    """A misspelt setting used to be dropped in silence, its default left in force."""
    for section, model in _sections().items():
        for key in model.model_fields:
            slip = _misspelt(key)
            if slip in model.model_fields:
                continue
            with pytest.raises(ConfigError) as caught:
                MemoryConfig.create(home=tmp_path, **{section: {slip: 1}})
            message = str(caught.value)
            assert f"{section}.{slip}: unknown setting" in message
            assert repr(key) in message, message


def test_unknown_keys_are_refused_from_toml_and_environment(tmp_path, monkeypatch):
    path = tmp_path / "agentmem.toml"
    path.write_text("[consolidation]\nidle_gap = 2.0\n")
    with pytest.raises(ConfigError, match=r"consolidation\.idle_gap: unknown setting"):
        MemoryConfig.from_toml(path)
    monkeypatch.setenv("AGENTMEM_SEARCH__FULLTEXT_WEIGTH", "0.2")
    with pytest.raises(ConfigError, match="did you mean 'fulltext_weight'"):
        MemoryConfig.create(home=tmp_path)


def test_a_key_like_none_lists_what_the_section_knows(tmp_path):
    with pytest.raises(ConfigError) as caught:
        MemoryConfig.create(home=tmp_path, kv={"zebra": 1})
    assert "kv.zebra: unknown setting; known settings here: " in str(caught.value)
    assert "budget" in str(caught.value)


def test_a_refused_setting_writes_nothing(tmp_path):
    with pytest.raises(ConfigError, match="unknown setting"):
        Memory(home=tmp_path / "h", embedding={"model": "hash", "dimensions": 64})
    assert not (tmp_path / "h" / "agentmem.db").exists()
