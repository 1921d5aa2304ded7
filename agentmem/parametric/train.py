"""Training a LoRA adapter on a scope's facts: seeded, cancellable, with early stop.

Loss = cross-entropy on the answer tokens of the fact examples
     + kl_weight * KL(base || adapted) on replay sequences (general text and the base model's
       own answers to unrelated prompts), the base distribution computed with the adapter
       switched off. The KL term is what keeps perplexity on unrelated text near the base
       model's; replaying the same sequences with plain cross-entropy was measured too (see
       the bench) and protects less.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentmem.config import LoRAConfig
from agentmem.errors import ValidationError
from agentmem.parametric import corpus
from agentmem.parametric.dataset import FactDataset
from agentmem.parametric.evaluate import greedy_answers, recall
from agentmem.parametric.model import ChatCodec
from agentmem.parametric.runners import adapters_off, runner_for

Sequence_ = list[int]


@dataclass
class TrainResult:
    """What one training run did."""

    steps: int
    seconds: float
    stopped: str  # "target" (held-out recall reached), "steps" (budget spent) or "cancelled"
    heldout_recall: float | None = None
    history: list[dict[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "seconds": round(self.seconds, 2),
            "stopped": self.stopped,
            "heldout_recall": self.heldout_recall,
            "history": self.history,
        }


def peft_config(cfg: LoRAConfig, num_layers: int) -> Any:
    """The peft LoraConfig for our settings on a model with `num_layers` layers."""
    from peft import LoraConfig

    kwargs: dict[str, Any] = {}
    if cfg.top_layers is not None and cfg.top_layers < num_layers:
        kwargs["layers_to_transform"] = list(range(num_layers - cfg.top_layers, num_layers))
    return LoraConfig(
        r=cfg.rank,
        lora_alpha=cfg.alpha,
        lora_dropout=cfg.dropout,
        target_modules=list(cfg.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
        **kwargs,
    )


def replay_pool(
    model: Any, codec: ChatCodec, *, max_tokens: int = 96, max_new_tokens: int = 32
) -> list[Sequence_]:
    """Token sequences to replay: general text and the base model's answers to unrelated
    prompts (generated greedily with every adapter off, so they are the base's own)."""
    texts = [codec.text_ids(t, max_tokens) for t in corpus.REPLAY_TEXTS]
    with adapters_off(model):
        answers = greedy_answers(model, codec, corpus.REPLAY_PROMPTS, max_new_tokens=max_new_tokens)
    chats = [
        codec.example_ids(q, a.strip())[0][-max_tokens:]
        for q, a in zip(corpus.REPLAY_PROMPTS, answers, strict=True)
    ]
    return texts + chats


def train(
    model: Any,
    codec: ChatCodec,
    data: FactDataset,
    cfg: LoRAConfig,
    *,
    replay: Sequence[Sequence_] = (),
    progress: bool = False,
    cancel: threading.Event | Callable[[], bool] | None = None,
    on_eval: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train the active adapter of the peft `model` on `data` (in place).

    Stops early once held-out recall reaches `cfg.target_recall` (checked every
    `cfg.eval_every` steps and at the end), after `cfg.steps`, or when `cancel` is set.
    """
    import torch

    if not data.train:
        raise ValidationError("the dataset has no training examples; add facts first")
    threads = torch.get_num_threads()
    torch.set_num_threads(min(threads, cfg.threads))
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    examples = [codec.example_ids(e.prompt, e.answer) for e in data.train]
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=0.0)
    order: list[int] = []
    result = TrainResult(steps=0, seconds=0.0, stopped="steps")
    start = time.perf_counter()
    runner = runner_for(model, codec, examples, list(replay) if cfg.kl_weight > 0 else [])
    model.train()
    try:
        with _progress(progress, cfg.steps) as advance:
            for step in range(1, cfg.steps + 1):
                if _cancelled(cancel):
                    result.stopped = "cancelled"
                    break
                batch, order = _take(order, len(examples), cfg.batch_size, rng)
                loss = runner.fact_loss(batch)
                parts = {"loss": loss.item()}
                if runner.replay and cfg.kl_weight > 0 and cfg.replay_batch > 0:
                    kl = runner.kl(_sample(len(runner.replay), cfg.replay_batch, rng))
                    loss = loss + cfg.kl_weight * kl
                    parts["kl"] = kl.item()
                loss.backward()
                optim.step()
                optim.zero_grad(set_to_none=True)
                result.steps = step
                advance(parts)
                if step % cfg.eval_every == 0 or step == cfg.steps:
                    score = _evaluate(model, codec, data, cfg)
                    result.heldout_recall = score
                    result.history.append({"step": step, **parts, "heldout_recall": score})
                    if on_eval is not None:
                        on_eval(step, score)
                    if score >= cfg.target_recall:
                        result.stopped = "target"
                        break
    finally:
        model.eval()
        torch.set_num_threads(threads)
        result.seconds = time.perf_counter() - start
    return result


def _evaluate(model: Any, codec: ChatCodec, data: FactDataset, cfg: LoRAConfig) -> float:
    model.eval()
    try:
        score, _ = recall(
            model, codec, _spread(data.heldout, cfg.eval_probes), max_new_tokens=cfg.max_new_tokens
        )
    finally:
        model.train()
    return score


def _spread(items: list[Any], k: int) -> list[Any]:
    """At most k items taken evenly across the list (every fact gets its turn)."""
    if len(items) <= k:
        return items
    return [items[i * len(items) // k] for i in range(k)]


def _take(order: list[int], n: int, size: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """The next `size` indices of a seeded shuffled epoch order, refilling as needed."""
    batch: list[int] = []
    while len(batch) < min(size, n):
        if not order:
            order = list(range(n))
            rng.shuffle(order)
        batch.append(order.pop())
    return batch, order


def _sample(n: int, k: int, rng: random.Random) -> list[int]:
    return rng.sample(range(n), min(k, n))


def _cancelled(cancel: threading.Event | Callable[[], bool] | None) -> bool:
    if cancel is None:
        return False
    return cancel.is_set() if isinstance(cancel, threading.Event) else bool(cancel())


class _progress:
    """A rich progress bar (or nothing) that shows the last losses."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total = enabled, total

    def __enter__(self) -> Callable[[dict[str, float]], None]:
        if not self.enabled:
            return lambda parts: None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("training adapter"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[info]}"),
            console=Console(stderr=True),  # stdout stays clean for --json
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task("train", total=self.total, info="")

        def advance(parts: dict[str, float]) -> None:
            info = " ".join(f"{k}={v:.3f}" for k, v in parts.items())
            self.bar.update(task, advance=1, info=info)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()
