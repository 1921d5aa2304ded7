"""STR and KVzip on the bundled model, one short context: what repetition needs, and numbers
kept whole."""

import pytest
import torch

pytestmark = pytest.mark.llm

FILLER = "Snow falls on the quiet village and the lamps glow in every window. " * 6
CONTEXT = FILLER + "The locker combination is 40917, do not lose it. " + FILLER


def test_repetition_needs_the_number_more_than_the_filler(local_llm):
    session = local_llm.session("kvzip", 1.0, prefill_chunk=0)
    session.feed(CONTEXT, mark="40917")
    cache = session.cache
    cache.policy.prepare(cache, 10)
    marked = torch.tensor(sorted(cache.marked))
    number, filler = [], []
    for st in cache.states:
        is_number = (st.pos[:, :, None] == marked).any(-1)
        number.append(st.stat[is_number].mean())
        filler.append(st.stat[~is_number & (st.pos >= 4)].mean())
    assert torch.stack(number).mean() > 2 * torch.stack(filler).mean()


def test_str_keeps_the_number_whole_within_budget(local_llm):
    session = local_llm.session("str", 0.25, prefill_chunk=0)
    session.feed(CONTEXT, mark="40917")
    marked = set(session.cache.marked)
    whole = 0
    for st in session.cache.states:
        assert st.length == session.cache.budget_tokens
        for row in st.pos.tolist():
            present = marked & set(row)
            assert present in (set(), marked)
            whole += present == marked
    assert whole >= len(session.cache.states) * session.cache.kv_heads // 2
