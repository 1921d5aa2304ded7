"""LocalLLM: the bundled model, its managed KV sessions (agentmem.llm.session) and chat.

    llm = LocalLLM.load()
    s = llm.session(policy="cmp", budget=0.125)
    s.feed(long_text)
    s.ask("What is the pass key?", max_new_tokens=8)
    s.stats()

A session's cache persists across ``feed``/``ask`` calls and stays within its policy's budget
(see agentmem.llm.session).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import torch

from agentmem.config import MemoryConfig
from agentmem.errors import ValidationError
from agentmem.kv.policies import Policy, get_policy
from agentmem.llm import loader
from agentmem.llm.session import Session

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
