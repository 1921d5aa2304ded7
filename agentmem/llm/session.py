"""Session: one managed KV cache over a LocalLLM, fed and decoded under a retention policy.

A session's cache persists across ``feed``/``ask`` calls; the policy is applied after every
forward pass (prefill chunk or decoded token), so the cache stays within budget during and
between calls. New tokens always get their true positions.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
import time
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import torch

from agentmem.errors import ValidationError
from agentmem.kv.attention import managed_attention
from agentmem.kv.cache import ManagedCache
from agentmem.kv.policies import Policy
from agentmem.kv.rereader import Rereader


class SessionModel(Protocol):
    """What a session needs of agentmem.llm.runtime.LocalLLM (which imports this module)."""

    model: Any
    tokenizer: Any
    config: Any

    @property
    def device(self) -> torch.device: ...

    def encode(self, text: str, **kwargs) -> list[int]: ...


class Session:
    """One managed KV cache over a LocalLLM; ``feed`` and ``ask`` grow it, the policy trims it."""

    def __init__(
        self,
        llm: SessionModel,
        policy: Policy,
        budget: float | int,
        prefill_chunk: int = 512,
        reweave: bool | dict[str, Any] | None = None,
    ):
        self.llm = llm
        self.cache = ManagedCache(llm.model.config, policy, budget)
        self.cache.rereader = Rereader(llm.model, llm.tokenizer, _cache_kwarg(type(llm.model)))
        self.weaver = None
        if reweave:
            from agentmem.kv.reweave import ReweaveOptions, Weaver

            self.weaver = Weaver(llm, self.cache, ReweaveOptions.parse(reweave))
        self.prefill_chunk = prefill_chunk if prefill_chunk and prefill_chunk > 0 else 1 << 30
        self._last_logits: torch.Tensor | None = None
        self.timings = {"prefill_s": 0.0, "prefill_tokens": 0, "decode_s": 0.0, "decode_tokens": 0}
        self.finish_reason: str | None = None  # of the last decode: "stop" or "length"

    @property
    def policy(self) -> Policy:
        return self.cache.policy

    @property
    def tokens_seen(self) -> int:
        return self.cache.tokens_seen

    # --- feeding --------------------------------------------------------------------------------
    def feed(self, text: str, *, mark: str | bool = False) -> int:
        """Append raw text to the cache; returns the number of tokens added.

        ``mark=True`` marks every token of ``text`` for survival statistics; a string marks the
        tokens overlapping its first occurrence in ``text`` (e.g. a passkey).
        """
        ids, spans, marked = self.encode_spans(text, mark)
        start = self.cache.tokens_seen
        self.feed_ids(ids, spans)
        self.cache.marked.update(start + i for i in marked)
        return len(ids)

    def encode_spans(
        self, text: str, mark: str | bool = False
    ) -> tuple[list[int], list[int], list[int]]:
        """Token ids, span ids (a word or number shares one) and the indices to mark."""
        enc = self.llm.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = enc["input_ids"], enc["offset_mapping"]
        spans = token_spans(text, offsets)
        if mark is True:
            marked = list(range(len(ids)))
        elif isinstance(mark, str) and mark and mark in text:
            lo = text.index(mark)
            hi = lo + len(mark)
            marked = [i for i, (a, b) in enumerate(offsets) if a < hi and b > lo]
        else:
            marked = []
        return ids, spans, marked

    def feed_ids(
        self, ids: Sequence[int], spans: Sequence[int] | None = None, *, return_logits: bool = False
    ) -> torch.Tensor | None:
        """Prefill ids in chunks of ``prefill_chunk``; optionally all logits ``(n, vocab)``."""
        if len(ids) == 0:
            return None
        started = time.perf_counter()
        collected = []
        for lo in range(0, len(ids), self.prefill_chunk):
            chunk = list(ids[lo : lo + self.prefill_chunk])
            chunk_spans = None if spans is None else _rebase(spans[lo : lo + self.prefill_chunk])
            logits = self._forward(chunk, chunk_spans, keep_all=return_logits)
            if return_logits:
                collected.append(logits)
        self.timings["prefill_s"] += time.perf_counter() - started
        self.timings["prefill_tokens"] += len(ids)
        return torch.cat(collected) if return_logits else None

    def probe(self, ids: Sequence[int]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Feed ``ids`` in one pass; returns the last logits ``(vocab,)`` and the hidden state of
        every layer at the last token (for error-propagation measures)."""
        out = self._forward(list(ids), None, hidden=True)
        return self._last_logits, [h[0, -1].float() for h in out.hidden_states]

    @torch.no_grad()
    def _forward(self, ids: list[int], spans: list[int] | None, keep_all=False, hidden=False):
        model = self.llm.model
        device = self.llm.device
        input_ids = torch.tensor([ids], device=device)
        positions = self.cache.begin(len(ids), device, spans, ids)
        capture = self.weaver.capturing(ids) if self.weaver else contextlib.nullcontext()
        with managed_attention(model, self.cache), capture:
            out = model(
                input_ids=input_ids,
                position_ids=positions,
                **{_cache_kwarg(type(model)): self.cache.dynamic},
                use_cache=True,
                logits_to_keep=0 if keep_all else 1,
                output_hidden_states=hidden,
            )
        self.cache.end(len(ids))
        self._last_logits = out.logits[0, -1].float()
        if hidden:
            return out
        return out.logits[0].float() if keep_all else None

    # --- decoding -------------------------------------------------------------------------------
    def decode(
        self,
        max_new_tokens: int,
        *,
        temperature: float = 0.0,
        seed: int = 0,
        stop: Sequence[str] = (),
        repetition_penalty: float = 1.0,
        stop_repeats: bool = False,
    ) -> Iterator[str]:
        """Yield text pieces of up to ``max_new_tokens`` tokens decoded from the cache.

        Decoding ends at an end-of-turn token or at the first of ``stop`` (not yielded);
        ``finish_reason`` then says "stop", or "length" when ``max_new_tokens`` ran out.
        ``repetition_penalty`` > 1 lowers the logits of tokens the reply already holds (as
        in CTRL); ``stop_repeats`` ends the reply before a sentence it already said.
        """
        if self._last_logits is None:
            raise ValidationError("nothing to decode from: feed some text first")
        tokenizer = self.llm.tokenizer
        eos = _eos_ids(tokenizer)
        stop = [s for s in stop if s]
        hold = max((len(s) for s in stop), default=1) - 1  # a stop may be half decoded
        generator = torch.Generator().manual_seed(seed)
        generated: list[int] = []
        text = emitted = ""
        self.finish_reason = "length"
        started = time.perf_counter()
        for _ in range(max_new_tokens):
            logits = self._last_logits
            if repetition_penalty != 1.0 and generated:
                logits = _penalised(logits, generated, repetition_penalty)
            if temperature > 0:
                probs = torch.softmax(logits.cpu() / temperature, dim=-1)
                token = int(torch.multinomial(probs, 1, generator=generator))
            else:
                token = int(logits.argmax())
            if token in eos:
                self.finish_reason = "stop"
                break
            generated.append(token)
            self._forward([token], None)
            text = tokenizer.decode(generated, skip_special_tokens=True)
            if text.endswith("\ufffd"):
                continue
            cut = min((text.find(s) for s in stop if s in text), default=-1)
            if cut < 0 and stop_repeats:
                cut = _repeat_start(text)
            if cut >= 0:
                text, self.finish_reason = text[:cut], "stop"
                break
            if len(text) - hold > len(emitted):
                yield text[len(emitted) : len(text) - hold]
                emitted = text[: len(text) - hold]
        text = text.rstrip("\ufffd")
        if len(text) > len(emitted):
            yield text[len(emitted) :]
        self.timings["decode_s"] += time.perf_counter() - started
        self.timings["decode_tokens"] += len(generated)

    def ask(self, text: str, max_new_tokens: int = 16, *, temperature: float = 0.0) -> str:
        """Feed ``text``, then decode greedily (by default) from the cache."""
        return "".join(self.stream(text, max_new_tokens, temperature=temperature))

    def stream(
        self, text: str, max_new_tokens: int = 16, *, temperature: float = 0.0
    ) -> Iterator[str]:
        """Feed ``text``, then yield the reply piece by piece. With reweaving on, the evicted
        sentences ``text`` attends to are rewoven first and kept until the reply ends."""
        if self.weaver is None:
            self.feed(text)
            yield from self.decode(max_new_tokens, temperature=temperature)
            return
        self.weaver.recall(self.llm.encode(text))
        with self.weaver.pinning():
            self.feed(text)
            yield from self.decode(max_new_tokens, temperature=temperature)

    @property
    def last_logits(self) -> torch.Tensor | None:
        """Next-token logits ``(vocab,)`` after the last forward pass."""
        return self._last_logits

    # --- inspection -----------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Device KV bytes, tokens seen, tokens per tier, survival of marked tokens, timings."""
        cache = self.cache
        full = cache.tokens_seen * cache.full_token_bytes()
        device = cache.device_bytes()
        survival = cache.survival()
        return {
            "policy": cache.policy.to_dict(),
            "budget": cache.budget,
            "budget_tokens": cache.budget_tokens,
            "tokens_seen": cache.tokens_seen,
            "tiers": cache.tier_counts(),
            "device_kv_bytes": device,
            "offloaded_kv_bytes": cache.offloaded_bytes(),
            "full_kv_bytes": full,
            "device_kv_ratio": device / full if full else 0.0,
            "marked_tokens": len(cache.marked),
            "survival_device": survival["device"],
            "survival_any_tier": survival["any_tier"],
            "finish_reason": self.finish_reason,
            **self.timings,
            **(self.weaver.stats() if self.weaver else {"latent_bytes": 0}),
        }

    def token_path(self, position: int) -> list[dict]:
        """Tier transitions of the token at ``position`` in every layer (CMP; empty otherwise)."""
        return [
            {"layer": st.index, **event}
            for st in self.cache.states
            for event in self.cache.policy.token_path(st, position)
        ]


