"""The base model as parametric memory sees it: weights, a chat codec and a fingerprint.

A thin layer over the local runtime (`agentmem.llm`): it needs the raw transformers model
(peft wraps it) and the tokenizer's chat format, not a generation session. When the runtime
offers `LocalLLM`, its model is used; otherwise the bundled model is loaded with the runtime's
loader directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentmem.config import MemoryConfig
from agentmem.prompts import ADAPTER_SYSTEM

_PLAIN_USER = "User: {q}\nAssistant: "  # tokenizers without a chat template (test models)


class ChatCodec:
    """Chat turns <-> token ids, in the model's own chat format.

    `prompt_ids(q)` is the user turn up to the assistant's first token; `example_ids(q, a)`
    adds the answer and end of turn, with labels -100 everywhere but the answer.
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        eos = getattr(tokenizer, "eos_token_id", None)
        pad = getattr(tokenizer, "pad_token_id", None)
        self.eos_id = int(eos if eos is not None else 0)
        self.pad_id = int(pad if pad is not None else self.eos_id)
        self.templated = bool(getattr(tokenizer, "chat_template", None))

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def prompt_ids(self, question: str) -> list[int]:
        if self.templated:
            text = self.tokenizer.apply_chat_template(
                [
                    {"role": "system", "content": ADAPTER_SYSTEM},
                    {"role": "user", "content": question},
                ],
                tokenize=False,
                add_generation_prompt=True,
            )
            return self.encode(text)
        return self.encode(_PLAIN_USER.format(q=question))

    def example_ids(self, question: str, answer: str) -> tuple[list[int], list[int]]:
        prompt = self.prompt_ids(question)
        target = self.encode(answer) + [self.eos_id]
        return prompt + target, [-100] * len(prompt) + target

    def text_ids(self, text: str, max_tokens: int) -> list[int]:
        return self.encode(text)[:max_tokens]


@dataclass
class BaseLM:
    """A causal LM, its tokenizer and codec, and the fingerprint adapters are checked against."""

    model: Any
    tokenizer: Any
    fingerprint: str

    def __post_init__(self) -> None:
        self.codec = ChatCodec(self.tokenizer)

    @property
    def device(self) -> Any:
        return next(self.model.parameters()).device


def load_base(config: MemoryConfig | None = None) -> BaseLM:
    """The configured local model (the bundled SmolLM2 by default), in eval mode."""
    from agentmem.llm import LocalLLM

    llm = LocalLLM.load(config or MemoryConfig.create())
    return BaseLM(llm.model, llm.tokenizer, str(llm.fingerprint))


def fingerprint(model: Any) -> str:
    """The runtime's fingerprint of a model (architecture + a weight sample)."""
    from agentmem.llm import loader

    return loader.fingerprint(model)
