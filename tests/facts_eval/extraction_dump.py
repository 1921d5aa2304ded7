"""Dump what the `add` path's extractor reads in many texts, to compare two revisions.

    python tests/facts_eval/extraction_dump.py --out A.jsonl [--locomo DIR] [--mode MODE]

Texts: the turns of the generated fact cases (dev and heldout) and, with --locomo, every
turn of a LoCoMo conversation folder (read in place). Each line is one text with every
field of every fact read from it. `single` reads one text per call (as one `add` does),
`batch` all texts in one `extract_many`, `threads` one text per call from 8 threads at
once (as concurrent adds in the service do). Compare two dumps with `diff`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from facts_generate import generate  # noqa: E402


def texts(locomo: Path | None) -> list[tuple[str, str | None]]:
    out = [
        (t.text, t.speaker)
        for split in ("dev", "heldout")
        for c in generate(split)
        for t in c.turns
    ]
    if locomo is not None:
        from agentmem.bench.locomo_data import load_dir

        out += [(t.text, t.speaker) for c in load_dir(locomo) for t in c.turns]
    return out


def read(items: list[tuple[str, str | None]], mode: str) -> list[list[dict]]:
    from agentmem.facts.derived import text_extractor

    extractor = text_extractor("parse")

    def one(item: tuple[str, str | None]) -> list:
        return extractor.extract_many([item[0]], speakers=[item[1]])[0]

    if mode == "batch":
        found = extractor.extract_many([t for t, _ in items], speakers=[s for _, s in items])
    elif mode == "threads":
        with ThreadPoolExecutor(8) as pool:
            found = list(pool.map(one, items))
    else:
        found = [one(item) for item in items]
    return [[dataclasses.asdict(f) for f in facts] for facts in found]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--locomo", type=Path)
    p.add_argument("--mode", choices=("single", "batch", "threads"), default="single")
    args = p.parse_args()
    items = texts(args.locomo)
    with args.out.open("w", encoding="utf-8") as f:
        for (text, speaker), facts in zip(items, read(items, args.mode), strict=True):
            f.write(json.dumps({"text": text, "speaker": speaker, "facts": facts}, default=str))
            f.write("\n")
    print(f"{len(items)} texts, {sum(1 for _ in args.out.open())} lines -> {args.out}")


if __name__ == "__main__":
    main()
