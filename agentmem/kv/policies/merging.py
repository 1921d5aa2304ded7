"""Merging evicted tokens into the tokens that stay, so that eviction keeps their attention.

A retention policy drops the rows it does not keep, and with them the share of every later
query's softmax those rows would have taken: the kept rows split it among themselves. Merging
folds each dropped row into a kept one instead (the idea of D2O, Wan et al., 2024, and CaM,
Zhang et al., 2024): the kept row's value becomes the weighted mean of its own and the
merged rows' values, and its ``log_mass`` (`agentmem.kv.state.LayerState`) grows by the log
of the weight it now stands for, which the attention adds to its logit. A row of mass ``m``
whose key the merged keys resemble takes the softmax weight of ``m`` such keys, with their
mean value: what the dropped rows would have contributed, to first order.

Per layer and KV head, each dropped row goes to the kept row chosen by ``target``:

- ``"key"``: the kept row whose key is most similar (cosine), when the similarity is at least
  ``min_sim`` (D2O's nearest-key merge; a row resembling none is dropped as before);
- ``"position"``: the nearest kept row before it in the text (one pooled entry per evicted
  run, carried by the kept token that opens it; rows before every kept one go to the first).

and weighs as ``weight`` says: ``"count"``, each row by the tokens it stands for (its mass);
``"attention"``, each row by the attention it received (the policy's statistic, CaM's
weights), the growth capped at the count's so that a kept row with little measured attention
cannot take a large mass. Keys stay as they are (a kept token keeps its position).
Counting adds log(count) to a row's logit for every query, whether or not the query would
have read the merged tokens: on the dev text it multiplied perplexity at 6.25% (docs/design.md,
STR), so the defaults are "key", "attention" and 0.8.

The mass costs 4 bytes per row and KV head: ``rows_within`` gives the rows a budget of tokens
pays for once masses are held beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from agentmem.errors import ConfigError
from agentmem.kv.state import LayerState

MASS_BYTES = 4  # one float32 log-mass per row and KV head


@dataclass
class Merging:
    """The fields and hooks of a policy that merges what it evicts (STR mixes it in before
    its base, so that ``retain`` and ``device_bytes`` here take the base's place). ``merge``
    "none" drops evicted rows as before; the defaults of the other two were chosen on the dev
    text (docs/design.md's STR section)."""

    merge: Literal["none", "key", "position"] = "none"
    merge_weight: Literal["count", "attention"] = "attention"
    merge_min_sim: float = 0.8

    def check_merge(self) -> None:
        if self.merge not in ("none", "key", "position"):
            raise ConfigError(f"merge must be 'none', 'key' or 'position', got {self.merge!r}")
        if self.merge_weight not in ("count", "attention"):
            raise ConfigError(
                f"merge_weight must be 'count' or 'attention', got {self.merge_weight!r}"
            )

    def merge_rows(self, state: LayerState, budget: int) -> int:
        """Rows to keep for a budget of ``budget`` tokens: fewer once masses are held, since
        they are paid for in rows; ``budget`` itself while nothing is merged or evicted."""
        if self.merge == "none" or (state.length <= budget and state.log_mass is None):
            return budget
        return rows_within(state, budget)

    def retain(self, state: LayerState, keep: torch.Tensor) -> None:
        """Keep the rows at ``keep``, folding the others into them unless ``merge`` is none."""
        if self.merge == "none":
            state.keep(keep)
        else:
            merge_evicted(state, keep, self.merge, self.merge_weight, self.merge_min_sim)

    def device_bytes(self, state: LayerState) -> int:
        """Keys, values and, once rows were merged into, their masses."""
        mass = 0 if state.log_mass is None else state.log_mass.nbytes
        return state.keys.nbytes + state.values.nbytes + mass


def rows_within(state: LayerState, budget: int) -> int:
    """Rows per KV head whose keys, values and masses fit in ``budget`` tokens' keys and
    values."""
    row = 2 * state.keys.shape[-1] * state.keys.element_size()
    return max(1, budget * row // (row + MASS_BYTES))


def merge_evicted(
    state: LayerState,
    keep: torch.Tensor,
    target: Literal["key", "position"] = "key",
    weight: Literal["count", "attention"] = "count",
    min_sim: float = 0.0,
) -> None:
    """Keep the rows at ``keep: (kv_heads, k)`` (sorted), folding every other row into the
    kept row ``target`` chooses (see the module's docstring); sets ``state.log_mass``."""
    evicted = state.complement(keep)  # (kv_heads, e)
    if evicted.shape[1] == 0:
        state.keep(keep)
        return
    to, ok = _targets(state, keep, evicted, target, min_sim)
    mass = _mass(state)
    w_keep, w_ev = mass.gather(1, keep), mass.gather(1, evicted) * ok
    if weight == "attention":
        stat = state.stat.float().clamp_min(0)
        a_keep, a_ev = stat.gather(1, keep), stat.gather(1, evicted) * ok
        # in units of each kept row's own weight, capped at what counting would add
        share = a_ev / a_keep.gather(1, to).clamp_min(1e-12)
        w_ev = w_keep.gather(1, to) * share.minimum(w_ev / w_keep.gather(1, to))
    added = torch.zeros_like(w_keep).scatter_add_(1, to, w_ev)
    values = state.values[0].float()
    d = values.shape[-1]
    v_keep = values.gather(1, keep[..., None].expand(-1, -1, d)) * w_keep[..., None]
    v_ev = values.gather(1, evicted[..., None].expand(-1, -1, d)) * w_ev[..., None]
    v_new = v_keep.scatter_add_(1, to[..., None].expand(-1, -1, d), v_ev)
    total = w_keep + added
    state.keep(keep)
    state.layer.values = (v_new / total[..., None]).to(state.values.dtype)[None].contiguous()
    state.log_mass = total.log()


def _mass(state: LayerState) -> torch.Tensor:
    """``(kv_heads, n)``: the tokens each row stands for (1 for a row never merged into)."""
    mass = state.row_log_mass()
    if mass is None:
        return torch.ones_like(state.stat, dtype=torch.float32)
    return mass.float().exp()


def _targets(
    state: LayerState, keep: torch.Tensor, evicted: torch.Tensor, target: str, min_sim: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """For each evicted row, the index (into ``keep``'s columns) of the kept row it merges
    into, and whether it merges at all: ``(kv_heads, e)`` each."""
    if target == "position":
        pos_keep, pos_ev = state.pos.gather(1, keep), state.pos.gather(1, evicted)
        to = (torch.searchsorted(pos_keep, pos_ev.contiguous()) - 1).clamp_min(0)
        return to, torch.ones_like(to, dtype=torch.float32)
    keys = state.keys[0].float()
    d = keys.shape[-1]
    k_keep = F.normalize(keys.gather(1, keep[..., None].expand(-1, -1, d)), dim=-1)
    k_ev = F.normalize(keys.gather(1, evicted[..., None].expand(-1, -1, d)), dim=-1)
    sim, to = torch.bmm(k_ev, k_keep.transpose(1, 2)).max(dim=-1)
    return to, (sim >= min_sim).float()


__all__ = ["MASS_BYTES", "Merging", "merge_evicted", "rows_within"]
