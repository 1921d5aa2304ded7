"""What the hand-written suites' scorers share (tests/*_hand): the tally by category, the
cases said as texts with "subject: words" expectations (their loading and their reading
from the stored records), the loop that stores each case in its own scope through
`Memory.add` and through one `Memory.add_many` batch, the report's shape and its printed
tail, and the invariants every suite checks (and the two tests that check them).

A report is a dict: `by_category` ({category: {"accuracy", "cases"}}), `silent_merges`,
`lost_texts` and `failures` (each a dict the script prints one line of).
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent / "facts_eval_conv"))
from conv_evaluate import _kept, _memory, _records  # noqa: E402

from agentmem import Memory, MemoryRecord, Scope  # noqa: E402
from agentmem.facts.conflicts import is_negated  # noqa: E402

MODES = ("add", "batch")
ARTICLES = frozenset({"a", "an", "the"})


class Tally:
    """Cases met and cases seen, by category ("all" among them, as the caller names it)."""

    def __init__(self) -> None:
        self._by: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def count(self, ok: bool, keys: Iterable[str]) -> None:
        for key in keys:
            self._by[key][0] += ok
            self._by[key][1] += 1

    def by_category(self) -> dict[str, dict]:
        return {k: {"accuracy": round(a / n, 3), "cases": n} for k, (a, n) in self._by.items()}


def fact_lines(records: list[MemoryRecord]) -> list[str]:
    """The stored facts as a failure shows them: "status(neg) subject|attribute|value"."""
    return sorted(
        f"{r.status}{'(neg)' if is_negated(r) else ''} {r.subject}|{r.attribute}|{r.value}"
        for r in records
        if r.kind == "fact"
    )


# --- "subject: words" expectations ----------------------------------------------------------


def _words(text: str | None) -> list[str]:
    return re.findall(r"[\w-]+", (text or "").lower())


def _holds(words: list[str], value: str | None) -> bool:
    have = _words(value)
    return all(any(h.startswith(w) or w.startswith(h) for h in have) for w in words)


def _matching(records: list[MemoryRecord], expectation: str) -> list[MemoryRecord]:
    """The positive facts of the expectation's subject (and slot, where it names one:
    "subject|slot: words") whose value holds its words."""
    who, _, words = expectation.partition(":")
    subject, _, slot = (p.strip() for p in who.partition("|"))
    return [
        r
        for r in records
        if r.kind == "fact"
        and (r.subject or "").lower() == subject
        and (not slot or r.attribute == slot)
        and not is_negated(r)
        and _holds(_words(words), r.value)
    ]


def _active(records: list[MemoryRecord]) -> list[MemoryRecord]:
    return [r for r in records if r.status == "active"]


def missed_holds_and_ends(case, records: list[MemoryRecord]) -> list[str]:
    """The `holds` and `ends` expectations of `case` the records do not meet."""
    missed = [f"holds {e}" for e in case.holds if not _active(_matching(records, e))]
    for e in case.ends:
        found = _matching(records, e)
        if _active(found) or not [r for r in found if r.status != "active"]:
            missed.append(f"ends {e}")
    return missed


@dataclass(frozen=True)
class SaidCase:
    """Texts said in turn (`say`) and the "subject: words" expectations of the records."""

    category: str
    say: tuple[str, ...]
    holds: tuple[str, ...] = ()
    ends: tuple[str, ...] = ()
    once: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()


def load_said(cases: Path, expectations: tuple[str, ...]) -> list[SaidCase]:
    """The cases of a suite's file ({category: [{say, and some of `expectations`}]})."""
    spec = yaml.safe_load(cases.read_text())
    out = []
    for category, rows in spec.items():
        for row in rows:
            extra = set(row) - {"say", *expectations}
            if extra or not row.get("say") or not any(row.get(e) for e in expectations):
                raise ValueError(f"bad case {row!r}: say, and one of {expectations}")
            expected = {e: tuple(row.get(e, ())) for e in expectations}
            out.append(SaidCase(category, tuple(row["say"]), **expected))
    return out


def _bare(text: str | None) -> list[str]:
    return [w for w in _words(text) if w not in ARTICLES]


def missed_said(case: SaidCase, records: list[MemoryRecord]) -> list[str]:
    """The expectations of `case` the records do not meet: `holds` and `ends`, and

    once   exactly one active positive fact of the subject holds the words
    exact  an active positive fact of the subject whose value is the words (articles aside)
    lacks  no active positive fact of the subject holds the words
    """
    missed = missed_holds_and_ends(case, records)
    missed += [f"once {e}" for e in case.once if len(_active(_matching(records, e))) != 1]
    for e in case.exact:
        want = _bare(e.partition(":")[2])
        if not [r for r in _active(_matching(records, e)) if _bare(r.value) == want]:
            missed.append(f"exact {e}")
    return missed + [f"lacks {e}" for e in case.lacks if _active(_matching(records, e))]


def expects_one_record(case: SaidCase) -> bool:
    """A case that expects one record (`once`) may merge its texts."""
    return bool(case.once)


def stored(mem: Memory, case, scope: Scope, mode: str) -> tuple[list, list[MemoryRecord]]:
    """The records `mode` ("add": one text at a time; "batch": one add_many) returned."""
    if mode == "batch":
        returned = mem.add_many(list(case.say), scope)
    else:
        returned = [mem.add(text, scope) for text in case.say]
    return returned, _records(mem, scope)


