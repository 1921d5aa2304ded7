"""Read-only extra passes over a managed cache, for policies that score tokens by re-reading.

KVzip (Kim et al., 2025) scores a cached token by the attention it receives while the model
repeats the context. The policy decides what to feed and what to record; this module runs
the pass: the fed tokens are appended after the cache at the next positions, a recorder
policy observes the attention, and afterwards the cache is exactly as before (the pass's
tokens are dropped, positions, spans and statistics untouched). The session installs one
on its cache (``cache.rereader``), so policies never import the model runtime.
"""

from __future__ import annotations

from typing import Any

import torch

from agentmem.kv.attention import managed_attention


class Rereader:
    """Runs token ids through ``model`` after a managed cache's tokens, then forgets them."""

    def __init__(self, model, tokenizer, cache_kwarg: str = "past_key_values"):
        self.model = model
        self.tokenizer = tokenizer
        self.cache_kwarg = cache_kwarg
        self._suffix: list[int] | None = None

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def answer_prefix(self) -> list[int]:
        """Ids that open the model's reply after a user turn (the chat template's), or a
        newline for a model without a chat template."""
        if self._suffix is None:
            self._suffix = self.encode(self._answer_prefix_text())
        return self._suffix

    def _answer_prefix_text(self) -> str:
        if not getattr(self.tokenizer, "chat_template", None):
            return "\n"
        marker = "\n" + "#" * 13
        rendered = self.tokenizer.apply_chat_template(
            [{"role": "user", "content": "dummy context" + marker}],
            add_generation_prompt=True,
            tokenize=False,
        )
        return rendered.split(marker, 1)[1]

    @torch.no_grad()
    def run(self, cache, ids: list[int], recorder: Any) -> None:
        """Feed ``ids`` after ``cache``'s tokens with ``recorder`` as the observing policy;
        the cache keeps none of them."""
        device = next(self.model.parameters()).device
        saved_policy, saved_span = cache.policy, cache._next_span
        saved_fed = len(cache.fed_ids)
        lengths = [(st.length, st.last_position) for st in cache.states]
        positions = cache.begin(len(ids), device)
        cache.policy = recorder
        try:
            with managed_attention(self.model, cache):
                self.model(
                    input_ids=torch.tensor([ids], device=device),
                    position_ids=positions,
                    **{self.cache_kwarg: cache.dynamic},
                    use_cache=True,
                    logits_to_keep=1,
                )
        finally:
            cache.policy, cache._next_span, cache._pending = saved_policy, saved_span, None
            del cache.fed_ids[saved_fed:]
            for st, (n, last) in zip(cache.states, lengths, strict=False):
                if st.length > n:
                    st.keep(torch.arange(n, device=st.pos.device).expand(st.pos.shape[0], -1))
                st.last_position = last
