"""A suite of change-of-state pairs (the format of tests/conflicts_hand/cases.yaml) split into
a dev half and a judge half and scored through the public API with the scorer of
tests/conflicts_hand: accuracy by half and kind (supersede, retract, keep_both, distinct),
silent merges and lost texts.

The split is fixed: within each category, the pairs at even positions are the dev half,
those at odd positions the judge half. `--show-failures` shows the dev half's failures only;
the judge half is reported as figures. Used by tests/changes_third and tests/changes_fourth.
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "conflicts_hand"))
sys.path.insert(0, str(Path(__file__).parent))
import conflicts_evaluate  # noqa: E402
from conv_evaluate import _kept, _memory  # noqa: E402
from hand_suite import Tally, fact_lines, print_merges_and_failures, report  # noqa: E402

from agentmem import Scope  # noqa: E402

HALVES = ("dev", "judge")


@dataclass(frozen=True)
class SplitSuite:
    """One suite: its cases file and the prefix of its scopes."""

    cases: Path
    prefix: str

    def load(self) -> list[conflicts_evaluate.Item]:
        return conflicts_evaluate.load(self.cases)

    def halves(self) -> dict[str, list[conflicts_evaluate.Item]]:
        """The two halves: within each category, even positions dev, odd positions judge."""
        seen: dict[str, int] = defaultdict(int)
        out: dict[str, list] = {h: [] for h in HALVES}
        for item in self.load():
            out[HALVES[seen[item.category] % 2]].append(item)
            seen[item.category] += 1
        return out

    def run(self, embedder="minilm", database_url=None, home=None, only: str | None = None):
        """The report; `by_category` keys are "half:category", "half:all", and, when both
        halves run, the plain categories and "all" over the whole suite."""
        tally = Tally()
        failures, silent, lost = [], [], []
        chosen = [h for h in HALVES if only in (None, h)]
        split = self.halves()
        with tempfile.TemporaryDirectory() as tmp:
            with _memory(Path(home or tmp), embedder, database_url) as mem:
                for half in chosen:
                    for n, item in enumerate(split[half]):
                        scope = Scope(f"{self.prefix}-{half}-{n}")
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

    def main(self, doc: str, argv: list[str] | None = None) -> int:
        from eval_report import hand_suite_arguments, print_accuracy, saved

        argv = list(sys.argv[1:] if argv is None else argv)
        only = None
        if "--half" in argv:
            at = argv.index("--half")
            only = argv[at + 1]
            if only not in HALVES:
                raise SystemExit(f"--half takes one of {HALVES}, not {only!r}")
            del argv[at : at + 2]
        args = hand_suite_arguments(doc, argv)
        result = self.run(args.embedder, args.database_url, only=only)
        print_accuracy(result["by_category"], "pairs")
        dev = {**result, "failures": [f for f in result["failures"] if f["half"] == "dev"]}
        print_merges_and_failures(dev, args.show_failures, conflicts_evaluate._pair_line)
        return saved(result, args.json)
