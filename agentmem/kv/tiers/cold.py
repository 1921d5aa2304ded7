"""Tier 2 of CMP, cold (`ColdStore`): exact copies of every token that left tier 0, off the
compute device (CPU memory; with ``path`` set, a memory-mapped file on disk), grouped in
blocks of consecutive slots; each block has representative keys on the compute device (int8):
the element-wise max and min, which bound any query's score on the block (``"bound"``, as in
Quest), or the mean key (``"mean"``, one key per block).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from agentmem.kv.tiers.warm import dequantize, on_device, quantize, quantize_bound


class ColdStore:
    """Tier 2: exact tokens off the compute device, in blocks with representative keys."""

    def __init__(
        self, heads: int, dim: int, dtype, device, block_size: int, path: Path | None,
        representative: str = "mean", share: bool = False,
    ):  # fmt: skip
        self.heads, self.dim, self.dtype, self.device = heads, dim, dtype, device
        self.block_size = block_size
        self.representative = representative
        self.share = share
        self.reduce = "max"  # over the queries of a chunk: "max" or "mean" (of shares)
        self.opened = 0  # blocks whose exact keys the last bounded selection read
        # The bounds of the last selection from a held recall pruned under half the blocks:
        # the next one skips them and scores every block (see `_bounded`).
        self.loose = False
        self._offsets = torch.arange(block_size)
        self._head_base = torch.arange(heads)[:, None]
        self.path = path
        self.length = 0
        self.k = self.v = None  # (heads, capacity, d) on CPU, or memory-mapped
        # The keys again, float32 and transposed ``(heads, d, capacity)`` (in memory, only when
        # the tier is: not for a store on disk), for the one pass a decoded token's selection
        # makes over every block: a product with ``d`` rows of contiguous keys and the validity
        # as a cached additive bias is one op where the row layout took four (see `_exact`).
        self.kt: torch.Tensor | None = None
        self._bias: tuple | None = None  # in_warm, its key, `_validity`'s bias, as 3-D
        self.pos = torch.zeros(heads, 0, dtype=torch.long)
        self.in_warm = torch.zeros(heads, 0, dtype=torch.bool)
        self.rep_max = torch.zeros(heads, 0, dim, dtype=torch.int8, device=device)
        self.rep_min = self.rep_max.clone()
        self.rep_max_s = torch.zeros(heads, 0, 1, dtype=torch.float32, device=device)
        self.rep_min_s = self.rep_max_s.clone()

    @property
    def blocks(self) -> int:
        return math.ceil(self.length / self.block_size)

    @property
    def rep_bytes(self) -> int:
        return sum(t.nbytes for t in (self.rep_max, self.rep_min, self.rep_max_s, self.rep_min_s))

    @property
    def nbytes(self) -> int:
        if self.k is None:
            return 0
        transposed = 0 if self.kt is None else self.heads * self.length * self.dim * 4
        return 2 * self.heads * self.length * self.dim * self.k.element_size() + transposed

    def _reserve(self, extra: int) -> None:
        need = self.length + extra
        capacity = 0 if self.k is None else self.k.shape[1]
        if need <= capacity:
            return
        capacity = max(need, 2 * capacity, 256)
        capacity += (-capacity) % self.block_size  # whole blocks: `_exact` reads the last one
        k, v = self._allocate(capacity)
        if self.k is not None:
            k[:, : self.length] = self.k[:, : self.length]
            v[:, : self.length] = self.v[:, : self.length]
        if self.path is None:  # zeros past the length: finite, masked by the bias
            kt = torch.zeros(self.heads, self.dim, capacity)
            if self.kt is not None:
                kt[:, :, : self.length] = self.kt[:, :, : self.length]
            self.kt = kt
        self.k, self.v = k, v
        self._row_base = self._head_base * capacity  # each head's first row, flattened

    def _allocate(self, capacity: int) -> tuple[torch.Tensor, torch.Tensor]:
        shape = (self.heads, capacity, self.dim)
        if self.path is None:
            return torch.empty(shape, dtype=self.dtype), torch.empty(shape, dtype=self.dtype)
        self.path.mkdir(parents=True, exist_ok=True)
        np_dtype = torch.empty(0, dtype=self.dtype).numpy().dtype
        maps = []
        for name in ("k", "v"):
            file = self.path / f"{name}.{capacity}.bin"
            maps.append(torch.from_numpy(np.memmap(file, dtype=np_dtype, mode="w+", shape=shape)))
        return maps[0], maps[1]

    def append(self, keys: torch.Tensor, values: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        """Store exact ``keys``/``values: (heads, m, d)``; returns their slots ``(heads, m)``."""
        m = keys.shape[1]
        self._reserve(m)
        start = self.length
        self.k[:, start : start + m] = keys.to("cpu")
        self.v[:, start : start + m] = values.to("cpu")
        if self.kt is not None:
            self.kt[:, :, start : start + m] = keys.to("cpu").float().transpose(1, 2)
        self.length += m
        self.loose = False  # new blocks: their bounds are asked again
        cpu_pos = pos.to("cpu")
        self.pos = torch.cat([self.pos, cpu_pos], 1)
        self.in_warm = torch.cat([self.in_warm, torch.ones_like(cpu_pos, dtype=torch.bool)], 1)
        self._update_reps(start // self.block_size)
        slots = torch.arange(start, start + m).expand(self.heads, -1)
        return slots

    def _update_reps(self, first_block: int) -> None:
        """Recompute the representative keys of blocks from ``first_block`` on."""
        lo = first_block * self.block_size
        keys = self.k[:, lo : self.length].float()
        pad = (-keys.shape[1]) % self.block_size
        blocks = keys.shape[1] + pad
        big = torch.full((self.heads, pad, self.dim), float("-inf"))
        kmax = torch.cat([keys, big], 1).view(self.heads, blocks // self.block_size, -1, self.dim)
        kmin = torch.cat([keys, -big], 1).view_as(kmax)
        if self.representative == "mean":
            n = torch.full((1, blocks // self.block_size), float(self.block_size))
            n[0, -1] -= pad
            mean = torch.cat([keys, torch.zeros_like(big)], 1).view_as(kmax).sum(2) / n[..., None]
            qmax, smax = quantize(mean.to(self.device))
            qmin, smin = qmax[:, :0], smax[:, :0]
        else:
            qmax, smax = quantize_bound(kmax.amax(dim=2).to(self.device), up=True)
            qmin, smin = quantize_bound(kmin.amin(dim=2).to(self.device), up=False)
        self.rep_max = torch.cat([self.rep_max[:, :first_block], qmax], 1)
        self.rep_min = torch.cat([self.rep_min[:, :first_block], qmin], 1)
        self.rep_max_s = torch.cat([self.rep_max_s[:, :first_block], smax], 1)
        self.rep_min_s = torch.cat([self.rep_min_s[:, :first_block], smin], 1)

    def block_scores(self, query: torch.Tensor) -> torch.Tensor:
        """Each block's score for the queries: the upper bound of ``q . k`` over the block
        (``"bound"``) or ``q`` against its mean key (``"mean"``), pooled over the queries.

        ``query: (heads, group, q, d)`` -> ``(heads, blocks)``. With ``share`` the logits
        become log-shares in one fused log-softmax (a log-sum-exp and a subtraction took
        three passes over the chunk's queries x blocks: a bulk prefill's recall).
        """
        q = query.float().flatten(1, 2)
        if self.share:
            return self._pool(self._bounds(q).log_softmax(dim=2), None)
        logits, norm = self._rep_logits(q)
        return self._pool(logits, norm)

    def _bounds(self, q: torch.Tensor) -> torch.Tensor:
        """``q: (heads, Q, d)`` -> the representatives' logits ``(heads, Q, blocks)``.

        A block's scale multiplies the products, ``q . (k s) = (q . k) s``, rather than its
        keys: one pass over queries x blocks instead of one over blocks x d per step (the
        representatives are the part of a decoded token's work that grows with the cache)."""
        if self.representative == "mean":
            kmax = dequantize(self.rep_max, self.rep_max_s, torch.float32)
            return q @ kmax.transpose(1, 2)
        up = torch.bmm(q.clamp(min=0), self.rep_max.float().transpose(1, 2))
        down = torch.bmm(q.clamp(max=0), self.rep_min.float().transpose(1, 2))
        return up.mul_(self.rep_max_s.transpose(1, 2)).add_(
            down.mul_(self.rep_min_s.transpose(1, 2))
        )

    def _rep_logits(self, q: torch.Tensor, norm=None) -> tuple[torch.Tensor, torch.Tensor]:
        """``q: (heads, Q, d)`` -> the representatives' logits ``(heads, Q, blocks)`` and each
        query's normaliser ``(heads, Q, 1)``: ``norm`` when given (the caller's, e.g. the
        log-sum-exp of the query over the keys already on device), else the log-sum-exp of
        its logits over the blocks (``share``) or 0. One constant per query, so a bound minus
        it is still a bound."""
        logits = self._bounds(q)
        if norm is not None:
            return logits, norm
        if not self.share:
            return logits, torch.zeros_like(logits[..., :1])
        return logits, logits.logsumexp(dim=2, keepdim=True)

    def _pool(self, logits: torch.Tensor, norm: torch.Tensor | None) -> torch.Tensor:
        """``(heads, Q, m)`` -> ``(heads, m)``: the best over the queries of the raw logit
        (``share=False``) or of its share of each query's softmax (``share=True``): query heads
        of a group and queries of a chunk have logits on different scales, and a raw maximum
        lets the sharpest of them pick every block. Monotone in every logit, so pooled
        bounds bound the pooled exact scores. ``norm`` None: ``logits`` are normalised."""
        if norm is not None:
            logits = logits - norm
        if self.share and self.reduce == "mean":  # the attention mass the chunk would give
            return logits.exp().mean(dim=1)
        return logits.amax(dim=1)

    def _over_queries(self, logits: torch.Tensor) -> torch.Tensor:
        """Pooled shares of ``logits: (heads, Q, m)`` normalised over their own ``m``."""
        if not self.share:
            return self._pool(logits, torch.zeros_like(logits[..., :1]))
        return self._pool(logits, logits.logsumexp(dim=2, keepdim=True))

    def _slots(self, blocks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Slots ``(heads, b * block)`` of ``blocks: (heads, b)`` and each one's additive bias:
        0 where it is attendable from here, -inf past the length or where tier 1 attends the
        token (`_validity`)."""
        slots = (blocks[:, :, None] * self.block_size + self._offsets).flatten(1)
        bias = self._validity().gather(1, slots)
        return slots.clamp_(max=self.length - 1), bias

    def _rows(self, store: torch.Tensor, slots: torch.Tensor) -> torch.Tensor:
        """Rows ``(heads, m, d)`` of ``store: (heads, capacity, d)`` at ``slots: (heads, m)``, as
        one row copy from the flattened store (a gather with an index expanded over ``d``
        reads an index per element: the largest cost of a decoded token's recall)."""
        return self._take(store, self._flat(slots))

    def _flat(self, slots: torch.Tensor) -> torch.Tensor:
        """Row indices into the flattened stores (keys and values share their capacity)."""
        return (slots + self._row_base).flatten()

    def _take(self, store: torch.Tensor, flat: torch.Tensor) -> torch.Tensor:
        return store.view(-1, self.dim).index_select(0, flat).view(self.heads, -1, self.dim)

    def _rescore(self, query: torch.Tensor, blocks: torch.Tensor, count: int) -> torch.Tensor:
        """The ``count`` of ``blocks`` whose exact keys score highest for ``query``, computed
        where the cold tier lives (only the candidates' keys are read)."""
        slots, bias = self._slots(blocks)
        keys = self._rows(self.k, slots)
        q = query.float().flatten(1, 2).to(keys.device)  # (heads, g*q, d)
        logits = torch.baddbmm(bias[:, None], q, keys.float().transpose(1, 2))
        exact = self._over_queries(logits)
        best = exact.view(self.heads, blocks.shape[1], self.block_size).amax(dim=2)
        return blocks.gather(1, best.topk(count, dim=1).indices)

    def _exact(self, q: torch.Tensor, blocks, norm: torch.Tensor) -> torch.Tensor:
        """Pooled exact scores ``(heads, b)`` of ``blocks: (heads, b)`` (``None``: every block,
        in one pass over the store), each query's best key of the block (tokens attended in
        tier 1 left out), read where the cold tier lives."""
        if blocks is None and self.kt is not None:
            n = self.blocks * self.block_size
            logits = torch.baddbmm(self._valid_bias(), on_device(q, "cpu"), self.kt[:, :, :n])
            return self._pool(self._block_max(logits), on_device(norm, "cpu"))
        if blocks is None:
            keys = self.k[:, : self.length]
            pad = (-self.length) % self.block_size
            bias = self._validity()
        else:
            slots, bias = self._slots(blocks)
            keys = self._rows(self.k, slots)
        logits = torch.bmm(on_device(q, keys.device), keys.float().transpose(1, 2))
        if blocks is None:
            logits = F.pad(logits, (0, pad))
        logits += bias[:, None]
        return self._pool(self._block_max(logits), on_device(norm, keys.device))

    def _block_max(self, logits: torch.Tensor) -> torch.Tensor:
        """``(heads, Q, blocks * block)`` -> each block's best ``(heads, Q, blocks)``: a max pool
        over windows of ``block_size`` (a reduction over a trailing axis of 8 took three
        times as long; at 4k tokens it was a tenth of a decoded token's selection)."""
        return F.max_pool1d(logits, self.block_size)

    def _valid_bias(self) -> torch.Tensor:
        """`_validity` as ``(heads, 1, blocks * block)``, for a product with the queries."""
        self._validity()
        return self._bias[3]

    def _validity(self) -> torch.Tensor:
        """Each slot's additive bias, ``(heads, blocks * block)``: 0 where it is attendable from
        here, -inf past the length or where tier 1 attends the token; rebuilt only when the
        length or ``in_warm`` changes (held, not its id: a new tensor may reuse a freed one's
        id; its version counter counts in-place writes)."""
        key = (self.length, self.in_warm._version)
        if self._bias is None or self._bias[0] is not self.in_warm or self._bias[1] != key:
            pad = self.blocks * self.block_size - self.length
            valid = F.pad(~self.in_warm, (0, pad), value=False)
            bias = torch.zeros(valid.shape).masked_fill_(~valid, float("-inf"))
            self._bias = self.in_warm, key, bias, bias[:, None]
        return self._bias[2]

    def _bounded(self, q: torch.Tensor, count: int, pool: int, held=None, norm=None):
        """The ``count`` blocks per head with the best exact scores, reading only what the
        bounds require: the ``pool`` best bounds are opened (their exact keys scored), then
        every block whose bound beats the ``count``-th exact score so far; no other block can
        enter, since its exact score is at most its bound. Needs ``"bound"``
        representatives; the result equals an exact scoring of every block.

        ``held``: a previous `recall`'s result (keys ``(1, heads, count * block, d)`` on the
        compute device, values, bias, slots): its blocks, scored there, replace the
        first pool, so a decoded token whose bounds leave that selection standing reads
        nothing from tier 2. When the last selection from a held recall opened more than
        half the blocks (``loose``: min/max bounds over 64-dim keys prune almost nothing),
        the next ones (with ``norm`` given, as a decoded token's is) skip the bounds and
        the held blocks' scores and score every block in one pass: the same exact result
        for less work, until an `append` brings new blocks and the bounds are asked again.
        """
        if held is not None and self.loose and norm is not None:
            self.opened = self.blocks
            return self._exact(q, None, norm).topk(count, dim=1).indices
        logits, norm = self._rep_logits(q, norm)
        bounds = self._pool(logits, norm)
        if held is None:
            chosen = bounds.topk(pool, dim=1).indices.cpu()
            exact = self._exact(q, chosen, norm)
        else:
            chosen, exact = self._held_exact(q, held, norm)
        bounds = bounds.scatter(1, chosen.to(bounds.device), float("-inf")).cpu()
        kth = exact.topk(count, dim=1).values[:, -1:]
        need = int((bounds > kth).sum(dim=1).max())  # per head, the unopened that may enter
        self.opened = chosen.shape[1] + need
        self.loose = held is not None and self.opened > self.blocks // 2
        if self.opened > self.blocks // 2:  # one pass over the store beats gathering most of it
            return self._exact(q, None, norm).topk(count, dim=1).indices
        if need:
            more = bounds.topk(need, dim=1).indices
            chosen = torch.cat([chosen, more], 1)
            exact = torch.cat([exact, self._exact(q, more, norm)], 1)
        return chosen.gather(1, exact.topk(count, dim=1).indices)

    def _held_exact(self, q: torch.Tensor, held, norm: torch.Tensor):
        """The blocks ``(heads, count)`` of a previous `recall`'s result ``held`` and their
        pooled exact scores, computed from its keys on the compute device (no tier-2 read)."""
        keys, _, bias, _, blocks = held
        logits = torch.baddbmm(bias[:, None], q, keys[0].float().transpose(1, 2))
        return blocks, self._pool(self._block_max(logits), norm).cpu()

    def _two_stage(self, q: torch.Tensor, count: int, opened: int, held, norm=None):
        """A decoded token's selection: the ``held`` blocks (scored on the compute device) and
        the ``opened`` best others by bound (their exact keys read from tier 2) compete, and
        the ``count`` best exact scores are kept. Per token that is the bounds plus
        ``opened`` blocks of tier 2, whatever its length; a block outside the bounds' top
        ``opened`` that would beat a held one is missed (rate measured in DESIGN.md).

        Returns the competing blocks ``(heads, c)``, ``held``'s first, and the indices
        ``(heads, count)`` among them of the kept ones."""
        logits, norm = self._rep_logits(q, norm)
        bounds = self._pool(logits, norm)
        if held is None:  # e.g. after a compression: the first pool is the bounds' best
            chosen, exact = torch.zeros(self.heads, 0, dtype=torch.long), torch.zeros(self.heads, 0)
            opened += count
        else:
            chosen, exact = self._held_exact(q, held, norm)
            bounds = bounds.scatter(1, chosen.to(bounds.device), float("-inf"))
        more = bounds.topk(min(opened, self.blocks - chosen.shape[1]), dim=1).indices.cpu()
        self.opened = more.shape[1]
        if self.opened:
            chosen = torch.cat([chosen, more], 1)
            exact = torch.cat([exact, self._exact(q, more, norm)], 1)
        return chosen, exact.topk(count, dim=1).indices

    def recall(
        self, query: torch.Tensor, count: int, candidates: int = 1, held=None, norm=None,
        opened: int | None = None,
    ):  # fmt: skip
        """Bring the ``count`` best blocks of each head into attention, exactly.

        ``candidates`` > 1: with ``"bound"`` representatives, the exact best ``count`` blocks
        (`_bounded`, starting from ``count * candidates``, or from ``held``, a previous
        recall's result, returned as it is if it still stands); with
        ``"mean"`` ones, the means choose ``count * candidates`` blocks and their exact keys
        the ``count`` among them. Returns keys, values ``(1, heads, count * block, d)`` on the
        compute device, an additive bias ``(heads, count * block)`` (0, or -inf for padding
        and tokens already attended in tier 1), the slots recalled and their blocks
        ``(heads, count)``. ``norm``
        ``(heads, group * q, 1)``: each query's normaliser of the bounded selection.
        ``opened`` (with ``"bound"`` representatives): `_two_stage` instead of the exact
        selection, reading ``opened`` blocks of tier 2 besides ``held``'s.
        """
        count = min(count, self.blocks)
        pool = min(self.blocks, count * max(candidates, 1))
        two_stage = opened is not None and self.representative == "bound"
        if two_stage:
            chosen, pick = self._two_stage(query.float().flatten(1, 2), count, opened, held, norm)
            # held's blocks come first among the candidates: it stands when all kept are its
            if held is not None and held[3].shape[1] == count * self.block_size:
                if bool((pick < count).all()):
                    return held
            top = chosen.gather(1, pick).sort(dim=1).values
        elif pool > count and self.representative == "bound":
            top = self._bounded(query.float().flatten(1, 2), count, pool, held, norm)
            # a recall's blocks are in slot order, so a held one is compared by one sort
            # (and the rows are read in the order they lie in the store)
            top = top.sort(dim=1).values
            if held is not None and torch.equal(top, held[4]):
                return held
        else:
            top = self.block_scores(query).topk(pool, dim=1).indices.cpu()  # (heads, pool)
            if pool > count:
                top = self._rescore(query, top, count)
            top = top.sort(dim=1).values
        slots, bias = self._slots(top)
        flat = self._flat(slots)
        k = on_device(self._take(self.k, flat), self.device)[None]
        v = on_device(self._take(self.v, flat), self.device)[None]
        return k, v, on_device(bias, self.device), slots, top
