"""The parse's cost on conversation turns, as written and in the chat register: seconds for
`Parser.parse` over N LoCoMo dev turns (read from /work/shared/data/locomo-dev, or a
directory given) and over the same turns made chat-like by `make_dev.chat`. Run it once
with the code before a change and once after (PYTHONPATH) to compare.

Usage: python tests/chat_register/parse_cost.py [--turns 300] [--repeats 3] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_dev import chat  # noqa: E402

from agentmem.facts.extraction.docs import Parser  # noqa: E402
from agentmem.facts.extraction.pipeline import load_pipeline  # noqa: E402


def turns(data: Path, n: int) -> list[str]:
    out: list[str] = []
    for path in sorted(data.glob("*.json")):
        conversation = json.loads(path.read_text())
        for key, value in conversation.items():
            if key.startswith("session_") and isinstance(value, list):
                out += [t["text"] for t in value if t.get("text")]
        if len(out) >= n:
            break
    return out[:n]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/locomo-dev"))
    args = parser.parse_args()
    prose = turns(args.data, args.turns)
    nlp = load_pipeline()
    for name, texts in (("prose", prose), ("chat", [chat(t) for t in prose])):
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            Parser(nlp).parse(texts)  # a fresh parser: no doc kept between runs
            best = min(best, time.perf_counter() - start)
        print(f"{name:6s} {len(texts)} turns: best of {args.repeats} {best:.3f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
