"""The pipeline's lemmatizer with each outcome remembered, giving the lemmas it gives.

spaCy's rule lemmatizer reads a token's text, part of speech and morphology and nothing
else (its own cache is keyed by the three), but it caches only the forms its suffix rules
build: a base form ("Number=Sing" nouns, infinitives, positive adjectives: most tokens of a
chat turn) is tested again on every token, through a dict of the morphology built each
time. That was about a seventh of a parse's CPU. Here every outcome is remembered by the
same key, so a word seen before in the same role costs a dict lookup; a lookup lemmatizer
(text alone) is keyed the same way. Tokens that already hold a lemma (set by the attribute
ruler's exceptions) keep it unless the lemmatizer overwrites, as in spaCy.
"""

from __future__ import annotations

from typing import Any

_MAX_KEYS = 200_000  # distinct (text, part of speech, morphology) remembered before starting over
_MODES = ("rule", "lookup")  # modes whose lemma is a function of the key


class FastLemmatizer:
    """Applies a Lemmatizer's lemmas to a doc, each distinct key lemmatized once."""

    def __init__(self, lemmatizer: Any) -> None:
        self._lemmatizer = lemmatizer
        self._lemmas: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Any) -> Any:
        lemmas, overwrite = self._lemmas, self._lemmatizer.overwrite
        for token in doc:
            if not overwrite and token.lemma != 0:
                continue
            key = (token.orth, token.pos, token.morph.key)
            lemma = lemmas.get(key)
            if lemma is None:
                if len(lemmas) >= _MAX_KEYS:
                    lemmas.clear()
                lemma = doc.vocab.strings.add(self._lemmatizer.lemmatize(token)[0])
                lemmas[key] = lemma
            token.lemma = lemma
        return doc


def fast_lemmatizer(component: Any) -> Any:
    """A FastLemmatizer for a spaCy Lemmatizer whose lemma is a function of the key; any
    other component as it is."""
    if getattr(component, "mode", None) not in _MODES or not hasattr(component, "lemmatize"):
        return component
    if hasattr(component, "_validate_tables"):
        component._validate_tables()  # the error spaCy raises on its first doc, raised here
    return FastLemmatizer(component)


__all__ = ["FastLemmatizer", "fast_lemmatizer"]
