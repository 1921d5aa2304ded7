"""Whether a possessed noun names a service with a provider, for the copula's reading of
"my <noun> is with <organisation>" (`extraction_copula`).

"Our broadband is with Plusnet", "my pension is with Aviva" name a provider; "my heart is
with Liverpool", "my thoughts are with the family" use the same frame for an allegiance or
a feeling, and nothing is provided. The grammar is the same and the small pipeline carries no
noun classes, so the noun's meaning decides, as for what one "has" (`extraction_holdable`):
"my <noun>" is embedded by the bundled MiniLM and compared with two sets
of kinds, services one contracts for (insurance, accounts, loans, utilities, telecoms,
subscriptions) and what is one's own without a provider (a part of the body, an emotion,
an attitude or allegiance, a thought, a wish). The nearer kind decides; there is no tuned
threshold. Without the bundled embedder every possessed thing may have a provider, as
before.
"""

from __future__ import annotations

import functools

from agentmem.facts.extraction.similar import embed

SERVICE_KINDS = (
    "an insurance policy",
    "a bank account",
    "a loan",
    "a retirement plan",
    "a utility supply",
    "a telephone or internet contract",
    "a subscription",
)
OWN_KINDS = (
    "a part of the body",
    "an emotion",
    "an attitude or allegiance",
    "an idea or attention",
    "a prayer or good wish",
)


@functools.lru_cache(maxsize=4096)
def serviced(noun_phrase: str) -> bool:
    """Whether "my `noun_phrase`" can be *with* a company as its provider."""
    sets = kinds()
    vector = None if sets is None else embed([f"my {noun_phrase}"])
    if sets is None or vector is None:
        return True
    services, own = sets
    return float((services @ vector[0]).max()) >= float((own @ vector[0]).max())


@functools.cache
def kinds():
    """The two sets of kinds, embedded (services, one's own); None without the embedder."""
    services, own = embed(list(SERVICE_KINDS)), embed(list(OWN_KINDS))
    return None if services is None or own is None else (services, own)


__all__ = ["OWN_KINDS", "SERVICE_KINDS", "kinds", "serviced"]
