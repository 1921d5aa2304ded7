"""Which evicted traces a question brings back: attention at the capture layer, then sentences.

The question's queries at layer c (from its own residual entering c, computed over the
current cache) are scored against keys rebuilt from the traces' latents with layer c's own
key projection, softmax-normalised together with the cached keys of layer c. A trace's score
is the mass its most attentive query head gives it from that head's strongest question token
(``heads="max"``, ``tokens="max"``). Heads: the few that retrieve a needle are outvoted in a
sum over heads by the many that put their mass on sink-like tokens (sentence ends,
delimiters), which then fill the recall budget. Tokens: few of a question's tokens name its
needle; summed over all of them, the mass the others spread over prose and delimiters buries
it (seed 0, 1k, 12.5%: the needle's sentence recalled whole in 4/6 rare-word and 6/8 locker
cases with a sum over tokens, 6/6 and 7/8 with the max). The best ``seeds`` traces are
expanded to their sentences (a span level above STR's words): single tokens miss most of a
needle, a sentence carries it whole.
"""

from __future__ import annotations

import re

import torch

from agentmem.kv.reweave.layers import _cached, decoder, rerun, rope, rotate

SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s*$|\n")


def ends_sentence(piece: str) -> bool:
    """Whether a token's text closes a sentence (terminal punctuation, or a line break)."""
    return bool(SENTENCE_END.search(piece))


def evicted(cache) -> torch.Tensor:
    """Positions ``(e,)`` seen but not attended on the device by every layer and KV head."""
    n = cache.tokens_seen
    if not cache.states or n == 0:
        return torch.zeros(0, dtype=torch.long)
    device = cache.states[0].pos.device
    everywhere = torch.ones(n, dtype=torch.bool, device=device)
    for st in cache.states:
        rows = cache.policy.tier_positions(st)["device"].to(device)
        held = torch.zeros(rows.shape[0], n, dtype=torch.bool, device=device)
        held.scatter_(1, rows.clamp(0, n - 1), True)
        everywhere &= held.all(dim=0)
    return (~everywhere).nonzero().flatten()


@torch.no_grad()
def read_question(weaver, question: list[int]):
    """The question read over the current cache without writing it: the residual ``(1, q, d)``
    entering the capture layer, its positions ``(q,)``, and per layer the attention mass
    ``(kv_heads, n)`` its queries give each cached row (what the question reads, at every
    layer: the rows that recall must not displace)."""
    model, cache, c = weaver.llm.model, weaver.cache, weaver.layer
    device = cache.states[0].pos.device if cache.states else weaver.llm.device
    q_pos = torch.arange(cache.tokens_seen, cache.tokens_seen + len(question), device=device)
    hidden = model.get_input_embeddings()(torch.tensor([question], device=device))
    attended: dict[int, torch.Tensor] = {}
    at_c, _ = rerun(model, cache, hidden, q_pos, range(0, c), attended)
    rerun(model, cache, at_c, q_pos, range(c, len(decoder(model).layers)), attended)
    return at_c, q_pos, attended


@torch.no_grad()
def score(
    weaver, read, candidates: torch.Tensor, heads: str = "max", tokens: str = "max"
) -> torch.Tensor:
    """Attention mass ``(e,)`` the question gives each candidate at the capture layer: per
    query head, its strongest question token's (``tokens="max"``) or all its tokens' summed
    (``"sum"``); then the most attentive head's (``heads="max"``) or all heads' summed
    (``"sum"``). ``read``: ``read_question``'s result."""
    model, cache, c = weaver.llm.model, weaver.cache, weaver.layer
    hidden, q_pos, _ = read
    block = decoder(model).layers[c]
    attn = block.self_attn
    d = attn.head_dim
    query = attn.q_proj(block.input_layernorm(hidden)).view(1, len(q_pos), -1, d)
    query = rotate(query.transpose(1, 2), *rope(model, hidden, q_pos))
    latents = weaver.store.rows(candidates, hidden.dtype)[None]
    keys = attn.k_proj(block.input_layernorm(latents)).view(1, len(candidates), -1, d)
    keys = rotate(keys.transpose(1, 2), *rope(model, latents, candidates))
    cached, _, _ = _cached(cache, c, keys)
    kv_heads = keys.shape[1]
    q = query[0].view(kv_heads, -1, len(q_pos), d)
    every = torch.cat([cached, keys], dim=2)[0].unsqueeze(1)  # (kv_heads, 1, n + e, d)
    probs = torch.softmax(torch.matmul(q, every.transpose(-1, -2)).float() * attn.scaling, -1)
    mass = probs[..., cached.shape[2] :]  # (kv_heads, group, q, e)
    per_head = (mass.amax(dim=2) if tokens == "max" else mass.sum(dim=2)).flatten(0, 1)
    return per_head.amax(dim=0) if heads == "max" else per_head.sum(dim=0)


def expand(
    candidates: torch.Tensor, scores: torch.Tensor, sentences: torch.Tensor, seeds: int, room: int
) -> torch.Tensor:
    """The sentences of the ``seeds`` best candidates, best first, up to ``room`` positions
    (a sentence longer than the room left keeps the positions nearest its seed)."""
    chosen: list[int] = []
    taken: set[int] = set()
    for index in scores.argsort(descending=True)[:seeds].tolist():
        left = room - len(chosen)
        if left <= 0:
            break
        seed = int(candidates[index])
        members = candidates[sentences == sentences[index]].tolist()
        fresh = [p for p in members if p not in taken]
        fresh.sort(key=lambda p: (abs(p - seed), p))
        for p in fresh[:left]:
            taken.add(p)
            chosen.append(p)
    return torch.tensor(sorted(chosen), dtype=torch.long, device=candidates.device)
