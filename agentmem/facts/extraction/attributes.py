"""The pipeline's attribute ruler (tag -> part of speech and morphology, a few lemma
exceptions) applied by lookup instead of by its Matcher, with the same result.

The ruler of the small English pipeline holds ~180 rules, almost all of one token keyed by
that token's tag, lower-case form or dependency. Its Matcher walks every rule over every
token: more than a third of a parse's CPU (~1.2 ms a chat turn), the largest single cost of
an add and of an ingest. A one-token rule matches or not by the token's own attributes
alone, so which rules match a token is a function of those attributes and is computed once
per distinct combination (keyed by the attributes' ids, not their strings; a value no rule
names passes what any such value passes, its regular expressions aside, known without
testing each rule); rules of several tokens keep a Matcher of their own. Matches are applied
in the ruler's order (by rule, then by position: later rules win), so every token gets what
the ruler would give it. A one-token pattern this does not read (another operator or
attribute) is left to the Matcher with the rules of several.
"""

from __future__ import annotations

import operator
import re
from typing import Any

# Token pattern attributes a one-token rule may test -> the Token attribute holding each,
# read as its id in the vocabulary's strings (a string attribute) or as it is (a flag).
_GETTERS = {"TAG": "tag", "LOWER": "lower", "DEP": "dep", "IS_SPACE": "is_space"}
_FLAGS = frozenset({"IS_SPACE"})
_MAX_KEYS = 200_000  # distinct token keys remembered before starting over


class FastRuler:
    """Applies an AttributeRuler's rules to a doc with the ruler's own outcome."""

    def __init__(self, ruler: Any, single: list[tuple[int, dict]], multi: Any) -> None:
        from spacy.tokens._retokenize import set_token_attrs

        self._set = set_token_attrs
        self._ruler = ruler
        self._single = single  # (rule id, one-token pattern)
        self._multi = multi  # a Matcher of the rules of several tokens, or None
        self._keys = sorted({k for _, p in single for k in p}) or ["TAG"]
        get = operator.attrgetter(*(_GETTERS[k] for k in self._keys))
        self._key = get if len(self._keys) > 1 else lambda token: (get(token),)
        self._rules: dict[tuple, tuple[int, ...]] = {}
        self._tests: dict[str, dict[Any, int]] = {}  # attribute -> value -> `_passing` bits
        self._unnamed = {k: _unnamed(single, k) for k in self._keys}
        self._by_bits: dict[int, tuple[int, ...]] = {}  # passing bits -> their rules

    def __call__(self, doc: Any) -> Any:
        matches = set()
        for i, token in enumerate(doc):
            key = self._key(token)
            rules = self._rules.get(key)
            if rules is None:
                rules = self._rules_for(key, doc.vocab.strings)
            for rule in rules:
                matches.add((rule, i, i + 1))
        if self._multi is not None:
            strings = doc.vocab.strings
            for match_id, start, end in self._multi(doc, allow_missing=True):
                matches.add((int(strings[match_id]), start, end))
        indices, attrs = self._ruler.indices, self._ruler.attrs
        for rule, start, end in sorted(matches):
            index = indices[rule]
            one = end - start == 1 and index in (0, -1)
            self._set(doc[start] if one else doc[start:end][index], attrs[rule])
        return doc

    def _rules_for(self, key: tuple, strings: Any) -> tuple[int, ...]:
        """The one-token rules matching a token of this key (attribute ids, in the order of
        `self._keys`): the rules that pass every attribute's test (each attribute's tests
        are computed once per value, as a bit set over `self._single`)."""
        if len(self._rules) >= _MAX_KEYS:
            self._rules.clear()
        passing = -1
        for name, value in zip(self._keys, key, strict=True):
            passing &= self._passing(name, value if name in _FLAGS else strings[value])
        rules = self._by_bits.get(passing)
        if rules is None:
            found = set()
            bits = passing
            while bits:
                low = bits & -bits
                found.add(self._single[low.bit_length() - 1][0])
                bits ^= low
            self._by_bits[passing] = rules = tuple(sorted(found))
        self._rules[key] = rules
        return rules

    def _passing(self, key: str, value: Any) -> int:
        """Bits of the one-token patterns whose test of `key` (if any) `value` passes."""
        known = self._tests.setdefault(key, {})
        bits = known.get(value)
        if bits is None:
            if len(known) >= _MAX_KEYS:
                known.clear()
            names, bits, searched = self._unnamed[key]
            if value in names:
                bits = sum(
                    1 << bit
                    for bit, (_, pattern) in enumerate(self._single)
                    if key not in pattern or _passes(pattern[key], value)
                )
            else:
                bits |= sum(1 << bit for bit, want in searched if _passes(want, value))
            known[value] = bits
        return bits


def _unnamed(single: list[tuple[int, dict]], key: str) -> tuple[set, int, list[tuple[int, dict]]]:
    """What decides the patterns' tests of `key` for a value none of them names: the values
    they name; the bits such a value passes whatever it is (patterns that do not test `key`,
    or test it only by NOT_IN: an equality or IN test fails it); and the tests it may pass
    or not, by REGEX (with NOT_IN, not IN), with their bits."""
    names: set = set()
    bits, searched = 0, []
    for bit, (_, pattern) in enumerate(single):
        want = pattern.get(key)
        if isinstance(want, dict):
            names.update(want.get("IN", ()), want.get("NOT_IN", ()))
            if "IN" not in want:
                if "REGEX" in want:
                    searched.append((bit, want))
                else:
                    bits |= 1 << bit
        elif key in pattern:
            names.add(want)
        else:
            bits |= 1 << bit
    return names, bits, searched


def fast_ruler(nlp: Any, name: str = "attribute_ruler") -> FastRuler | None:
    """A FastRuler for the pipeline's attribute ruler, or None when it has none or holds a
    phrase pattern."""
    if name not in nlp.pipe_names:
        return None
    from spacy.matcher import Matcher

    ruler = nlp.get_pipe(name)
    single: list[tuple[int, dict]] = []
    multi = Matcher(ruler.vocab)
    for rule, entry in enumerate(ruler.patterns):
        for pattern in entry["patterns"]:
            if not isinstance(pattern, list):
                return None  # a phrase pattern: not a token pattern
            if len(pattern) == 1 and _readable(pattern[0]):
                single.append((rule, pattern[0]))
            else:
                multi.add(str(rule), [pattern])
    return FastRuler(ruler, single, multi if len(multi) else None)


def _readable(pattern: dict) -> bool:
    """Whether a one-token pattern tests only attributes `_passes` reads, as it reads them."""
    for key, value in pattern.items():
        if key not in _GETTERS:
            return False
        if isinstance(value, dict):
            if not set(value) <= {"IN", "NOT_IN", "REGEX"}:
                return False
        elif not isinstance(value, str | bool):
            return False
    return True


def _passes(want: Any, have: Any) -> bool:
    """Whether a token attribute's value `have` passes a pattern's test `want` of it."""
    if isinstance(want, dict):
        if "IN" in want and have not in want["IN"]:
            return False
        if "NOT_IN" in want and have in want["NOT_IN"]:
            return False
        return "REGEX" not in want or re.search(want["REGEX"], str(have)) is not None
    return have == want


__all__ = ["FastRuler", "fast_ruler"]
