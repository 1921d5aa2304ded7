"""A seeded generator of fact cases from `templates.yaml` (written apart from the extractor):
statements of third-person, related, multi-speaker, compound, retracted and paraphrased
facts, with the facts each states and the current facts once all are stored.

Two splits with their own templates and name pools: `dev` and `heldout` (not tuned on)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TEMPLATES = Path(__file__).with_name("templates.yaml")
SEEDS = {"dev": 4177, "heldout": 90210}
_SLOT = re.compile(r"\{(\w+)\}")

Triple = tuple[str, str, str, bool]  # subject, attribute, value, negated


@dataclass(frozen=True)
class Turn:
    text: str
    speaker: str | None = None


@dataclass
class Case:
    split: str
    category: str
    turns: list[Turn]
    expect: list[Triple]
    current: list[Triple] = field(default_factory=list)
    one_record: bool = False


def _fill(text: str, values: dict[str, str]) -> str:
    def one(m: re.Match) -> str:
        key = m.group(1)
        value = values[key.lower()]
        return value[:1].upper() + value[1:] if key[:1].isupper() else value

    return _SLOT.sub(one, text)


def _triple(spec: str, values: dict[str, str]) -> Triple:
    subject, attribute, value = (p.strip() for p in _fill(spec, values).split("|"))
    negated = value.startswith("not ")
    subject = subject.replace("USER", "user")
    return subject, attribute, value[4:] if negated else value, negated


def _turn(spec, values) -> Turn:
    if isinstance(spec, str):
        return Turn(_fill(spec, values))
    return Turn(_fill(spec["text"], values), _fill(spec["speaker"], values))


def generate(split: str, per_template: int = 6) -> list[Case]:
    spec = yaml.safe_load(TEMPLATES.read_text())
    pools, rng = spec["pools"][split], random.Random(SEEDS[split])
    cases = []
    for category, templates in spec[split].items():
        for template in templates:
            for _ in range(per_template):
                values = {name: rng.choice(pool) for name, pool in pools.items()}
                cases.append(
                    Case(
                        split=split,
                        category=category,
                        turns=[_turn(t, values) for t in template["turns"]],
                        expect=[_triple(e, values) for e in template["expect"]],
                        current=[_triple(c, values) for c in template.get("current", [])],
                        one_record=bool(template.get("one_record")),
                    )
                )
    return cases
