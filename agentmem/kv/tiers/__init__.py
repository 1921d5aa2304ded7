"""The storage tiers of CMP (Computational Memory Paths).

- tier 0, hot: the managed cache's own tensors (full precision, on the compute device);
- tier 1, warm (`agentmem.kv.tiers.warm.WarmTier`): int8 keys and values with a float32 scale
  per token and head, on the compute device, dequantised for attention every step;
- tier 2, cold (`agentmem.kv.tiers.cold.ColdStore`): exact copies of every token that left
  tier 0, off the compute device, in blocks with representative keys on the device;
  its block summaries (`agentmem.kv.tiers.summary.BlockSummary`: mean key and value per group
  of blocks, on the device) stand for the blocks a query does not recall.
"""

from agentmem.kv.tiers.cold import ColdStore
from agentmem.kv.tiers.summary import BlockSummary
from agentmem.kv.tiers.warm import WarmTier, dequantize, quantize, quantize_bound

__all__ = ["BlockSummary", "ColdStore", "WarmTier", "dequantize", "quantize", "quantize_bound"]
