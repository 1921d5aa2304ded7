"""Score text memory on the lead's held-out generality probe (`cases.yaml`).

Written by hand by another author than every other suite and never tuned on: report its
figure, do not fix a case because it fails here (fix the class of inputs it belongs to and
judge the fix elsewhere). The checks are attribute-agnostic: they read the active facts'
values and what search returns, never slot names.

Classes: `update` (the old value leaves the active facts, the new one is among them),
`retract` (the value leaves them), `keep` (both values stay), `distinct` (two texts stay
two memories), `same` (a restatement leaves only facts about its value), `third` (a named
person's fact is stored under that person), `recall` (a fact among filler is in search's
top 3 for a question in other words).

Usage: python tests/generality_lead/probe_evaluate.py [--show-failures] [--embedder hash]
    [--cases cases_second.yaml]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import yaml

from agentmem import Memory, Scope


class Probe:
    def __init__(self, memory: Memory, show: bool, cases: dict):
        self.memory, self.show, self.results, self.users = memory, show, {}, 0
        self.cases = cases

    def scope(self, *texts: str) -> Scope:
        self.users += 1
        scope = Scope(user_id=f"probe{self.users}")
        for text in texts:
            self.memory.add(text, scope)
        return scope

    def values(self, scope: Scope) -> list[tuple[str, str]]:
        """(subject, value) of every active fact that says its value holds (a negated fact,
        "not allergic to peanuts", says it does not), lower-cased."""
        facts = [
            f
            for f in self.memory.facts(scope)
            if f.status == "active" and not (f.metadata or {}).get("negated")
        ]
        return [((f.subject or "").lower(), (f.value or "").lower()) for f in facts]

    def holds(self, scope: Scope, word: str) -> bool:
        return any(word.lower() in value for _, value in self.values(scope))

    def mark(self, name: str, ok: bool, detail) -> None:
        self.results.setdefault(name, []).append(ok)
        if self.show and not ok:
            print(f"FAIL {name}: {detail}")

    def run(self) -> dict[str, list[bool]]:
        for first, second, old, new in self.cases.get("update", []):
            s = self.scope(*first, *second)
            self.mark("update.old_gone", not self.holds(s, old), (second, self.values(s)))
            self.mark("update.new_held", self.holds(s, new), (second, self.values(s)))
        for first, second, old in self.cases.get("retract", []):
            s = self.scope(*first, *second)
            self.mark("retract", not self.holds(s, old), (second, self.values(s)))
        for first, second, a, b in self.cases.get("keep", []):
            s = self.scope(*first, *second)
            self.mark("keep", self.holds(s, a) and self.holds(s, b), (second, self.values(s)))
        for a, b in self.cases.get("distinct", []):
            s = self.scope()
            ra, rb = self.memory.add(a, s), self.memory.add(b, s)
            self.mark("distinct", ra.id != rb.id and ra.text != rb.text, (a, b))
        for a, b, key in self.cases.get("same", []):
            s = self.scope(a, b)
            held = self.values(s)
            ok = bool(held) and all(key.lower() in value for _, value in held)
            self.mark("same", ok, (a, b, held))
        for text, who, word in self.cases.get("third", []):
            s = self.scope(text)
            held = self.values(s)
            ok = any(who.lower() in subj and word.lower() in value for subj, value in held)
            self.mark("third", ok, (text, held))
        if self.cases.get("recall"):
            self.recall()
        return self.results

    def recall(self) -> None:
        filler = self.cases["filler"]
        s = self.scope(*filler, *(fact for fact, _ in self.cases["recall"]))
        for text in filler:
            self.memory.add(text.replace(".", " again."), s)
        for fact, question in self.cases["recall"]:
            got = [h.record.text for h in self.memory.search(question, s, top_k=3)]
            self.mark("recall@3", fact in got, (question, got))


def main(argv: list[str] | None = None) -> dict[str, str]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument(
        "--embedder", default=None, help="embedding.model, e.g. hash (default: the bundled MiniLM)"
    )
    parser.add_argument(
        "--cases", default="cases.yaml", help="a case file beside this script (cases_second.yaml)"
    )
    args = parser.parse_args(argv)
    cases = yaml.safe_load(Path(__file__).with_name(args.cases).read_text())
    with tempfile.TemporaryDirectory(prefix="agentmem-probe-") as home:
        config = {"embedding": {"model": args.embedder}} if args.embedder else {}
        with Memory(home=home, **config) as memory:
            results = Probe(memory, args.show_failures, cases).run()
    scores = {name: f"{sum(v)}/{len(v)}" for name, v in results.items()}
    passed = sum(sum(v) for v in results.values())
    scores["total"] = f"{passed}/{sum(len(v) for v in results.values())}"
    print(json.dumps(scores))
    return scores


if __name__ == "__main__":
    main()
