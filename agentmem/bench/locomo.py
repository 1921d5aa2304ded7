"""`agentmem bench locomo --data DIR`: long-conversation memory on LoCoMo, side by side.

Each conversation's turns go into a scope of their own through `Memory.add_many` (one
call per session, `observed_at` = the session's date, speaker and dia_id in metadata), as
episodes (what was said; `--kind note` stores them as notes, which merge true duplicates).
For every question of categories 1-4 (5, adversarial, has no answer to find) the same
turns are ranked by agentmem's hybrid, full-text and semantic search and, in the same
run, by BM25 (`bm25s`) and brute-force cosine over the same embedder's vectors. Scores:
turn-level evidence recall@5 and @10 (the share of a question's evidence turns in the
top k) and all-evidence@10, per category. The layered path (observe every turn,
consolidate each session, `context()` at its default budget) is scored by answer
containment -- the normalised gold answer appears in the context -- against the raw hybrid
top turns of the same token count. Also: ingest turns/s, query latency, and turns lost on
ingest (stored active rows != turns).
"""

from __future__ import annotations

import argparse
import inspect
import os
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from agentmem.bench import locomo_data as data
from agentmem.bench.locomo_report import plot, summarise, table
from agentmem.long_term import episodes
from agentmem.manager import Memory
from agentmem.stores.sql import MemoryQuery
from agentmem.types import Scope

SYSTEMS = ("hybrid", "fulltext", "semantic", "bm25", "cosine")
MODES = ("hybrid", "fulltext", "semantic")
TOP_K = 10


