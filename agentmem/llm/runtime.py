"""LocalLLM and Session: generation over a managed KV cache.

    llm = LocalLLM.load()
    s = llm.session(policy="cmp", budget=0.125)
    s.feed(long_text)
    s.ask("What is the pass key?", max_new_tokens=8)
    s.stats()

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
from functools import cached_property
from typing import TYPE_CHECKING, Any

import torch

from agentmem.config import MemoryConfig
from agentmem.errors import ValidationError
from agentmem.kv.attention import managed_attention
from agentmem.kv.cache import ManagedCache
from agentmem.kv.policies import Policy, get_policy
from agentmem.kv.rereader import Rereader
from agentmem.llm import loader

if TYPE_CHECKING:
    from agentmem.kv.snapshots import SnapshotStore

Messages = str | Sequence[dict[str, str]]


class LocalLLM:
    """A local causal LM (the bundled SmolLM2 by default) with managed-cache generation."""

    def __init__(self, model, tokenizer, config: MemoryConfig | None = None, source=None):
        self.model = model
        self.tokenizer = tokenizer
        self.config = config or MemoryConfig.create()
        self.source = source

    @classmethod
    def load(cls, config: MemoryConfig | None = None) -> LocalLLM:
        """Load the configured model (``config.llm``), offline; converts the bundled GGUF once."""
        config = config or MemoryConfig.create()
        model, tokenizer, source = loader.load_model(config)
        return cls(model, tokenizer, config, source)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @cached_property
    def fingerprint(self) -> str:
        """Hash of the architecture and a sample of the weights (see `loader.fingerprint`)."""
        return loader.fingerprint(self.model)

    @cached_property
    def tokenizer_hash(self) -> str:
        return loader.tokenizer_hash(self.tokenizer)

    # --- sessions -------------------------------------------------------------------------------
    def session(
        self,
        policy: str | Policy | None = None,
        budget: float | int | None = None,
        *,
        prefill_chunk: int | None = None,
        reweave: bool | dict[str, Any] | None = None,
        **policy_params: Any,
    ) -> Session:
        """A fresh KV session; policy, budget and ``reweave`` (hidden-state reweaving, see
        `agentmem.kv.reweave`) default to ``config.kv``."""
        kv = self.config.kv
        if policy is None:
            policy = get_policy(kv.policy, **{**kv.policy_params, **policy_params})
        else:
            policy = get_policy(policy, **policy_params)
        chunk = kv.prefill_chunk if prefill_chunk is None else prefill_chunk
        reweave = kv.reweave if reweave is None else reweave
        return Session(self, policy, kv.budget if budget is None else budget, chunk, reweave)

    def encode(
        self, messages_or_prompt: Messages, *, add_generation_prompt: bool = True
    ) -> list[int]:
        """Token ids of a prompt string, or of chat messages through the chat template."""
        if isinstance(messages_or_prompt, str):
            return self.tokenizer(messages_or_prompt, add_special_tokens=False)["input_ids"]
        messages = list(messages_or_prompt)
        for message in messages:
            if not isinstance(message, dict) or "role" not in message or "content" not in message:
                raise ValidationError(
                    f"messages must be dicts with 'role' and 'content', got {message!r}"
                )
        ids = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=add_generation_prompt, tokenize=True
        )
        if isinstance(ids, dict) or hasattr(ids, "keys"):
            ids = ids["input_ids"]
        return list(ids)

    def generate(
        self, messages_or_prompt: Messages, max_new_tokens: int | None = None, **options
    ) -> str:
        """The model's reply to a prompt or chat messages, decoded over a managed cache;
        ``options`` are ``stream``'s (policy, budget, temperature, session)."""
        return "".join(self.stream(messages_or_prompt, max_new_tokens, **options))

    def stream(
        self,
        messages_or_prompt: Messages,
        max_new_tokens: int | None = None,
        *,
        policy: str | Policy | None = None,
        budget: float | int | None = None,
        temperature: float = 0.0,
        session: Session | None = None,
    ) -> Iterator[str]:
        """Like ``generate`` but yields text pieces as they are decoded.

        ``session`` continues an existing session (e.g. one restored from a snapshot).
        """
        s = session or self.session(policy, budget)
        s.feed_ids(self.encode(messages_or_prompt))
        limit = max_new_tokens or self.config.llm.max_new_tokens
        yield from s.decode(limit, temperature=temperature)

    def chat_session(
        self,
        system: str,
        messages: Sequence[dict[str, str]],
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        policy: str | Policy | None = None,
        budget: float | int | None = None,
        snapshots: SnapshotStore | None = None,
    ) -> tuple[Session, bool]:
        """A session holding ``system`` + ``messages`` (chat template), ready to ``decode``.

        With ``user_id`` and ``config.kv.snapshots`` on, the KV of the ``system`` turn (preamble
        + core memories) comes from the scope's activation snapshot, computed and saved on a
        miss. ``snapshots`` is the store to use (the caller's home); by default the one of
        this model's config. Returns the session and whether the snapshot was reused.
        """
        system_turn = [{"role": "system", "content": system}]
        prefix = self.render(system_turn, generation=False)
        whole = self.render([*system_turn, *messages], generation=True)
        if not whole.startswith(prefix):  # a template that rewrites earlier turns
            prefix = ""
        hit = False
        if prefix and user_id is not None and self.config.kv.snapshots:
            from agentmem.kv.snapshots import SnapshotStore

            store = snapshots or SnapshotStore.for_config(self.config)
            session, hit = store.session(
                self, user_id, agent_id, prefix, policy=policy, budget=budget
            )
        else:
            session = self.session(policy, budget)
            session.feed(prefix)
        session.feed(self._recalled_tail(session, system_turn, messages, prefix, whole))
        return session, hit

    def _recalled_tail(self, session: Session, system_turn, messages, prefix: str, whole: str):
        """What is left to feed of ``whole``; with reweaving on, the turns before the last are
        fed and the last one reweaves what it attends to first."""
        head = self.render([*system_turn, *messages[:-1]], generation=False) if messages else ""
        if session.weaver is None or not head.startswith(prefix) or not whole.startswith(head):
            return whole[len(prefix) :]
        session.feed(head[len(prefix) :])
        session.weaver.recall(self.encode(whole[len(head) :]))
        return whole[len(head) :]

    def chat(
        self,
        system: str,
        messages: Sequence[dict[str, str]],
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        max_new_tokens: int | None = None,
        policy: str | Policy | None = None,
        budget: float | int | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """The reply to ``messages`` after ``system`` (see ``chat_session``) and the session's
        stats, with ``"snapshot_hit"``."""
        session, hit = self.chat_session(
            system, messages, user_id=user_id, agent_id=agent_id, policy=policy, budget=budget
        )
        limit = max_new_tokens or self.config.llm.max_new_tokens
        with session.weaver.pinning() if session.weaver else contextlib.nullcontext():
            reply = "".join(session.decode(limit)).strip()
        return reply, {**session.stats(), "snapshot_hit": hit}

    def render(self, messages: Sequence[dict[str, str]], *, generation: bool) -> str:
        """The chat template applied to ``messages``, as text."""
        return self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=generation, tokenize=False
        )


class Session:
    """One managed KV cache over a LocalLLM; ``feed`` and ``ask`` grow it, the policy trims it."""

    def __init__(
        self,
        llm: LocalLLM,
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
