"""CPU of one in-process `Memory.search`, this tree against another, side by side.

    python -m agentmem.bench.search_cpu --baseline <git revision> --json

Fills one SQLite database (hash embedder) with conversation turns over a few users and
sessions, with speakers, then runs the same queries in child processes that import
agentmem from this tree and from the baseline revision (exported with `git archive`) in
turn, `--rounds` times, and reports CPU per search (`time.process_time`) and whether every
answer (ids and their order) is identical. `--users 200` spreads the same memories over
200 users, as the service bench (`bench load`) does.

`--chunk N` runs the two trees' children at once instead, taking turns at chunks of N
searches (baseline first in even chunks, this tree first in odd ones) and timing each
chunk by its thread's CPU: the load's drift then falls on both alike, and the ratio is
the median of the chunks' ratios (`--searches` sets how many there are in all).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from agentmem.bench import revisions
from agentmem.bench.load_texts import WORDS

SPEAKERS = ("Ana", "Bert", "Chidi")
USERS = 4


def _config(home: Path) -> dict[str, Any]:
    return {"home": str(home), "embedding": {"model": "hash"}}


def fill(home: Path, memories: int, seed: int, users: int = USERS) -> None:
    """Turns of a few sessions per user, each naming its speaker."""
    from agentmem import Memory
    from agentmem.long_term import WritePlan, event, new_id
    from agentmem.types import MemoryRecord, Scope, utcnow

    rng = random.Random(seed)
    with Memory(**_config(home)) as mem:
        for start in range(0, memories, 500):
            now, records = utcnow(), []
            for i in range(start, min(memories, start + 500)):
                speaker = SPEAKERS[i % len(SPEAKERS)]
                text = f"{speaker}: I " + " ".join(rng.sample(WORDS, 6)) + f" #{i}"
                scope = Scope(f"user{i % users}", session_id=f"s{(i // users) // 40}")
                records.append(
                    MemoryRecord(
                        id=new_id(),
                        text=text,
                        scope=scope,
                        metadata={"speaker": speaker},
                        importance=rng.random(),
                        created_at=now,
                        updated_at=now,
                        valid_from=now,
                        recorded_at=now,
                    )
                )
            events = [
                event("ADD", r, actor="bench", reason="bulk load", new_text=r.text) for r in records
            ]
            mem.long_term.apply(WritePlan(inserts=records, events=events))


def queries(n: int, seed: int, users: int = USERS) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.sample(WORDS, 3)
        if rng.random() < 0.3:  # some questions name a speaker
            words.insert(0, rng.choice(SPEAKERS))
        out.append((" ".join(words), f"user{rng.randrange(users)}"))
    return out


def measure(home: Path, qs: list[tuple[str, str]], warmup: int) -> dict[str, Any]:
    """Run in a child: CPU per search and every answer."""
    import time

    from agentmem import Memory

    warm = qs[:warmup] + list({user: (text, user) for text, user in qs}.values())
    with Memory(**_config(home)) as mem:
        for text, user in warm:  # every user once: first reads of a scope are not measured
            mem.search(text, user, top_k=10)
        cpu = time.process_time()
        answers = [
            [(h.record.id, h.score) for h in mem.search(text, user, top_k=10)] for text, user in qs
        ]
        cpu = time.process_time() - cpu
    return {"cpu_ms_per_search": 1000 * cpu / len(qs), "answers": answers}


def turns(home: Path, qs: list[tuple[str, str]], warmup: int, chunk: int) -> dict[str, Any]:
    """Run in a child: warm up as `measure` does, then search `qs` a chunk at a time, each
    when the parent writes a line, printing the chunk's thread CPU per search (ms)."""
    import time

    from agentmem import Memory

    warm = qs[:warmup] + list({user: (text, user) for text, user in qs}.values())
    answers = []
    with Memory(**_config(home)) as mem:
        for text, user in warm:
            mem.search(text, user, top_k=10)
        print("ready", flush=True)
        for start in range(0, len(qs), chunk):
            sys.stdin.readline()
            part, cpu = qs[start : start + chunk], time.thread_time()
            answers += [
                [(h.record.id, h.score) for h in mem.search(text, user, top_k=10)]
                for text, user in part
            ]
            print(1000 * (time.thread_time() - cpu) / len(part), flush=True)
    return {"answers": answers}


