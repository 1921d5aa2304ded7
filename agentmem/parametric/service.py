"""ParametricMemory: what `Memory` calls for adapters — train, list, activate, answer, purge.

One peft model wraps the base model for the life of the process; every adapter is loaded
into it under its own name. Adapter layers are *disabled* except inside `activated(scope)`
or a generation call, both under one lock, so the shared base model answers as the plain
base model for everyone else: one user's adapter never answers another user.

A scope's adapters are the user-level adapter (facts with no agent) and, when the scope
names an agent, the agent-level adapter (that agent's facts of the same user). With the
default `lora.combination = "joint"` the agent adapter is trained on both fact sets and
answers alone for the (user, agent) scope: merging two separately trained adapters with
peft ("cat", "svd", "linear") kept only about half of each one's recall in the bench.
The other settings serve a peft combination of the two adapters instead.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from agentmem.config import MemoryConfig
from agentmem.errors import ModelError, ValidationError
from agentmem.parametric import promotion
from agentmem.parametric.dataset import (
    Example,
    FactDataset,
    build_dataset,
    facts_from_records,
    trainable,
)
from agentmem.parametric.model import BaseLM, load_base
from agentmem.parametric.registry import AdapterRegistry
from agentmem.stores.sql import MemoryQuery
from agentmem.types import AdapterInfo, ChatReply, MemoryRecord, Scope, utcnow

log = logging.getLogger(__name__)
BASE = "__base__"  # peft's name for "no adapter" in adapter_names
MAX_LOADED = 16


class ParametricMemory:
    """Adapters of every scope over one shared base model."""

    def __init__(
        self,
        config: MemoryConfig,
        long_term: Any,
        base: BaseLM | Callable[[], BaseLM] | None = None,
    ) -> None:
        self.config = config
        self.long_term = long_term
        self.registry = AdapterRegistry(long_term.engine, config.lora.adapter_dir)
        self._base = base
        self._peft: Any = None
        self._loaded: OrderedDict[str, str] = OrderedDict()  # peft name -> adapter id(s)
        self._lock = threading.RLock()

    @property
    def base(self) -> BaseLM:
        """The base model, loaded on first need (listing or purging adapters never loads it)."""
        if not isinstance(self._base, BaseLM):
            self._base = self._base() if callable(self._base) else load_base(self.config)
        return self._base

    # --- facts ----------------------------------------------------------------------
    def facts(self, scope: Scope) -> list[MemoryRecord]:
        """The stable memories of exactly this slot (the user's own, or the agent's): active
        facts of any subject, and notes that state no fact of their own
        (`dataset.trainable`)."""
        found = self.long_term.find(
            MemoryQuery(user_id=scope.user_id, agent_id=scope.agent_id, kinds=["fact", "note"])
        )
        return [r for r in found if r.scope.agent_id == scope.agent_id and trainable(r)]

    def learned_facts(self, scope: Scope) -> list[MemoryRecord]:
        """The facts the slot's adapter learns: its own, plus the user's when an agent
        adapter is trained jointly (`lora.combination == "joint"`)."""
        own = self.facts(scope)
        if scope.agent_id is None or self.config.lora.combination != "joint":
            return own
        return self.facts(Scope(user_id=scope.user_id)) + own

    # --- training -------------------------------------------------------------------
    def train(
        self,
        scope: Scope,
        *,
        records: Sequence[MemoryRecord] | None = None,
        progress: bool = False,
        cancel: Any = None,
    ) -> AdapterInfo:
        """Train a new adapter version on `records` (default: every active fact of the slot)
        and make it current. Raises ModelError if cancelled; nothing is saved then."""
        from agentmem.parametric import train as trainer

        scope = Scope(user_id=scope.user_id, agent_id=scope.agent_id)
        records = list(records) if records is not None else self.learned_facts(scope)
        cfg = self.config.lora
        data = self.dataset(records)
        from agentmem.long_term import new_id

        adapter_id, version = new_id(), self.registry.next_version(scope)
        name = _name(adapter_id)
        with self._lock:
            layers = self.base.model.config.num_hidden_layers
            model = self._attach(name, trainer.peft_config(cfg, layers), cfg.seed)
            try:
                replay = trainer.replay_pool(model, self.base.codec) if cfg.kl_weight > 0 else []
                result = trainer.train(
                    model,
                    self.base.codec,
                    data,
                    cfg,
                    replay=replay,
                    progress=progress,
                    cancel=cancel,
                )
                if result.stopped == "cancelled":
                    raise ModelError(
                        f"training of the adapter for user {scope.user_id!r} was "
                        "cancelled; nothing was saved"
                    )
                info = AdapterInfo(
                    id=adapter_id,
                    scope=scope,
                    version=version,
                    base_fingerprint=self.base.fingerprint,
                    fact_ids=data.fact_versions,
                    path=str(self.registry.directory(scope.user_id, adapter_id)),
                    created_at=utcnow(),
                    status="active",
                    config=cfg.model_dump(exclude={"adapter_dir"}),  # how it was trained, not where
                    metrics={**result.to_dict(), "facts": len(data.facts)},
                )
                self._save(name, info)
            except BaseException:
                self._drop(name)
                raise
            finally:
                model.base_model.disable_adapter_layers()
            self._loaded[name] = adapter_id
        return self.registry.add(info)

    def dataset(self, records: Sequence[MemoryRecord]) -> FactDataset:
        """The training pairs and held-out probes of `records`, as the config phrases them."""
        cfg = self.config.lora
        return build_dataset(
            facts_from_records(records),
            heldout=cfg.heldout_phrasings,
            train_phrasings=cfg.train_phrasings,
            seed=cfg.seed,
        )

    def promote(self, scope: Scope, *, progress: bool = False) -> AdapterInfo | None:
        """Apply the promotion policy: train when the selected facts differ from the
        current adapter's (or it is stale). Returns the new adapter, or None."""
        scope = Scope(user_id=scope.user_id, agent_id=scope.agent_id)
        policy = promotion.PromotionPolicy.from_config(self.config.lora)
        selected = policy.select(self.learned_facts(scope))
        current = self.refresh(scope)
        if not promotion.needs_training(current, selected):
            return None
        return self.train(scope, records=selected, progress=progress)

    def refresh(self, scope: Scope) -> AdapterInfo | None:
        """Record in the registry that the slot's current adapter is stale if one of its
        facts changed, and rebuild it when `lora.auto_rebuild` is on (the one place that
        trains without `train` being called). Returns the current adapter after that."""
        current = self.view(scope)
        if current is None or current.status != "stale":
            return current
        self.registry.set_status(current.id, scope, "stale")
        if self.config.lora.auto_rebuild:
            return self.train(scope)
        return current

    def view(self, scope: Scope) -> AdapterInfo | None:
        """The slot's current adapter, shown "stale" when one of its facts changed since it
        was trained. Reads only: nothing is written or trained."""
        current = self.registry.current(scope)
        if current is None or current.status == "stale":
            return current
        if promotion.changed_facts(current, self.learned_facts(scope)):
            current.status = "stale"  # the returned copy; the registry row is left as it is
        return current

    # --- registry views: reads only -------------------------------------------------
    def adapters(self, scope: Scope) -> list[AdapterInfo]:
        """Every version of the scope's adapters, newest first, current ones as `view`s."""
        views = {v.id: v for v in (self.view(s) for s in _slots(scope)) if v is not None}
        return [views.get(a.id, a) for a in self.registry.list(scope)]

    def current(self, scope: Scope) -> list[AdapterInfo]:
        """The adapters that answer for this scope: user-level, then agent-level; a joint
        agent adapter answers alone, since it learned the user's facts too."""
        found = [a for a in (self.view(s) for s in _slots(scope)) if a is not None]
        joint = self.config.lora.combination == "joint"
        if joint and len(found) == 2 and found[1].config.get("combination") == "joint":
            return found[1:]
        return found

    def verify(self, infos: Sequence[AdapterInfo]) -> None:
        """Check every adapter's files against its manifest and this base model before use;
        raises ModelError (FingerprintMismatch) for one that is unsigned, altered or foreign."""
        for info in infos:
            self.registry.verify(info, self.base.fingerprint)

    def rollback(self, scope: Scope, version: int | None = None) -> AdapterInfo:
        info = self.registry.rollback(
            Scope(user_id=scope.user_id, agent_id=scope.agent_id), version
        )
        return self.refresh(info.scope) or info

    def overrides(self, scope: Scope) -> list[MemoryRecord]:
        """Current text-memory facts for every fact a current adapter learned that has since
        changed: these win over the adapter in the prompt until it is rebuilt."""
        out: list[MemoryRecord] = []
        for adapter in self.current(scope):
            if adapter.status != "stale":
                continue
            live = self.learned_facts(adapter.scope)
            changed = set(promotion.changed_facts(adapter, live))
            trained = {fid for fid in adapter.fact_ids}
            out += [r for r in live if r.id in changed or r.id not in trained]
        return out

    # --- use ------------------------------------------------------------------------
    @contextlib.contextmanager
    def activated(self, scope: Scope) -> Iterator[list[AdapterInfo]]:
        """Within the block the shared base model answers with this scope's adapters only
        (for callers that run the model themselves, such as a KV-managed session)."""
        infos = self.current(scope)
        with self._lock:
            name = self._ensure(infos)
            if name is None:
                yield []
                return
            self._peft.base_model.enable_adapter_layers()
            self._peft.base_model.set_adapter(name)
            try:
                yield infos
            finally:
                self._peft.base_model.disable_adapter_layers()

    def generate(
        self,
        prompts: Sequence[str],
        scopes: Sequence[Scope],
        *,
        max_new_tokens: int | None = None,
        context: Sequence[str] | None = None,
    ) -> list[str]:
        """Greedy answers for a mixed batch: prompt i is answered with scope i's adapters
        (peft's per-request `adapter_names`); scopes without an adapter get the base model."""
        from agentmem.parametric.evaluate import greedy_answers

        if len(prompts) != len(scopes):
            raise ValidationError(f"got {len(prompts)} prompts but {len(scopes)} scopes")
        n = max_new_tokens or self.config.llm.max_new_tokens
        with self._lock:
            names = [self._ensure(self.current(s)) or BASE for s in scopes]
            if self._peft is None:
                return greedy_answers(
                    self.base.model, self.base.codec, prompts, max_new_tokens=n, context=context
                )
            self._peft.base_model.enable_adapter_layers()
            try:
                return greedy_answers(
                    self._peft,
                    self.base.codec,
                    prompts,
                    max_new_tokens=n,
                    adapter_names=names,
                    context=context,
                )
            finally:
                self._peft.base_model.disable_adapter_layers()

    def answer(self, message: str, scope: Scope, *, max_new_tokens: int | None = None) -> ChatReply:
        """`Memory.chat(..., tiers={"parametric"})`: the adapter alone, no text context —
        except the current values of facts that changed since the adapter was trained."""
        infos = self.current(scope)
        changed = self.overrides(scope)
        note = "Updated facts: " + " ".join(r.text for r in changed) if changed else None
        text = self.generate(
            [message], [scope], max_new_tokens=max_new_tokens, context=[note] if note else None
        )[0]
        return ChatReply(
            text=text.strip(),
            tiers=["parametric"],
            memories=[r.id for r in changed],
            adapter_id="+".join(a.id for a in infos) or None,
        )

    def probe(self, scope: Scope, probes: Sequence[Example], **kwargs: Any) -> float:
        """Recall of `probes` answered with the scope's adapters."""
        answers = self.generate([p.prompt for p in probes], [scope] * len(probes), **kwargs)
        hits = sum(
            1
            for p, a in zip(probes, answers, strict=True)
            if p.value and p.value.lower() in a.lower()
        )
        return hits / max(1, len(probes))

    def purge(self, user_id: str) -> int:
        """Unload and delete every adapter of a user (see registry.purge_user)."""
        with self._lock:
            mine = {a.id for a in self.registry.list(Scope(user_id=user_id), all_agents=True)}
            for name, ids in list(self._loaded.items()):
                if set(ids.split("+")) & mine:
                    self._drop(name)
            return self.registry.purge(user_id)

    # --- the shared peft model ------------------------------------------------------
    def _attach(self, name: str, lora_config: Any, seed: int) -> Any:
        """Add a fresh trainable adapter `name` (seeded init) and make it the active one."""
        import torch

        torch.manual_seed(seed)
        if self._peft is None:
            from peft import get_peft_model

            self._peft = get_peft_model(self.base.model, lora_config, adapter_name=name)
        else:
            self._peft.add_adapter(name, lora_config)
        self._peft.base_model.enable_adapter_layers()
        self._peft.base_model.set_adapter(name)
        return self._peft

    def _save(self, name: str, info: AdapterInfo) -> None:
        with tempfile.TemporaryDirectory(dir=self.registry.root.parent) as tmp:
            self._peft.save_pretrained(tmp, selected_adapters=[name])
            saved = next(p.parent for p in Path(tmp).rglob("adapter_model.safetensors"))
            self.registry.write_files(saved, info)

    def _load(self, info: AdapterInfo) -> str:
        name = _name(info.id)
        if name in self._loaded:
            self._loaded.move_to_end(name)
            return name
        path = self.registry.verify(info, self.base.fingerprint)
        from agentmem import quiet

        with quiet.loading():
            if self._peft is None:
                from peft import PeftModel

                self._peft = PeftModel.from_pretrained(
                    self.base.model, str(path), adapter_name=name
                )
            else:
                self._peft.load_adapter(str(path), adapter_name=name)
        self._peft.base_model.disable_adapter_layers()
        self._loaded[name] = info.id
        self._evict()
        return name

    def _ensure(self, infos: Sequence[AdapterInfo]) -> str | None:
        """The loaded peft adapter that serves `infos` (combining two when needed)."""
        if not infos:
            return None
        names = [self._load(i) for i in infos]
        if len(names) == 1:
            return names[0]
        from agentmem.parametric.combine import combine

        combined = "c_" + "_".join(i.id[:12] for i in infos)
        if combined not in self._loaded:
            combine(self._peft, names, combined, self.config.lora.combination)
            self._peft.base_model.disable_adapter_layers()
            self._loaded[combined] = "+".join(i.id for i in infos)
        return combined

    def _drop(self, name: str) -> None:
        self._loaded.pop(name, None)
        if self._peft is not None and name in self._peft.peft_config:
            if len(self._peft.peft_config) == 1:  # peft cannot delete its last adapter
                self._peft.base_model.disable_adapter_layers()
                self._peft.unload()
                self._peft = None
            else:
                self._peft.delete_adapter(name)

    def _evict(self) -> None:
        while len(self._loaded) > MAX_LOADED:
            self._drop(next(iter(self._loaded)))


def _name(adapter_id: str) -> str:
    return "a_" + adapter_id


def _slots(scope: Scope) -> list[Scope]:
    user = Scope(user_id=scope.user_id)
    return [user] if scope.agent_id is None else [user, Scope(user.user_id, scope.agent_id)]


__all__ = ["ParametricMemory"]
