"""STR, Structured Token Retention (agentmem's concrete version; see DESIGN.md "KV memory").

(The module is `structured`, not `str`, so as not to shadow the builtin in this package.)

Significance answers "will the model need this token again?" from three kinds of evidence,
each catching needed tokens the others miss:

- *attention received* from new queries (local context, heavy hitters): an exponential moving
  average relative to uniform attention (``a * n``, so values stay comparable as the cache
  grows);
- *reconstruction importance* (information found nowhere else: a name, a number, a key in
  filler): the largest attention a token receives while the model repeats the context
  (KVzip's measure, `agentmem.kv.policies.reconstruction`). Ordinary queries rarely look at
  such a token before it is asked for; repeating cannot do without it;
- *key norm* (tokens that will draw attention, known the moment they are cached, before any
  query or repetition has seen them): keys with a small norm draw the most attention (Knorm).

The three are on different scales, so each becomes its rank within the layer and KV head
(0..1) and a token's significance is the largest: it stays if any evidence says it is needed.
Each secondary evidence claims a share of the kept slots relative to attention's: its ranks
are rescaled so that, in the max, it keeps ``rec_share`` (``norm_share``) times as many tokens
as attention does (1: as many). Attention received is what the next tokens read (language
modelling follows it); the others find the few tokens it misses (a needle is a handful of
tokens). Measured on the bundled model with texts apart from the benchmark's (perplexity at
25% on stdlib docstrings, 1k tokens, full 11.82): all three at equal shares 13.84, without key
norm 13.45, with reconstruction at a quarter share 13.44, attention alone 13.52. Key norm is
therefore off by default (``key_norm=True`` brings it back). Reconstruction keeps an equal
share: a quarter share lost a number kept whole in 40 of 90 heads of the bundled model where
an equal share keeps it in at least 45 (tests/test_kv_str_llm.py), for 0.1% of perplexity.
Not kept, measured on the same text: a recent window of a quarter or half of the budget
(13.41, 13.47 with reconstruction at a quarter), a slower or faster EMA (alpha 0.005: 13.62,
0.2: 13.64).
With ``reconstruct=False`` and ``key_norm=False`` (how CMP composes it) significance is the
attention EMA itself.

``combine="mass"`` (off by default) takes each evidence as its share of the head's total, not
its rank, so an evidence claims slots while its next token carries more of its total than the
other's does. By rank attention takes half the slots however flat it is; over repetitive
filler those slots hold filler while repetition's few peaks (the needle's sentence) go.
Mixed (more passkeys at 6.25%, worse perplexity), so an option; figures in docs/design.md's
STR section.

Thin attention evidence. A new token's first measure averages over the queries after it in
its forward, a handful for the newest (one forward of a 1k-token context: the last token is
read by one query, mostly itself), and near queries attend more, so the newest tokens of a
forward outrank older ones judged by many readers: at 6.25% of a 1k passkey context the
attention half of the kept slots of a layer was the last filler sentence, contiguous.
``prior_queries`` shrinks that first measure toward uniform as if that many more queries had
read the token uniformly. Off by default, since the measurement is mixed (better at 25%,
worse at 6.25%, where the next chunk reads the newest tokens the shrink gives away; figures
in docs/design.md's STR section).

Pending tokens. A repetition runs once ``min_pass`` tokens are pending, so the newest tokens
(at ask time: the question and the reply being decoded) have no reconstruction evidence yet,
and their attention is averaged over the few queries that saw them. Ranked on that thin
evidence against tokens judged by a whole repetition, a question was evicted at a small
budget (tests/test_kv_str_pending.py). They are held instead: the newest pending tokens, up
to ``hold_pending`` (0.5) of the budget, are kept as sinks are, and once more are pending than
that, the repetition runs at the next compression rather than waiting for ``min_pass``, so
every token is either held or judged by repetition (passkey answers gained at 12.5%,
perplexity unchanged: a chunk of 32 is repeated at once; figures in docs/design.md's STR
section). ``hold_pending=0`` ranks pending tokens by the other evidence, as before.

The budget is a total over layers. By default each layer keeps the same rows; ``layer_floor``
below 1 lets layers compete for the total by their attention curves and ``dense_layers``
keeps the first layers whole (`agentmem.kv.policies.allocation`), and ``rec_cap`` bounds
reconstruction's claim to a share of the text. Each was measured on the dev text and none
wins at every budget (figures in DESIGN.md's STR definition), so all three are off by default.

Merging (``merge``, off by default; ``str_merge`` in the registry): the evicted rows are folded
into kept rows of similar key, which then stand for their attention
(`agentmem.kv.policies.merging`; figures in docs/design.md's STR section).

Its persistence probability is ``p = sigmoid((s - tau) / T)`` with ``tau`` chosen so that
``sum(p)`` equals the budget; retention keeps by ``p``: deterministic top-k
(``sampling="topk"``) or Bernoulli draws from a seeded generator. It is structured:
significance is max-pooled over spans (a word, a number) and spans are ranked as units, so a
kept name or number is kept whole. Sinks are always kept, and a recent window of ``recent``
tokens (at most half the budget) when asked for.

No recent window by default: a slot the window reserves is one attention would have given to
an older token the next queries read, and the newest tokens need no reservation (a token's
attention received is averaged over the queries that saw it, so a new token that its few
readers look at ranks high). Perplexity on `bench kv`'s dev text (512 tokens, chunks of 32,
full 14.84) at 6.25 / 12.5 / 25 / 50%: a 16-token window 24.18 / 20.90 / 17.18 / 15.32, none
22.93 / 20.07 / 17.21 / 15.40 (a 4-token window: 20.51 at 12.5%), where TOVA, the best
baseline at 12.5%, gives 25.03 / 20.52 / 18.51 / 15.99. Also measured there and not kept (at
12.5%): the last query's attention (TOVA's evidence) as a fourth evidence at an equal or half
share (21.31, 21.04 with the 16-token window; 20.65 with a 4-token one: the EMA over a chunk
already holds it), reconstruction off 21.50 or at half share 21.04, spans not pooled 21.06, a
slower EMA (alpha 0.01) 20.73.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import torch

from agentmem.errors import ConfigError
from agentmem.kv.policies.allocation import allocate, layer_curve
from agentmem.kv.policies.merging import Merging
from agentmem.kv.policies.reconstruction import repeat_scores
from agentmem.kv.policies.retention import Retention


def _ranks(scores: torch.Tensor) -> torch.Tensor:
    """Each row's values replaced by their rank scaled to (0, 1] (ties broken by order)."""
    order = scores.argsort(dim=1, stable=True)
    ranks = torch.empty_like(scores)
    steps = torch.arange(1, scores.shape[1] + 1, device=scores.device, dtype=scores.dtype)
    ranks.scatter_(1, order, steps.expand_as(scores) / scores.shape[1])
    return ranks


