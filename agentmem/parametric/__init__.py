"""Parametric memory: a scope's stable facts carried in LoRA adapters (peft).

    dataset.py    facts -> chat examples in several phrasings; held-out phrasings apart
    train.py      seeded, cancellable LoRA training with a KL term to the base on replay text
    registry.py   the `adapters` SQL table and the adapter files (checksummed, fingerprinted)
    promotion.py  which facts become parametric; when an adapter is stale
    combine.py    a user adapter and an agent adapter at once
    evaluate.py   greedy recall and perplexity
    service.py    ParametricMemory: what `Memory` calls

Importing this package does not import torch or peft; the modules that need them do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentmem.parametric.service import ParametricMemory

__all__ = ["ParametricMemory"]


def __getattr__(name: str) -> Any:
    if name == "ParametricMemory":
        from agentmem.parametric.service import ParametricMemory

        return ParametricMemory
    raise AttributeError(name)
