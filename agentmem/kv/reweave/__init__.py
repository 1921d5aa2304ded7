"""Hidden-state memory: CMR, Contextual Memory Reweaving (see DESIGN.md "Hidden-state memory").

s = llm.session(policy="str", budget=0.125, reweave=True)  # or {"layer": 15, ...}
s.feed(long_text)
s.ask("What is the pass key?")  # evicted sentences the question needs are rewoven first
s.stats()["latent_bytes"], s.stats()["rewoven_tokens"]
"""

from __future__ import annotations

from agentmem.kv.reweave.options import ReweaveOptions
from agentmem.kv.reweave.ridge import RidgeMaps, fit, load_or_fit
from agentmem.kv.reweave.weaver import Weaver

__all__ = ["ReweaveOptions", "RidgeMaps", "Weaver", "fit", "load_or_fit"]
