"""CMP's decode selection: a decoded token starts from the held recall, opens only the
blocks its bounds rank best besides it, and reads nothing else from the cold tier."""

from __future__ import annotations

import pytest
import torch

from agentmem.kv import get_policy
from agentmem.kv.tiers import ColdStore
from agentmem.llm.fakes import tiny_llm


def _store(keys: torch.Tensor, block: int) -> ColdStore:
    heads, n, dim = keys.shape
    store = ColdStore(heads, dim, torch.float32, "cpu", block, None, "bound", True)
    store.append(keys, keys.clone() * -1.0, torch.arange(n).expand(heads, -1))
    store.in_warm.zero_()
    return store


def _blocks(recalled, block: int) -> list[set[int]]:
    return [set((row // block).tolist()) for row in recalled[3]]


def _exhaustive(store: ColdStore, query: torch.Tensor, count: int, norm=None) -> list[set[int]]:
    q = query.float().flatten(1, 2)
    _, norm = store._rep_logits(q, norm)
    every = torch.arange(store.blocks).expand(store.heads, -1)
    return [set(r.tolist()) for r in store._exact(q, every, norm).topk(count, dim=1).indices]


def test_a_decoded_token_reads_only_the_opened_blocks_however_loose_the_bounds():
    """Random 32-dim keys: min/max bounds overlap, so the exact selection opens most blocks;
    the two-stage one opens the requested count, whatever the store's length."""
    gen = torch.Generator().manual_seed(5)
    heads, dim, block, count = 2, 32, 8, 4
    store = _store(torch.randn(heads, 800, dim, generator=gen), block)
    first = torch.randn(heads, 3, 1, dim, generator=gen)
    held = store.recall(first, count, candidates=2)
    nxt = first + 0.5 * torch.randn(heads, 3, 1, dim, generator=gen)
    store.recall(nxt, count, candidates=2, held=held)
    assert store.opened > 4 * count  # the exact selection, for contrast
    store.recall(nxt, count, candidates=2, held=held, opened=count)
    assert store.opened == count


def test_a_held_selection_gives_way_to_a_block_that_beats_it():
    """The held blocks were chosen for one query; the next query also aims at a block outside
    them, whose keys (and so its bound) match it: that block replaces the weakest held one,
    and the result is the exact best, as the exhaustive scoring finds it."""
    gen = torch.Generator().manual_seed(8)
    heads, dim, block, count = 1, 16, 8, 3
    keys = torch.randn(heads, 400, dim, generator=gen) * 0.2
    first = torch.randn(dim, generator=gen)
    aside = torch.randn(dim, generator=gen)
    aside = (aside - (aside @ first) / (first @ first) * first) * first.norm() / aside.norm()
    second = first + aside  # as close to the held blocks as ``first``, and to block 41
    for b, scale in ((4, 2.0), (20, 2.2), (33, 2.4)):
        keys[0, b * block + 2] = first * scale
    keys[0, 41 * block + 5] = aside * 3.0
    store = _store(keys, block)
    held = store.recall(first[None, None, None], count, candidates=2)
    assert _blocks(held, block) == [{4, 20, 33}]
    again = store.recall(first[None, None, None], count, candidates=2, held=held, opened=2)
    assert again is held  # nothing beat it: the held keys are reused as they are
    moved = store.recall(second[None, None, None], count, candidates=2, held=held, opened=2)
    assert _blocks(moved, block) == [{20, 33, 41}]
    assert _blocks(moved, block) == _exhaustive(store, second[None, None, None], count)


@pytest.mark.parametrize("seed", range(4))
def test_opening_every_block_gives_the_exact_selection(seed):
    gen = torch.Generator().manual_seed(seed)
    heads, dim, block, count = 3, 24, 8, 4
    store = _store(torch.randn(heads, 203, dim, generator=gen), block)
    store.in_warm[:, 50:60] = True  # attended in tier 1, never a reason to recall a block
    held = store.recall(torch.randn(heads, 2, 1, dim, generator=gen), count, candidates=2)
    query = torch.randn(heads, 2, 1, dim, generator=gen)
    got = store.recall(query, count, candidates=2, held=held, opened=store.blocks)
    assert _blocks(got, block) == _exhaustive(store, query, count)
    fresh = store.recall(query, count, candidates=2, opened=store.blocks)  # nothing held
    assert _blocks(fresh, block) == _exhaustive(store, query, count)


def test_two_stage_decoding_that_opens_every_block_matches_the_exact_selection():
    """On a tiny model through prefill, compressions and decoding: with every cold block
    opened the two-stage selection is the exact one, so the logits agree."""
    tiny = tiny_llm(seed=3)
    ids = torch.randint(0, 256, (200,), generator=torch.Generator().manual_seed(21)).tolist()
    sessions = []
    for decode_open in (0.0, 1000.0):
        policy = get_policy("cmp", sinks=2, recent=8, decode_open=decode_open)
        sessions.append(tiny.session(policy, 0.25, prefill_chunk=32))
        sessions[-1].feed_ids(ids)
    exact, two_stage = sessions
    for token in ids[:12]:
        exact.feed_ids([token]), two_stage.feed_ids([token])
        torch.testing.assert_close(two_stage.last_logits, exact.last_logits)
    assert two_stage.stats()["tiers"]["cold"] > 0


def test_a_negative_decode_open_is_refused():
    from agentmem.errors import ConfigError

    with pytest.raises(ConfigError, match="decode_open"):
        get_policy("cmp", decode_open=-1)


def _spread_and_one_match(seed: int, target: int, dim: int = 32):
    """Blocks of keys that spread wide (loose bounds, no key near the query) and one block of
    small keys with one key matching the query: the best block exactly, far down by bound."""
    gen = torch.Generator().manual_seed(seed)
    heads, block, n = 1, 8, 480
    keys = torch.randn(heads, n, dim, generator=gen)
    query = torch.randn(dim, generator=gen)
    keys[0, target * block : (target + 1) * block] *= 0.1
    keys[0, target * block + int(seed) % block] = query / query.norm() * 4.0
    return _store(keys, block), query[None, None, None], block


@pytest.mark.parametrize(("seed", "target"), [(0, 11), (1, 37), (2, 52), (3, 3)])
def test_the_default_decode_selection_finds_a_matching_block_the_bounds_rank_low(seed, target):
    """The class: the block holding the answer has one key that matches the decoded token's
    query among blocks whose keys spread wide. Its bound ranks below theirs, so a two-stage
    selection that opens the bounds' best misses it; CMP's default (``decode_open`` 0, the
    exact bounded selection) recalls it, as the exhaustive scoring does."""
    store, query, block = _spread_and_one_match(seed, target)
    count = 4
    held = store.recall(torch.randn(1, 1, 1, query.shape[-1]), count, candidates=2)
    exact = store.recall(query, count, candidates=2, held=held)
    assert target in _blocks(exact, block)[0]
    assert _blocks(exact, block) == _exhaustive(store, query, count)
    two_stage = store.recall(query, count, candidates=2, held=held, opened=count)
    assert target not in _blocks(two_stage, block)[0]
    assert get_policy("cmp").decode_open == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_after_loose_bounds_a_decoded_token_scores_every_block_and_stays_exact(seed):
    """Random 48-dim keys: the bounds of a selection from a held recall prune under half the
    blocks, so the next decoded tokens skip them and score every block; each result is still
    the exhaustive exact selection, and new blocks make the bounds asked again."""
    gen = torch.Generator().manual_seed(100 + seed)
    heads, dim, block, count = 3, 48, 8, 5
    store = _store(torch.randn(heads, 500, dim, generator=gen), block)
    query = torch.randn(heads, 3, 1, dim, generator=gen)
    norm = torch.full((heads, 3, 1), 4.0)  # a decoded token's normaliser (the attention's)
    held = store.recall(query, count, candidates=2, norm=norm)
    assert not store.loose  # a fresh selection (no held recall) never marks the bounds loose
    for _ in range(4):
        query = query + 0.7 * torch.randn(heads, 3, 1, dim, generator=gen)
        held = store.recall(query, count, candidates=2, held=held, norm=norm)
        assert store.loose
        assert _blocks(held, block) == _exhaustive(store, query, count, norm)
    assert store.opened == store.blocks
    more = torch.randn(heads, 16, dim, generator=gen)
    store.append(more, more.clone(), torch.arange(500, 516).expand(heads, -1))
    store.in_warm.zero_()
    assert not store.loose


@pytest.mark.parametrize(("seed", "target"), [(4, 7), (5, 29), (6, 44)])
def test_the_skip_of_loose_bounds_keeps_a_block_with_one_matching_key(seed, target):
    """The one-sharp-key class again, now at a decoded token after loose bounds: the answer's
    block is recalled as the exhaustive scoring recalls it."""
    store, query, block = _spread_and_one_match(seed, target)
    count = 4
    gen = torch.Generator().manual_seed(seed)
    norm = torch.full((1, 1, 1), 3.0)
    first = torch.randn(1, 1, 1, query.shape[-1], generator=gen)
    held = store.recall(first, count, candidates=2, norm=norm)
    held = store.recall(first.flip(-1), count, 2, held, norm)
    assert store.loose
    got = store.recall(query, count, candidates=2, held=held, norm=norm)
    assert target in _blocks(got, block)[0]
    assert _blocks(got, block) == _exhaustive(store, query, count, norm)


def _pair(keys: torch.Tensor, block: int, tmp_path) -> tuple[ColdStore, ColdStore]:
    """The same keys in memory (the transposed float copy, `ColdStore.kt`) and on disk (no
    copy: the row-layout pass)."""
    heads, n, dim = keys.shape
    stores = []
    for path in (None, tmp_path / "cold"):
        store = ColdStore(heads, dim, torch.float32, "cpu", block, path, "bound", True)
        store.append(keys, -keys, torch.arange(n).expand(heads, -1))
        store.in_warm.zero_()
        stores.append(store)
    assert stores[0].kt is not None and stores[1].kt is None
    return stores[0], stores[1]


@pytest.mark.parametrize("seed", range(3))
def test_the_pass_over_transposed_keys_selects_as_the_row_pass(seed, tmp_path):
    """Every block scored in one pass: over the transposed copy with the validity as a cached
    bias, or over the rows; the same blocks, through tokens moving in and out of tier 1 (the
    bias follows ``in_warm``) and an append of a part block."""
    gen = torch.Generator().manual_seed(200 + seed)
    heads, dim, block, count = 3, 40, 8, 5
    fast, rows = _pair(torch.randn(heads, 301, dim, generator=gen), block, tmp_path)
    norm = torch.full((heads, 2, 1), 2.0)
    for step in range(5):
        query = torch.randn(heads, 2, 1, dim, generator=gen).flatten(1, 2)
        if step == 2:  # tokens move to tier 1 in one head: their slots leave the selection
            for store in (fast, rows):
                store.in_warm[1, 40:120] = True
        if step == 3:
            more = torch.randn(heads, 13, dim, generator=gen)
            for store in (fast, rows):
                store.append(more, more.clone(), torch.arange(301, 314).expand(heads, -1))
                store.in_warm[:, -13:] = False
        got = fast._exact(query, None, norm).topk(count, dim=1).indices
        want = rows._exact(query, None, norm).topk(count, dim=1).indices
        assert [set(r.tolist()) for r in got] == [set(r.tolist()) for r in want]
        every = torch.arange(fast.blocks).expand(heads, -1)
        exhaustive = fast._exact(query, every, norm).topk(count, dim=1).indices
        assert [set(r.tolist()) for r in got] == [set(r.tolist()) for r in exhaustive]
    assert not set(range(5, 15)) & {b for b in got[1].tolist()}  # blocks wholly in tier 1


@pytest.mark.parametrize(("seed", "target"), [(7, 5), (8, 23), (9, 58)])
def test_the_transposed_pass_keeps_a_block_with_one_matching_key(seed, target, tmp_path):
    """The one-sharp-key class at a decoded token after loose bounds, in memory (transposed
    pass) and on disk (row pass): both recall the answer's block, as the exhaustive scoring."""
    store, query, block = _spread_and_one_match(seed, target)
    keys = store.k[:, : store.length].clone()
    count, norm = 4, torch.full((1, 1, 1), 3.0)
    for s in _pair(keys, block, tmp_path):
        first = torch.randn(1, 1, 1, query.shape[-1], generator=torch.Generator().manual_seed(seed))
        held = s.recall(first, count, candidates=2, norm=norm)
        held = s.recall(first.flip(-1), count, 2, held, norm)
        assert s.loose
        got = s.recall(query, count, candidates=2, held=held, norm=norm)
        assert target in _blocks(got, block)[0]
        assert _blocks(got, block) == _exhaustive(s, query, count, norm)
