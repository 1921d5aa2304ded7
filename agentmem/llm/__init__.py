"""The local model runtime: loading (offline), fingerprints, generation over a managed KV cache.

    from agentmem.llm import LocalLLM, load_tokenizer
    llm = LocalLLM.load()
    s = llm.session(policy="cmp", budget=0.125)

Names are imported lazily so that ``load_tokenizer`` does not pay for the model runtime.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "LocalLLM": "agentmem.llm.runtime",
    "Session": "agentmem.llm.session",
    "token_spans": "agentmem.llm.session",
    "load_model": "agentmem.llm.loader",
    "load_tokenizer": "agentmem.llm.loader",
    "model_dir": "agentmem.llm.loader",
    "bundled_gguf_path": "agentmem.llm.loader",
    "fingerprint": "agentmem.llm.loader",
    "tokenizer_hash": "agentmem.llm.loader",
    "resolve_device": "agentmem.llm.loader",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'agentmem.llm' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
