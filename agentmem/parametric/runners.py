"""The forward passes a LoRA training step takes its losses from: plain forward passes for any
causal LM (`FullRunner`), or, for a Llama-style decoder whose lowest layers carry no adapter,
those layers' output computed once per sequence and only the adapted top layers run each step
(`TrunkRunner`). `runner_for` picks the one the model allows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmem.parametric.model import ChatCodec

Sequence_ = list[int]


class FullRunner:
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
        ids, labels, mask = pad([self.examples[i] for i in idx], self.codec.pad_id, self.device)
        return self.model(input_ids=ids, attention_mask=mask, labels=labels).loss

    def kl(self, idx: list[int]) -> Any:
        """Mean per-token KL(base || adapted) over replay sequences `idx`."""
        import torch
        import torch.nn.functional as F

        seqs = [list(self.replay[i]) for i in idx]
        ids, _, mask = pad([(q, q) for q in seqs], self.codec.pad_id, self.device)
        with torch.no_grad(), adapters_off(self.model):
            base = F.log_softmax(self.model(input_ids=ids, attention_mask=mask).logits.float(), -1)
        adapted = F.log_softmax(self.model(input_ids=ids, attention_mask=mask).logits.float(), -1)
        per_token = (base.exp() * (base - adapted)).sum(-1)
        return (per_token * mask).sum() / mask.sum()


class TrunkRunner(FullRunner):
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
            with adapters_off(model):
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


def runner_for(
    model: Any,
    codec: ChatCodec,
    examples: list[tuple[Sequence_, Sequence_]],
    replay: Sequence[Sequence_],
) -> FullRunner:
    """The trunk runner when the model allows it, else plain forward passes."""
    start = _first_adapted_layer(model)
    if start:
        return TrunkRunner(model, codec, examples, replay, start)
    return FullRunner(model, codec, examples, replay)


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


def adapters_off(model: Any):
    import contextlib

    if hasattr(model, "disable_adapter"):
        return model.disable_adapter()
    return contextlib.nullcontext()


def pad(
    batch: Sequence[tuple[Sequence_, Sequence_]], pad_id: int, device: Any
) -> tuple[Any, Any, Any]:
    import torch

    width = max(len(i) for i, _ in batch)
    ids = torch.tensor([list(i) + [pad_id] * (width - len(i)) for i, _ in batch])
    labels = torch.tensor([list(lab) + [-100] * (width - len(lab)) for _, lab in batch])
    mask = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i, _ in batch])
    return ids.to(device), labels.to(device), mask.to(device)
