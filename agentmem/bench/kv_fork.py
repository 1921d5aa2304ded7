"""What the KV benchmarks share: the passkey texts, one full-cache prefill that records the
statistics of several policies at once (`_Fanout`), a copy of that prefill compressed by
one of them (`_fork`), and the next-token KL between two logit rows."""

from __future__ import annotations

import copy

import torch

from agentmem.kv.policies import Policy

FILLER = (
    "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again. "
)
INTRO = (
    "There is an important info hidden inside a lot of irrelevant text. Find it and memorize it.\n"
)
QUESTION = "\nWhat is the pass key? The pass key is"


class _Fanout(Policy):
    """Records the statistics of several policies during one full-cache prefill."""

    needs_attention = True
    needs_queries = True

    def __init__(self, policies: dict[str, Policy]):
        self.policies = {k: p for k, p in policies.items() if p.needs_attention or p.needs_queries}

    def _each(self, state, call) -> None:
        stat, extra = state.stat, state.extra
        for key, policy in self.policies.items():
            slot = extra.setdefault(f"fanout:{key}", {"stat": torch.zeros_like(stat), "extra": {}})
            if slot["stat"].shape != stat.shape:  # new tokens arrived: extend with zeros
                grow = stat.shape[1] - slot["stat"].shape[1]
                slot["stat"] = torch.cat([slot["stat"], torch.zeros_like(stat[:, :grow])], dim=1)
            state.stat, state.extra = slot["stat"], slot["extra"]
            try:
                call(policy, state)
            finally:
                slot["stat"] = state.stat
                state.stat, state.extra = stat, extra

    def observe(self, state, probs, q_start, q_total) -> None:
        self._each(state, lambda p, st: p.observe(st, probs, q_start, q_total))

    def finish(self, state, n_new) -> None:
        self._each(state, lambda p, st: p.finish(st, n_new))

    def observe_queries(self, state, module, query) -> None:
        self._each(state, lambda p, st: p.observe_queries(st, module, query))

    def compress(self, state, budget) -> None:
        return None

    def score(self, state):
        return state.stat


def _fork(llm, prefilled, name: str, policy: Policy, budget: float | int):
    """A session holding a copy of ``prefilled``'s cache with ``policy``'s own statistics."""
    session = llm.session(policy, budget, prefill_chunk=0)
    src, dst = prefilled.cache, session.cache
    dst.dynamic = copy.deepcopy(src.dynamic)
    dst.tokens_seen, dst.step, dst._next_span = src.tokens_seen, src.step, src._next_span
    dst.marked = set(src.marked)
    for st in src.states:
        dst.state(st.index)  # creates the state over the copied layer
        new = dst.states[st.index]
        new.pos, new.span, new.last_position = st.pos.clone(), st.span.clone(), st.last_position
        slot = st.extra.get(f"fanout:{name}")
        new.stat = slot["stat"].clone() if slot else torch.zeros_like(st.stat)
        new.extra.update(copy.deepcopy(slot["extra"]) if slot else {})
    dst.fed_ids = list(src.fed_ids)
    session._last_logits = prefilled.last_logits
    dst.compress()
    return session


def _kl(p_logits: torch.Tensor, q_logits: torch.Tensor) -> float:
    p = torch.log_softmax(p_logits.float(), -1)
    q = torch.log_softmax(q_logits.float(), -1)
    return float((p.exp() * (p - q)).sum())
