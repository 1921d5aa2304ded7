"""Score conflict decisions on the hand-written pairs (`cases.yaml`) through the public API.

A fifth suite made by another process than the generated ones and never tuned on. Each
pair goes through `Memory.add` in its own scope; the outcome is read from the stored
records of the two texts:

    merged     the second text has no record of its own (absorbed into the first's)

    keep_both  every record of the first text is still current
    supersede  a record of the first ended, and a current positive fact of the second holds
               another value
    reinforce  the second was merged, or a record of the first ended and a current fact of
               the second holds the same value
    retract    a record of the first ended, and the second holds no other current value

A text's records are the one stored with its words and the facts derived from it (a
statement of several facts is kept as a note whose facts name it in `derived_from`).

A pair passes when its outcome is the expected one ("merged" passes for "reinforce"). A
silent merge is a merged pair whose expected outcome is not "reinforce": a distinct
statement absorbed into another; the invariant test requires none, and no text lost.

Usage: python tests/conflicts_hand/conflicts_evaluate.py [--embedder minilm|hash]
       [--database-url URL] [--json PATH] [--show-failures]
"""

from __future__ import annotations

import functools
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parents[1] / "facts_eval_conv"))
sys.path.insert(0, str(Path(__file__).parents[1]))
from conv_evaluate import _kept, _memory, _records  # noqa: E402
from hand_suite import (  # noqa: E402
    Tally,
    fact_lines,
    report,
    script_main,
)

from agentmem import Memory, MemoryRecord, Scope  # noqa: E402
from agentmem.facts.conflicts import is_negated, normalise_value  # noqa: E402

CASES = Path(__file__).with_name("cases.yaml")
OUTCOMES = ("supersede", "retract", "reinforce", "keep_both")


@dataclass(frozen=True)
class Item:
    category: str
    first: str
    second: str
    expected: str


def load(cases: Path = CASES) -> list[Item]:
    """The pairs of a suite in this format (`cases`: another suite's file, e.g. changes_hand)."""
    spec = yaml.safe_load(cases.read_text())
    items = [Item(cat, a, b, want) for cat, rows in spec.items() for a, b, want in rows]
    bad = [i for i in items if i.expected not in OUTCOMES]
    if bad:
        raise ValueError(f"unknown expected outcome {bad[0].expected!r}; use one of {OUTCOMES}")
    return items


def _positive(records: list[MemoryRecord]) -> list[MemoryRecord]:
    return [r for r in records if r.kind == "fact" and r.status == "active" and not is_negated(r)]


def _of_text(records: list[MemoryRecord], text: str) -> list[MemoryRecord]:
    """The records a text left: the one stored with its words and the facts derived from that
    one (a statement of several facts is kept as a note, each fact naming it in
    `metadata["derived_from"]`: "I left X; these days I work at Y")."""
    own = [r for r in records if r.text == text]
    ids = {r.id for r in own}
    return own + [r for r in records if r.metadata.get("derived_from") in ids and r not in own]


def outcome(mem: Memory, item: Item, scope: Scope) -> tuple[str, list[MemoryRecord]]:
    """What the two adds did to the stored records, and the records."""
    a, b = mem.add(item.first, scope), mem.add(item.second, scope)
    records = _records(mem, scope)
    first, second = _of_text(records, item.first), _of_text(records, item.second)
    if not second or a.id == b.id:
        return "merged", records
    ended = [r for r in first if r.status != "active"]
    if not ended:
        return "keep_both", records
    old = {normalise_value(r.value) for r in ended if not is_negated(r)}
    now = {normalise_value(r.value) for r in _positive(second)}
    if now - old:
        return "supersede", records
    return ("reinforce" if now else "retract"), records


def passed(got: str, expected: str) -> bool:
    return got == expected or (got == "merged" and expected == "reinforce")


def run(embedder="minilm", database_url=None, home=None, cases: Path = CASES) -> dict:
    tally = Tally()
    failures, silent, lost = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        with _memory(Path(home or tmp), embedder, database_url) as mem:
            for n, item in enumerate(load(cases)):
                got, records = outcome(mem, item, Scope(f"conflicts-hand-{n}"))
                ok = passed(got, item.expected)
                tally.count(ok, (item.category, item.expected, "all"))
                if got == "merged" and item.expected != "reinforce":
                    silent.append([item.first, item.second])
                lost += [t for t in (item.first, item.second) if t not in _kept(records)]
                if not ok:
                    failures.append({**item.__dict__, "got": got, "facts": fact_lines(records)})
    return report(tally, silent, lost, failures)


def values(mem: Memory, scope: Scope) -> tuple[set[str], set[str]]:
    """(current positive values, values kept as history) of the scope's facts, normalised."""
    facts = [r for r in _records(mem, scope) if r.kind == "fact" and not is_negated(r)]
    now = {normalise_value(r.value) for r in facts if r.status == "active"}
    return now, {normalise_value(r.value) for r in facts if r.status != "active"}


def main(argv: list[str] | None = None, cases: Path = CASES, doc: str = __doc__) -> int:
    """The script (`cases`, `doc`: another suite in this format and its script's docstring)."""
    suite = functools.partial(run, cases=cases)
    return script_main(doc, suite, argv, "pairs", _pair_line)


def _pair_line(f: dict) -> str:
    return (
        f"  - [{f['category']}] {f['first']!r} / {f['second']!r}: "
        f"want {f['expected']}, got {f['got']}\n      {f['facts']}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
