"""Options of hidden-state reweaving: what ``session(reweave=...)`` and ``kv.reweave`` accept."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from agentmem.errors import ConfigError


@dataclass(frozen=True)
class ReweaveOptions:
    """``layer``: the capture layer c (None: the middle of the stack); ``recall_tokens``: rows
    rewoven per question at most; ``seeds``: top-scored traces expanded to their sentences;
    ``latent``: "int8" (per-row scale) or "float32" (exact, 4x the bytes); ``ridge``: the
    ridge penalty of the lower-layer maps, relative to the mean feature variance; ``tokens``:
    how a query head's attention over the question's tokens scores a trace, "max" (its
    strongest token) or "sum"; ``heads``: how the heads' scores combine, "max" (the most
    attentive head) or "sum" (all heads together)."""

    layer: int | None = None
    recall_tokens: int = 64
    seeds: int = 8
    latent: Literal["int8", "int4", "float32"] = "int8"
    rank: int | float | None = None
    ridge: float = 1e-3
    heads: Literal["max", "sum"] = "max"
    tokens: Literal["max", "sum"] = "max"

    def __post_init__(self) -> None:
        if self.layer is not None and (isinstance(self.layer, bool) or self.layer < 0):
            raise ConfigError(f"kv.reweave.layer must be an int >= 0, got {self.layer!r}")
        if self.recall_tokens < 1:
            raise ConfigError(f"kv.reweave.recall_tokens must be >= 1, got {self.recall_tokens!r}")
        if self.seeds < 1:
            raise ConfigError(f"kv.reweave.seeds must be >= 1, got {self.seeds!r}")
        if self.latent not in ("int8", "int4", "float32"):
            raise ConfigError(
                f"kv.reweave.latent must be 'int8', 'int4' or 'float32', got {self.latent!r}"
            )
        share = isinstance(self.rank, float)
        if self.rank is not None and (
            isinstance(self.rank, bool) or (not 0 < self.rank < 1 if share else self.rank < 1)
        ):
            raise ConfigError(
                f"kv.reweave.rank must be an int >= 1, a share in (0, 1) or None, got {self.rank!r}"
            )
        if self.latent == "int4" and self.rank is not None and not share and self.rank % 2:
            raise ConfigError(
                f"int4 latents need an even width, got {self.rank}: use an even kv.reweave.rank"
            )
        if self.heads not in ("max", "sum"):
            raise ConfigError(f"kv.reweave.heads must be 'max' or 'sum', got {self.heads!r}")
        if self.tokens not in ("max", "sum"):
            raise ConfigError(f"kv.reweave.tokens must be 'max' or 'sum', got {self.tokens!r}")
        if self.ridge <= 0:
            raise ConfigError(f"kv.reweave.ridge must be > 0, got {self.ridge!r}")

    @classmethod
    def parse(cls, value: bool | dict[str, Any] | ReweaveOptions | None) -> ReweaveOptions | None:
        """None for off (False/None), defaults for True, else the dict's fields."""
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise ConfigError(
                f"reweave must be True, False or a dict like {{'layer': 15}}, got {value!r}"
            )
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ConfigError(f"unknown kv.reweave keys {unknown}; choose from {sorted(known)}")
        return cls(**value)

    def resolved_layer(self, num_layers: int) -> int:
        """The capture layer for a model of ``num_layers`` decoder layers."""
        layer = num_layers // 2 if self.layer is None else self.layer
        if layer >= num_layers:
            raise ConfigError(
                f"kv.reweave.layer must be < the model's {num_layers} layers, got {layer}"
            )
        return layer

    def resolved_rank(self, hidden: int) -> int | None:
        """The basis rank for a model of residual width ``hidden`` (None: no basis)."""
        if isinstance(self.rank, float):
            return min(hidden, max(16, int(self.rank * hidden) // 16 * 16))
        if self.rank is not None and self.rank > hidden:
            raise ConfigError(
                f"kv.reweave.rank must be <= the model's hidden size {hidden}, got {self.rank}"
            )
        return self.rank

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