# --- the loop -------------------------------------------------------------------------------


def run_in_modes(
    cases: list,
    check: Callable[[object, list[MemoryRecord]], list[str]],
    name: str,
    embedder="minilm",
    database_url=None,
    home=None,
    restates: Callable[[object], bool] = lambda case: False,
) -> dict:
    """Each case (with `say` and `category`) stored in both `MODES`, each in its own scope
    (`name`-mode-n), and scored by `check` (the expectations it misses). Two texts of a case
    with one record are a silent merge unless the case `restates` (expects one record)."""
    tally = Tally()
    failures, silent, lost = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        with _memory(Path(home or tmp), embedder, database_url) as mem:
            for n, case in enumerate(cases):
                for mode in MODES:
                    returned, records = stored(mem, case, Scope(f"{name}-{mode}-{n}"), mode)
                    missed = check(case, records)
                    prefix = "" if mode == "add" else "batch:"
                    tally.count(not missed, (prefix + case.category, prefix + "all"))
                    if len({r.id for r in returned}) < len(returned) and not restates(case):
                        silent.append(list(case.say))
                    lost += [t for t in case.say if t not in _kept(records)]
                    if missed:
                        failures.append(
                            {**case.__dict__, "mode": mode, "missed": missed}
                            | {"facts": fact_lines(records)}
                        )
    return report(tally, silent, lost, failures)


def report(tally: Tally, silent: list, lost: list, failures: list) -> dict:
    return {
        "by_category": tally.by_category(),
        "silent_merges": silent,
        "lost_texts": lost,
        "failures": failures,
    }


def print_merges_and_failures(
    report: dict, show_failures: bool, line: Callable[[dict], str]
) -> None:
    """The tail of a suite's printed report: silent merges and lost texts, then (where
    asked) one `line` per failure."""
    print(f"  silent merges {len(report['silent_merges'])}, lost texts {len(report['lost_texts'])}")
    if show_failures:
        for f in report["failures"]:
            print(line(f))


def script_main(
    doc: str,
    run: Callable[..., dict],
    argv: list[str] | None = None,
    unit: str = "cases",
    line: Callable[[dict], str] | None = None,
) -> int:
    """A suite's script: its arguments (`doc`: the script's docstring), `run` with the
    embedder and database chosen, the accuracy by category in `unit`, the merges and lost
    texts, each failure as `line` writes it (`case_line` by default), and the JSON report
    where asked."""
    from eval_report import hand_suite_arguments, print_accuracy, saved

    args = hand_suite_arguments(doc, argv)
    report = run(args.embedder, args.database_url)
    print_accuracy(report["by_category"], unit)
    print_merges_and_failures(report, args.show_failures, line or case_line)
    return saved(report, args.json)


def case_line(f: dict) -> str:
    """A failure of a suite scored by `run_in_modes`."""
    return f"  - [{f['category']}/{f['mode']}] {f['say']}: missed {f['missed']}\n      {f['facts']}"


def check_nothing_merged_or_lost(report: dict) -> None:
    """What must always hold of a run: no distinct statement merged, no text lost (the
    accuracy by category is printed, a figure, not a check)."""
    print({k: v["accuracy"] for k, v in report["by_category"].items()})
    assert report["silent_merges"] == []
    assert report["lost_texts"] == []


def check_floor(report: dict, floor: dict[str, float]) -> None:
    """Each named category's share of cases met is at least its floor."""
    for key, least in floor.items():
        assert report["by_category"][key]["accuracy"] >= least, key


def invariant_tests(run: Callable[..., dict], floor: dict[str, float] | None = None):
    """A suite's two tests of `run`: nothing merged or lost and each category of `floor` at
    least its floor, on SQLite; nothing merged or lost on PostgreSQL (marked slow)."""
    import pytest  # the scripts run without it

    def on_sqlite(tmp_path, minilm) -> None:
        report = run(embedder=minilm, home=tmp_path)
        check_nothing_merged_or_lost(report)
        check_floor(report, floor or {})

    @pytest.mark.slow
    def on_postgres(tmp_path, minilm, pg_url) -> None:
        check_nothing_merged_or_lost(run(embedder=minilm, database_url=pg_url, home=tmp_path))

    return on_sqlite, on_postgres


def fact_record(subject, value, attribute="owns", status="active", negated=False) -> MemoryRecord:
    """A stored fact as a unit test of a reading builds it."""
    return MemoryRecord(
        id=f"{subject}-{value}-{status}-{negated}",
        text=f"{subject} {value}",
        scope=Scope("t"),
        kind="fact",
        subject=subject,
        attribute=attribute,
        value=value,
        status=status,
        metadata={"negated": True} if negated else {},
    )


__all__ = [
    "ARTICLES",
    "MODES",
    "SaidCase",
    "Tally",
    "case_line",
    "check_floor",
    "check_nothing_merged_or_lost",
    "expects_one_record",
    "fact_lines",
    "fact_record",
    "invariant_tests",
    "load_said",
    "missed_holds_and_ends",
    "missed_said",
    "print_merges_and_failures",
    "report",
    "run_in_modes",
    "script_main",
    "stored",
]
