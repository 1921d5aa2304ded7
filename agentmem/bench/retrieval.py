"""`agentmem bench retrieval`: ingest throughput, search latency and quality, side by side.

One run builds the labelled corpus, ingests it through `Memory.add_many` (batched
embedding, conflict resolution included), then for each size measures search latency per
mode (query embedding included) and recall@5 / MRR of fulltext, semantic and hybrid search
(each fusion) against a brute-force NumPy cosine baseline over the same vectors.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from agentmem.bench import corpus as corpus_mod
from agentmem.config import MemoryConfig
from agentmem.manager import Memory


def run(
    sizes: tuple[int, ...] = (10_000, 100_000),
    *,
    queries: int = 200,
    per_user: int = 200,
    embedder: str = "minilm",
    home: Path | None = None,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, Any]:
    """Run the benchmark; returns a JSON-able dict with one entry per corpus size."""
    results: dict[str, Any] = {"benchmark": "retrieval", "embedder": embedder, "sizes": []}
    for size in sizes:
        workdir = Path(tempfile.mkdtemp(prefix="agentmem-bench-", dir=home))
        try:
            results["sizes"].append(
                _one_size(size, queries, per_user, embedder, workdir, seed, progress)
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def _one_size(
    size: int,
    n_queries: int,
    per_user: int,
    embedder: str,
    workdir: Path,
    seed: int,
    progress: bool,
) -> dict[str, Any]:
    corpus = corpus_mod.build(size, per_user=per_user, seed=seed)
    config = MemoryConfig.create(home=workdir, embedding={"model": embedder})
    out: dict[str, Any] = {"memories": corpus.size, "users": len(corpus.memories)}
    with Memory(config) as mem:
        mem.long_term.embedder.embed(["warm up"])
        ids: dict[str, list[str]] = {}
        start = time.perf_counter()
        for n, (user_id, texts) in enumerate(corpus.memories.items()):
            ids[user_id] = [r.id for r in mem.add_many(texts, user_id)]
            if progress and n % 50 == 0:
                print(f"  ingested {sum(len(v) for v in ids.values())}/{corpus.size}", flush=True)
        mem.long_term.flush()  # ingest ends when the vector index holds everything
        elapsed = time.perf_counter() - start
        out["ingest"] = {
            "seconds": round(elapsed, 2),
            "memories_per_s": round(corpus.size / elapsed, 1),
        }
        rng = np.random.default_rng(seed)
        picked = [
            corpus.queries[i]
            for i in rng.choice(
                len(corpus.queries), min(n_queries, len(corpus.queries)), replace=False
            )
        ]
        out["latency_ms"] = _latency(mem, picked)
        out["quality"] = _quality(mem, picked, ids)
    return out


def _latency(mem: Memory, queries: list) -> dict[str, dict[str, float]]:
    """Steady-state latency: each user's collection is opened once before timing."""
    for user_id in {q.user_id for q in queries}:
        mem.search("warm up", user_id, mode="semantic")
    result = {}
    for mode in ("fulltext", "semantic", "hybrid"):
        times = []
        for i, q in enumerate(queries):
            text = f"{q.text} {mode} {i}"  # fresh: the query-embedding cache must not hit
            start = time.perf_counter()
            mem.search(text, q.user_id, mode=mode, top_k=5)
            times.append((time.perf_counter() - start) * 1000)
        result[mode] = _percentiles(times)
    return result


def _quality(mem: Memory, queries: list, ids: dict[str, list[str]]) -> dict[str, Any]:
    lt = mem.long_term
    systems: dict[str, list[list[str]]] = {
        name: []
        for name in (
            "fulltext",
            "semantic",
            "hybrid_zscore",
            "hybrid_rrf",
            "hybrid_sum",
            "numpy_cosine",
        )
    }
    user_vectors: dict[str, np.ndarray] = {}
    fusion = lt.config.search.fusion
    for q in queries:
        for mode in ("fulltext", "semantic"):
            systems[mode].append(
                [h.record.id for h in mem.search(q.text, q.user_id, mode=mode, top_k=5)]
            )
        for name, how in (
            ("hybrid_zscore", "zscore"),
            ("hybrid_rrf", "rrf"),
            ("hybrid_sum", "sum"),
        ):
            lt.config.search.fusion = how
            systems[name].append([h.record.id for h in mem.search(q.text, q.user_id, top_k=5)])
        lt.config.search.fusion = fusion
        if q.user_id not in user_vectors:  # brute force over the same texts and embedder
            texts = [mem.get(i, q.user_id).text for i in ids[q.user_id]]
            user_vectors[q.user_id] = lt.embedder.embed(texts)
        sims = user_vectors[q.user_id] @ lt.embedder.embed_query(q.text)
        systems["numpy_cosine"].append([ids[q.user_id][i] for i in np.argsort(-sims)[:5]])
    report: dict[str, Any] = {}
    for name, ranked in systems.items():
        report[name] = _scores(ranked, queries, ids)
        for kind in ("keyword", "paraphrase"):
            subset = [(r, q) for r, q in zip(ranked, queries, strict=True) if q.kind == kind]
            if subset:
                report[name][kind] = _scores([r for r, _ in subset], [q for _, q in subset], ids)
    return report


def _scores(ranked: list[list[str]], queries: list, ids: dict[str, list[str]]) -> dict[str, Any]:
    hits, rr = 0, 0.0
    for result, q in zip(ranked, queries, strict=True):
        answer = ids[q.user_id][q.answer_index]
        if answer in result:
            hits += 1
            rr += 1.0 / (result.index(answer) + 1)
    n = max(1, len(queries))
    return {"recall@5": round(hits / n, 4), "mrr": round(rr / n, 4), "n": len(queries)}


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "mean": round(statistics.fmean(ordered), 2),
        "n": len(ordered),
    }


def table(results: dict[str, Any]) -> str:
    """A readable summary of a `run` result."""
    lines = []
    for entry in results["sizes"]:
        lines.append(
            f"{entry['memories']} memories, {entry['users']} users: ingest "
            f"{entry['ingest']['memories_per_s']} memories/s"
        )
        lines.append(f"  {'mode':<10} {'p50 ms':>8} {'p95 ms':>8}")
        for mode, lat in entry["latency_ms"].items():
            lines.append(f"  {mode:<10} {lat['p50']:>8} {lat['p95']:>8}")
        lines.append(f"  {'system':<13} {'recall@5':>8} {'MRR':>6}  keyword/paraphrase recall@5")
        for name, q in entry["quality"].items():
            kw = q.get("keyword", {}).get("recall@5", "-")
            para = q.get("paraphrase", {}).get("recall@5", "-")
            lines.append(f"  {name:<13} {q['recall@5']:>8} {q['mrr']:>6}  {kw}/{para}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from agentmem.bench.output import add_output_flags, emit

    parser = argparse.ArgumentParser(prog="agentmem bench retrieval")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embedder", default="minilm")
    add_output_flags(parser, "retrieval")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    results = run(sizes, queries=args.queries, embedder=args.embedder, progress=not args.json)
    emit(args, results, table)
    return results
