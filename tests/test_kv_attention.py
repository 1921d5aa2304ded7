"""The observed attention path: several query chunks in one forward, extras sharing a softmax."""

from __future__ import annotations

import pytest
import torch

from agentmem.kv.attention import QUERY_CHUNK, _joint_softmax
from agentmem.llm.fakes import tiny_llm

pytest.importorskip("transformers")


def test_multi_chunk_forward_equals_the_models_attention():
    llm = tiny_llm()
    n = 2 * QUERY_CHUNK + 37  # three query chunks, the last one partial
    ids = torch.randint(0, 256, (1, n), generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        reference = llm.model(ids).logits[0]
    for policy in ("h2o", "str"):  # both read every chunk's attention weights
        session = llm.session(policy, 10_000, prefill_chunk=0)
        logits = session.feed_ids(ids[0].tolist(), return_logits=True)
        torch.testing.assert_close(logits, reference, rtol=1e-4, atol=1e-4)


def test_joint_softmax_is_the_softmax_of_the_concatenation():
    gen = torch.Generator().manual_seed(2)
    scores = torch.randn(3, 2, 5, 11, generator=gen)
    extra = torch.randn(3, 2, 5, 4, generator=gen)
    scores[..., 7:] = float("-inf")
    extra[0, :, :, 1] = float("-inf")
    expected = torch.softmax(torch.cat([extra, scores], -1), -1)
    _joint_softmax(scores, extra)
    torch.testing.assert_close(torch.cat([extra, scores], -1), expected)
    h2o_probs = scores.clone()
    _joint_softmax(h2o_probs, None)
    torch.testing.assert_close(h2o_probs.sum(-1), torch.ones(3, 2, 5))
