"""Running decoder layers for a few tokens at their true positions over the managed cache.

The cache is read, never written: while ``rerun(...)`` is active the model's attention
implementation is this module's function, which attends the new queries over the layer's
cached rows whose position is not later than theirs, plus the new tokens themselves (causal
by position; a new token that a KV head already holds is read from the cache, not twice).
The new tokens' rotated keys and values are collected per layer. The previous attention
implementation is restored in a ``finally``.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field

import torch

from agentmem.kv.attention import attention_swap
from agentmem.kv.cache import ManagedCache

NAME = "agentmem_reweave"
_ACTIVE: contextvars.ContextVar[_Rerun | None] = contextvars.ContextVar(
    "agentmem_reweave_rerun", default=None
)


@dataclass
class _Rerun:
    cache: ManagedCache
    positions: torch.Tensor  # (m,) true positions of the tokens run
    kv: dict[int, tuple[torch.Tensor, torch.Tensor]] = field(default_factory=dict)
    # per layer, the attention mass ``(kv_heads, n)`` the run's queries gave each cached row
    attended: dict[int, torch.Tensor] = field(default_factory=dict)


def decoder(model):
    """The decoder stack (``layers``, ``rotary_emb``) of a causal LM or a peft wrapper of one."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return base.get_decoder() if hasattr(base, "get_decoder") else base.model


def _active(model, run: _Rerun) -> contextlib.AbstractContextManager[None]:
    return attention_swap(model, NAME, _rerun_attention, _ACTIVE, run)


def rope(model, like: torch.Tensor, positions: torch.Tensor):
    """``(cos, sin)`` of the model's rotary embedding at ``positions: (m,)``."""
    return decoder(model).rotary_emb(like, positions[None])


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """RoPE on ``x: (1, heads, m, d)`` with ``cos``/``sin: (1, m, d)`` (Llama's convention)."""
    cos, sin = cos[:, None], sin[:, None]
    half = x.shape[-1] // 2
    turned = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + turned * sin


@torch.no_grad()
def rerun(
    model,
    cache: ManagedCache,
    hidden: torch.Tensor,
    positions: torch.Tensor,
    layers: range,
    attended: dict[int, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, dict[int, tuple[torch.Tensor, torch.Tensor]]]:
    """Run ``layers`` on ``hidden: (1, m, d)`` (the residual entering the first of them) at
    ``positions: (m,)`` (ascending). Returns the residual leaving the last layer and, per layer,
    the new tokens' keys and values ``(1, kv_heads, m, head_dim)`` (keys rotated). When given,
    ``attended`` receives per layer the attention mass ``(kv_heads, n)`` the new tokens'
    queries (all of a KV head's group) gave each cached row."""
    stack = decoder(model)
    run = _Rerun(cache, positions, attended=attended if attended is not None else {})
    cos_sin = rope(model, hidden, positions)
    with _active(model, run):
        for index in layers:
            hidden = stack.layers[index](
                hidden, attention_mask=None, position_ids=positions[None],
                position_embeddings=cos_sin,
            )  # fmt: skip
    return hidden, run.kv


def _rerun_attention(module, query, key, value, attention_mask, scaling, dropout=0.0, **_):
    """``query: (1, q_heads, m, d)``; ``key``/``value: (1, kv_heads, m, d)``: the new tokens'."""
    run = _ACTIVE.get()
    run.kv[module.layer_idx] = (key, value)
    cached_k, cached_v, cached_pos = _cached(run.cache, module.layer_idx, key)
    kv_heads, m, d = key.shape[1], key.shape[2], key.shape[3]
    group = query.shape[1] // kv_heads
    pos = run.positions.to(cached_pos.device)
    held = (cached_pos[:, :, None] == pos[None, None, :]).any(dim=1)  # (kv_heads, m)
    see_cached = cached_pos[:, None, :] <= pos[None, :, None]  # (kv_heads, m, n)
    see_new = (pos[None, :] <= pos[:, None])[None] & ~held[:, None, :]  # (kv_heads, m, m)
    allowed = torch.cat([see_cached, see_new], dim=-1)[:, None]  # (kv_heads, 1, m, n + m)
    keys = torch.cat([cached_k, key], dim=2)[0].unsqueeze(1)  # (kv_heads, 1, n + m, d)
    values = torch.cat([cached_v, value], dim=2)[0].unsqueeze(1)
    q = query[0].view(kv_heads, group, m, d)
    scores = torch.matmul(q, keys.transpose(-1, -2)).float() * scaling
    probs = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)
    run.attended[module.layer_idx] = probs[..., : cached_k.shape[2]].sum(dim=(1, 2))
    out = torch.matmul(probs.to(values.dtype), values).reshape(1, kv_heads * group, m, d)
    return out.transpose(1, 2).contiguous(), None


def _cached(cache: ManagedCache, layer: int, like: torch.Tensor):
    """The layer's cached keys, values ``(1, kv_heads, n, d)`` and positions ``(kv_heads, n)``."""
    if layer < len(cache.states) and cache.states[layer].length:
        st = cache.states[layer]
        return st.keys, st.values, st.pos
    empty = like[:, :, :0]
    return empty, empty, torch.zeros(like.shape[1], 0, dtype=torch.long, device=like.device)
