"""Score change-of-state decisions on a third hand-written suite (`cases.yaml`: an American
forum poster, a formal older writer, a non-native speaker's English, messages about
colleagues, neighbours, clients, pets and things) through the public API, with the scorer of
tests/conflicts_hand, split into a dev half and a judge half: accuracy by half and kind
(supersede, retract, keep_both, distinct), silent merges and lost texts.

The split is fixed: within each category, the pairs at even positions are the dev half,
those at odd positions the judge half. `--show-failures` shows the dev half's failures only;
the judge half is reported as figures.

Usage: python tests/changes_third/changes_third_evaluate.py [--embedder minilm|hash]
       [--database-url URL] [--json PATH] [--show-failures] [--half dev|judge]
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "conflicts_hand"))
sys.path.insert(0, str(Path(__file__).parents[1]))
import conflicts_evaluate  # noqa: E402
from conv_evaluate import _kept, _memory  # noqa: E402
from hand_suite import Tally, fact_lines, print_merges_and_failures, report  # noqa: E402

from agentmem import Scope  # noqa: E402

CASES = Path(__file__).with_name("cases.yaml")
HALVES = ("dev", "judge")


def load() -> list[conflicts_evaluate.Item]:
    return conflicts_evaluate.load(CASES)


def halves() -> dict[str, list[conflicts_evaluate.Item]]:
    """The two halves: within each category, even positions dev, odd positions judge."""
    seen: dict[str, int] = defaultdict(int)
    out: dict[str, list] = {h: [] for h in HALVES}
    for item in load():
        out[HALVES[seen[item.category] % 2]].append(item)
        seen[item.category] += 1
    return out


def run(embedder="minilm", database_url=None, home=None, only: str | None = None) -> dict:
    """The report; `by_category` keys are "half:category", "half:all", and, when both
    halves run, the plain categories and "all" over the whole suite."""
    tally = Tally()
    failures, silent, lost = [], [], []
    chosen = [h for h in HALVES if only in (None, h)]
    with tempfile.TemporaryDirectory() as tmp:
        with _memory(Path(home or tmp), embedder, database_url) as mem:
            for half in chosen:
                for n, item in enumerate(halves()[half]):
                    scope = Scope(f"changes-third-{half}-{n}")
                    got, records = conflicts_evaluate.outcome(mem, item, scope)
                    ok = conflicts_evaluate.passed(got, item.expected)
                    keys = [f"{half}:{item.category}", f"{half}:all"]
                    tally.count(ok, keys + ([item.category, "all"] if only is None else []))
                    if got == "merged" and item.expected != "reinforce":
                        silent.append([item.first, item.second])
                    lost += [t for t in (item.first, item.second) if t not in _kept(records)]
                    if not ok:
                        failures.append(
                            {**item.__dict__, "half": half, "got": got}
                            | {"facts": fact_lines(records)}
                        )
    return report(tally, silent, lost, failures)


def main(argv: list[str] | None = None) -> int:
    from eval_report import hand_suite_arguments, print_accuracy, saved

    argv = list(sys.argv[1:] if argv is None else argv)
    only = None
    if "--half" in argv:
        at = argv.index("--half")
        only = argv[at + 1]
        if only not in HALVES:
            raise SystemExit(f"--half takes one of {HALVES}, not {only!r}")
        del argv[at : at + 2]
    args = hand_suite_arguments(__doc__, argv)
    result = run(args.embedder, args.database_url, only=only)
    print_accuracy(result["by_category"], "pairs")
    dev = {**result, "failures": [f for f in result["failures"] if f["half"] == "dev"]}
    print_merges_and_failures(dev, args.show_failures, conflicts_evaluate._pair_line)
    return saved(result, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
