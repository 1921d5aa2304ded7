"""Run NVIDIA kvpress on prepared trials (executed by `agentmem.bench.kvpress_compare` with the
python of a separate virtualenv that has kvpress; it imports nothing from agentmem).

Input JSON: ``{"model_dir", "threads", "max_new_tokens", "presses": [name], "ratios": [r],
"trials": [{"context_ids", "question_ids"}]}``. Output JSON: per trial, press and ratio, the
answer and the kept context positions ``[layer][head] -> [pos]``. The flow is kvpress's own
pipeline: the context prefilled under the press (query-agnostic), then the question and a
greedy answer at the context's true positions.
"""

from __future__ import annotations

import json
import sys

import torch


def _press(name: str, ratio: float):
    import kvpress

    if name == "knorm":
        return kvpress.KnormPress(compression_ratio=ratio)
    if name == "expected_attention":
        return kvpress.ExpectedAttentionPress(compression_ratio=ratio)
    if name == "kvzip":  # one ratio per layer, as the managed cache keeps
        return kvpress.KVzipPress(compression_ratio=ratio, layerwise=True)
    raise SystemExit(f"unknown press {name!r}")


def _record_scorer(press, kept: dict):
    """Wrap a ScorerPress's score to note the indices its compress keeps."""
    original = press.score

    def score(module, hidden_states, keys, values, attentions, kwargs):
        scores = original(module, hidden_states, keys, values, attentions, kwargs)
        n_kept = int(keys.shape[2] * (1 - press.compression_ratio))
        top = scores.topk(n_kept, dim=-1).indices.sort(dim=-1).values
        kept[int(module.layer_idx)] = top[0].tolist()
        return scores

    press.score = score


def _kept_kvzip(model, length: int) -> dict:
    kept = {}
    for layer in model.model.layers:
        module = layer.self_attn
        heads = model.config.num_key_value_heads
        mask = torch.ones(heads, length, dtype=torch.bool)
        indices = getattr(module, "masked_key_indices", None)
        if indices is not None:
            mask[indices[1].cpu(), indices[2].cpu()] = False
        kept[int(module.layer_idx)] = [row.nonzero().flatten().tolist() for row in mask]
    return kept


@torch.no_grad()
def _answer(model, tokenizer, cache, question_ids, context_length, max_new_tokens) -> str:
    positions = torch.arange(context_length, context_length + len(question_ids))[None]
    out = model(input_ids=torch.tensor([question_ids]), past_key_values=cache,
                position_ids=positions, logits_to_keep=1)  # fmt: skip
    generated = [int(out.logits[0, -1].argmax())]
    nxt = positions[:, -1:] + 1
    for i in range(max_new_tokens - 1):
        out = model(input_ids=torch.tensor([[generated[-1]]]), past_key_values=cache,
                    position_ids=nxt + i)  # fmt: skip
        generated.append(int(out.logits[0, -1].argmax()))
    return tokenizer.decode(generated, skip_special_tokens=True)


@torch.no_grad()
def run(spec: dict) -> dict:
    from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache

    torch.set_num_threads(int(spec.get("threads", 1)))
    path = spec["model_dir"]
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(
        path, local_files_only=True, dtype=torch.float32, attn_implementation="sdpa"
    ).eval()
    results = []
    for t, trial in enumerate(spec["trials"]):
        ids = torch.tensor([trial["context_ids"]])
        for name in spec["presses"]:
            for ratio in spec["ratios"]:
                for layer in model.model.layers:
                    layer.self_attn.masked_key_indices = None
                press, kept = _press(name, ratio), {}
                if name != "kvzip":
                    _record_scorer(press, kept)
                cache = DynamicCache()
                with press(model):
                    model.model(input_ids=ids, past_key_values=cache)
                if name == "kvzip":
                    kept = _kept_kvzip(model, ids.shape[1])
                answer = _answer(model, tokenizer, cache, trial["question_ids"], ids.shape[1],
                                 spec["max_new_tokens"])  # fmt: skip
                results.append({"trial": t, "press": name, "ratio": ratio, "answer": answer,
                                "kept": [kept[i] for i in sorted(kept)]})  # fmt: skip
    import kvpress
    import transformers

    return {"kvpress": kvpress.__version__ if hasattr(kvpress, "__version__") else "?",
            "transformers": transformers.__version__, "results": results}  # fmt: skip


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        report = run(json.load(fh))
    with open(sys.argv[2], "w", encoding="utf-8") as fh:
        json.dump(report, fh)
