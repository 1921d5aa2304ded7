"""Per-layer ridge maps from a capture-layer latent to every layer's keys and values.

Reweaving re-runs the layers from the capture layer c up with the model's own weights; the
layers below c have no input for an evicted token but its latent, so their keys and values
are predicted from it: ``[latent, 1] @ W_l -> [k_l (before RoPE), v_l]``, one map per layer,
fitted in closed form (normal equations, float64) on generic text: Python's own documentation
(``pydoc_data``, offline), read from ``FIT_OFFSET`` characters on so that the perplexity text
of the benchmarks (its beginning) is not the fitting text. Latents are quantised as at run
time before fitting. Maps for every layer are kept (the benchmark's ridge-only control uses
the ones above c). Files are safetensors named by the model fingerprint, with the fitting
settings as metadata; they are fitted once per model, capture layer and latent format. A
format over a low-rank basis fits the basis first (principal directions of the same text's
latents) and stores it in the same file; the maps are then fitted on latents read back
through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from agentmem.kv.reweave.codec import Basis, Codec
from agentmem.kv.reweave.layers import decoder

FIT_OFFSET = 200_000
FIT_TOKENS = 8192
FIT_CHUNK = 512
SKIP = 4  # the first tokens of a chunk are attention sinks, with outlying states
_LOADED: dict[Path, RidgeMaps] = {}


@dataclass
class RidgeMaps:
    """``weights: (layers, hidden + 1, 2 * kv_heads * head_dim)`` float32."""

    weights: torch.Tensor
    layer: int
    kv_heads: int
    head_dim: int
    basis: Basis | None = None

    def project(self, index: int, latents: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys (not rotated) and values ``(1, kv_heads, m, head_dim)`` of layer ``index`` for
        ``latents: (m, hidden)``."""
        w = self.weights[index].to(latents.device)
        x = torch.cat([latents.float(), torch.ones_like(latents[:, :1]).float()], dim=1)
        kv = (x @ w).to(latents.dtype)
        m, half = latents.shape[0], self.kv_heads * self.head_dim
        k = kv[:, :half].view(m, self.kv_heads, self.head_dim).transpose(0, 1)[None]
        v = kv[:, half:].view(m, self.kv_heads, self.head_dim).transpose(0, 1)[None]
        return k, v


def fit_text() -> str:
    """Generic English and code prose available offline: Python's pydoc topics."""
    import pydoc_data.topics as topics

    text = "\n\n".join(topics.topics[k] for k in sorted(topics.topics))
    return text[FIT_OFFSET:] if len(text) > 2 * FIT_OFFSET else text


def load_or_fit(
    llm, layer: int, latent: str, rank: int | None, ridge: float, folder: Path
) -> RidgeMaps:
    """The maps of ``llm`` for capture ``layer`` and latent format (``latent`` elements over a
    ``rank`` basis, or none): from ``folder`` when fitted before, else fitted now (minutes on a
    CPU for a 100M-parameter model) and saved."""
    fmt = latent + (f"-pca{rank}" if rank else "")
    path = Path(folder) / f"{llm.fingerprint}-c{layer}-{fmt}-r{ridge:g}.safetensors"
    if path in _LOADED:
        return _LOADED[path]
    maps = _load(path, llm.fingerprint) if path.exists() else None
    if maps is None:
        maps = fit(llm, layer, latent, rank, ridge)
        _save(maps, path, llm.fingerprint, fmt, ridge)
    _LOADED[path] = maps
    return maps


