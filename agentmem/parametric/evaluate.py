"""What an adapter remembers and what it costs: greedy recall and perplexity.

Recall counts a probe as remembered when the fact's value appears (case-insensitively) in
the model's greedy answer. Perplexity is measured on text unrelated to any fact, before and
after, to see forgetting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from agentmem.parametric.dataset import Example
from agentmem.parametric.model import ChatCodec


def greedy_answers(
    model: Any,
    codec: ChatCodec,
    prompts: Sequence[str],
    *,
    max_new_tokens: int = 24,
    batch_size: int = 32,
    adapter_names: Sequence[str] | None = None,
    context: Sequence[str] | None = None,
) -> list[str]:
    """Greedy answers to `prompts`, batched with left padding.

    `adapter_names[i]` picks the peft adapter for prompt i ("__base__" for none), so that one
    batch can serve several scopes; `context[i]` is text put before the question.
    """
    import torch

    out: list[str] = []
    device = next(model.parameters()).device
    for start in range(0, len(prompts), batch_size):
        chunk = list(prompts[start : start + batch_size])
        if context is not None:
            chunk = [
                f"{c}\n\n{q}" if c else q
                for c, q in zip(context[start : start + batch_size], chunk, strict=True)
            ]
        ids = [codec.prompt_ids(q) for q in chunk]
        width = max(len(i) for i in ids)
        input_ids = torch.tensor(
            [[codec.pad_id] * (width - len(i)) + i for i in ids], device=device
        )
        mask = torch.tensor([[0] * (width - len(i)) + [1] * len(i) for i in ids], device=device)
        kwargs: dict[str, Any] = {}
        if adapter_names is not None:
            kwargs["adapter_names"] = list(adapter_names[start : start + batch_size])
        with torch.no_grad():
            gen = model.generate(
                input_ids=input_ids,
                attention_mask=mask,
                do_sample=False,
                max_new_tokens=max_new_tokens,
                pad_token_id=codec.pad_id,
                eos_token_id=codec.eos_id,
                **kwargs,
            )
        out += [codec.decode(row[width:].tolist()) for row in gen]
    return out


def recall(
    model: Any, codec: ChatCodec, probes: Sequence[Example], **kwargs: Any
) -> tuple[float, list[str]]:
    """The share of probes whose greedy answer contains the fact's value, and the answers."""
    if not probes:
        return 0.0, []
    answers = greedy_answers(model, codec, [p.prompt for p in probes], **kwargs)
    hits = sum(
        1 for p, a in zip(probes, answers, strict=True) if p.value and p.value.lower() in a.lower()
    )
    return hits / len(probes), answers


def perplexity(
    model: Any, codec: ChatCodec, texts: Sequence[str], *, max_tokens: int = 256
) -> float:
    """Token-level perplexity of `texts` (each truncated to `max_tokens`)."""
    import torch

    device = next(model.parameters()).device
    nll, count = 0.0, 0
    with torch.no_grad():
        for text in texts:
            ids = codec.text_ids(text, max_tokens)
            if len(ids) < 2:
                continue
            x = torch.tensor([ids], device=device)
            loss = model(input_ids=x, labels=x).loss
            nll += float(loss) * (len(ids) - 1)
            count += len(ids) - 1
    return math.exp(nll / count) if count else float("nan")
