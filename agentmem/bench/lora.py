"""`agentmem bench lora`: what LoRA adapters remember about invented facts, and what they cost.

For each size (facts per adapter), side by side in one process on the same facts:
held-out-phrasing recall of the base model, base + text-memory context, adapter alone and
adapter + context; recall on a trained phrasing; perplexity on unrelated text before and
after; training time and steps; adapter size. Then two adapters at once (a "user" adapter and
an "agent" adapter on disjoint facts) by each combination method, against training one
adapter on both fact sets. Optional variants retrain the first size with other settings
(e.g. no KL term) to show what the regulariser buys.

The context of "+ context" holds the probed fact's statement among `context_k - 1` other
facts, as a top-k retrieval from text memory would.

    agentmem bench lora --quick --out OUT
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentmem.config import LoRAConfig, MemoryConfig
from agentmem.parametric import corpus
from agentmem.parametric.combine import combine
from agentmem.parametric.dataset import Example, FactDataset, build_dataset, synthetic_facts
from agentmem.parametric.evaluate import perplexity, recall
from agentmem.parametric.model import BaseLM, load_base

DEFAULT_SIZES = (10, 50, 200)
QUICK_SIZES = (10,)
COMBINATIONS = ("cat", "linear", "svd")


def run(
    sizes: Sequence[int] = DEFAULT_SIZES,
    *,
    lora: dict[str, Any] | None = None,
    combine_size: int | None = None,
    methods: Sequence[str] = COMBINATIONS,
    joint: bool = True,
    variants: dict[str, dict[str, Any]] | None = None,
    context_k: int = 5,
    seed: int = 0,
    base: BaseLM | None = None,
    config: MemoryConfig | None = None,
    progress: bool = False,
    log: Any = None,
) -> dict[str, Any]:
    """Run the benchmark; returns a JSON-ready dict (see the module docstring)."""
    import torch
    from peft import get_peft_model

    from agentmem.parametric import train as trainer

    say = log or (lambda *a: None)
    cfg = LoRAConfig(**{**(config.lora.model_dump() if config else {}), **(lora or {})})
    torch.set_num_threads(min(torch.get_num_threads(), cfg.threads))
    base = base or load_base(config)
    codec, layers = base.codec, base.model.config.num_hidden_layers
    ppl_base = perplexity(base.model, codec, corpus.EVAL_TEXTS)
    peft = get_peft_model(base.model, trainer.peft_config(cfg, layers), adapter_name="_init")
    peft.base_model.disable_adapter_layers()
    replay = trainer.replay_pool(peft, codec) if cfg.kl_weight > 0 else []
    out: dict[str, Any] = {
        "base_fingerprint": base.fingerprint,
        "lora": cfg.model_dump(),
        "perplexity_base": ppl_base,
        "context_k": context_k,
        "sizes": {},
    }
    say(f"base perplexity {ppl_base:.2f}")

    def fit(name: str, data: FactDataset, settings: LoRAConfig) -> dict[str, Any]:
        torch.manual_seed(settings.seed)
        peft.add_adapter(name, trainer.peft_config(settings, layers))
        peft.base_model.enable_adapter_layers()
        peft.set_adapter(name)
        pool = replay if settings.kl_weight > 0 else []
        res = trainer.train(peft, codec, data, settings, replay=pool, progress=progress)
        return res.to_dict()

    for n in sizes:
        facts = synthetic_facts(n, seed=seed)
        data = build_dataset(
            facts, heldout=cfg.heldout_phrasings, train_phrasings=cfg.train_phrasings, seed=seed
        )
        ctx = _contexts(data.heldout, data, context_k, seed)
        cell: dict[str, Any] = {
            "facts": n,
            "train_examples": len(data.train),
            "heldout_probes": len(data.heldout),
        }
        peft.base_model.disable_adapter_layers()
        cell["recall_base"] = _recall(peft, codec, data.heldout, cfg)
        cell["recall_base_context"] = _recall(peft, codec, data.heldout, cfg, ctx)
        say(f"[{n}] base {cell['recall_base']:.2f} base+ctx {cell['recall_base_context']:.2f}")
        name = f"user{n}"
        cell["training"] = fit(name, data, cfg)
        cell.update(_measure(peft, codec, data, cfg, ctx, ppl_base))
        cell["adapter_bytes"] = _size(peft, name)
        say(
            f"[{n}] {json.dumps({k: v for k, v in cell.items() if k != 'training'})} "
            f"train {cell['training']['seconds']}s/{cell['training']['steps']} steps"
        )
        out["sizes"][str(n)] = cell
        if n == (sizes[0] if combine_size is None else combine_size):
            out["combined"] = _combinations(
                peft, codec, cfg, name, data, n, seed, methods, joint, fit, ppl_base, say
            )
        for label, overrides in (variants or {}).items():
            if n != sizes[0]:
                continue
            vcfg = LoRAConfig(**{**cfg.model_dump(), **overrides})
            vname = f"{label}{n}"
            info = fit(vname, data, vcfg)
            out.setdefault("variants", {})[label] = {
                "overrides": overrides,
                "training": info,
                **_measure(peft, codec, data, vcfg, ctx, ppl_base),
            }
            say(f"[{n}] variant {label}: {out['variants'][label]}")
    return out


def _measure(
    peft: Any, codec: Any, data: FactDataset, cfg: LoRAConfig, ctx: list[str], ppl_base: float
) -> dict[str, Any]:
    peft.base_model.enable_adapter_layers()
    ppl = perplexity(peft, codec, corpus.EVAL_TEXTS)
    return {
        "recall_adapter": _recall(peft, codec, data.heldout, cfg),
        "recall_adapter_context": _recall(peft, codec, data.heldout, cfg, ctx),
        "recall_trained_phrasing": _recall(peft, codec, data.trained_probes, cfg),
        "perplexity_after": ppl,
        "perplexity_change": ppl / ppl_base - 1,
    }


def _combinations(
    peft: Any,
    codec: Any,
    cfg: LoRAConfig,
    user: str,
    udata: FactDataset,
    n: int,
    seed: int,
    methods: Sequence[str],
    joint: bool,
    fit: Any,
    ppl_base: float,
    say: Any,
) -> dict[str, Any]:
    """A second ("agent") adapter on `n` other facts, then both at once by each method."""
    adata = build_dataset(
        synthetic_facts(n, seed=seed + 1000, prefix="agent"),
        heldout=cfg.heldout_phrasings,
        train_phrasings=cfg.train_phrasings,
        seed=seed,
    )
    fit("agent", adata, cfg)
    alone = {
        "user": _recall(peft, codec, udata.heldout, cfg),
        "agent": _recall(peft, codec, adata.heldout, cfg),
    }
    peft.set_adapter(user)
    alone["user"] = _recall(peft, codec, udata.heldout, cfg)
    out: dict[str, Any] = {"facts_each": n, "alone": alone, "methods": {}}
    for method in methods:
        name = f"combo_{method}"
        try:
            combine(peft, [user, "agent"], name, method)
        except Exception as exc:  # a method peft refuses for these ranks: report, go on
            out["methods"][method] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        peft.set_adapter(name)
        out["methods"][method] = _combined_scores(peft, codec, udata, adata, cfg, alone, ppl_base)
        say(f"[combine {method}] {out['methods'][method]}")
    if joint:
        both = FactDataset(
            facts=udata.facts + adata.facts,
            train=udata.train + adata.train,
            heldout=udata.heldout + adata.heldout,
        )
        random.Random(seed).shuffle(both.train)
        info = fit("joint", both, cfg)
        out["methods"]["joint"] = {
            **_combined_scores(peft, codec, udata, adata, cfg, alone, ppl_base),
            "training": info,
        }
        say(f"[combine joint] {out['methods']['joint']}")
    return out


def _combined_scores(
    peft: Any,
    codec: Any,
    udata: FactDataset,
    adata: FactDataset,
    cfg: LoRAConfig,
    alone: dict[str, float],
    ppl_base: float,
) -> dict[str, Any]:
    u = _recall(peft, codec, udata.heldout, cfg)
    a = _recall(peft, codec, adata.heldout, cfg)
    ppl = perplexity(peft, codec, corpus.EVAL_TEXTS)
    return {
        "recall_user": u,
        "recall_agent": a,
        "kept_user": u / alone["user"] if alone["user"] else None,
        "kept_agent": a / alone["agent"] if alone["agent"] else None,
        "perplexity_change": ppl / ppl_base - 1,
    }


def _recall(
    model: Any, codec: Any, probes: list[Example], cfg: LoRAConfig, context: list[str] | None = None
) -> float:
    score, _ = recall(model, codec, probes, max_new_tokens=cfg.max_new_tokens, context=context)
    return score


def _contexts(probes: list[Example], data: FactDataset, k: int, seed: int) -> list[str]:
    """For each probe: its fact's statement among k-1 others, shuffled (a top-k retrieval)."""
    rng = random.Random(seed)
    statements = {f.id: f.statement() for f in data.facts}
    out = []
    for p in probes:
        others = [s for fid, s in statements.items() if fid != p.fact_id]
        lines = [statements[p.fact_id], *rng.sample(others, min(k - 1, len(others)))]
        rng.shuffle(lines)
        out.append("Known facts:\n" + "\n".join(lines))
    return out


