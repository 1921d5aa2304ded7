"""The attention function of managed caches, registered with transformers' attention interface.

Registration happens on first use, never at import. While ``managed_attention(model, cache)``
is active the model's ``_attn_implementation`` names this function; on exit the previous
implementation is restored (in a ``finally``). Other users of the same model object are
untouched outside that block.

The function computes ordinary softmax attention of the new queries over
``[policy extras (e.g. CMP's warm and recalled tokens), cached tokens, new tokens]`` with a
bottom-right causal mask (cached tokens are all in the past, whatever their positions), the
cached rows' ``log_mass`` added to their logits when a policy has merged tokens into them, and,
for policies that need them, hands the attention weights to the policy chunk by chunk, so
nothing ever materialises a full ``q x n`` matrix for every head at once.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import torch
import torch.nn.functional as F

from agentmem.kv.cache import ManagedCache

NAME = "agentmem_managed"
QUERY_CHUNK = 256
_ACTIVE: contextvars.ContextVar[ManagedCache | None] = contextvars.ContextVar(
    "agentmem_managed_cache", default=None
)
_registered: set[str] = set()


def _no_mask(*args, **kwargs) -> None:
    """The managed attention builds its own mask; skip transformers' mask construction."""
    return None


@contextlib.contextmanager
def attention_swap(
    model, name: str, forward, active: contextvars.ContextVar, value
) -> Iterator[None]:
    """Run ``model`` with ``forward`` (registered as ``name`` on first use, with no mask of
    transformers') as its attention, ``active`` set to ``value``; restores both on exit."""
    if name not in _registered:
        from transformers import AttentionInterface
        from transformers.masking_utils import AttentionMaskInterface

        AttentionInterface.register(name, forward)
        AttentionMaskInterface.register(name, _no_mask)
        _registered.add(name)
    config = model.config
    previous = config._attn_implementation
    token = active.set(value)
    config._attn_implementation = name
    try:
        yield
    finally:
        config._attn_implementation = previous
        active.reset(token)


def managed_attention(model, cache: ManagedCache) -> contextlib.AbstractContextManager[None]:
    """Run ``model`` with the managed attention over ``cache``; restores everything on exit."""
    return attention_swap(model, NAME, managed_attention_forward, _ACTIVE, cache)


def managed_attention_forward(
    module, query, key, value, attention_mask, scaling: float, dropout: float = 0.0, **kwargs
):
    """``query: (1, q_heads, q, d)``; ``key``/``value: (1, kv_heads, n, d)`` (new tokens last).

    Returns ``(output: (1, q, q_heads, d), None)`` as transformers expects.
    """
    cache = _ACTIVE.get()
    if cache is None:  # the model is used outside a managed block: plain causal attention
        from transformers.integrations.sdpa_attention import sdpa_attention_forward

        return sdpa_attention_forward(module, query, key, value, attention_mask, scaling=scaling)
    state = cache.state(module.layer_idx)
    policy = cache.policy
    if policy.needs_queries:
        policy.observe_queries(state, module, query)
    if not policy.needs_attention and not policy.has_extra(state) and state.log_mass is None:
        out = _sdpa(query, key, value, scaling)
    else:
        out = _attend_observed(cache, state, query, key, value, scaling)
    policy.finish(state, query.shape[2])
    return out.transpose(1, 2).contiguous(), None


def _sdpa(query, key, value, scaling):
    q, n = query.shape[2], key.shape[2]
    mask = None if q == 1 else _causal(q, n, 0, q, query.device)
    return F.scaled_dot_product_attention(
        query, key, value, attn_mask=mask, scale=scaling, enable_gqa=True
    )


def _causal(q_total: int, n: int, start: int, stop: int, device) -> torch.Tensor:
    """Bool mask ``(stop-start, n)``: query i (of the q_total new) sees key j <= n - q_total + i."""
    rows = torch.arange(start, stop, device=device)[:, None] + (n - q_total)
    return torch.arange(n, device=device)[None, :] <= rows


