"""Score the chat-register variants of the dev suites (made by `make_dev.py`) with the
suites' own scorers: changes and conflicts pairs (tests/conflicts_hand's scorer) and the
facts cases (tests/facts_eval_hand's). Prints each suite's accuracy by category.

Usage: python tests/chat_register/chat_evaluate.py [changes|conflicts|facts ...]
       [--embedder minilm|hash]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "conflicts_hand")]
sys.path.insert(0, str(HERE.parent / "facts_eval_hand"))
import conflicts_evaluate  # noqa: E402
import hand_evaluate  # noqa: E402
from eval_report import print_accuracy  # noqa: E402

SUITES = ("changes", "conflicts", "facts")


def run(suite: str, embedder: str = "minilm") -> dict:
    """The report of one suite's chat variant."""
    cases = HERE / f"{suite}_chat.yaml"
    if suite == "facts":
        hand_evaluate.CASES = cases
        return hand_evaluate.run(embedder)
    return conflicts_evaluate.run(embedder, cases=cases)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suites", nargs="*", help=f"any of {SUITES} (all by default)")
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args(argv)
    unknown = set(args.suites) - set(SUITES)
    if unknown:
        parser.error(f"unknown suite {sorted(unknown)[0]!r}; use any of {SUITES}")
    for suite in args.suites or SUITES:
        report = run(suite, args.embedder)
        print(f"== {suite} (chat register)")
        print_accuracy(report["by_category"], "cases")
        print(f"  silent merges {len(report['silent_merges'])}")
        if args.show_failures:
            for f in report["failures"]:
                print("  -", {k: v for k, v in f.items() if k != "facts"})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
