"""A seeded generator of near-miss pairs from `templates.yaml` (kept apart from the code
under test): distinct pairs differ in exactly one filled slot, or in a negation; same pairs
say one thing twice in other surface forms."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

TEMPLATES = Path(__file__).with_name("templates.yaml")
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Pair:
    category: str  # date, number, name, place, negation, content, or "same"
    first: str
    second: str

    @property
    def should_merge(self) -> bool:
        return self.category == "same"


def _fill(template: str, values: dict[str, str]) -> str:
    return _SLOT.sub(lambda m: values[m.group(1)], template)


def _draw(slots: dict[str, list[str]], names: list[str], rng: random.Random) -> dict[str, str]:
    return {name: rng.choice(slots[name]) for name in names}


def _one_slot_apart(template, slots, rng) -> tuple[str, str] | None:
    names = list(dict.fromkeys(_SLOT.findall(template)))
    values = _draw(slots, names, rng)
    changed = rng.choice(names)
    others = [v for v in slots[changed] if v != values[changed]]
    second = {**values, changed: rng.choice(others)}
    first_text, second_text = _fill(template, values), _fill(template, second)
    return (first_text, second_text) if first_text != second_text else None


def generate(seed: int = 20261130, per_template: int = 14) -> list[Pair]:
    """Every template filled `per_template` times; duplicates of a pair are dropped."""
    spec = yaml.safe_load(TEMPLATES.read_text())
    slots, rng = spec["slots"], random.Random(seed)
    pairs: dict[tuple[str, str], Pair] = {}
    for category, templates in spec["distinct"].items():
        for template in templates:
            for _ in range(per_template):
                if isinstance(template, list):  # a positive and a negated form
                    names = list(dict.fromkeys(_SLOT.findall(" ".join(template))))
                    values = _draw(slots, names, rng)
                    texts = [_fill(t, values) for t in template]
                    first, second = texts if rng.random() < 0.5 else texts[::-1]
                else:
                    drawn = _one_slot_apart(template, slots, rng)
                    if drawn is None:
                        continue
                    first, second = drawn
                pairs.setdefault((first, second), Pair(category, first, second))
    for template in spec["same"]:
        for _ in range(per_template):
            names = list(dict.fromkeys(_SLOT.findall(" ".join(template))))
            values = _draw(slots, names, rng)
            first, second = (_fill(t, values) for t in template)
            second = second[0].upper() + second[1:] if rng.random() < 0.5 else second
            pairs.setdefault((first, second), Pair("same", first, second))
    return list(pairs.values())