def _interleaved(trees: dict, data: dict, args: argparse.Namespace) -> dict[str, Any]:
    call = "bench.turns(Path({!r}), bench.queries({}, {}, {}), {}, {})"
    kids = {
        name: revisions.start_child(
            "search_cpu",
            call.format(
                str(data[name]), args.searches, args.seed, args.users, args.warmup, args.chunk
            ),
            tree,
        )
        for name, tree in trees.items()
    }
    for kid in kids.values():
        assert kid.stdout.readline().strip() == "ready", "a child failed to start"
    chunks: dict[str, list[float]] = {name: [] for name in kids}
    names = list(kids)
    for i in range(-(-args.searches // args.chunk)):
        for name in names if i % 2 == 0 else names[::-1]:
            kids[name].stdin.write("go\n")
            kids[name].stdin.flush()
            chunks[name].append(float(kids[name].stdout.readline()))
    answers = {name: revisions.finish_child(kid)["answers"] for name, kid in kids.items()}
    ratios = [t / b for t, b in zip(chunks["this"], chunks["baseline"], strict=True)]
    return {
        "chunk": args.chunk,
        "cpu_ms_per_search_median_chunk": {
            name: round(statistics.median(v), 3) for name, v in chunks.items()
        },
        "ratio_this_over_baseline": round(statistics.median(ratios), 3),
        "answers": answers,
    }


def _child(tree: Path | None, home: Path, args: argparse.Namespace) -> dict[str, Any]:
    call = (
        f"bench.measure(Path({str(home)!r}), "
        f"bench.queries({args.searches}, {args.seed}, {args.users}), "
        f"{args.warmup})"
    )
    return revisions.run_child("search_cpu", call, tree)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = revisions.parser(__doc__, rounds=2, seed=7)
    p.add_argument("--memories", type=int, default=2000)
    p.add_argument("--searches", type=int, default=300)
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--users", type=int, default=USERS)
    p.add_argument("--chunk", type=int, default=0, help="interleave the trees in chunks")
    args = p.parse_args(argv)
    if args.chunk:
        return _main_interleaved(args)
    home = Path(tempfile.mkdtemp(prefix="agentmem-search-cpu-"))
    try:
        (home / "baseline").mkdir()
        base = revisions.export(args.baseline, home / "baseline")
        fill(home / "data", args.memories, args.seed, args.users)
        data = {"baseline": revisions.data_for(base, home / "data", home / "data-baseline")}
        load_before = os.getloadavg()
        runs: dict[str, list] = {"baseline": [], "this": []}
        for _ in range(args.rounds):
            for name, tree in (("baseline", base), ("this", None)):
                runs[name].append(_child(tree, data.get(name, home / "data"), args))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    cpu = {k: [round(r["cpu_ms_per_search"], 3) for r in v] for k, v in runs.items()}
    answers = [r["answers"] for v in runs.values() for r in v]
    ids = [[[i for i, _ in a] for a in run] for run in answers]
    # scores hold recency, which moves with the clock between runs
    drift = max(
        abs(x[1] - y[1])
        for run in answers
        for a, b in zip(run, answers[0], strict=True)
        for x, y in zip(a, b, strict=False)
    )
    result = {
        "memories": args.memories,
        "users": args.users,
        "searches": args.searches,
        "cpu_ms_per_search": cpu,
        "ratio_this_over_baseline": round(min(cpu["this"]) / min(cpu["baseline"]), 3),
        "identical_ids_and_order": all(a == ids[0] for a in ids),
        "max_score_difference": drift,
        "empty_answers": sum(not a for a in answers[0]),
        "load_average": [load_before, os.getloadavg()],
    }
    print(json.dumps(result, indent=None if args.json else 2))
    return result


def _main_interleaved(args: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="agentmem-search-cpu-"))
    try:
        (home / "baseline").mkdir()
        base = revisions.export(args.baseline, home / "baseline")
        fill(home / "data", args.memories, args.seed, args.users)
        data = {
            "baseline": revisions.data_for(base, home / "data", home / "data-baseline"),
            "this": home / "data",
        }
        load_before = os.getloadavg()
        result = _interleaved({"baseline": base, "this": None}, data, args)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    answers = result.pop("answers")
    pairs = list(zip(answers["baseline"], answers["this"], strict=True))
    result = {
        "memories": args.memories,
        "users": args.users,
        "searches": args.searches,
        **result,
        "identical_ids_and_order": all([i for i, _ in a] == [i for i, _ in b] for a, b in pairs),
        # scores hold recency, which moves with the clock between the two children
        "max_score_difference": max(
            (abs(x[1] - y[1]) for a, b in pairs for x, y in zip(a, b, strict=False)),
            default=0.0,
        ),
        "empty_answers": sum(not a for a in answers["this"]),
        "load_average": [load_before, os.getloadavg()],
    }
    print(json.dumps(result, indent=None if args.json else 2))
    return result


if __name__ == "__main__":
    main()
