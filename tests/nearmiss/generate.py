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


def check(mem, pair: Pair, scope) -> str | None:
    """What went wrong with one pair added in turn to `scope`, or None: a distinct pair
    must give two memories, each returned for its own add, both texts stored, neither
    absorbed; a "same" pair must merge."""
    a = mem.add(pair.first, scope)
    b = mem.add(pair.second, scope)
    texts = {r["text"] for r in mem.sql("SELECT text FROM memories", scope)}
    if pair.should_merge:
        merged = b.id == a.id and len([t for t in texts if t in (pair.first, pair.second)]) == 1
        return None if merged else f"not merged: {pair.first!r} / {pair.second!r}"
    if b.id == a.id or b.text != pair.second or a.text != pair.first:
        return f"{pair.category}: add returned another memory: {pair.first!r} / {pair.second!r}"
    if not {pair.first, pair.second} <= texts:
        return f"{pair.category}: a text was not stored: {pair.first!r} / {pair.second!r}"
    absorbed = [e for e in mem.history(a.id, scope) if e.op in ("MERGE", "REINFORCE")]
    if absorbed:
        return f"{pair.category}: silently merged: {pair.first!r} / {pair.second!r}"
    return None
