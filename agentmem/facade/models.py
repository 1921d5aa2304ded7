"""`Memory`'s model-backed tiers: LoRA adapters of a scope's facts, and chat with the local
model (context -> KV policy, adapter -> reply, observed)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from agentmem.adapters.embeddings import MODEL_LOAD_LOCK
from agentmem.config import MemoryConfig
from agentmem.errors import ModelError
from agentmem.llm import chat
from agentmem.long_term import LongTermMemory
from agentmem.types import AdapterInfo, ChatReply, Scope

log = logging.getLogger(__name__)


class Models:
    """Memory's parametric and chat methods (mixed into `agentmem.manager.Memory`)."""

    config: MemoryConfig
    long_term: LongTermMemory
    _layers_lock: threading.RLock

    @property
    def parametric(self) -> Any:
        """The scope adapters over the local model (`agentmem.parametric.ParametricMemory`),
        sharing `self.llm`'s weights, which load only when a model is needed."""
        with self._layers_lock:
            if getattr(self, "_parametric", None) is None:
                from agentmem.parametric.model import BaseLM
                from agentmem.parametric.service import ParametricMemory

                def base() -> BaseLM:
                    llm = self.llm
                    return BaseLM(llm.model, llm.tokenizer, str(llm.fingerprint))

                self._parametric = ParametricMemory(self.config, self.long_term, base=base)
            return self._parametric

    def train_adapter(
        self, scope: Scope | str, *, progress: bool = False, cancel: Any = None
    ) -> AdapterInfo:
        """Train a new adapter version on every active fact of the scope (user-level facts,
        or the agent's own when the scope names an agent) and make it current."""
        return self.parametric.train(Scope.coerce(scope), progress=progress, cancel=cancel)

    def adapters(self, scope: Scope | str) -> list[AdapterInfo]:
        """The scope's adapters, newest version first (status active, stale or inactive)."""
        return self.parametric.adapters(Scope.coerce(scope))

    def refresh_adapters(self, scope: Scope | str) -> list[AdapterInfo]:
        """Record which of the scope's adapters are stale (a fact they learned changed) and,
        with `lora.auto_rebuild`, retrain those; returns the scope's adapters. Reading
        adapters (`adapters`, `chat`) never trains."""
        scope = Scope.coerce(scope)
        for slot in (Scope(scope.user_id), Scope(scope.user_id, scope.agent_id)):
            self.parametric.refresh(slot)
        return self.adapters(scope)

    def rollback_adapter(self, scope: Scope | str, version: int | None = None) -> AdapterInfo:
        """Make an earlier adapter version (default: the previous one) the active one."""
        return self.parametric.rollback(Scope.coerce(scope), version)

    # --- chat: context -> local model (KV policy, adapter) -> reply, observed ------------
    @property
    def llm(self) -> Any:
        """The local language model (`agentmem.llm.LocalLLM`), loaded on first use."""
        with self._layers_lock:
            if getattr(self, "_llm", None) is None:
                from agentmem.llm import LocalLLM

                with MODEL_LOAD_LOCK:
                    self._llm = LocalLLM.load(self.config)
            return self._llm

    @llm.setter
    def llm(self, value: Any) -> None:
        self._llm = value

    def chat(self, message: str, scope: Scope | str, **options: Any) -> ChatReply:
        """Answer `message` with the local model and memory; the turn is observed.
        `options`: `chat_stream`'s keyword arguments (`tiers`, `messages`,
        `max_new_tokens`, `stop`)."""
        stream = self.chat_stream(message, scope, **options)
        stream.text()
        return stream.reply

    def _usable_adapters(self, scope: Scope) -> tuple[list[AdapterInfo], list[str]]:
        """The scope's adapters if every one passes its checks; otherwise none and a warning
        for the reply: a refused adapter must not stop the chat, nor answer it."""
        adapters = self.parametric.current(scope)
        try:
            self.parametric.verify(adapters)
        except ModelError as exc:
            log.warning("adapter refused, answering with the base model: %s", exc)
            return [], [f"the scope's adapter was refused, so the base model answered: {exc}"]
        return adapters, []

    def chat_stream(
        self,
        message: str,
        scope: Scope | str,
        *,
        tiers: list[str] | None = None,
        messages: list[dict[str, str]] | None = None,
        max_new_tokens: int | None = None,
        observe: bool = True,
        stop: list[str] | None = None,
    ) -> chat.ChatStream:
        """Like `chat`, as text pieces while the model decodes (`.reply` at the end).

        `messages` is a conversation the client keeps (OpenAI style); memory then adds its
        memories and summary in front of it instead of its own recent turns. `observe=False`
        when the caller stores the turns itself (a message history over this memory).
        `stop`: strings that end the reply (not included)."""
        scope = Scope.coerce(scope)
        tiers = chat.check_tiers(tiers)
        client = chat.check_messages(messages) if messages is not None else None
        stop = chat.check_stop(stop)
        if observe:
            self.observe("user", message, scope)
        ctx = self.context(message, scope) if "text" in tiers else None
        adapters, warnings = self._usable_adapters(scope) if "parametric" in tiers else ([], [])
        turn = chat.ChatTurn(
            self,
            scope,
            tiers,
            chat.build_prompt(message, ctx, client),
            ctx,
            adapters,
            self.parametric.overrides(scope) if adapters else [],
            observe=observe,
            stop=stop,
            warnings=warnings,
        )
        with self._layers_lock:
            lock = self.__dict__.setdefault("_chat_lock", threading.Lock())
        activate = (lambda: self.parametric.activated(scope)) if adapters else None
        pieces = turn.pieces(max_new_tokens or self.config.llm.max_new_tokens)
        return chat.ChatStream(pieces, turn.finish, lock, activate)