def _attend_observed(cache, state, query, key, value, scaling):
    """Chunked explicit attention that reports weights to the policy.

    The policy's extra keys are asked for per query chunk, so that a recall (CMP's) is chosen
    for the queries that will read it: each prefill chunk, the question, each decoded token.
    A chunk's resident, extra and cached keys are scored as one key set and normalised by one
    fused softmax (separate scores and a hand-written joint softmax took four passes over the
    scores and two output matmuls: a tenth of CMP's prefill). The resident and cached keys are
    scored before the extras are chosen, so a single query's log-sum-exp over them is handed
    to the policy (CMP's recall measured it again per decoded token). A chunk reads only the
    keys up to its last query: the columns of later queries are all masked, so computing
    them was a third of a bulk prefill's attention. When the policy asks
    (`Policy.last_query_alone`), the forward's last query, whose output the next token is read
    from, forms a chunk of its own, so its extras are not chosen for the others.
    """
    policy = cache.policy
    _, q_heads, q_total, dim = query.shape
    kv_heads, n = key.shape[1], key.shape[2]
    group = q_heads // kv_heads
    qg = query[0].view(kv_heads, group, q_total, dim) * scaling  # scaled once, not each score
    has_extra = policy.has_extra(state)
    resident = policy.resident_kv(state) if has_extra else None
    w = 0 if resident is None else resident[0].shape[2]
    chunk = min(QUERY_CHUNK, policy.query_chunk(state, q_total) or QUERY_CHUNK)
    mass = state.row_log_mass()
    edges = list(range(0, q_total, chunk))
    if q_total - 1 > edges[-1] and policy.last_query_alone(state, q_total):
        edges.append(q_total - 1)  # the query the next token is read from chooses alone
    outputs = []
    whole = len(edges) == 1  # one chunk (a decoded token): no slicing
    for start, stop in zip(edges, [*edges[1:], q_total], strict=True):
        upto = n - q_total + stop  # keys this chunk may see
        keys, values = (key[0], value[0]) if upto == n else (key[0, :, :upto], value[0, :, :upto])
        if w:
            keys = torch.cat([resident[0][0], keys], 1)
        q_chunk = qg if whole else qg[:, :, start:stop]
        scores = _scores(q_chunk, keys)  # (kv_heads, group, c, w + upto)
        if mass is not None:  # a merged row stands for several tokens' attention
            scores[..., w:] += mass[:, None, None, :upto]
        if stop - start > 1:  # within the chunk's own tokens, query r sees token t <= r
            own = torch.ones(stop - start, stop - start, dtype=torch.bool, device=query.device)
            scores[..., w + upto - (stop - start) :].masked_fill_(own.triu(1), float("-inf"))
        extra = None
        if has_extra:
            lse = scores.flatten(1, 2).logsumexp(-1, keepdim=True) if stop - start == 1 else None
            extra = policy.extra_kv(state, query if whole else query[:, :, start:stop], lse)
        parts = [] if resident is None else [resident[1][0]]
        m = w
        if extra is not None:
            ek, ev, ebias = extra
            es = _scores(q_chunk, ek[0])
            es += ebias[:, None, None, :]
            scores = torch.cat([scores[..., :w], es, scores[..., w:]], -1)
            parts.append(ev[0])
            m += ek.shape[2]
        if parts:
            values = torch.cat([*parts, values], 1)
        probs = scores.softmax(dim=-1)
        probs_v = probs if probs.dtype == values.dtype else probs.to(values.dtype)
        outputs.append(_grouped_matmul(probs_v, values))
        if m:
            policy.observe_extra(state, probs[..., :m], start, q_total)
        if policy.needs_attention:
            own_probs = probs[..., m:]
            own_probs = own_probs if upto == n else F.pad(own_probs, (0, n - upto))
            policy.observe(state, own_probs, start, q_total)
    out = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=2)
    return out.reshape(1, q_heads, q_total, dim)


def _grouped_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a: (kv_heads, group, c, m) @ b: (kv_heads, m, d)`` -> ``(kv_heads, group, c, d)`` as
    one batched matmul per KV head: a broadcast over the group copies ``b`` once per query
    head (``torch.matmul`` materialises the expanded operand)."""
    heads, group, c, m = a.shape
    return torch.bmm(a.reshape(heads, group * c, m), b).view(heads, group, c, -1)


def _scores(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Float32 ``q . k`` (``q`` scaled already): ``(kv_heads, group, c, d) x (kv_heads, m, d)``."""
    scores = _grouped_matmul(q, k.transpose(-1, -2))
    return scores.float() if scores.dtype != torch.float32 else scores
