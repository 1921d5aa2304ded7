"""What `context()` shows for LoCoMo's questions, and what it spends its tokens on.

`python -m agentmem.bench.locomo_context --data DIR --conversations 26 --home STORE`
builds the layered store of each conversation once (observe every turn with its date and
speaker, consolidate each session) under STORE and reuses it on later runs, so settings of
`context()` can be compared on the same memories. `--set name=value` overrides a
`ContextBuilder` setting for the run. Per category: answer containment (strict and with
dates in one form), the share of evidence turns shown, and the ceiling (the answer in the
words of some turn as shown). `--misses N` prints, for N questions the context misses,
where its tokens went: memories, passages, how many evidence turns were shown.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agentmem.bench import locomo_data as data
from agentmem.long_term import episodes
from agentmem.manager import Memory
from agentmem.types import Scope

READY = "layered.done"


def build(mem: Memory, conv: data.Conversation, user: str, marker: Path) -> None:
    """Observe every turn of the conversation, consolidating each session (once)."""
    if marker.exists():
        return
    for n in sorted(conv.sessions):
        scope = Scope(user_id=user, session_id=f"session_{n}")
        for t in conv.sessions[n]:
            meta = {"speaker": t.speaker, "dia_id": t.dia_id, "session": n}
            mem.observe("user", t.text, scope, metadata=meta, observed_at=t.date)
        if conv.sessions[n]:
            mem.consolidate(scope)
    mem.flush()
    marker.write_text("ok")


def ask(mem: Memory, conv: data.Conversation, user: str) -> list[dict[str, Any]]:
    """Each question of categories 1-4 through context(); one row per question."""
    where = Scope(user_id=user, session_id="questions")
    transcript = "\n".join(
        episodes.line(e)
        for n in sorted(conv.sessions)
        for e in mem.long_term.episodes(Scope(user_id=user, session_id=f"session_{n}"))
    )
    plain, dated = data.normalise(transcript), data.normalise_dates(transcript)
    rows = []
    for q in conv.questions:
        answer = data.normalise(q.answer)
        if q.category not in data.CATEGORIES or not answer:
            continue
        ctx = mem.context(q.question, where)
        text = "\n".join(m["content"] for m in ctx.messages)
        shown = {e.metadata.get("dia_id") for e in ctx.episodes}
        count = mem.context_builder.count
        rows.append(
            {
                "conversation": conv.name,
                "category": q.category,
                "question": q.question,
                "answer": q.answer,
                "contained": answer in data.normalise(text),
                "contained_dates": data.normalise_dates(q.answer) in data.normalise_dates(text),
                "ceiling": answer in plain,
                "ceiling_dates": data.normalise_dates(q.answer) in dated,
                "evidence_shown": len(set(q.evidence) & shown) / max(1, len(set(q.evidence))),
                "tokens": ctx.tokens,
                "memory_tokens": sum(count(m.text) for m in ctx.memories),
                "memories": ctx.included["memories"],
                "episodes": ctx.included["episodes"],
                "memory_kinds": sorted({m.kind for m in ctx.memories}),
                "text": text,
            }
        )
    return rows


def by_category(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of all questions, then of each category."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups["all"].append(r)
        groups[data.CATEGORIES[r["category"]]].append(r)
    return groups


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("contained", "contained_dates", "evidence_shown", "ceiling", "ceiling_dates")
    out = {}
    for name, group in by_category(rows).items():
        out[name] = {k: round(sum(float(r[k]) for r in group) / len(group), 3) for k in keys}
        out[name]["n"] = len(group)
    return out


def _setting(text: str) -> tuple[str, Any]:
    name, _, value = text.partition("=")
    return name, json.loads(value)


def parser(prog: str) -> argparse.ArgumentParser:
    """The options every bench over the built stores takes."""
    out = argparse.ArgumentParser(prog=prog)
    out.add_argument("--data", type=Path, required=True)
    out.add_argument("--conversations", required=True, help="comma-separated names")
    out.add_argument("--home", type=Path, required=True, help="folder of the built stores")
    out.add_argument("--out", type=Path, help="write every row here")
    return out


def stores(args: argparse.Namespace) -> Iterator[tuple[Memory, data.Conversation, str]]:
    """Each conversation's layered store, built on first use: (memory, conversation, user)."""
    for conv in data.load_dir(args.data, args.conversations.split(",")):
        home = args.home / conv.name
        with Memory(home=home, embedding={"model": "minilm"}) as mem:
            build(mem, conv, f"locomo-{conv.name}", home / READY)
            yield mem, conv, f"locomo-{conv.name}"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    options = parser("python -m agentmem.bench.locomo_context")
    options.add_argument("--set", action="append", default=[], type=_setting, metavar="K=V")
    options.add_argument("--misses", type=int, default=0, help="print N missed questions")
    args = options.parse_args(argv)
    rows: list[dict[str, Any]] = []
    for mem, conv, user in stores(args):
        for name, value in args.set:
            if not hasattr(mem.context_builder, name):
                raise SystemExit(f"--set {name}: ContextBuilder has no such setting")
            setattr(mem.context_builder, name, value)
        rows += ask(mem, conv, user)
    result = {"settings": dict(args.set), "load_average": os.getloadavg(), "by": summary(rows)}
    for name, figures in result["by"].items():
        print(f"{name:12s} {json.dumps(figures)}")
    misses = [r for r in rows if not r["contained_dates"] and r["ceiling_dates"]]
    for r in misses[: args.misses]:
        print(f"\n--- [{data.CATEGORIES[r['category']]}] {r['question']} -> {r['answer']}")
        print(f"evidence shown {r['evidence_shown']:.2f}, {r['tokens']} tokens, memories ", end="")
        print(f"{r['memories']} ({r['memory_tokens']} tokens, {r['memory_kinds']}), ", end="")
        print(f"turns {r['episodes']}")
    if args.out:
        args.out.write_text(json.dumps({**result, "rows": rows}, indent=1))
    return result


if __name__ == "__main__":
    main()
