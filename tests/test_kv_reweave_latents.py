"""Latent formats of hidden-state reweaving on tiny random Llamas: bytes, exactness, identity."""

from __future__ import annotations

import pytest
import torch

from agentmem.config import MemoryConfig
from agentmem.errors import ConfigError
from agentmem.kv.reweave.codec import Basis, Codec
from agentmem.llm.fakes import tiny_llm
from tests.test_kv_reweave import _ids

transformers = pytest.importorskip("transformers")

HIDDEN = 64  # tiny_llm's residual width
# (options, bytes one token's latent takes, counted by hand from the format's definition,
# plus 4 + 4 for its int32 span and sentence ids)
FORMATS = [
    ({"latent": "float32"}, 4 * HIDDEN + 8),
    ({"latent": "int8"}, HIDDEN + 4 + 8),  # int8 elements, one float32 scale
    ({"latent": "int4"}, HIDDEN // 2 + 2 * 2 + 8),  # two per byte, float16 scale per 32
    ({"latent": "int4", "rank": 48}, 24 + 2 * 3 + 8),  # 48 coefficients: groups of 16
    ({"latent": "int8", "rank": 20}, 20 + 4 + 8),
    ({"latent": "int4", "rank": 0.5}, 16 + 2 + 8),  # half of 64 dims: one group of 32
]


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return MemoryConfig.create(home=tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def tiny(config):
    return tiny_llm(seed=7, config=config, num_hidden_layers=4)


@pytest.mark.parametrize(("options", "per_token"), FORMATS)
def test_latent_bytes_match_the_format(tiny, options, per_token):
    s = tiny.session("str", 0.5, prefill_chunk=10, reweave={"layer": 2, **options})
    s.feed_ids(_ids(37, seed=1))
    assert s.stats()["latent_bytes"] == 37 * per_token
    assert s.cache.reserved_bytes == 37 * per_token


@pytest.mark.parametrize(
    ("options", "cosine"),
    [
        ({"latent": "int8"}, 0.999),
        ({"latent": "int4"}, 0.99),
        ({"latent": "int4", "rank": HIDDEN}, 0.99),  # a rotation, then int4
    ],
)
def test_rerun_from_a_compressed_latent_stays_close_to_exact_kv(tiny, options, cosine):
    """The evicted tokens' K/V rebuilt from the stored latent at layers >= c keep a mean cosine
    (over tokens and heads, per layer and for keys and values: the figure DESIGN.md reports
    for the bundled model) of at least ``cosine`` to the exact rows (int4: the error of each
    element is at most 1/14 of its group's largest; int8: 1/254 of its row's)."""
    c = 1
    s = tiny.session("full", 1.0, prefill_chunk=16, reweave={"layer": c, **options})
    s.feed_ids(_ids(48, seed=2))
    target = torch.arange(20, 28)
    exact = [(st.keys[0][:, target].clone(), st.values[0][:, target].clone())
             for st in s.cache.states]  # fmt: skip
    for st in s.cache.states:
        gone = torch.isin(st.pos, target)
        st.keep(torch.arange(st.length).expand_as(st.pos)[~gone].view(st.pos.shape[0], -1))
    rows = s.weaver.rebuild(target)
    for index in range(c, len(exact)):
        for got, want in zip(rows[index], exact[index], strict=True):
            cos = torch.nn.functional.cosine_similarity(got[0].float(), want.float(), dim=-1)
            assert float(cos.mean()) >= cosine, (index, float(cos.mean()))


def test_a_rank_cut_keeps_exactly_the_projection_on_the_basis():
    """Over a basis the stored latent is the row's projection on it (float32: nothing else is
    lost); directions outside the basis are dropped."""
    gen = torch.Generator().manual_seed(4)
    rows = torch.randn(400, 32, generator=gen) @ torch.randn(32, 32, generator=gen)
    basis = Basis.fit(rows, 12)
    eye = basis.vectors.T @ basis.vectors
    torch.testing.assert_close(eye, torch.eye(12), atol=1e-5, rtol=0)
    x = torch.randn(5, 32, generator=gen)
    back = Codec("float32", 32, basis).roundtrip(x)
    centred = x - basis.mean
    want = centred @ basis.vectors @ basis.vectors.T + basis.mean
    torch.testing.assert_close(back, want, atol=1e-5, rtol=1e-5)
    # the principal directions hold more of the rows' variance than any other 12
    kept = ((rows - basis.mean) @ basis.vectors).var(dim=0).sum()
    other = torch.linalg.qr(torch.randn(32, 12, generator=gen)).Q
    assert float(kept) > float(((rows - basis.mean) @ other).var(dim=0).sum())


@pytest.mark.parametrize("options", [{"latent": "int4"}, {"latent": "int4", "rank": 32}])
@pytest.mark.parametrize("name", ["full", "str", "h2o"])
def test_full_budget_stays_bit_identical_with_compressed_latents(tiny, name, options):
    text = "The gate code is 4471 and the ferry leaves at nine. Keep it quiet. " * 3
    outputs = []
    for reweave in (False, {"layer": 2, **options}):
        s = tiny.session(name, 1.0, prefill_chunk=20, reweave=reweave)
        s.feed(text)
        reply = s.ask("What is the gate code?", max_new_tokens=6)
        outputs.append((reply, s.last_logits.clone()))
    assert outputs[1][0] == outputs[0][0]
    assert torch.equal(outputs[1][1], outputs[0][1])


def test_the_basis_is_stored_with_the_maps_under_the_fingerprint(tiny, config):
    from safetensors import safe_open

    s = tiny.session("str", 0.5, reweave={"layer": 1, "latent": "int4", "rank": 32})
    files = list(config.reweave_dir.glob(f"{tiny.fingerprint}-c1-int4-pca32-*.safetensors"))
    assert len(files) == 1
    with safe_open(str(files[0]), framework="pt") as handle:
        assert handle.metadata()["fingerprint"] == tiny.fingerprint
        assert handle.metadata()["latent"] == "int4-pca32"
        stored = handle.get_tensor("basis_vectors")
    assert stored.shape == (HIDDEN, 32)
    assert torch.equal(stored, s.weaver.store.codec.basis.vectors)
    assert s.stats()["latent_format"] == "int4-pca32"


def test_bad_latent_formats_are_refused_with_the_fix(tiny):
    with pytest.raises(ConfigError, match="'int8', 'int4' or 'float32', got 'int2'"):
        tiny.session("str", 0.5, reweave={"latent": "int2"})
    with pytest.raises(
        ConfigError, match=r"rank must be an int >= 1, a share in \(0, 1\) or None, got 0"
    ):
        tiny.session("str", 0.5, reweave={"rank": 0})
    with pytest.raises(ConfigError, match="rank must be <= the model's hidden size 64, got 65"):
        tiny.session("str", 0.5, reweave={"rank": 65})
    with pytest.raises(ConfigError, match="even width, got 33"):
        tiny.session("str", 0.5, reweave={"latent": "int4", "rank": 33})
