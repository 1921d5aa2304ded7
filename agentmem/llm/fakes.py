"""Deterministic stand-ins for tests: a byte tokenizer and a tiny random Llama (no download)."""

from __future__ import annotations

from typing import Any


class ByteTokenizer:
    """One token per UTF-8 byte (ids 3..258 would overflow a 256 vocab, so ids are bytes % 253 + 3).

    Enough of the transformers tokenizer surface for `LocalLLM`: ``__call__`` (with offsets),
    ``decode``, ``get_vocab``, ``apply_chat_template``, special token ids.
    """

    eos_token_id = 2
    unk_token_id = 0
    all_special_tokens = ["<unk>", "<s>", "</s>"]

    def __call__(self, text: str, add_special_tokens: bool = False, return_offsets_mapping=False):
        ids, offsets = [], []
        for i, ch in enumerate(text):
            for byte in ch.encode("utf-8"):
                ids.append(byte % 253 + 3)
                offsets.append((i, i + 1))
        out: dict[str, Any] = {"input_ids": ids}
        if return_offsets_mapping:
            out["offset_mapping"] = offsets
        return out

    def decode(self, ids, skip_special_tokens: bool = True) -> str:
        return "".join(chr(i - 3) if 35 <= i < 130 else "?" for i in ids if i >= 3)

    def convert_tokens_to_ids(self, token: str) -> int:
        return self.unk_token_id

    def get_vocab(self) -> dict[str, int]:
        return {f"<{i}>": i for i in range(256)}

    def apply_chat_template(self, messages, add_generation_prompt=True, tokenize=True, **_):
        text = "".join(f"<{m['role']}>{m['content']}\n" for m in messages)
        text += "<assistant>" if add_generation_prompt else ""
        return self(text)["input_ids"] if tokenize else text


def tiny_llm(seed: int = 0, config=None, **overrides: Any):
    """A `LocalLLM` over a random 2-layer Llama (hidden 64, GQA 4/2 heads, vocab 256) on CPU."""
    import torch
    import transformers

    from agentmem.llm.runtime import LocalLLM

    torch.manual_seed(seed)
    params = dict(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, vocab_size=256, max_position_embeddings=2048,
    )  # fmt: skip
    params.update(overrides)
    model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**params)).eval()
    return LocalLLM(model, ByteTokenizer(), config)
