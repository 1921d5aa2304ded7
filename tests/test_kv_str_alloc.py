"""STR's allocation of one total budget across layers: a layer whose attention is spread keeps
more rows than one whose attention is peaked, and the total is never exceeded."""

from __future__ import annotations

import pytest
import torch

from agentmem.kv import get_policy
from agentmem.kv.policies.allocation import allocate, layer_curve
from agentmem.llm.fakes import tiny_llm

transformers = pytest.importorskip("transformers")

# Text apart from test_kv_str's: a shipping note, numbers and names.
TEXT = (
    "Crate 17 left the harbour at Tromso on Tuesday with forty barrels of cod liver oil. "
    "The skipper, Ingrid Holm, logged a swell of three metres past Vannoya and slowed to "
    "nine knots. Customs in Hammerfest cleared the papers under reference 44-0918 by noon."
)


@pytest.fixture(scope="module")
def tiny():
    return tiny_llm(seed=11, num_hidden_layers=4)


def _peaked(n: int, gen: torch.Generator) -> torch.Tensor:
    """Attention relative to uniform that a few tokens take nearly all of."""
    values = torch.rand(n, generator=gen) * 0.05
    values[torch.randperm(n, generator=gen)[:3]] = n / 3
    return values


def _spread(n: int, gen: torch.Generator) -> torch.Tensor:
    return 0.8 + 0.4 * torch.rand(n, generator=gen)


@pytest.mark.parametrize("floor", [0.0, 0.5])
def test_spread_layers_get_more_rows_and_the_total_holds(floor):
    gen = torch.Generator().manual_seed(3)
    n = 200
    curves = [_peaked(n, gen), _spread(n, gen), _peaked(n, gen), _spread(n, gen)]
    rows = allocate(curves, 4 * 50, floor)
    assert sum(rows) == 200
    assert min(rows[1], rows[3]) > max(rows[0], rows[2]), rows
    assert min(rows) >= int(floor * 50), rows


def test_dense_layers_keep_every_row_within_the_total():
    gen = torch.Generator().manual_seed(5)
    curves = [_spread(64, gen) for _ in range(6)]
    rows = allocate(curves, 6 * 40, 0.5, dense=1)
    assert rows[0] == 64 and sum(rows) == 240
    # at a budget too small for them, dense layers take at most half the total
    small = allocate(curves, 6 * 8, 0.5, dense=2)
    assert sum(small) == 48 and small[0] + small[1] <= 24


def test_a_total_over_every_row_keeps_everything():
    gen = torch.Generator().manual_seed(9)
    curves = [_peaked(30, gen), _spread(20, gen)]
    assert allocate(curves, 100, 0.5) == [30, 20]


def test_layer_curve_averages_heads_by_rank():
    stat = torch.tensor([[0.0, 3.0, 1.0], [2.0, 0.0, 4.0]])
    assert torch.equal(layer_curve(stat), torch.tensor([3.5, 1.5, 0.0]))


def test_str_gives_a_spread_layer_more_rows_within_the_total(tiny):
    policy = get_policy("str", reconstruct=False, sinks=0, layer_floor=0.0)
    session = tiny.session(policy, 1.0, prefill_chunk=0)
    session.feed(TEXT)
    cache = session.cache
    gen = torch.Generator().manual_seed(1)
    for st in cache.states:
        maker = _spread if st.index % 2 else _peaked
        st.stat.copy_(torch.stack([maker(st.length, gen) for _ in range(st.pos.shape[0])]))
    budget = cache.tokens_seen // 4
    cache.compress(budget)
    rows = [st.length for st in cache.states]
    assert sum(rows) <= budget * len(rows)
    spread, peaked = rows[1::2], rows[0::2]
    assert min(spread) > max(peaked), rows


def test_str_sessions_stay_within_the_total_budget(tiny):
    session = tiny.session(get_policy("str", layer_floor=0.5), 0.25, prefill_chunk=16)
    session.feed(TEXT)
    for _ in session.decode(6):
        cache = session.cache
        total = sum(st.length for st in cache.states)
        assert total <= cache.budget_tokens * len(cache.states)
    lengths = {st.length for st in session.cache.states}
    assert len(lengths) > 1  # the layers do not all keep the same rows


def test_by_default_every_layer_keeps_the_same_rows(tiny):
    session = tiny.session("str", 0.25, prefill_chunk=16)
    session.feed(TEXT)
    assert {st.length for st in session.cache.states} == {session.cache.budget_tokens}


def test_layer_floor_over_one_is_refused():
    with pytest.raises(Exception, match="layer_floor"):
        get_policy("str", layer_floor=1.5)
