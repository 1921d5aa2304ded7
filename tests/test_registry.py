"""Plug-ins of every kind register by name once; a config names them; bad names are refused."""

from __future__ import annotations

import pytest

from agentmem import Memory, Scope
from agentmem.adapters.embeddings import EMBEDDERS, Embedder, HashEmbedder, make_embedder
from agentmem.consolidation import SUMMARIZERS, Summarizer
from agentmem.errors import ConfigError
from agentmem.facts.extraction import EXTRACTORS, LayeredExtractor, RuleExtractor
from agentmem.registry import Registry
from agentmem.short_term import word_counter


class Headline(Summarizer):
    """Keeps the first sentence of the first turn: easy to recognise in a summary."""

    name = "headline"

    def _summarize(self, previous, turns, max_tokens):
        return turns[0][1].split(".")[0] + "."


@pytest.fixture
def headline():
    SUMMARIZERS.register("headline-test", lambda **_: Headline())
    yield
    SUMMARIZERS._factories.pop("headline-test")


def test_a_registered_summarizer_is_used_by_name(home, headline):
    with Memory(
        home=home,
        embedding={"model": "hash"},
        token_counter=word_counter,
        consolidation={"summarizer": "headline-test", "background": False},
    ) as mem:
        assert isinstance(mem.consolidator.summarizer, Headline)


@pytest.mark.parametrize(
    ("registry", "name"),
    [(SUMMARIZERS, "extractive"), (EXTRACTORS, "rules"), (EMBEDDERS, "hash")],
)
def test_a_taken_name_is_refused_with_the_fix(registry, name):
    with pytest.raises(ConfigError, match=rf"{name!r} is already registered.*another name"):
        registry.register(name, lambda **_: None)
    assert name in registry  # the original stays


def test_replace_is_explicit():
    plugins: Registry[int] = Registry("counter", "test.counter")
    plugins.register("one", lambda: 1)
    plugins.register("one", lambda: 11, replace=True)
    assert plugins.create("one") == 11
    assert plugins.register("two")(lambda: 2) and plugins.create("two") == 2


@pytest.mark.parametrize(
    ("section", "setting"), [("summarizer", "bullet-points"), ("extractor", "regex-v9")]
)
def test_an_unknown_name_is_refused_before_anything_is_written(tmp_path, section, setting):
    home = tmp_path / "never-created"
    with pytest.raises(ConfigError, match=rf"consolidation.{section} must name.*{setting!r}"):
        Memory(home=home, embedding={"model": "hash"}, consolidation={section: setting})
    assert not home.exists()


def test_embedders_by_name_and_an_unknown_one_names_the_choices():
    assert isinstance(make_embedder("hash", dimension=24), HashEmbedder)
    assert make_embedder("hash", dimension=24).embed(["a b"]).shape == (1, 24)
    with pytest.raises(ConfigError, match=r"minilm.*'no-such-model'"):
        make_embedder("no-such-model")


def test_a_registered_embedder_serves_memory(home):
    class Constant(Embedder):
        dimension = 8

        def _embed(self, texts):
            return HashEmbedder(8)._embed(["constant"] * len(texts))

    EMBEDDERS.register("constant-test", lambda **_: Constant())
    try:
        with Memory(home=home, embedding={"model": "constant-test"}) as mem:
            mem.add("the blue kettle", Scope("erin"))
            assert isinstance(mem.long_term.embedder, Constant)
    finally:
        EMBEDDERS._factories.pop("constant-test")


def test_the_default_extractor_is_rules_then_the_parse(mem):
    extractor = mem.consolidator.extractor
    assert isinstance(extractor, LayeredExtractor)
    assert isinstance(extractor.quick, RuleExtractor)
