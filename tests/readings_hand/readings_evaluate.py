"""Score the extractor on the hand-written readings suite (`cases.yaml`): facts stated in
sentence shapes other than subject-verb-object, and values with adjuncts after them.

Each sentence goes through the configured default extractor (the rule table, then the
dependency parse: `parse_extractor`). A case passes when one of its facts (subject,
attribute, value) is read, positive, with the value equal after light normalisation
(case, articles, "my", punctuation), and the stored sentence holds its `says` words.
A fact of the right slot whose value holds the expected one and more is a run-on value.

Usage: python tests/readings_hand/readings_evaluate.py [--json PATH] [--show-failures]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from agentmem.facts.extraction import parse_extractor
from agentmem.facts.vocabulary import canonical, canonical_subject

CASES = Path(__file__).with_name("cases.yaml")
_LEADING = re.compile(r"^(?:(?:a|an|the|my|our|some)\s+)+")


def normal(value: str) -> str:
    """Lower case, no edge punctuation, no leading article or possessive."""
    value = re.sub(r"\s+", " ", value.lower()).strip(" .,;:!?\"'")
    return _LEADING.sub("", value)


def _who(subject: str) -> str:
    return canonical_subject(subject.replace("USER", "user"))


def expectations(spec: str) -> list[tuple[str, str, str]]:
    """'A/B | attr1/attr2 | v1/v2' -> every (subject, attribute, value) it accepts."""
    subjects, attributes, values = (part.strip() for part in spec.split("|"))
    return [
        (_who(s), canonical(a.strip()), normal(v))
        for s in subjects.split("/")
        for a in attributes.split("/")
        for v in values.split("/")
    ]


def load() -> list[dict]:
    spec = yaml.safe_load(CASES.read_text())
    return [{"shape": shape, **case} for shape, cases in spec.items() for case in cases]


def judge(case: dict, facts) -> str:
    """'pass', 'unsaid' (the fact, its sentence without the `says` words), 'run-on' (the
    right slot, the value with more words), or 'missed'."""
    read = [
        (canonical_subject(f.subject), canonical(f.attribute), normal(f.value), f.text.lower())
        for f in facts
        if not f.negated
    ]
    says = [w.lower() for w in case.get("says", [])]
    verdict = "missed"
    for spec in case["expect"]:
        for subject, attribute, value in expectations(spec):
            for s, a, v, text in read:
                if (s, a) != (subject, attribute):
                    continue
                if v == value and all(w in text for w in says):
                    return "pass"
                if v == value:
                    verdict = "unsaid"
                elif value in v and verdict == "missed":
                    verdict = "run-on"
    return verdict


def run() -> dict:
    cases = load()
    extractor = parse_extractor()
    facts = extractor.extract_many([c["text"] for c in cases])
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    runon, failures = 0, []
    for case, found in zip(cases, facts, strict=True):
        verdict = judge(case, found)
        runon += verdict == "run-on"
        for key in (case["shape"], "all"):
            by[key][0] += verdict == "pass"
            by[key][1] += 1
        if verdict != "pass":
            read = [
                f"{f.subject}|{f.attribute}|{f.value}{'|neg' if f.negated else ''}" for f in found
            ]
            failures.append(
                {"shape": case["shape"], "text": case["text"], "verdict": verdict} | {"read": read}
            )
    return {
        "by_shape": {k: {"accuracy": round(a / n, 3), "cases": n} for k, (a, n) in by.items()},
        "run_on_values": runon,
        "failures": failures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args(argv)
    report = run()
    for shape, v in sorted(report["by_shape"].items(), key=lambda kv: (kv[0] == "all", kv[0])):
        print(f"  {shape:14} {v['accuracy']:.3f} ({v['cases']} sentences)")
    print(f"  run-on values  {report['run_on_values']}")
    if args.show_failures:
        for f in report["failures"]:
            print(f"  - [{f['shape']}] {f['verdict']}: {f['text']!r} -> {f['read']}")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
