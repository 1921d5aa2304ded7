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
    with _adapters_off(model):
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
    runner = _runner(model, codec, examples, list(replay) if cfg.kl_weight > 0 else [])
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


class _FullRunner:
    """Losses by plain forward passes (any causal LM)."""

    def __init__(
        self,
        model: Any,
        codec: ChatCodec,
        examples: list[tuple[Sequence_, Sequence_]],
        replay: Sequence[Sequence_],
    ) -> None:
        self.model, self.codec, self.examples, self.replay = model, codec, examples, replay
        self.device = next(model.parameters()).device

    def fact_loss(self, idx: list[int]) -> Any:
        ids, labels, mask = _pad([self.examples[i] for i in idx], self.codec.pad_id, self.device)
        return self.model(input_ids=ids, attention_mask=mask, labels=labels).loss

    def kl(self, idx: list[int]) -> Any:
        """Mean per-token KL(base || adapted) over replay sequences `idx`."""
        import torch
        import torch.nn.functional as F

        seqs = [list(self.replay[i]) for i in idx]
        ids, _, mask = _pad([(q, q) for q in seqs], self.codec.pad_id, self.device)
        with torch.no_grad(), _adapters_off(self.model):
            base = F.log_softmax(self.model(input_ids=ids, attention_mask=mask).logits.float(), -1)
        adapted = F.log_softmax(self.model(input_ids=ids, attention_mask=mask).logits.float(), -1)
        per_token = (base.exp() * (base - adapted)).sum(-1)
        return (per_token * mask).sum() / mask.sum()


class _TrunkRunner(_FullRunner):
    """Losses for a Llama-style decoder whose lowest `start` layers carry no adapter.

    Their output never changes during training, so it is computed once per sequence; each
    step runs only the adapted top layers, and the LM head only where a loss is taken. The
    base model's distributions on the replay text are cached as well. On a CPU this is most
    of the training time saved (see `LoRAConfig.top_layers`).
    """

    def __init__(
        self,
        model: Any,
        codec: ChatCodec,
        examples: list[tuple[Sequence_, Sequence_]],
        replay: Sequence[Sequence_],
        start: int,
    ) -> None:
        import torch
        import torch.nn.functional as F

        super().__init__(model, codec, examples, replay)
        inner = model.get_base_model()
        self.body, self.head, self.start = inner.model, inner.lm_head, start
        with torch.no_grad():
            self.hidden = self._bottom([ids for ids, _ in examples])
            self.replay_hidden = self._bottom([list(q) for q in replay])
            with _adapters_off(model):
                self.replay_base = [
                    F.log_softmax(self.head(self._top(h[None], _ones(h))[0]).float(), -1).to(
                        torch.bfloat16
                    )
                    for h in self.replay_hidden
                ]

    def _bottom(self, seqs: list[Sequence_], size: int = 32) -> list[Any]:
        """Hidden states entering layer `start`, one (len, hidden) tensor per sequence.
        Batched with right padding: under a causal mask no real token sees a pad."""
        import torch

        out: list[Any] = []
        for first in range(0, len(seqs), size):
            chunk = seqs[first : first + size]
            width = max(len(q) for q in chunk)
            x = torch.tensor([list(q) + [0] * (width - len(q)) for q in chunk], device=self.device)
            attention = torch.tensor(
                [[1] * len(q) + [0] * (width - len(q)) for q in chunk], device=self.device
            )
            h = self.body.embed_tokens(x)
            pos = torch.arange(width, device=self.device)[None].expand(len(chunk), -1)
            mask = self._mask(h, attention, pos)
            emb = self.body.rotary_emb(h, position_ids=pos)
            for layer in self.body.layers[: self.start]:
                h = layer(h, attention_mask=mask, position_embeddings=emb, position_ids=pos)
            out += [h[b, : len(q)].clone() for b, q in enumerate(chunk)]
        return out

    def _mask(self, h: Any, attention: Any, pos: Any) -> Any:
        from transformers.masking_utils import create_causal_mask

        return create_causal_mask(
            config=self.body.config,
            inputs_embeds=h,
            attention_mask=attention,
            past_key_values=None,
            position_ids=pos,
        )

    def _top(self, h: Any, attention: Any) -> Any:
        import torch

        pos = torch.arange(h.shape[1], device=self.device)[None].expand(h.shape[0], -1)
        mask, emb = self._mask(h, attention, pos), self.body.rotary_emb(h, position_ids=pos)
        for layer in self.body.layers[self.start :]:
            h = layer(h, attention_mask=mask, position_embeddings=emb, position_ids=pos)
        return self.body.norm(h)

    def _batch(self, hidden: list[Any]) -> tuple[Any, Any]:
        import torch

        width = max(h.shape[0] for h in hidden)
        h = torch.stack([torch.nn.functional.pad(x, (0, 0, 0, width - x.shape[0])) for x in hidden])
        mask = torch.tensor(
            [[1] * x.shape[0] + [0] * (width - x.shape[0]) for x in hidden], device=self.device
        )
        return h, mask

    def fact_loss(self, idx: list[int]) -> Any:
        import torch
        import torch.nn.functional as F

        h, mask = self._batch([self.hidden[i] for i in idx])
        out = self._top(h, mask)
        rows, cols, targets = [], [], []
        for b, i in enumerate(idx):
            labels = self.examples[i][1]
            for t in range(len(labels) - 1):
                if labels[t + 1] != -100:
                    rows.append(b)
                    cols.append(t)
                    targets.append(labels[t + 1])
        logits = self.head(out[rows, cols]).float()
        return F.cross_entropy(logits, torch.tensor(targets, device=self.device))

    def kl(self, idx: list[int]) -> Any:
        import torch
        import torch.nn.functional as F

        h, mask = self._batch([self.replay_hidden[i] for i in idx])
        out = self._top(h, mask)
        adapted = F.log_softmax(self.head(out[mask.bool()]).float(), -1)
        base = torch.cat([self.replay_base[i] for i in idx]).float()
        return (base.exp() * (base - adapted)).sum(-1).mean()


