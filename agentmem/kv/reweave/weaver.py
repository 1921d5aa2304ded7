"""The weaver: keeps a latent trace of every token fed and reweaves evicted ones at a question.

It wraps a session's retention policy; it is not one. During every forward pass a pre-hook on
the capture layer c copies the residual stream entering it (removed in a ``finally``). Eviction
leaves the latent in place. At a question (``recall``):

1. the evicted traces are scored by the question's attention at layer c and the winners
   expanded to sentences, up to ``recall_tokens`` (`agentmem.kv.reweave.select`);
2. their rows are rebuilt: layers c..L-1 re-run with the model's own weights at the tokens'
   true positions over the current cache (`agentmem.kv.reweave.layers`), layers below c
   predicted from the latent by ridge maps (`agentmem.kv.reweave.ridge`);
3. each layer takes them in at their positions without growing: per KV head they replace the
   rows the question attends to least there (read over the cache through every layer in
   step 1, nothing written; the layer keeps its length, so the budget holds);
4. they are pinned (protected from eviction) until the question is answered, then compete
   like any row.

The latents' bytes are reserved from the budget (``ManagedCache.reserved_bytes``).
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Iterator, Sequence

import torch

from agentmem.kv.reweave import select
from agentmem.kv.reweave.codec import Codec
from agentmem.kv.reweave.latents import LatentStore
from agentmem.kv.reweave.layers import decoder, rerun, rope, rotate
from agentmem.kv.reweave.options import ReweaveOptions
from agentmem.kv.reweave.ridge import RidgeMaps, load_or_fit


class Weaver:
    """Latent traces and reweaving for one session (``session.weaver``)."""

    def __init__(self, llm, cache, options: ReweaveOptions):
        cfg = llm.model.config
        self.llm, self.cache, self.options = llm, cache, options
        self.layer = options.resolved_layer(cfg.num_hidden_layers)
        self.rank = options.resolved_rank(cfg.hidden_size)
        self.pinned: torch.Tensor | None = None
        self._maps: RidgeMaps | None = None
        basis = self.maps.basis if self.rank else None  # a basis is needed from the first token
        self.store = LatentStore(Codec(options.latent, cfg.hidden_size, basis), llm.device)
        self._ends: dict[int, bool] = {}
        self._sentence = 0
        self.counts = {"rewoven_tokens": 0, "reweave_questions": 0, "rewoven_last": 0}
        self.seconds = 0.0

    @property
    def maps(self) -> RidgeMaps:
        """The ridge maps of this model and capture layer (fitted on first use, then loaded)."""
        if self._maps is None:
            folder, opts = self.llm.config.reweave_dir, self.options
            self._maps = load_or_fit(
                self.llm, self.layer, opts.latent, self.rank, opts.ridge, folder
            )
        return self._maps

    def prepare(self) -> RidgeMaps:
        """Fit or load the ridge maps now rather than at the first question (a fit takes
        minutes on a CPU, once per model and capture layer)."""
        return self.maps

    def fork(self, cache) -> Weaver:
        """A weaver over ``cache`` (a copy of this one's) with a copy of the traces."""
        other = Weaver(self.llm, cache, self.options)
        other.store = copy.deepcopy(self.store)
        other._maps, other._ends, other._sentence = self._maps, self._ends, self._sentence
        cache.reserved_bytes = other.store.nbytes
        return other

    # --- capture ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def capturing(self, ids: Sequence[int]) -> Iterator[None]:
        """Record the latents of the forward pass run inside (its tokens: ``ids``)."""
        seen: dict[str, torch.Tensor] = {}

        def hook(_module, args, kwargs):
            seen["x"] = (args[0] if args else kwargs["hidden_states"]).detach()

        block = decoder(self.llm.model).layers[self.layer]
        handle = block.register_forward_pre_hook(hook, with_kwargs=True)
        try:
            yield
        finally:
            handle.remove()
        if "x" in seen:
            self._append(seen["x"][0], ids)

    def _append(self, hidden: torch.Tensor, ids: Sequence[int]) -> None:
        pending = self.cache._pending  # (positions, span ids) of the running forward
        spans = pending[1] if pending is not None else torch.zeros(len(ids), dtype=torch.long)
        sentences = []
        for token in ids:
            sentences.append(self._sentence)
            if self._ends_sentence(int(token)):
                self._sentence += 1
        self.store.append(hidden, spans, torch.tensor(sentences))
        self.cache.reserved_bytes = self.store.nbytes

    def _ends_sentence(self, token: int) -> bool:
        if token not in self._ends:
            self._ends[token] = select.ends_sentence(self.llm.tokenizer.decode([token]))
        return self._ends[token]

    # --- recall -------------------------------------------------------------------------------
    def recall(
        self, question: Sequence[int], positions: Sequence[int] | None = None, *, ridge_only=False
    ) -> int:
        """Reweave the traces ``question`` attends to (or exactly ``positions``, evicted ones);
        returns how many rows came back. ``ridge_only`` predicts every layer from the latents
        (a control: no re-run)."""
        started = time.perf_counter()
        candidates = select.evicted(self.cache)
        self.pinned = None
        self.counts["rewoven_last"] = 0
        self.counts["reweave_questions"] += 1
        held = min((st.length for st in self.cache.states), default=0)
        room = min(self.options.recall_tokens, max(held, self.cache.budget_tokens) // 2)
        if len(candidates) == 0 or room <= 0:
            return 0
        read = select.read_question(self, list(question)) if len(question) else None
        if positions is None and read is None:
            return 0  # nothing asked: nothing to select by
        if positions is not None:
            wanted = torch.as_tensor(list(positions), dtype=torch.long, device=candidates.device)
            chosen = candidates[torch.isin(candidates, wanted)][:room]
        else:
            scores = select.score(self, read, candidates, self.options.heads, self.options.tokens)
            sentences = self.store.sentence.to(candidates.device)[candidates]
            chosen = select.expand(candidates, scores, sentences, self.options.seeds, room)
        if len(chosen):
            attended = read[2] if read is not None else {}
            self._insert(chosen, self.rebuild(chosen, ridge_only=ridge_only), attended)
            self.pinned = chosen
        self.counts["rewoven_last"] = len(chosen)
        self.counts["rewoven_tokens"] += len(chosen)
        self.seconds += time.perf_counter() - started
        return len(chosen)

    @torch.no_grad()
    def rebuild(self, positions: torch.Tensor, *, ridge_only: bool = False) -> dict[int, tuple]:
        """Keys and values ``(1, kv_heads, m, d)`` of ``positions`` (ascending) for every layer."""
        model = self.llm.model
        layers = len(decoder(model).layers)
        dtype = self.cache.states[0].keys.dtype
        latents = self.store.rows(positions, dtype)
        cos, sin = rope(model, latents[None], positions)
        top = layers if ridge_only else self.layer
        rows = {}
        for index in range(top):
            k, v = self.maps.project(index, latents)
            rows[index] = (rotate(k, cos, sin), v)
        if top < layers:
            _, rerun_rows = rerun(model, self.cache, latents[None], positions, range(top, layers))
            rows.update(rerun_rows)
        return rows

    def _insert(
        self, positions: torch.Tensor, rows: dict[int, tuple], attended: dict | None = None
    ) -> None:
        """Put the rows in every layer at their positions; per KV head they take free room under
        the budget, then the places of the rows the question attends to least at that layer and
        head (``attended``: ``select.read_question``'s masses; without a question, the rows the
        policy would evict first). The policy ranked its rows before the question was known;
        displacing by that rank took rows the question reads (the template around a needle,
        other facts it names) and lost answers the policy alone gave."""
        policy = self.cache.policy
        spans = self.store.span.to(positions.device)[positions].long()
        budget = self.cache.budget_tokens
        for st in self.cache.states:
            keys, values = rows[st.index]
            heads, m = st.pos.shape[0], len(positions)
            pos = positions.to(st.pos.device)
            held = (st.pos[:, :, None] == pos[None, None, :]).any(dim=1)
            missing = int((~held).sum(dim=1).min())
            n = max(st.length, min(budget, st.length + missing))  # grow only within the budget
            read = (attended or {}).get(st.index)
            scores = policy.score(st) if read is None or read.shape != st.pos.shape else read
            scores = scores.float().nan_to_num(posinf=1e30, neginf=-1e30)
            protected = policy.protected(st, st.length)
            scores = torch.where(protected, torch.full_like(scores, 1e30), scores)
            wanted = torch.isin(st.pos, pos)  # a head that holds a recalled token keeps it
            scores = torch.where(wanted, torch.full_like(scores, float("inf")), scores)
            fresh = torch.where(held, float("-inf"), float("inf")).to(scores)
            keep = torch.cat([scores, fresh], dim=1).topk(n, dim=1).indices
            st.pos = torch.cat([st.pos, pos.expand(heads, m)], dim=1)
            keep = keep.gather(1, st.pos.gather(1, keep).argsort(dim=1))
            st.layer.keys = torch.cat([st.keys, keys.to(st.keys)], dim=2)
            st.layer.values = torch.cat([st.values, values.to(st.values)], dim=2)
            st.stat = torch.cat([st.stat, st.stat.new_zeros(heads, m)], dim=1)
            st.span = torch.cat([st.span, spans.to(st.span).expand(heads, m)], dim=1)
            st.keep(keep)

    @contextlib.contextmanager
    def pinning(self) -> Iterator[None]:
        """Protect the rows of the last recall from eviction inside the block."""
        pinned = self.pinned
        if pinned is None or len(pinned) == 0:
            yield
            return
        policy = self.cache.policy
        own = vars(policy).get("protected")
        original = policy.protected

        def protected(state, budget: int) -> torch.Tensor:
            return original(state, budget) | torch.isin(state.pos, pinned.to(state.pos.device))

        policy.protected = protected
        try:
            yield
        finally:
            if own is None:
                vars(policy).pop("protected", None)
            else:
                policy.protected = own

    def stats(self) -> dict:
        return {
            "latent_bytes": self.store.nbytes,
            "latent_format": self.store.codec.name,
            "reweave_layer": self.layer,
            "reweave_s": self.seconds,
            **self.counts,
        }