def _size(peft: Any, name: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        peft.save_pretrained(tmp, selected_adapters=[name])
        return sum(p.stat().st_size for p in Path(tmp).rglob("*.safetensors"))


def main(argv: Sequence[str] | None = None) -> int:
    from agentmem.bench.output import add_output_flags, deprecated, emit

    parser = argparse.ArgumentParser(prog="agentmem bench lora", description=__doc__.split("\n")[0])
    add_output_flags(parser, "lora")
    parser.add_argument("--json-file", dest="json_file", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES} only")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=None,
        help="comma-separated fact counts, e.g. 10,50,200",
    )
    parser.add_argument("--steps", type=int, default=None, help="max training steps")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="override a lora setting, e.g. --set kl_weight=0",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME:KEY=JSON,...",
        help="also train the first size with these overrides",
    )
    parser.add_argument("--no-joint", action="store_true")
    parser.add_argument(
        "--combine-size",
        type=int,
        default=None,
        help="facts per adapter for the combination test (0: skip it)",
    )
    parser.add_argument("--home", default=None, help="agentmem home (model cache)")
    args = parser.parse_args(_older_json(list(sys.argv[1:] if argv is None else argv)))
    if args.json_file:  # the older `--json FILE`
        deprecated(f"--json {args.json_file}", "--out DIR")
    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    lora = {k: json.loads(v) for k, v in (s.split("=", 1) for s in args.set)}
    if args.steps:
        lora["steps"] = args.steps
    variants = {}
    for spec in args.variant:
        label, _, body = spec.partition(":")
        variants[label] = {
            k: json.loads(v) for k, v in (p.split("=", 1) for p in body.split(",") if p)
        }
    config = MemoryConfig.create(**({"home": args.home} if args.home else {}))
    quiet = args.json
    started = time.perf_counter()
    result = run(
        sizes,
        lora=lora,
        variants=variants,
        joint=not args.no_joint,
        combine_size=args.combine_size,
        config=config,
        progress=not quiet,
        log=None if quiet else (lambda m: print(m, file=sys.stderr, flush=True)),
    )
    result["seconds"] = round(time.perf_counter() - started, 1)
    if args.json_file:
        Path(args.json_file).write_text(json.dumps(result, indent=1, default=str), "utf-8")
    emit(args, result, table)
    return 0