def token_spans(text: str, offsets: Sequence[tuple[int, int]]) -> list[int]:
    """Span ids from a tokenizer's offsets: a word or a number (no break inside) shares one id."""
    spans: list[int] = []
    current = -1
    prev_end_char = ""
    for start, end in offsets:
        piece = text[start:end]
        first = piece[:1]
        joins = (
            current >= 0
            and first != ""
            and not first.isspace()
            and prev_end_char != ""
            and (
                (first.isdigit() and prev_end_char.isdigit())
                or (first.isalpha() and prev_end_char.isalpha())
            )
        )
        if not joins:
            current += 1
        spans.append(current)
        prev_end_char = piece[-1:] if piece else prev_end_char
    return spans


def _rebase(spans: Sequence[int]) -> list[int]:
    base = spans[0] if spans else 0
    return [s - base for s in spans]


def _penalised(logits: torch.Tensor, generated: list[int], penalty: float) -> torch.Tensor:
    """CTRL's repetition penalty: a seen token's logit divided by `penalty` when positive,
    multiplied when negative."""
    logits = logits.clone()
    seen = torch.tensor(sorted(set(generated)), device=logits.device)
    values = logits[seen]
    logits[seen] = torch.where(values > 0, values / penalty, values * penalty)
    return logits


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _repeat_start(text: str) -> int:
    """Where a finished sentence that repeats an earlier one of `text` starts, else -1."""
    parts = _SENTENCE_END.split(text)
    if len(parts) < 3:  # the last part may still be growing
        return -1
    seen: set[str] = set()
    offset = 0
    for part in parts[:-1]:
        start = text.index(part, offset)
        offset = start + len(part)
        key = " ".join(re.findall(r"\w+", part.lower()))
        if key and key in seen:
            return start
        seen.add(key)
    return -1


@functools.cache
def _cache_kwarg(model_type: type) -> str:
    """The name of the forward pass's cache argument: `cache` since transformers 5 (where
    `past_key_values` warns on every call), `past_key_values` before."""
    forward = getattr(model_type, "forward", None)
    try:
        params = inspect.signature(forward).parameters if forward else {}
    except (TypeError, ValueError):
        params = {}
    if "cache" in params:
        return "cache"
    base = getattr(model_type, "get_base_model", None)  # a peft wrapper passes kwargs through
    return "cache" if base is not None and _transformers_major() >= 5 else "past_key_values"


def _transformers_major() -> int:
    import transformers

    return int(transformers.__version__.split(".")[0])


def _eos_ids(tokenizer) -> set[int]:
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    for token in ("<|im_end|>", "<|endoftext|>"):
        tid = tokenizer.convert_tokens_to_ids(token)
        if isinstance(tid, int) and tid != tokenizer.unk_token_id:
            ids.add(tid)
    return ids
