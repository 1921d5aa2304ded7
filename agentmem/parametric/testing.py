"""Deterministic stand-ins for tests: a byte tokenizer and a tiny random Llama.

They live next to the code they stand in for, so unit tests need no model download.
"""

from __future__ import annotations

from typing import Any

from agentmem.parametric.model import BaseLM


class ByteTokenizer:
    """UTF-8 bytes as token ids 1..255; id 0 is end of text and padding. No chat template."""

    eos_token_id = 0
    pad_token_id = 0
    chat_template = None

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return [b for b in text.encode("utf-8") if b != 0]

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        return bytes(i for i in ids if 0 < i < 256).decode("utf-8", errors="replace")


def tiny_base(seed: int = 0, hidden_size: int = 64, layers: int = 2) -> BaseLM:
    """A random LlamaForCausalLM (vocab 256) with a byte tokenizer and its fingerprint."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from agentmem.parametric.model import fingerprint

    torch.manual_seed(seed)
    config = LlamaConfig(
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=256,
        max_position_embeddings=512,
        bos_token_id=1,
        eos_token_id=0,
        pad_token_id=0,
    )
    model: Any = LlamaForCausalLM(config).eval()
    return BaseLM(model, ByteTokenizer(), fingerprint(model))
