"""CMP's recall: which cold blocks a query chunk attends (a prefill chunk, a question, each
decoded token), and the per-layer tier state it reads (`_Tiers`). `CMP` composes it with its
placement (`agentmem.kv.policies.cmp`); the selection itself is `ColdStore.recall`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from agentmem.kv.tiers import ColdStore, WarmTier
from agentmem.kv.tiers.summary import BlockSummary
from agentmem.kv.tiers.warm import on_device


@dataclass
class _Tiers:
    warm: WarmTier
    cold: ColdStore
    events: list[tuple[int, int, int, torch.Tensor]] = field(default_factory=list)
    compressions: int = 0
    recalled: torch.Tensor | None = None  # slots recalled for the running forward
    warm_colsum: torch.Tensor | None = None
    group: int = 1  # query heads per KV head, seen in the attention weights
    recall: int = 0  # blocks recalled per query chunk under the current budget
    warm_kv: tuple[torch.Tensor, torch.Tensor] | None = None  # dequantised for one forward
    bulk: bool = False  # the running forward is a bulk prefill (see ``query_chunk``)
    held: tuple | None = None  # the last recall (keys, values, bias, slots, blocks), on device
    held_age: int = 0  # decoded tokens that have read ``held``
    summary: BlockSummary | None = None  # the unrecalled blocks' summaries (``summarize``)
    room: tuple | None = None  # (budget, cold, warm lengths), the tier-0 length that fits them


class Recall:
    """The attention hooks of CMP's recall (`Policy.has_extra`, `query_chunk`,
    `last_query_alone`, `resident_kv`, `extra_kv`), on the fields of `CMP` that configure
    them (``block_size``, ``representative``, ``candidates``, ``recall_chunk``, ``reselect``,
    ``recall_norm``, ``decode_open``)."""

    def has_extra(self, state) -> bool:
        tiers = state.extra.get("cmp")
        if tiers is None:
            return False
        return tiers.warm.length > 0 or (tiers.cold.length > tiers.warm.length and tiers.recall > 0)

    def query_chunk(self, state, q_total: int | None = None) -> int | None:
        """``recall_chunk`` queries share one recall in a short forward (a question, a turn,
        a decoded token); a bulk prefill keeps the attention's chunks, because a selection
        has a fixed cost and 16-query chunks made prefill 2-3x the full cache's (measured at
        2k-4k tokens), while lookups happen in the short forwards. For the same reason a bulk
        prefill's recall skips the exact rescoring of candidates (9% of CMP's 4k prefill)."""
        bulk = q_total is not None and q_total > 4 * self.recall_chunk
        if "cmp" in state.extra:
            state.extra["cmp"].bulk = bulk
        if not self.has_extra(state) or bulk:
            return None
        return self.recall_chunk

    def last_query_alone(self, state, q_total: int) -> bool:
        """In a short forward (a question, a turn) the last query recalls for itself: in one
        chunk of shares pooled by max, the other queries' best blocks pushed the needle's block
        out of the recall in layers 19-25 (passkey 1k, the one case full answered and CMP
        did not; alone it ranks inside and the case is answered). See DESIGN.md, CMP."""
        return self.query_chunk(state, q_total) is not None

    def resident_kv(self, state):
        """Warm tokens ``(1, heads, w, d)``, dequantised once per forward."""
        tiers = state.extra.get("cmp")
        if tiers is None or not tiers.warm.length:
            return None
        if tiers.warm_kv is None:
            tiers.warm_kv = tiers.warm.dequantized()
        return tiers.warm_kv

    def extra_kv(self, state, query: torch.Tensor, lse: torch.Tensor | None = None):
        """The cold blocks recalled for this query chunk ``query: (1, q_heads, q, d)``; ``lse``
        (a decoded token's, from the attention) is the selection's normaliser when given.
        With ``summarize``, the other blocks' summaries follow, with their log-masses."""
        tiers = state.extra.get("cmp")
        if tiers is None or not (tiers.cold.length > tiers.warm.length and tiers.recall):
            return None
        recalled = self._recall(state, tiers, query, lse)
        if tiers.summary is None:
            return recalled
        return self._with_summaries(tiers, recalled)

    @staticmethod
    def _with_summaries(tiers: _Tiers, recalled):
        """``recalled`` (keys, values, bias) and, after it, one summary row per group of cold
        blocks (`BlockSummary`) weighted by its tokens that this chunk neither recalled nor
        reads in tier 1: its bias is the log of their count (a row standing for that many
        tokens; -inf, masked, where none is left: a group the recall and tier 1 read whole)."""
        keys, values, bias = recalled
        summary = tiers.summary
        sk, sv, count, negative = summary.rows(tiers.cold)
        chosen = on_device(tiers.held[4], count.device)
        left = count.scatter_add(1, chosen // summary.group, negative.gather(1, chosen))
        return (
            torch.cat([keys, sk], 2),
            torch.cat([values, sv], 2),
            torch.cat([bias, on_device(left.log(), bias.device)], 1),
        )

    def _recall(self, state, tiers: _Tiers, query: torch.Tensor, lse=None):
        """The cold blocks for this query chunk. A decoded token starts from the held recall:
        with ``"bound"`` representatives its bounds say which other blocks may beat it and
        only those are read (the result is the exact selection); with ``"mean"`` ones it reads
        the held blocks while fewer than ``reselect`` tokens have. ``lse``: the device
        normaliser (`_device_norm`) as the attention computed it."""
        held = tiers.held
        width = min(tiers.recall, tiers.cold.blocks) * self.block_size
        decode = query.shape[2] == 1 and held is not None and held[0].shape[2] == width
        bounded = self.representative == "bound" and self.candidates > 1
        if decode and not bounded and tiers.held_age < self.reselect:
            tiers.held_age += 1
            return held[:3]
        heads = state.keys.shape[1]
        grouped = query[0].view(heads, -1, query.shape[2], query.shape[3])
        candidates = 1 if tiers.bulk else self.candidates
        start = held if decode and bounded else None
        opened = None
        if bounded and query.shape[2] == 1 and self.decode_open > 0:
            opened = math.ceil(self.decode_open * min(tiers.recall, tiers.cold.blocks))
        norm = None
        if bounded and self.recall_norm == "device" and not tiers.bulk:
            grouped = grouped * grouped.shape[-1] ** -0.5  # the attention's own scale
            norm = lse if lse is not None else self._device_norm(state, tiers, grouped)
        tiers.held = tiers.cold.recall(grouped, tiers.recall, candidates, start, norm, opened)
        tiers.recalled = tiers.held[3]
        tiers.held_age = 1 if query.shape[2] == 1 else 0
        return tiers.held[:3]

    @staticmethod
    def _device_norm(state, tiers: _Tiers, grouped: torch.Tensor) -> torch.Tensor:
        """Per query ``(heads, group * q, 1)``: the log-sum-exp of its scaled logits over the
        keys it attends on device (hot and warm), so that a cold block scores as the share
        of that query's attention it would take. (A chunk's queries are measured against every
        hot key, the chunk's later tokens included; a decoded token's comes from the
        attention, see `_recall`.)"""
        q = grouped.float().flatten(1, 2)
        logits = [torch.bmm(q, state.keys[0].float().transpose(1, 2))]
        if tiers.warm.length:
            if tiers.warm_kv is None:
                tiers.warm_kv = tiers.warm.dequantized()
            logits.append(torch.bmm(q, tiers.warm_kv[0][0].float().transpose(1, 2)))
        return torch.cat(logits, 2).logsumexp(dim=2, keepdim=True)
