"""Ingest through `Memory.add_many` on LoCoMo conversations, this tree against another
git revision, side by side (issue 12's ingest target: >= 300 turns/s).

    python -m agentmem.bench.load_ingest --data ../shared/data/locomo-dev --names 26 \\
        --baseline <git revision> --kind note --embedding hash --json

Each child process (this tree, then the baseline exported by `bench.revisions`, in turn,
`--rounds` times) stores every turn of the conversations named, a session per
`add_many` call (as `bench locomo` does), and reports turns/s acknowledged (the calls
returned: SQL committed) and indexed (the vector index holds every turn), CPU seconds of
the process, and turns lost (stored active rows that name no turn). The embedder, the
parse's pipeline and the extraction's MiniLM are loaded before the clock starts (a process
loads them once). Each run also reports what it stored (`stored_digest`: every memory's
kind, text, subject, slot, value, status and turn, in a canonical order), and the result
says whether both trees stored the same (`same_stored`): a change of speed only leaves it
true. `--stored-out FILE` writes this tree's first run's memories, to diff where not.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from agentmem.bench import revisions


def measure(
    data: str, names: list[str], kind: str, embedding: str, home: str, out: str | None = None
) -> dict:
    """Run in a child: ingest each conversation into its own scope; with `out`, write what
    each stored (`stored_rows`) there as JSON."""
    import torch

    from agentmem import Memory
    from agentmem.bench import locomo_data
    from agentmem.bench.locomo import _ingest

    torch.set_num_threads(1)
    conversations = locomo_data.load_dir(Path(data), names)
    with Memory(home=home, embedding={"model": embedding}) as mem:
        mem.long_term.embedder.embed(["warm up"])
        # the parse's pipeline loads once per process (in the background from Memory());
        # ingest is measured after it, as after the embedder's load
        from agentmem.facts.extraction import similar
        from agentmem.facts.extraction.pipeline import load_pipeline

        load_pipeline()
        # so does the extraction's own MiniLM (slot matching, what "have" holds), whatever
        # the configured embedder: exported into the home once (about 15 s on a fresh
        # home), then loaded once per process. A slot lookup loads it in every revision.
        similar.similar_attribute("relocate", "to")
        result = {c.name: _ingest(mem, c, f"locomo-{c.name}", kind) for c in conversations}
        stored = {c.name: stored_rows(mem, f"locomo-{c.name}") for c in conversations}
    for name, rows in stored.items():
        result[name]["stored_digest"] = digest(rows)
    if out is not None:
        Path(out).write_text(json.dumps(stored, indent=1))
    return result


def stored_rows(mem: Any, user: str) -> list[list[Any]]:
    """Every memory of the scope, whatever its status, as (kind, text, subject, attribute,
    value, status, turn), sorted: what an ingest decided, without ids or times."""
    from agentmem.stores.sql import MemoryQuery

    rows = mem.long_term.find(MemoryQuery(user_id=user, statuses=None))
    return sorted(
        [r.kind, r.text, r.subject, r.attribute, r.value, r.status, r.metadata.get("dia_id")]
        for r in rows
    )


def digest(rows: list[list[Any]]) -> str:
    """A short hash of `stored_rows`."""
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = revisions.parser(__doc__, rounds=1, seed=0)
    p.add_argument("--data", type=Path, required=True, help="LoCoMo JSON, one file a talk")
    p.add_argument("--names", nargs="+", default=None, help="conversations (file stems)")
    p.add_argument("--kind", default="note", help="what add_many stores each turn as")
    p.add_argument("--embedding", default="hash", help="embedder (hash, minilm, ...)")
    p.add_argument("--stored-out", type=Path, default=None, help="this tree's memories (JSON)")
    args = p.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="agentmem-ingest-"))
    runs: dict[str, list[dict]] = {"baseline": [], "this": []}
    try:
        (root / "baseline").mkdir()
        base = revisions.export(args.baseline, root / "baseline")
        load_before = os.getloadavg()
        for r in range(args.rounds):
            for name, tree in (("baseline", base), ("this", None)):
                out = args.stored_out if name == "this" and r == 0 else None
                call = (
                    f"bench.measure({str(args.data.resolve())!r}, {args.names!r}, "
                    f"{args.kind!r}, {args.embedding!r}, {str(root / f'{name}-{r}')!r}, "
                    f"{str(out.resolve()) if out else None!r})"
                )
                runs[name].append(revisions.run_child("load_ingest", call, tree))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result = {"kind": args.kind, "embedding": args.embedding, "runs": runs}
    result["ratio_this_over_baseline"] = {
        key: round(_total(runs["this"], key) / _total(runs["baseline"], key), 3)
        for key in ("acknowledged_per_s", "turns_per_s")
    }
    result["same_stored"] = same_stored(runs)
    result["load_average"] = [load_before, os.getloadavg()]
    print(json.dumps(result, indent=None if args.json else 2))
    return result


def same_stored(runs: dict[str, list[dict]]) -> bool:
    """Whether every run of both trees stored the same memories in each conversation."""
    digests = {
        json.dumps({c: out["stored_digest"] for c, out in run.items()}, sort_keys=True)
        for each in runs.values()
        for run in each
    }
    return len(digests) == 1


def _total(runs: list[dict], key: str) -> float:
    """The best run's rate over all its conversations (turns over seconds)."""
    seconds = "seconds" if key == "turns_per_s" else None
    best = 0.0
    for run in runs:
        turns = sum(c["turns"] for c in run.values())
        if seconds:
            spent = sum(c["seconds"] for c in run.values())
        else:
            spent = sum(c["turns"] / c[key] for c in run.values())
        best = max(best, turns / spent)
    return best


if __name__ == "__main__":
    main()