def _runner(
    model: Any,
    codec: ChatCodec,
    examples: list[tuple[Sequence_, Sequence_]],
    replay: Sequence[Sequence_],
) -> _FullRunner:
    """The trunk runner when the model allows it, else plain forward passes."""
    start = _first_adapted_layer(model)
    if start:
        return _TrunkRunner(model, codec, examples, replay, start)
    return _FullRunner(model, codec, examples, replay)


def _first_adapted_layer(model: Any) -> int | None:
    inner = model.get_base_model() if hasattr(model, "get_base_model") else None
    body = getattr(inner, "model", None)
    layers = getattr(body, "layers", None)
    if layers is None or not all(hasattr(body, a) for a in ("embed_tokens", "rotary_emb", "norm")):
        return None
    for i, layer in enumerate(layers):
        if any(p.requires_grad for p in layer.parameters()):
            return i
    return None


def _ones(h: Any) -> Any:
    import torch

    return torch.ones((1, h.shape[0]), dtype=torch.long, device=h.device)


def _adapters_off(model: Any):
    import contextlib

    if hasattr(model, "disable_adapter"):
        return model.disable_adapter()
    return contextlib.nullcontext()


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


def _pad(
    batch: Sequence[tuple[Sequence_, Sequence_]], pad_id: int, device: Any
) -> tuple[Any, Any, Any]:
    import torch

    width = max(len(i) for i, _ in batch)
    ids = torch.tensor([list(i) + [pad_id] * (width - len(i)) for i, _ in batch])
    labels = torch.tensor([list(lab) + [-100] * (width - len(lab)) for _, lab in batch])
    mask = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i, _ in batch])
    return ids.to(device), labels.to(device), mask.to(device)


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
