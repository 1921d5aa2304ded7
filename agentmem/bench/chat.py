"""`agentmem bench chat`: does chat use its memory? Questions whose answers were stated
earlier, asked with the text tier (memory in the prompt) and without any tier; a reply
scores when it contains the stated value.

The facts and questions are one small, fixed suite; the point is the gap between the two
columns on the same model, side by side in one run, not an absolute accuracy.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

# (what the user said earlier, a question about it, the value the answer must contain)
SUITE = [
    ("I live in Gdansk", "Which city do I live in?", "gdansk"),
    ("I work as a plumber", "What do I do for a living?", "plumber"),
    ("My cat is called Mochi", "What is the name of my cat?", "mochi"),
    ("My brother lives in Quito", "In which city does my brother live?", "quito"),
    ("My favourite fruit is mango", "Which fruit do I like best?", "mango"),
]


def run(memory: Any, *, max_new_tokens: int = 32, user: str | None = None) -> dict[str, Any]:
    """Score the suite with and without memory on `memory` (its model and embedder), for
    `user` (default: a new one); the suite's statements and turns stay in that user's
    memory."""
    from agentmem import Scope

    user = user or "bench-chat-" + str(int(time.time() * 1000))
    memory.add_many([said for said, _, _ in SUITE], Scope(user_id=user))
    rows = []
    for i, (said, question, want) in enumerate(SUITE):
        row: dict[str, Any] = {"stated": said, "question": question, "expected": want}
        for label, tiers in (("with_memory", ["text"]), ("without_memory", [])):
            started = time.perf_counter()
            reply = memory.chat(
                question,
                Scope(user_id=user, session_id=f"{label}-{i}"),
                tiers=tiers,
                max_new_tokens=max_new_tokens,
            )
            row[label] = {
                "reply": reply.text,
                "correct": want in reply.text.lower(),
                "seconds": round(time.perf_counter() - started, 2),
            }
        rows.append(row)
    score = {k: sum(r[k]["correct"] for r in rows) for k in ("with_memory", "without_memory")}
    return {"questions": len(rows), "correct": score, "rows": rows}


def table(results: dict[str, Any]) -> str:
    lines = [f"{'question':40} {'with memory':>12} {'without':>8}"]
    for r in results["rows"]:
        marks = ["yes" if r[k]["correct"] else "no" for k in ("with_memory", "without_memory")]
        lines.append(f"{r['question'][:40]:40} {marks[0]:>12} {marks[1]:>8}")
    c, n = results["correct"], results["questions"]
    lines.append(f"correct: {c['with_memory']}/{n} with memory, {c['without_memory']}/{n} without")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from agentmem import Memory
    from agentmem.bench.output import add_output_flags, emit

    parser = argparse.ArgumentParser(prog="agentmem bench chat")
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument("--max-tokens", type=int, default=32)
    add_output_flags(parser, "chat")
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="agentmem-bench-chat-"))
    with Memory(home=home, embedding={"model": args.embedder}) as memory:
        results = run(memory, max_new_tokens=args.max_tokens)
    emit(args, results, table)
    return results


__all__ = ["SUITE", "main", "run", "table"]
