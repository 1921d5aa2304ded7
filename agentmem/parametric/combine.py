"""Serving a user adapter and an agent adapter at once.

peft's `add_weighted_adapter` offers several combinations; the bench (`agentmem bench lora`)
measures them side by side. "cat" concatenates the low-rank factors, which is exactly the
sum of the two weight deltas (the same as stacking both adapters); "linear" and "svd" mix
the factors and lose part of each delta. Training one adapter on the union of both fact sets
("joint") is measured as the reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmem.errors import ConfigError

METHODS = ("cat", "linear", "svd", "ties", "dare_linear")


def combine(
    model: Any,
    names: Sequence[str],
    new_name: str,
    method: str = "cat",
    weights: Sequence[float] | None = None,
) -> str:
    """Add adapter `new_name` to the peft `model`, combining `names` by `method`."""
    if method not in METHODS:
        raise ConfigError(f"combination method must be one of {list(METHODS)}, got {method!r}")
    weights = list(weights) if weights is not None else [1.0] * len(names)
    kwargs: dict[str, Any] = {}
    if method in ("ties", "dare_linear"):
        kwargs["density"] = 0.5
    if method == "svd":
        kwargs["svd_rank"] = max(model.peft_config[n].r for n in names)
    model.add_weighted_adapter(list(names), weights, new_name, combination_type=method, **kwargs)
    return new_name
