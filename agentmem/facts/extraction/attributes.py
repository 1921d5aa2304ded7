"""The pipeline's attribute ruler (tag -> part of speech and morphology, a few lemma
exceptions) applied by lookup instead of by its Matcher, with the same result.

The ruler of the small English pipeline holds ~180 rules, almost all of one token keyed
by that token's tag, lower-case form or dependency. Its Matcher walks every rule over
every token: more than a third of a parse's CPU (~1.2 ms a chat turn), the largest single
cost of an add and of an ingest. A one-token rule matches or not by the token's own
attributes alone, so which rules match a token is a function of those attributes and is
computed once per distinct combination; rules of several tokens keep a Matcher of their
own. Matches are applied in the ruler's order (by rule, then by position: later rules
win), so every token gets what the ruler would give it. A one-token pattern this does not
read (another operator or attribute) is left to the Matcher with the rules of several.
"""

from __future__ import annotations

import operator
import re
from typing import Any

# Token pattern attributes a one-token rule may test -> the Token attribute holding each.
_GETTERS = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space"}
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

    def __call__(self, doc: Any) -> Any:
        matches = set()
        for i, token in enumerate(doc):
            key = self._key(token)
            rules = self._rules.get(key)
            if rules is None:
                rules = self._rules_for(dict(zip(self._keys, key, strict=True)))
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

    def _rules_for(self, values: dict[str, Any]) -> tuple[int, ...]:
        """The one-token rules matching a token with these attribute values: the rules
        that pass every attribute's test (each attribute's tests are computed once per
        value, as a bit set over `self._single`)."""
        if len(self._rules) >= _MAX_KEYS:
            self._rules.clear()
        passing = -1
        for key, value in values.items():
            passing &= self._passing(key, value)
        rules = tuple(
            sorted({rule for bit, (rule, _) in enumerate(self._single) if passing >> bit & 1})
        )
        self._rules[tuple(values[k] for k in self._keys)] = rules
        return rules

    def _passing(self, key: str, value: Any) -> int:
        """Bits of the one-token patterns whose test of `key` (if any) `value` passes."""
        known = self._tests.setdefault(key, {})
        bits = known.get(value)
        if bits is None:
            if len(known) >= _MAX_KEYS:
                known.clear()
            bits = sum(
                1 << bit
                for bit, (_, pattern) in enumerate(self._single)
                if key not in pattern or _passes(pattern[key], value)
            )
            known[value] = bits
        return bits


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