def _quota(ranks: torch.Tensor, share: float) -> torch.Tensor:
    """Ranks rescaled so that, in a max with attention's ranks, this evidence claims ``share``
    times as many of the kept slots as attention does (1: as many)."""
    if share <= 0:
        return torch.zeros_like(ranks)
    return 1.0 - (1.0 - ranks) / share


@dataclass
class STR(Merging, Retention):
    """Significance (attention received | reconstruction importance | key norm) ->
    persistence -> span-structured retention."""

    name: ClassVar[str] = "str"
    needs_attention: ClassVar[bool] = True
    # No recent window: the newest tokens stay by the attention they receive (see the module's
    # docstring for the measurement).
    recent: int = 0
    reconstruct: bool = True
    key_norm: bool = False
    min_pass: int = 32
    rec_share: float = 1.0
    norm_share: float = 1.0
    chunk_size: int = 2048
    rec_cap: float = 1.0
    layer_floor: float = 1.0
    dense_layers: int = 0
    hold_pending: float = 0.5
    prior_queries: float = 0.0
    combine: Literal["rank", "mass"] = "rank"
    # A compression that would evict fewer than ``slack`` x the budget (a decoded token, a
    # short turn) evicts that many, so the next one is that many tokens away: a selection
    # rescores every cached token, and paid per decoded token it made STR's decode 1.15x the
    # full cache's at 4k (0.70x with 1/16; docs/design.md, STR, "Eviction ahead"). 0: every
    # overflow evicts just itself.
    slack: float = 1 / 16

    def __post_init__(self) -> None:
        super().__post_init__()
        self.check_merge()
        if not 0.0 <= self.slack < 1.0:
            raise ConfigError(f"str.slack must be in [0, 1), got {self.slack!r}")
        if self.combine not in ("rank", "mass"):
            raise ConfigError(f"str.combine must be 'rank' or 'mass', got {self.combine!r}")
        if self.combine == "mass" and self.key_norm:
            raise ConfigError(
                "str.combine='mass' combines attention and reconstruction only; "
                "set key_norm=False or combine='rank'"
            )
        if self.hold_pending > 1.0:
            raise ConfigError(f"str.hold_pending must be in [0, 1], got {self.hold_pending!r}")
        if not 0.0 < self.rec_cap <= 1.0:
            raise ConfigError(f"str.rec_cap must be in (0, 1], got {self.rec_cap!r}")
        if self.layer_floor > 1.0:
            raise ConfigError(f"str.layer_floor must be in [0, 1], got {self.layer_floor!r}")
        if self.chunk_size < 1:
            raise ConfigError(f"str.chunk_size must be >= 1, got {self.chunk_size!r}")

    def recent_window(self, budget: int) -> int:
        """``recent`` newest tokens, at most half the budget: while the budget is small (early in a
        text at a small fraction) a full window would outnumber the budget, and the tie among
        protected tokens would then keep the oldest of them, not the newest."""
        return min(self.recent, budget // 2)

    # --- pending tokens: not yet judged by a repetition ------------------------------------------
    def held(self, budget: int) -> int:
        """How many of the newest unjudged tokens are kept as they are: ``hold_pending`` of the
        budget, within what the sinks leave."""
        return min(int(self.hold_pending * budget), max(budget - int(self.sinks), 0))

    def protected(self, state, budget: int) -> torch.Tensor:
        """Sinks, the recent window, and the newest tokens that no repetition has judged yet
        (at most ``held(budget)`` of them): the few queries that saw them are thin evidence
        to rank them on, and at ask time they are the question and the reply."""
        mask = super().protected(state, budget)
        upto = state.extra.get("str_rec_upto")
        hold = self.held(budget)
        if upto is None or not hold:
            return mask
        return mask | (state.pos >= max(upto, state.last_position + 1 - hold))

    # --- attention received --------------------------------------------------------------------
    def observe(self, state, probs: torch.Tensor, q_start: int, q_total: int) -> None:
        """Sum the weights each token receives over the forward's queries and the head group."""
        colsum = state.extra.get("str_colsum")
        part = probs.sum(dim=(1, 2))
        if q_start == 0 or colsum is None or colsum.shape != state.stat.shape:
            state.extra["str_colsum"] = part
        else:
            state.extra["str_colsum"] = colsum + part
        state.extra["str_group"] = probs.shape[1]

    def finish(self, state, n_new: int) -> None:
        """Fold the forward's mean attention (relative to uniform) into the EMA."""
        colsum = state.extra.pop("str_colsum", None)
        if colsum is None or n_new == 0:
            return
        n = colsum.shape[1]
        old = n - n_new
        group = state.extra.get("str_group", 1)
        # a token is read by every new query after it: the old ones by all n_new, the new ones
        # by n_new, n_new - 1, ..., 1 (the old ones' share in one scalar: a decoded token's
        # update is then a few ops on the rows, whatever their number)
        rate = 1.0 - (1.0 - self.alpha) ** n_new
        stat = state.stat
        stat[:, :old].lerp_(colsum[:, :old] * (n / (n_new * group)), rate)
        # a new token's first measure averages over the few queries after it; with
        # ``prior_queries`` it is shrunk toward uniform (1) as if that many more had read it
        # uniformly, so a handful of near readers do not outrank a token judged by many
        prior = self.prior_queries
        if n_new == 1 and not prior:  # a decoded token: read by itself once
            stat[:, old:] = colsum[:, old:] * (n / group)
            return
        seen = torch.arange(n_new, 0, -1, device=colsum.device, dtype=torch.float32)
        fresh = colsum[:, old:] / (seen * group) * n
        stat[:, old:] = (fresh * seen + prior) / (seen + prior) if prior else fresh

    # --- reconstruction importance -------------------------------------------------------------
    def prepare(self, cache, budget: int) -> None:
        """Repeat the tokens fed since the last repetition once ``min_pass`` are pending (or
        sooner, once more are pending than ``held(budget)`` keeps, so that every token is
        judged by repetition or held), then share the layers' total among the layers
        (`agentmem.kv.policies.allocation`)."""
        self._repeat(cache, budget)
        if self.layer_floor >= 1.0 and not self.dense_layers:
            return
        curves = [layer_curve(st.stat) for st in cache.states]
        rows = allocate(curves, budget * len(curves), self.layer_floor, self.dense_layers)
        for st, n in zip(cache.states, rows, strict=True):
            st.extra["str_rows"] = (budget, n)

    def compress(self, state, budget: int) -> None:
        """Keep this layer's share of the total when ``prepare`` allotted one for ``budget``."""
        allotted = state.extra.pop("str_rows", None)
        if allotted is not None and allotted[0] == budget:
            budget = allotted[1]
        budget = self.merge_rows(state, budget)
        state.extra["str_budget"] = budget
        ahead = int(self.slack * budget)
        if 0 < state.length - budget < ahead:
            budget -= ahead  # evict ahead of the next decoded tokens (``slack``)
        super().compress(state, budget)

    def _repeat(self, cache, budget: int) -> None:
        if not self.reconstruct or cache.rereader is None or not cache.states:
            return
        upto = cache.states[0].extra.get("str_rec_upto", 0)
        pending = cache.tokens_seen - upto
        overflow = self.hold_pending > 0 and pending > self.held(budget)
        if pending <= 0 or (pending < self.min_pass and not overflow):
            return
        scores = repeat_scores(
            cache, upto, cache.tokens_seen, chunk_size=self.chunk_size, sinks=self.sinks
        )
        for st, new in zip(cache.states, scores, strict=True):
            table = st.extra.get("str_rec")
            if table is None:
                table = torch.full((st.pos.shape[0], 0), float("nan"), device=st.pos.device)
            grow = cache.tokens_seen - table.shape[1]
            table = torch.cat([table, table.new_full((table.shape[0], grow), float("nan"))], 1)
            fresh = (st.pos >= upto) & ~torch.isnan(new)
            table.scatter_(1, st.pos, torch.where(fresh, new, table.gather(1, st.pos)))
            st.extra["str_rec"], st.extra["str_rec_upto"] = table, cache.tokens_seen

    def significance(self, state) -> torch.Tensor:
        """``(kv_heads, n)``: the largest rank of the evidence available for each token, or
        the attention EMA itself when it is the only evidence."""
        table = state.extra.get("str_rec")
        if table is None and not self.key_norm:
            return state.stat
        if self.combine == "mass":
            return self._mass(state, table)
        best = _ranks(state.stat.float())
        if self.key_norm:
            best = torch.maximum(
                best, _quota(_ranks(-state.keys[0].float().norm(dim=-1)), self.norm_share)
            )
        if table is not None:
            rec = self._rec_of(state, table)
            scored = ~torch.isnan(rec)
            rec_rank = _quota(
                _ranks(torch.where(scored, rec, torch.full_like(rec, -1.0))),
                self._rec_share(state),
            )
            best = torch.where(scored, torch.maximum(best, rec_rank), best)
        return best

    def _rec_of(self, state, table: torch.Tensor) -> torch.Tensor:
        """``(kv_heads, n)``: the cached tokens' reconstruction importance, NaN where unjudged."""
        width = table.shape[1]
        rec = table.gather(1, state.pos.clamp(max=width - 1))
        return torch.where(state.pos < width, rec, torch.full_like(rec, float("nan")))

    def _mass(self, state, table: torch.Tensor) -> torch.Tensor:
        """Each evidence as its share of the head's total (attention received and
        reconstruction importance each sum to 1 over the cached tokens), the larger kept: an
        evidence claims slots while its next token carries more of its total than the other's
        next token does, so a flat evidence (attention over repetitive filler) yields slots
        to a peaked one (repetition's look at a number) instead of taking a fixed share."""
        att = state.stat.float().clamp_min(0)
        att = att / att.sum(dim=1, keepdim=True).clamp_min(1e-30)
        rec = torch.nan_to_num(self._rec_of(state, table).float(), nan=0.0).clamp_min(0)
        rec = rec / rec.sum(dim=1, keepdim=True).clamp_min(1e-30)
        return torch.maximum(att, self._rec_share(state) * rec)

    def _rec_share(self, state) -> float:
        """``rec_share``, lowered so that reconstruction claims at most ``rec_cap`` of the text's
        tokens: what only repetition needs is a part of the text, not of the budget."""
        budget = state.extra.get("str_budget")
        if budget is None or self.rec_cap >= 1.0:
            return self.rec_share
        claim = budget * self.rec_share / (1.0 + self.rec_share)
        cap = self.rec_cap * (state.last_position + 1)
        return self.rec_share if claim <= cap else cap / max(budget - cap, 1.0)