def _older_json(argv: list[str]) -> list[str]:
    """The older `--json FILE` -> `--json-file FILE`; `--json -` -> `--json`."""
    out = []
    for i, arg in enumerate(argv):
        previous = argv[i - 1] if i else ""
        if previous == "--json" and arg == "-":
            continue
        if previous == "--json" and not arg.startswith("-"):
            out[-1] = "--json-file"
        out.append(arg)
    return out


def table(result: dict[str, Any]) -> str:
    """Recall per size (held-out phrasings unless said), then the combinations."""
    lines = [
        f"{'facts':>6} {'base':>6} {'base+ctx':>9} {'adapter':>8} {'adapter+ctx':>12} "
        f"{'trained':>8} {'ppl change':>11} {'train s':>8}"
    ]
    for n, c in result["sizes"].items():
        lines.append(
            f"{n:>6} {c['recall_base']:>6.2f} {c['recall_base_context']:>9.2f} "
            f"{c['recall_adapter']:>8.2f} {c['recall_adapter_context']:>12.2f} "
            f"{c['recall_trained_phrasing']:>8.2f} {c['perplexity_change']:>+11.1%} "
            f"{c['training']['seconds']:>8}"
        )
    combined = result.get("combined")
    if combined:
        lines.append(f"two adapters of {combined['facts_each']} facts each, at once:")
        for method, m in combined["methods"].items():
            if "error" in m:
                lines.append(f"  {method:<7} {m['error']}")
            else:
                lines.append(
                    f"  {method:<7} user {m['recall_user']:.2f}  agent {m['recall_agent']:.2f}  "
                    f"ppl change {m['perplexity_change']:+.1%}"
                )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
