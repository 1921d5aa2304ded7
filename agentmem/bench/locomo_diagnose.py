"""Why `context()` misses a LoCoMo answer: one class per missed question, per category.

`python -m agentmem.bench.locomo_diagnose --data DIR --conversations 26 --home STORE`
builds (or reuses) the layered store of `locomo_context`, asks every question of
categories 1-4 and puts each question whose answer the context does not contain (dates
compared in one form) into the first class that fits:

- `not retrieved`: the answer is in the words of some turn, and no evidence turn is among
  the turns search hands `context()` (its `episode_k`);
- `not shown`: an evidence turn was retrieved, none was shown within the budget;
- `shown, worded elsewhere`: an evidence turn was shown, the answer's words are in a turn
  that was not;
- `worded otherwise`: no turn holds the answer as written, but the evidence turns hold
  most of its content words ("self-care is really important" for "self-care is
  important");
- `list or count`: the answer gathers several items or counts them ("pottery, camping",
  "three times"), and the evidence turns are several;
- `abstractive`: neither (an inference: "Liberal", "Likely no").

The classes are what separates the mechanisms: retrieval, packing, wording, and text that
no single turn says.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from typing import Any

from agentmem.bench import locomo_context
from agentmem.bench import locomo_data as data
from agentmem.long_term import episodes
from agentmem.manager import Memory
from agentmem.types import Scope

CLASSES = (
    "not retrieved",
    "not shown",
    "shown, worded elsewhere",
    "worded otherwise",
    "list or count",
    "abstractive",
)
_STOP = set("a an the and or of to in on at for with by is was were be been it its".split())
_COUNT = re.compile(r"^(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twice|once)\b")


def content_words(text: str) -> set[str]:
    return {w for w in data.normalise_dates(text).split() if w not in _STOP}


def classify(row: dict[str, Any], evidence_text: str) -> str | None:
    """The class of a question's miss (None when the context holds the answer)."""
    if row["contained_dates"]:
        return None
    if row["ceiling_dates"]:
        if not row["evidence_retrieved"]:
            return "not retrieved"
        return "shown, worded elsewhere" if row["evidence_shown"] else "not shown"
    words = content_words(row["answer"])
    if words and len(words & content_words(evidence_text)) >= 0.6 * len(words):
        return "worded otherwise"
    several = "," in row["answer"] or _COUNT.match(data.normalise(row["answer"]))
    if several and len(row["evidence"]) > 1:
        return "list or count"
    return "abstractive"


def diagnose(mem: Memory, conv: data.Conversation, user: str) -> list[dict[str, Any]]:
    rows = locomo_context.ask(mem, conv, user)
    said = {
        e.metadata.get("dia_id"): episodes.line(e)
        for n in sorted(conv.sessions)
        for e in mem.long_term.episodes(Scope(user_id=user, session_id=f"session_{n}"))
    }
    questions = {q.question: q for q in conv.questions}
    k = mem.context_builder.episode_k
    for row in rows:
        evidence = questions[row["question"]].evidence
        found = mem.long_term.search(
            row["question"], Scope(user_id=user), top_k=k, filters={"kind": [episodes.KIND]}
        )
        ranked = [h.record.metadata.get("dia_id") for h in found]
        row["evidence"] = list(evidence)
        row["evidence_ranks"] = [ranked.index(d) + 1 if d in ranked else None for d in evidence]
        row["evidence_retrieved"] = any(r is not None for r in row["evidence_ranks"])
        row["miss"] = classify(row, "\n".join(said.get(d, "") for d in evidence))
    return rows


def tally(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per category (and all): questions, contained, and each class of miss."""
    out = {}
    for name, group in locomo_context.by_category(rows).items():
        misses = Counter(r["miss"] for r in group if r["miss"])
        out[name] = {
            "n": len(group),
            "contained": sum(1 for r in group if not r["miss"]),
            **{c: misses.get(c, 0) for c in CLASSES},
        }
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    options = locomo_context.parser("python -m agentmem.bench.locomo_diagnose")
    options.add_argument("--examples", type=int, default=0, help="print N misses of each class")
    args = options.parse_args(argv)
    rows: list[dict[str, Any]] = []
    for mem, conv, user in locomo_context.stores(args):
        rows += diagnose(mem, conv, user)
    result = {"load_average": os.getloadavg(), "by": tally(rows)}
    print(f"{'':12s} " + " | ".join(["n", "contained", *CLASSES]))
    for name, figures in result["by"].items():
        print(f"{name:12s} " + " | ".join(str(v) for v in figures.values()))
    for cls in CLASSES if args.examples else ():
        print(f"\n== {cls}")
        for r in [r for r in rows if r["miss"] == cls][: args.examples]:
            print(f"- [{data.CATEGORIES[r['category']]}] {r['question']} -> {r['answer']}")
    if args.out:
        args.out.write_text(json.dumps({**result, "rows": rows}, indent=1, default=str))
    return result


if __name__ == "__main__":
    main()