@torch.no_grad()
def fit(
    llm, layer: int, latent: str, rank: int | None, ridge: float, text: str | None = None
) -> RidgeMaps:
    """Fit the basis (when ``rank``) and the maps of every layer on ``text`` (default
    ``fit_text()``), the latents read back through the format as at run time."""
    model = llm.model
    cfg = model.config
    kv_heads = cfg.num_key_value_heads
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    ids = llm.tokenizer(text or fit_text(), add_special_tokens=False)["input_ids"][:FIT_TOKENS]
    chunks = [ids[lo : lo + FIT_CHUNK] for lo in range(0, len(ids) - SKIP - 1, FIT_CHUNK)]
    basis = None
    if rank:
        rows = torch.cat([_collect(model, chunk, layer, kv=False)[0] for chunk in chunks])
        basis = Basis.fit(rows, rank)
    codec = Codec(latent, cfg.hidden_size, basis)
    xtx, xty = None, None
    for chunk in chunks:
        x, ys = _collect(model, chunk, layer)
        x = codec.roundtrip(x.float()).double()
        x = torch.cat([x, torch.ones_like(x[:, :1])], dim=1)
        y = torch.stack(ys)  # (layers, n, 2 * kv_heads * head_dim)
        xtx = x.T @ x if xtx is None else xtx + x.T @ x
        part = torch.einsum("nf,lno->lfo", x, y)
        xty = part if xty is None else xty + part
    features = xtx.shape[0] - 1
    penalty = ridge * torch.diagonal(xtx)[:features].mean()
    reg = xtx.clone()
    reg.diagonal()[:features] += penalty
    # One system for every layer: factor it once and solve all layers' columns together
    # (a batch of identical systems through a stride-0 expand stalled for minutes on CPU).
    layers, rows, outs = xty.shape
    columns = xty.permute(1, 0, 2).reshape(rows, layers * outs)
    solved = torch.cholesky_solve(columns, torch.linalg.cholesky(reg))
    weights = solved.reshape(rows, layers, outs).permute(1, 0, 2).float()
    return RidgeMaps(weights.contiguous(), layer, kv_heads, head_dim, basis)


def _collect(model, ids: list[int], layer: int, kv: bool = True):
    """Latents ``(n, hidden)`` and (``kv``) per-layer ``[k, v]`` ``(n, 2 * kv * head_dim)``,
    float64, the first ``SKIP`` tokens left out."""
    stack = decoder(model)
    seen: dict[str, torch.Tensor] = {}
    hooks = [
        stack.layers[layer].register_forward_pre_hook(
            lambda _m, args, kwargs: seen.__setitem__("x", _first(args, kwargs)), with_kwargs=True
        )
    ]
    for i, block in enumerate(stack.layers if kv else []):
        for part in ("k", "v"):
            proj = getattr(block.self_attn, f"{part}_proj")
            hooks.append(proj.register_forward_hook(_store(seen, f"{part}{i}")))
    try:
        model(input_ids=torch.tensor([ids], device=next(model.parameters()).device))
    finally:
        for hook in hooks:
            hook.remove()
    x = seen["x"][0, SKIP:].double()
    if not kv:
        return x, []
    ys = [torch.cat([seen[f"k{i}"], seen[f"v{i}"]], -1)[0, SKIP:].double()
          for i in range(len(stack.layers))]  # fmt: skip
    return x, ys


def _first(args, kwargs) -> torch.Tensor:
    return args[0] if args else kwargs["hidden_states"]


def _store(seen: dict, key: str):
    def hook(_module, _args, output):
        seen[key] = output.detach()

    return hook


def _save(maps: RidgeMaps, path: Path, fingerprint: str, fmt: str, ridge: float) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "fingerprint": fingerprint, "layer": str(maps.layer), "kv_heads": str(maps.kv_heads),
        "head_dim": str(maps.head_dim), "latent": fmt,
        "ridge": repr(ridge), "fit_tokens": str(FIT_TOKENS), "fit_offset": str(FIT_OFFSET),
    }  # fmt: skip
    tmp = path.with_suffix(".tmp")
    tensors = {"weights": maps.weights.cpu()}
    if maps.basis is not None:
        tensors.update(basis_mean=maps.basis.mean.cpu(), basis_vectors=maps.basis.vectors.cpu())
    save_file(tensors, str(tmp), metadata=meta)
    tmp.replace(path)


def _load(path: Path, fingerprint: str) -> RidgeMaps | None:
    """The maps in ``path``, or None when they belong to another model (then refitted)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata() or {}
        if meta.get("fingerprint") != fingerprint:
            return None
        weights = handle.get_tensor("weights")
        names = set(handle.keys())
        basis = None
        if "basis_vectors" in names:
            basis = Basis(handle.get_tensor("basis_mean"), handle.get_tensor("basis_vectors"))
    layer, heads, dim = int(meta["layer"]), int(meta["kv_heads"]), int(meta["head_dim"])
    return RidgeMaps(weights, layer, heads, dim, basis)
