"""Hidden-state reweaving (CMR) on tiny random Llamas: exactness, budgets, hooks, ridge files."""

from __future__ import annotations

import copy

import pytest
import torch

from agentmem.config import MemoryConfig
from agentmem.errors import ConfigError
from agentmem.kv.reweave import ReweaveOptions
from agentmem.kv.reweave.layers import decoder
from agentmem.kv.reweave.select import expand
from agentmem.llm.fakes import tiny_llm

transformers = pytest.importorskip("transformers")

POLICIES = ["streaming_llm", "h2o", "snapkv", "tova", "str", "cmp"]


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return MemoryConfig.create(home=tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def tiny(config):
    return tiny_llm(seed=3, config=config, num_hidden_layers=4)


def _ids(n: int, seed: int) -> list[int]:
    return torch.randint(3, 250, (n,), generator=torch.Generator().manual_seed(seed)).tolist()


def _evict(session, positions: list[int]) -> None:
    """Drop ``positions`` from every layer and head of the session's cache."""
    for st in session.cache.states:
        gone = torch.isin(st.pos, torch.tensor(positions))
        keep = torch.arange(st.length).expand_as(st.pos)[~gone].view(st.pos.shape[0], -1)
        st.keep(keep)


@pytest.mark.parametrize("name", ["full", *POLICIES])
def test_full_budget_is_bit_identical_with_and_without_reweaving(tiny, name):
    text = "Ships leave at dawn. The code word is saffron 7731. Nobody knows it! " * 3
    outputs = []
    for reweave in (False, {"layer": 2}):
        s = tiny.session(name, 1.0, prefill_chunk=24, reweave=reweave)
        s.feed(text)
        reply = s.ask("Which code word?", max_new_tokens=6)
        outputs.append((reply, s.last_logits.clone(), s.stats()))
    (plain, plain_logits, _), (woven, woven_logits, stats) = outputs
    assert woven == plain
    assert torch.equal(woven_logits, plain_logits)
    assert stats["latent_bytes"] > 0 and stats["rewoven_tokens"] == 0


@pytest.mark.parametrize("layer", [1, 3])
def test_rerun_reproduces_an_evicted_tokens_kv_at_layers_from_c(tiny, layer):
    s = tiny.session("full", 1.0, prefill_chunk=16, reweave={"layer": layer, "latent": "float32"})
    s.feed_ids(_ids(40, seed=11))
    target = [17, 18]
    before = [(st.keys[:, :, target].clone(), st.values[:, :, target].clone())
              for st in s.cache.states]  # fmt: skip
    _evict(s, target)
    rows = s.weaver.rebuild(torch.tensor(target))
    for index in range(layer, len(before)):
        torch.testing.assert_close(rows[index][0], before[index][0], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(rows[index][1], before[index][1], rtol=1e-5, atol=1e-5)
    assert s.weaver.recall([], positions=target) == 2
    for index, st in enumerate(s.cache.states):
        assert st.length == 40 and st.pos[:, 17:19].eq(torch.tensor(target)).all()
        if index >= layer:
            torch.testing.assert_close(st.keys[:, :, 17:19], before[index][0], rtol=1e-5, atol=1e-5)


def test_capture_at_layer_zero_restores_the_full_cache_output(tiny):
    """With c = 0 every layer is re-run: the next question sees what the full cache gives."""
    ids, question = _ids(48, seed=5), _ids(6, seed=6)
    full = tiny.session("full", 1.0, prefill_chunk=16)
    full.feed_ids(ids)
    full.feed_ids(question)
    s = tiny.session("full", 1.0, prefill_chunk=16, reweave={"layer": 0, "latent": "float32"})
    s.feed_ids(ids)
    _evict(s, list(range(10, 30)))
    assert s.weaver.recall(question, positions=range(10, 30)) == 20
    s.feed_ids(question)
    torch.testing.assert_close(s.last_logits, full.last_logits, rtol=1e-4, atol=1e-4)


def test_int8_latents_stay_close_to_the_exact_rows(tiny):
    s = tiny.session("full", 1.0, prefill_chunk=16, reweave={"layer": 2})
    s.feed_ids(_ids(40, seed=12))
    keys = s.cache.states[3].keys[:, :, [20]].clone()
    _evict(s, [20])
    rebuilt = s.weaver.rebuild(torch.tensor([20]))[3][0]
    rel = float((rebuilt - keys).norm() / keys.norm())
    assert rel < 0.05


@pytest.mark.parametrize("name", POLICIES)
def test_rewoven_rows_stay_inside_the_budget(tiny, name):
    s = tiny.session(name, 0.25, prefill_chunk=16, reweave={"layer": 2, "recall_tokens": 12})
    s.feed("Rain fell on the old mill. The miller counted 4182 sacks. Then he slept. " * 4)
    s.ask("How many sacks?", max_new_tokens=4)
    stats = s.stats()
    allowed = 0.25 * stats["tokens_seen"] * s.cache.full_token_bytes()
    assert 0 < stats["rewoven_last"] <= 12 and stats["rewoven_tokens"] == stats["rewoven_last"]
    assert stats["device_kv_bytes"] + stats["latent_bytes"] <= allowed + 2
    assert "protected" not in vars(s.policy)  # the pin is gone after the reply


def test_pinned_rows_outlive_the_question_and_the_reply(tiny):
    """StreamingLLM evicts the oldest rows first: rewoven rows survive only by the pin."""
    s = tiny.session("streaming_llm", 0.3, prefill_chunk=16, reweave={"layer": 2})
    s.feed_ids(_ids(80, seed=9))
    s.weaver.recall(_ids(4, seed=10), positions=[30, 31, 32])
    with s.weaver.pinning():
        s.feed_ids(_ids(5, seed=13))
        for token in _ids(4, seed=14):
            s.feed_ids([token])
        assert all(torch.isin(torch.tensor([30, 31, 32]), st.pos[0]).all()
                   for st in s.cache.states)  # fmt: skip
    s.feed_ids(_ids(8, seed=15))  # now they are the oldest rows outside the sinks
    assert not torch.isin(torch.tensor([30, 31, 32]), s.cache.states[0].pos[0]).any()


def test_hooks_and_attention_are_restored_after_an_exception(tiny):
    s = tiny.session("str", 0.5, prefill_chunk=16, reweave={"layer": 2})
    s.feed_ids(_ids(40, seed=2))
    stack = decoder(tiny.model)
    previous = tiny.model.config._attn_implementation

    def boom(*_):
        raise RuntimeError("boom")

    handle = stack.layers[3].register_forward_hook(boom)
    try:
        with pytest.raises(RuntimeError, match="boom"):
            s.feed_ids(_ids(4, seed=3))
        with pytest.raises(RuntimeError, match="boom"):
            s.weaver.rebuild(torch.tensor([10, 11]))
    finally:
        handle.remove()
    assert all(not layer._forward_pre_hooks for layer in stack.layers)
    assert tiny.model.config._attn_implementation == previous
    assert len(s.weaver.store) == 40  # the failed pass left no latents


def test_ridge_maps_are_saved_with_the_fingerprint_and_reused(tiny, config):
    from safetensors import safe_open

    s = tiny.session("str", 0.5, reweave={"layer": 1})
    maps = s.weaver.maps
    files = list(config.reweave_dir.glob(f"{tiny.fingerprint}-c1-int8-*.safetensors"))
    assert len(files) == 1 and maps.weights.shape[0] == 4
    with safe_open(str(files[0]), framework="pt") as handle:
        assert handle.metadata()["fingerprint"] == tiny.fingerprint
    stamp = files[0].stat().st_mtime_ns
    assert tiny.session("h2o", 0.5, reweave={"layer": 1}).weaver.maps is maps
    assert files[0].stat().st_mtime_ns == stamp


@pytest.mark.parametrize(("heads", "tokens"), [("max", "max"), ("max", "sum"), ("sum", "sum")])
def test_selection_scores_are_the_models_own_layer_c_attention_pooled(tiny, heads, tokens):
    """With traces evicted only at layers >= c the question's attention at c is the full
    model's; the score is its mass on each evicted trace, per head its strongest question
    token's (or all tokens' summed), then the most attentive head's (or all heads' summed)."""
    from agentmem.kv.reweave import select

    c, ids, question = 2, _ids(36, seed=21), _ids(5, seed=22)
    s = tiny.session("full", 1.0, prefill_chunk=12, reweave={"layer": c, "latent": "float32"})
    s.feed_ids(ids)
    gone = torch.tensor([5, 6, 7, 20, 21, 30])
    for st in s.cache.states[c:]:
        keep = torch.arange(st.length).expand_as(st.pos)[~torch.isin(st.pos, gone)]
        st.keep(keep.view(st.pos.shape[0], -1))
    candidates = select.evicted(s.cache)
    assert candidates.tolist() == gone.tolist()
    read = select.read_question(s.weaver, question)
    got = select.score(s.weaver, read, candidates, heads, tokens)

    model, n = tiny.model, len(ids)
    implementation = model.config._attn_implementation
    model.config._attn_implementation = "eager"  # the only one that returns its weights
    try:
        with torch.no_grad():
            out = model(torch.tensor([ids + question]), output_attentions=True)
    finally:
        model.config._attn_implementation = implementation
    rows = out.attentions[c][0, :, n:, :n].float()  # (q_heads, question, context)
    rows = rows / rows.sum(dim=-1, keepdim=True)  # the score's softmax spans the context only
    per_head = rows[:, :, gone].amax(dim=1) if tokens == "max" else rows[:, :, gone].sum(dim=1)
    want = per_head.amax(dim=0) if heads == "max" else per_head.sum(dim=0)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


def test_sentence_expansion_takes_whole_sentences_best_first():
    candidates = torch.tensor([3, 4, 5, 6, 9, 10, 11, 20, 21])
    sentences = torch.tensor([0, 0, 0, 0, 1, 1, 1, 2, 2])
    scores = torch.tensor([0.0, 0.1, 0.0, 0.0, 0.0, 0.9, 0.0, 0.3, 0.0])
    assert expand(candidates, scores, sentences, seeds=2, room=10).tolist() == [
        9, 10, 11, 20, 21,
    ]  # fmt: skip
    assert expand(candidates, scores, sentences, seeds=3, room=4).tolist() == [9, 10, 11, 20]
    assert expand(candidates, scores, sentences, seeds=1, room=2).tolist() == [9, 10]


def test_bad_options_are_refused_with_the_fix(tiny):
    with pytest.raises(ConfigError, match="unknown kv.reweave keys"):
        ReweaveOptions.parse({"layers": 3})
    with pytest.raises(ConfigError, match="heads must be 'max' or 'sum', got 'mean'"):
        ReweaveOptions.parse({"heads": "mean"})
    with pytest.raises(ConfigError, match="tokens must be 'max' or 'sum', got 'last'"):
        ReweaveOptions.parse({"tokens": "last"})
    with pytest.raises(ConfigError, match="recall_tokens must be >= 1"):
        ReweaveOptions.parse({"recall_tokens": 0})
    with pytest.raises(ConfigError, match="must be < the model's 4 layers"):
        tiny.session("str", 0.5, reweave={"layer": 4})
    assert ReweaveOptions.parse(False) is None and ReweaveOptions.parse(True).layer is None


def test_config_turns_reweaving_on(tmp_path):
    config = MemoryConfig.create(home=tmp_path, kv={"reweave": {"layer": 1}})
    llm = tiny_llm(config=config, num_hidden_layers=3)
    assert llm.session("str", 0.5).weaver.layer == 1
    assert llm.session("str", 0.5, reweave=False).weaver is None
    assert config.reweave_dir == tmp_path / "kv" / "reweave"


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    from agentmem.llm import LocalLLM

    return LocalLLM.load(MemoryConfig.create(home=tmp_path_factory.mktemp("smol")))


@pytest.mark.llm
def test_bundled_model_answers_from_a_rewoven_needle(bundled):
    """A key the cache evicted comes back at the question (the ridge maps are fitted here)."""
    hay = "Birds sing in the morning. Trains run late on Sundays. " * 14
    key = "53190"
    fed = []
    for reweave in (False, True):
        s = bundled.session("streaming_llm", 0.15, prefill_chunk=128, reweave=reweave)
        s.feed(hay + f"The pass key is {key}. Remember it. " + hay, mark=key)
        reply = s.ask("\nWhat is the pass key? The pass key is", max_new_tokens=6)
        fed.append((reply, s.stats()))
    (plain, plain_stats), (woven, stats) = fed
    assert plain_stats["survival_device"] == 0.0 and key not in plain
    assert key in woven and stats["rewoven_last"] > 0
    assert stats["latent_bytes"] < 0.013 * stats["full_kv_bytes"]


def test_chat_reweaves_before_the_last_turn_when_configured(tmp_path):
    config = MemoryConfig.create(home=tmp_path, kv={"reweave": {"layer": 1}, "snapshots": False})
    llm = tiny_llm(config=config, num_hidden_layers=3)
    system = "The harbour opens at six. The ferry code is 2291. Gulls nest on the pier. " * 3
    reply, stats = llm.chat(system, [{"role": "user", "content": "Ferry code?"}],
                            max_new_tokens=3, policy="str", budget=0.3)  # fmt: skip
    assert isinstance(reply, str) and stats["reweave_questions"] == 1
    assert stats["rewoven_last"] > 0 and "protected" not in vars(llm.session("str", 0.3).policy)


@pytest.mark.parametrize("name", POLICIES)
def test_an_oracle_recall_brings_the_needle_back_to_every_head(tiny, name):
    s = tiny.session(name, 0.3, prefill_chunk=32, reweave={"layer": 2})
    s.feed("Cold tea waits on the sill. " * 7)
    s.feed("Vault 88 hides 6024.", mark=True)
    s.feed("A dog barks twice at noon. " * 7)
    needle = sorted(s.cache.marked)
    assert s.cache.survival()["device"] < 1.0
    s.weaver.recall([9, 9], positions=needle)
    assert s.cache.survival()["device"] == 1.0


def _fed_twice(tiny, name: str, ids: list[int]):
    return [_fed(tiny, name, ids) for _ in range(2)]


def _fed(tiny, name: str, ids: list[int]):
    s = tiny.session(name, 0.5, prefill_chunk=16, reweave={"layer": 2, "recall_tokens": 10})
    s.feed_ids(ids)
    return s


@pytest.mark.parametrize("name", ["h2o", "str"])
def test_recall_displaces_the_rows_the_question_reads_least(tiny, name):
    """Rewoven rows take the places of the rows the question gives the least attention at that
    layer and head, measured here by feeding the question for real into a twin session (the
    managed attention's own weights, as the policy hook sees them)."""
    ids, question = _ids(64, seed=41), _ids(6, seed=42)
    twin, s = _fed_twice(tiny, name, ids)
    before = [st.pos.clone() for st in twin.cache.states]
    extras = [copy.deepcopy(st.extra) for st in twin.cache.states]  # the policy's own state
    masses: dict[int, torch.Tensor] = {}
    observe = twin.cache.policy.observe

    def recording(state, probs, q_start, q_total):
        n = before[state.index].shape[1]
        masses[state.index] = masses.get(state.index, 0) + probs[..., :n].sum(dim=(1, 2))
        observe(state, probs, q_start, q_total)

    twin.cache.policy.observe = recording
    twin.feed_ids(question)
    from agentmem.kv.reweave import select

    recalled = select.evicted(s.cache)[:6]
    assert s.weaver.recall(question, positions=recalled.tolist()) == 6
    displaced_any = False
    rows = zip(s.cache.states, before, extras, [masses[i] for i in range(4)], strict=True)
    for st, pos, extra, mass in rows:
        protected = s.cache.policy.protected(_Rows(pos, st.last_position, extra), pos.shape[1])
        for h in range(pos.shape[0]):
            kept = torch.isin(pos[h], st.pos[h])
            free = ~protected[h] & ~torch.isin(pos[h], recalled)
            gone, stayed = mass[h][~kept], mass[h][kept & free]
            if len(gone) and len(stayed):
                displaced_any = True
                assert float(gone.max()) <= float(stayed.min()) + 1e-5, (st.index, h)
    assert displaced_any


class _Rows:
    """The ``pos``, ``last_position`` and policy state (``extra``) of a layer as they were
    (for ``policy.protected``)."""

    def __init__(self, pos: torch.Tensor, last_position: int, extra: dict):
        self.pos, self.last_position, self.extra = pos, last_position, extra
