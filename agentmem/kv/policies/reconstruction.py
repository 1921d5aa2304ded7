"""Reconstruction importance (KVzip's, Kim et al., 2025): how much the model needs a cached
token to repeat the context.

The model is asked to repeat the context; each cached token of the part being repeated is
scored by the largest attention it receives from the repeating queries (over the queries
and the query heads that read its KV head), the softmax taken over the attention sinks,
that part of the cache and the repetition itself. Long contexts are repeated in chunks,
each later chunk prompted with the last tokens of the previous one. The pass is read-only:
it runs through ``cache.rereader`` and leaves the cache as it was.
"""

from __future__ import annotations

import torch

from agentmem.errors import ConfigError
from agentmem.kv.policies.base import Policy

REPEAT_FIRST = "\n\nRepeat the previous context exactly."
REPEAT_NEXT = "\n\nRepeat the part of the previous context exactly, starting with"


class RepeatRecorder(Policy):
    """Observes one repetition pass of the positions ``[start, stop)``."""

    name = "repeat_recorder"
    needs_attention = True

    def __init__(self, start: int, stop: int, pass_start: int, sinks: int):
        self.start, self.stop, self.pass_start, self.sinks = start, stop, pass_start, sinks

    def observe(self, state, probs: torch.Tensor, q_start: int, q_total: int) -> None:
        pos = state.pos[:, : probs.shape[-1]]
        part = (pos >= self.start) & (pos < self.stop)
        subset = part | (pos >= self.pass_start) | ((pos < self.sinks) & (pos < self.start))
        denom = (probs * subset[:, None, None, :]).sum(-1, keepdim=True).clamp_min(1e-30)
        best = (probs * part[:, None, None, :] / denom).amax(dim=(1, 2))
        prev = state.extra.get("repeat_best")
        if q_start > 0 and prev is not None:
            best = torch.maximum(prev, best)
        state.extra["repeat_best"] = best

    def score(self, state) -> torch.Tensor:
        return state.stat


def repeat_scores(
    cache, start: int, stop: int, *, chunk_size: int = 2048, overlap: int = 8, sinks: int = 4
) -> list[torch.Tensor]:
    """Per layer ``(kv_heads, n)``: the reconstruction importance of the cached tokens at
    positions ``[start, stop)``, NaN elsewhere (and for tokens whose ids are unknown)."""
    rereader = cache.rereader
    if rereader is None:
        raise ConfigError(
            "reconstruction scoring needs a cache with a rereader (one made by llm.session)"
        )
    scores = [torch.full_like(st.stat, float("nan"), dtype=torch.float32) for st in cache.states]
    ids = cache.fed_ids
    device = cache.states[0].pos.device
    known_ids = torch.tensor([i >= 0 for i in ids], dtype=torch.bool, device=device)
    for lo in range(start, stop, chunk_size):
        hi = min(lo + chunk_size, stop)
        part = [i for i in ids[lo:hi] if i >= 0]
        if not part:
            continue
        if lo == 0:
            prompt = rereader.encode(REPEAT_FIRST)
        else:
            before = [i for i in ids[max(lo - overlap, 0) : lo] if i >= 0]
            prompt = rereader.encode(REPEAT_NEXT) + before
        feed = prompt + rereader.answer_prefix() + part
        rereader.run(cache, feed, RepeatRecorder(lo, hi, cache.tokens_seen, sinks))
        for st, out in zip(cache.states, scores, strict=True):
            best = st.extra.pop("repeat_best", None)
            if best is None:
                continue
            inside = (st.pos >= lo) & (st.pos < hi)
            take = inside & known_ids[st.pos]
            out[take] = best[:, : st.length][take].float()
    return scores