def run(
    directory: Path,
    *,
    names: list[str] | None = None,
    embedder: str = "minilm",
    kind: str = "episode",
    layered: bool = True,
    split: list[str] | None = None,
    home: Path | None = None,
    memory_options: dict[str, Any] | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Run the benchmark over the conversations of `directory`; a JSON-able dict."""
    conversations = data.load_dir(Path(directory), names)
    workdir = Path(tempfile.mkdtemp(prefix="agentmem-locomo-", dir=home))
    rows: list[dict[str, Any]] = []
    ingest: dict[str, Any] = {}
    latency: dict[str, list[float]] = defaultdict(list)
    try:
        with Memory(home=workdir, embedding={"model": embedder}, **(memory_options or {})) as mem:
            mem.long_term.embedder.embed(["warm up"])
            for conv in conversations:
                _say(progress, f"conversation {conv.name}: {len(conv.turns)} turns")
                user = f"locomo-{conv.name}"
                ingest[conv.name] = _ingest(mem, conv, user, kind)
                rows += _retrieval(mem, conv, user, latency)
                if layered:
                    _say(progress, f"  layered path over {len(conv.turns)} turns")
                    _containment(mem, conv, user, rows)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return summarise(
        rows,
        ingest,
        {m: _percentiles(t) for m, t in latency.items()},
        meta={
            "benchmark": "locomo",
            "data": str(directory),
            "conversations": [c.name for c in conversations],
            "embedder": embedder,
            "kind": kind,
            "split": split,
            "bad_evidence": {c.name: c.bad_evidence for c in conversations if c.bad_evidence},
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
    )


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, flush=True)


# --- ingest ---------------------------------------------------------------------------
def _ingest(mem: Memory, conv: data.Conversation, user: str, kind: str) -> dict[str, Any]:
    """Every turn through add_many, a session per call; then count what stayed active."""
    start, cpu = time.perf_counter(), time.process_time()
    returned: set[str] = set()
    for n in sorted(conv.sessions):
        turns = conv.sessions[n]
        if not turns:
            continue  # some sessions have a date and no turns
        records = mem.add_many(
            [t.text if kind == "episode" else t.line for t in turns],  # episodes name the speaker
            Scope(user_id=user, session_id=f"session_{n}"),
            [{"speaker": t.speaker, "dia_id": t.dia_id, "session": n} for t in turns],
            kind=kind,
            observed_at=conv.dates.get(n),
        )
        returned.update(r.id for r in records)
    acknowledged = time.perf_counter() - start
    mem.long_term.flush()  # ingest ends when the vector index holds every turn
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu  # all threads of this process: less sensitive to load
    stored = mem.long_term.find(MemoryQuery(user_id=user, statuses=None))
    active = {r.metadata.get("dia_id") for r in stored if r.status == "active"}
    turns = len(conv.turns)
    return {
        "turns": turns,
        "seconds": round(seconds, 3),
        "turns_per_s": round(turns / seconds, 1),
        "acknowledged_per_s": round(turns / acknowledged, 1),
        "cpu_seconds": round(cpu, 3),
        "stored": len(stored),
        "active": len(active),
        "distinct_returned": len(returned),
        "lost": sum(1 for t in conv.turns if t.dia_id not in active),
    }


# --- retrieval ------------------------------------------------------------------------
def _retrieval(
    mem: Memory, conv: data.Conversation, user: str, latency: dict[str, list[float]]
) -> list[dict[str, Any]]:
    questions = [q for q in conv.questions if q.category in data.CATEGORIES and q.evidence]
    baselines = Baselines(mem, conv.turns)
    rows = []
    for q in questions:
        ranked: dict[str, list[str]] = {}
        for mode in MODES:
            start = time.perf_counter()
            hits = mem.search(q.question, user, mode=mode, top_k=TOP_K)
            latency[mode].append((time.perf_counter() - start) * 1000)
            ranked[mode] = [h.record.metadata.get("dia_id", "") for h in hits]
        ranked["bm25"] = baselines.bm25(q.question)
        ranked["cosine"] = baselines.cosine(q.question)
        rows.append(
            {
                "conversation": conv.name,
                "category": q.category,
                "question": q.question,
                "answer": q.answer,
                "evidence": list(q.evidence),
                "scores": {s: scores(ranked[s], q.evidence) for s in SYSTEMS},
            }
        )
    return rows


def scores(ranked: list[str], evidence: tuple[str, ...]) -> dict[str, float]:
    """Turn-level evidence recall@5/@10 and whether all evidence is in the top 10."""
    gold = set(evidence)
    found5, found10 = gold & set(ranked[:5]), gold & set(ranked[:10])
    return {
        "recall@5": len(found5) / len(gold),
        "recall@10": len(found10) / len(gold),
        "all@10": float(found10 == gold),
    }


class Baselines:
    """BM25 (bm25s, English stop words) and brute-force cosine over one conversation's
    turns, with the same texts and the same embedder agentmem stores them with."""

    def __init__(self, mem: Memory, turns: list[data.Turn]) -> None:
        import bm25s

        self.ids = [t.dia_id for t in turns]
        texts = [t.line for t in turns]
        self._bm25 = bm25s.BM25()
        self._bm25.index(
            bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False
        )
        self._embedder = mem.long_term.embedder
        self._vectors = self._embedder.embed(texts)

    def bm25(self, question: str) -> list[str]:
        import bm25s

        tokens = bm25s.tokenize([question], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        k = min(TOP_K, len(self.ids))
        docs, _ = self._bm25.retrieve(tokens, k=k, show_progress=False)
        return [self.ids[i] for i in docs[0]]

    def cosine(self, question: str) -> list[str]:
        sims = self._vectors @ self._embedder.embed_query(question)
        return [self.ids[i] for i in np.argsort(-sims, kind="stable")[:TOP_K]]


# --- the layered path -----------------------------------------------------------------
def _containment(
    mem: Memory, conv: data.Conversation, user: str, rows: list[dict[str, Any]]
) -> None:
    """Observe every turn, consolidate each session, then ask each question through
    `context()`; the same question's raw hybrid top turns, cut to the context's token
    count, are the comparison. Adds `layered` and `raw` to each row."""
    layered_user = f"{user}-layered"
    timed = "observed_at" in inspect.signature(mem.observe).parameters
    for n in sorted(conv.sessions):
        scope = Scope(user_id=layered_user, session_id=f"session_{n}")
        for t in conv.sessions[n]:
            extra = {"observed_at": t.date} if timed and t.date else {}
            meta = {"speaker": t.speaker, "dia_id": t.dia_id, "session": n}
            mem.observe("user", t.text, scope, metadata=meta, **extra)  # shown as "speaker: text"
        if conv.sessions[n]:
            mem.consolidate(scope)
    ask = Scope(user_id=layered_user, session_id="questions")
    count = mem.context_builder.count
    transcript = _rendered_transcript(mem, conv, layered_user)
    transcript_dates = data.normalise_dates(transcript)
    for row in rows:
        if row["conversation"] != conv.name or not data.normalise(row["answer"]):
            continue
        context = mem.context(row["question"], ask)
        text = "\n".join(m["content"] for m in context.messages)
        raw, raw_ids = _raw_turns(mem, row["question"], user, context.tokens, count)
        answer = data.normalise(row["answer"])
        row["context_tokens"] = context.tokens
        row["layered"] = answer in data.normalise(text)
        row["raw"] = answer in data.normalise(raw)
        # whether the turns that hold the answer were shown, whatever words the answer uses
        shown = {e.metadata.get("dia_id") for e in context.episodes}
        row["layered_evidence"] = _share_shown(row["evidence"], shown)
        row["raw_evidence"] = _share_shown(row["evidence"], raw_ids)
        # the ceiling of containment from turns: the answer in the words of some turn
        row["in_transcript"] = answer in data.normalise(transcript)
        # the same three with dates compared in one form ("July 2, 2023" = "2 July 2023")
        dated = data.normalise_dates(row["answer"])
        row["layered_dates"] = dated in data.normalise_dates(text)
        row["raw_dates"] = dated in data.normalise_dates(raw)
        row["in_transcript_dates"] = dated in transcript_dates


def _rendered_transcript(mem: Memory, conv: data.Conversation, user: str) -> str:
    """Every stored turn of the conversation as context() shows it (date, speaker, dates
    resolved)."""
    lines = [
        episodes.line(e)
        for n in sorted(conv.sessions)
        for e in mem.long_term.episodes(Scope(user_id=user, session_id=f"session_{n}"))
    ]
    return "\n".join(lines)


def _share_shown(evidence: list[str], shown: set[str]) -> float:
    return len(set(evidence) & shown) / len(set(evidence)) if evidence else 0.0


def _raw_turns(mem: Memory, question: str, user: str, budget: int, count) -> tuple[str, set]:
    """Hybrid's best turns, each with its date, up to `budget` tokens; and their dia_ids."""
    lines, ids, used = [], set(), 0
    for hit in mem.search(question, user, top_k=50):
        line = f"({hit.record.valid_from:%d %B %Y}) {hit.record.text}"
        cost = count(line) + 1
        if used + cost > budget:
            break
        lines.append(line)
        ids.add(hit.record.metadata.get("dia_id"))
        used += cost
    return "\n".join(lines), ids


def _percentiles(times: list[float]) -> dict[str, float]:
    if not times:
        return {}
    ordered = sorted(times)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "n": len(ordered),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from agentmem.bench.output import add_output_flags, captured, emit

    parser = argparse.ArgumentParser(prog="agentmem bench locomo")
    parser.add_argument("--data", type=Path, required=True, help="folder of LoCoMo JSON files")
    parser.add_argument("--conversations", help="comma-separated names (default: all files)")
    parser.add_argument("--split", help="names summarised as 'tune'; the rest as 'held_out'")
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument(
        "--kind", default="episode", help="kind the turns are stored as (episode: as said)"
    )
    parser.add_argument("--no-layered", action="store_true", help="skip the context() path")
    add_output_flags(parser, "locomo", plot=True)
    args = parser.parse_args(argv)
    split = args.split.split(",") if args.split else None
    results = run(
        args.data,
        names=args.conversations.split(",") if args.conversations else None,
        embedder=args.embedder,
        kind=args.kind,
        layered=not args.no_layered,
        split=split,
        progress=not args.json,
    )
    # stdout's JSON leaves out the per-question rows; --out's file keeps them
    brief = {k: v for k, v in results.items() if k != "questions"}
    emit(args, results, captured(table), plot=plot, printed=brief)
    return results
