"""STR that merges what it evicts: ``str_merge`` in the registry, for side-by-side runs of
`agentmem bench kv` (``--policies str str_merge``). The mechanism and its measurement:
`agentmem.kv.policies.merging` and docs/design.md's STR section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from agentmem.kv.policies.structured import STR


@dataclass
class STRMerge(STR):
    """STR with each evicted row folded into the kept row of most similar key (cosine at
    least 0.8), weighted by the attention each received."""

    name: ClassVar[str] = "str_merge"
    merge: Literal["none", "key", "position"] = "key"


__all__ = ["STRMerge"]
