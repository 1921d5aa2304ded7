"""A seeded generator of conversational fact cases and near-miss pairs from `templates.yaml`
(written from the public API, apart from the extractor's tables).

Two splits with their own templates, pools and seeds: `dev` and `heldout` (never tuned on)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TEMPLATES = Path(__file__).with_name("templates.yaml")
SEEDS = {"dev": 515151, "heldout": 7770001}
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Turn:
    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Expect:
    subjects: tuple[str, ...]  # alternatives; "user" is whoever speaks when nobody is named
    value: str


@dataclass
class Case:
    split: str
    category: str
    turns: list[Turn]
    current: list[Expect] = field(default_factory=list)
    gone: list[Expect] = field(default_factory=list)
    one_record: bool = False
    apart: bool = False


@dataclass(frozen=True)
class Pair:
    split: str
    first: str
    second: str
    negation: bool = False


def _fill(text: str, values: dict[str, str]) -> str:
    def one(m: re.Match) -> str:
        value = values[m.group(1).lower()]
        return value[:1].upper() + value[1:] if m.group(1)[:1].isupper() else value

    return _SLOT.sub(one, text)


def _expect(spec: str, values: dict[str, str]) -> Expect:
    subjects, value = (p.strip() for p in _fill(spec, values).split("=", 1))
    alternatives = tuple(s.strip().replace("USER", "user") for s in subjects.split("/"))
    return Expect(alternatives, value)


def _turn(spec, values: dict[str, str]) -> Turn:
    if isinstance(spec, str):
        return Turn(_fill(spec, values))
    return Turn(_fill(spec["text"], values), _fill(spec["speaker"], values))


def _draw(pools: dict[str, list[str]], rng: random.Random) -> dict[str, str]:
    values = {name: rng.choice(pool) for name, pool in pools.items()}
    # paired pools ("city"/"city2") hold different values, so an update really changes one
    for name in pools:
        if name + "2" in pools and values[name + "2"] == values[name]:
            values[name + "2"] = rng.choice([v for v in pools[name + "2"] if v != values[name]])
    return values


def cases(split: str, per_template: int = 4) -> list[Case]:
    spec = yaml.safe_load(TEMPLATES.read_text())
    pools, rng = spec["pools"][split], random.Random(SEEDS[split])
    out = []
    for category, templates in spec[split].items():
        if category == "nearmiss":
            continue
        for template in templates:
            for _ in range(per_template):
                values = _draw(pools, rng)
                out.append(
                    Case(
                        split=split,
                        category=category,
                        turns=[_turn(t, values) for t in template["turns"]],
                        current=[_expect(e, values) for e in template.get("current", [])],
                        gone=[_expect(e, values) for e in template.get("gone", [])],
                        one_record=bool(template.get("one_record")),
                        apart=bool(template.get("apart")),
                    )
                )
    return out


def pairs(split: str, per_template: int = 40) -> list[Pair]:
    """Each near-miss template filled `per_template` times; repeated pairs are dropped."""
    spec = yaml.safe_load(TEMPLATES.read_text())
    pools, rng = spec["pools"][split], random.Random(SEEDS[split] + 1)
    found: dict[tuple[str, str], Pair] = {}
    for template in spec[split]["nearmiss"]:
        for _ in range(per_template):
            values = _draw(pools, rng)
            if isinstance(template, list):
                first, second = (_fill(t, values) for t in template)
                if rng.random() < 0.5:
                    first, second = second, first
                pair = Pair(split, first, second, negation=True)
            else:
                slot = rng.choice(sorted({s.lower() for s in _SLOT.findall(template)}))
                other = {**values, slot: rng.choice([v for v in pools[slot] if v != values[slot]])}
                pair = Pair(split, _fill(template, values), _fill(template, other))
            found.setdefault((pair.first, pair.second), pair)
    return list(found.values())
