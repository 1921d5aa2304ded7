"""The near-miss pairs in the chat register, derived mechanically from `generate.py`'s.

Each text of a generated pair is rewritten as people type in a chat box, by the rewriting
that derives the chat variants of the dev suites (tests/chat_register/make_dev.py: lower
case, contractions without their apostrophe, "I" dropped at the start of a clause before a
verb other than "am", no final full stop) and then with every remaining apostrophe dropped
too ("anna's birthday" -> "annas birthday"). The pair keeps its category: a distinct pair
must stay two memories, a "same" pair should merge. A pair whose two texts the rewriting
makes identical is left out (it no longer differs in its slot).

Usage: python tests/nearmiss/chat_pairs.py   (prints silent merges, lost texts and the
merges of "same" pairs, on SQLite with the bundled MiniLM embedder)
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent / "chat_register")]
from generate import Pair, check, generate  # noqa: E402
from make_dev import chat  # noqa: E402


def chatty(text: str) -> str:
    """`text` in the chat register, with no apostrophe left."""
    return chat(text).replace("'", "")


def chat_pairs(pairs: list[Pair] | None = None) -> list[Pair]:
    """The chat-register variant of `pairs` (by default every generated pair)."""
    out: dict[tuple[str, str], Pair] = {}
    for pair in generate() if pairs is None else pairs:
        first, second = chatty(pair.first), chatty(pair.second)
        if first != second or pair.should_merge:
            out.setdefault((first, second), Pair(pair.category, first, second))
    return list(out.values())


def main() -> int:
    from agentmem import Memory, Scope

    pairs = chat_pairs()
    failures = Counter()
    with tempfile.TemporaryDirectory() as home:
        with Memory(home=home) as mem:
            for n, pair in enumerate(pairs):
                if problem := check(mem, pair, Scope(f"chat{n}")):
                    failures[problem.split(":")[0]] += 1
                    print(" -", problem)
    distinct = sum(1 for p in pairs if not p.should_merge)
    print(f"{distinct} distinct pairs, {len(pairs) - distinct} same pairs (chat register)")
    merged = sum(n for k, n in failures.items() if k != "not merged")
    print(f"  distinct pairs merged or lost {merged}")
    print(f"  same pairs not merged {failures['not merged']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
