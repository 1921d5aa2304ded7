"""CPU of one in-process `Memory.add`, this tree against another, side by side.

    python -m agentmem.bench.add_cpu --baseline <git revision> --json

Each child process (this tree, then the baseline exported by `bench.revisions`, in
turn, `--rounds` times) stores the same notes (`bench load`'s add texts, hash embedder,
embedded Chroma) with the extractor named, from `--threads` threads at once, after a
warm-up, and reports CPU per add (`time.process_time`). With one thread this is the cost
of an add alone; with several, concurrent adds may share work (the batched parse).
`--users` spreads the notes over that many scopes (`bench load`'s 200 by default); one
scope and a long warm-up measure an add into a large scope (slots of hundreds of values).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from agentmem.bench import revisions


def measure(
    home: str, extractor: str, adds: int, threads: int, warmup: int, seed: int, users: int = 0
) -> dict:
    """Run in a child: CPU per add of `adds` notes from `threads` threads, over `users`
    scopes (0: `bench load`'s number)."""
    import random
    import time
    from concurrent.futures import ThreadPoolExecutor

    from agentmem import Memory
    from agentmem.bench.load_service import USERS
    from agentmem.bench.load_texts import sentence

    rng = random.Random(seed)
    texts = [(sentence(rng), f"user{i % (users or USERS)}") for i in range(warmup + adds)]
    config = {"home": home, "embedding": {"model": "hash"}}
    with Memory(**config, consolidation={"extractor": extractor}) as mem:
        for text, user in texts[:warmup]:
            mem.add(text, user)
        cpu = time.process_time()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda t: mem.add(*t), texts[warmup:]))
        cpu = time.process_time() - cpu
    return {"cpu_ms_per_add": 1000 * cpu / adds}


def _child(tree: Path | None, home: Path, extractor: str, args: argparse.Namespace) -> dict:
    call = (
        f"bench.measure({str(home)!r}, {extractor!r}, {args.adds}, {args.threads}, "
        f"{args.warmup}, {args.seed}, {args.users})"
    )
    return revisions.run_child("add_cpu", call, tree)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = revisions.parser(__doc__, rounds=1, seed=11)
    p.add_argument("--extractors", nargs="+", default=["parse", "rules"])
    p.add_argument("--adds", type=int, default=150)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--users", type=int, default=0, help="scopes the notes go to (0: 200)")
    args = p.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="agentmem-add-cpu-"))
    cpu: dict[str, list[float]] = {}
    try:
        (root / "baseline").mkdir()
        base = revisions.export(args.baseline, root / "baseline")
        load_before = os.getloadavg()
        for r in range(args.rounds):
            for extractor in args.extractors:
                for name, tree in (("baseline", base), ("this", None)):
                    home = root / f"{name}-{extractor}-{r}"
                    row = _child(tree, home, extractor, args)
                    cpu.setdefault(f"{name}/{extractor}", []).append(
                        round(row["cpu_ms_per_add"], 2)
                    )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result = {
        "adds": args.adds,
        "threads": args.threads,
        "users": args.users,  # 0: bench load's
        "warmup": args.warmup,
        "cpu_ms_per_add": cpu,
        "ratio_this_over_baseline": {
            e: round(min(cpu[f"this/{e}"]) / min(cpu[f"baseline/{e}"]), 3) for e in args.extractors
        },
        "load_average": [load_before, os.getloadavg()],
    }
    print(json.dumps(result, indent=None if args.json else 2))
    return result


if __name__ == "__main__":
    main()
