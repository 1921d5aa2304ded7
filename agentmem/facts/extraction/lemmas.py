"""The pipeline's lemmatizer with each outcome remembered, giving the lemmas it gives.

spaCy's rule lemmatizer reads a token's text, part of speech and morphology and nothing
else (its own cache is keyed by the three), but it caches only the forms its suffix rules
build: a base form ("Number=Sing" nouns, infinitives, positive adjectives: most tokens of a
chat turn) is tested again on every token, through a dict of the morphology built each
time. That was about a seventh of a parse's CPU. Here every outcome is remembered by the
same key, so a word seen before in the same role costs a dict lookup; a lookup lemmatizer
(text alone) is keyed the same way. Tokens that already hold a lemma (set by the attribute
ruler's exceptions) keep it unless the lemmatizer overwrites, as in spaCy.

Where a verb's suffix rules give two forms that are both words, spaCy takes the last rule's
("hates": "hate" by -s, "hat" by -es; "hoped": "hope" and "hop"), and a verb of liking
read as "hat". `spelled` orders them by English spelling instead: -es follows only a
sibilant or an "o" ("watches", "goes"; a hat "hats"), and a short closed syllable doubles
its consonant before -ed/-ing ("hopped", "coding" is "code" since "cod" would be
"codding"). `respelled` puts that order into a pipeline's own lemmatizer, so every path
(the parse, the attribute index, spaCy's pipe) gives the same lemma.
"""

from __future__ import annotations

from typing import Any

_MAX_KEYS = 200_000  # distinct (text, part of speech, morphology) remembered before starting over
_MODES = ("rule", "lookup")  # modes whose lemma is a function of the key
_RULE_TABLES = ("lemma_index", "lemma_exc", "lemma_rules")
_SIBILANT_ENDS = ("s", "x", "z", "ch", "sh", "o")  # stems that take -es, not -s
_VOWELS = frozenset("aeiou")
_UNDOUBLED = frozenset("wxy")  # final consonants English never doubles


def spelled(word: str, forms: list[str]) -> list[str]:
    """`forms` (a lemmatizer's candidates for `word`) with those English spelling would
    not have inflected to `word` moved after the rest, otherwise in their order."""
    if len(forms) < 2:
        return forms
    return sorted(forms, key=lambda form: _misspelt(word.lower(), form, forms))


def _misspelt(word: str, form: str, forms: list[str]) -> bool:
    if word == form + "es":  # "hat" + es: a stem not ending in a sibilant takes -s
        return not form.endswith(_SIBILANT_ENDS)
    if word in (form + "ed", form + "ing"):  # "hop" + ed: "hopped", so "hoped" is "hope"
        return form + "e" in forms and _short_closed(form)
    return False


def _short_closed(stem: str) -> bool:
    """A stem ending in one vowel and one consonant, whose consonant a suffix doubles."""
    return (
        len(stem) >= 2
        and stem[-1] not in _VOWELS
        and stem[-1] not in _UNDOUBLED
        and stem[-2] in _VOWELS
        and (len(stem) == 2 or stem[-3] not in _VOWELS)
    )


def respelled(lemmatizer: Any) -> None:
    """Order a spaCy rule lemmatizer's forms by `spelled`, on this instance."""
    if getattr(lemmatizer, "mode", None) != "rule" or getattr(lemmatizer, "_respelled", False):
        return
    rule = lemmatizer.lemmatize

    def lemmatize(token: Any) -> list[str]:
        return spelled(token.text, rule(token))

    lemmatizer.lemmatize = lemmatize
    lemmatizer._respelled = True


class FastLemmatizer:
    """Applies a Lemmatizer's lemmas to a doc, each distinct key lemmatized once."""

    def __init__(self, lemmatizer: Any) -> None:
        self._lemmatizer = lemmatizer
        self._lemmas: dict[tuple[int, int, int], int] = {}
        self._lemmatize = lemmatizer.lemmatize
        if _plain_rules(lemmatizer):
            self._lemmatize = RuleLemmas(lemmatizer).lemmatize

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
                lemma = doc.vocab.strings.add(self._lemmatize(token)[0])
                lemmas[key] = lemma
            token.lemma = lemma
        return doc


class RuleLemmas:
    """spaCy's `Lemmatizer.rule_lemmatize`, step for step, with each part of speech's word
    index as a set: spaCy's is a list, searched from the start for every form a suffix rule
    builds (most of a new word's cost); its forms ordered by `spelled`."""

    def __init__(self, lemmatizer: Any) -> None:
        self._lemmatizer = lemmatizer
        self._tables: dict[str, tuple[set, Any, Any] | None] = {}  # part of speech -> tables

    def lemmatize(self, token: Any) -> list[str]:
        string, univ_pos = token.text, token.pos_.lower()
        if univ_pos == "":
            return self._lemmatizer.lemmatize(token)  # spaCy's own, with its warning
        if univ_pos in ("eol", "space") or self._lemmatizer.is_base_form(token):
            return [string.lower()]
        tables = self._of(univ_pos)
        if tables is None:
            return [string] if univ_pos == "propn" else [string.lower()]
        index, exceptions, rules = tables
        lower = string.lower()
        forms: list[str] = []
        oov_forms = []
        for old, new in rules:
            if lower.endswith(old):
                form = lower[: len(lower) - len(old)] + new
                if not form:
                    pass
                elif form in index:
                    forms.insert(0, form)
                elif not form.isalpha():
                    forms.append(form)
                else:
                    oov_forms.append(form)
        forms = list(dict.fromkeys(forms))
        for form in exceptions.get(lower, []):
            if form not in forms:
                forms.insert(0, form)
        return spelled(lower, forms) or oov_forms or [string]

    def _of(self, univ_pos: str) -> tuple[set, Any, Any] | None:
        """The index (as a set), exceptions and suffix rules of a part of speech; None
        where the tables hold none of them."""
        if univ_pos not in self._tables:
            lookups = self._lemmatizer.lookups
            index, exc, rules = (lookups.get_table(t, {}).get(univ_pos) for t in _RULE_TABLES)
            found = (set(index or ()), exc or {}, rules or {})
            self._tables[univ_pos] = found if any((index, exc, rules)) else None
        return self._tables[univ_pos]


def _plain_rules(lemmatizer: Any) -> bool:
    """A rule lemmatizer whose rule step is spaCy's own (a subclass may change only which
    forms are base forms), with the tables that step reads."""
    try:
        from spacy.pipeline import Lemmatizer
    except ImportError:
        return False
    return (
        isinstance(lemmatizer, Lemmatizer)
        and lemmatizer.mode == "rule"
        and type(lemmatizer).rule_lemmatize is Lemmatizer.rule_lemmatize
        and all(t in lemmatizer.lookups for t in _RULE_TABLES)
    )


def fast_lemmatizer(component: Any) -> Any:
    """A FastLemmatizer for a spaCy Lemmatizer whose lemma is a function of the key; any
    other component as it is."""
    if getattr(component, "mode", None) not in _MODES or not hasattr(component, "lemmatize"):
        return component
    if hasattr(component, "_validate_tables"):
        component._validate_tables()  # the error spaCy raises on its first doc, raised here
    return FastLemmatizer(component)


__all__ = ["FastLemmatizer", "RuleLemmas", "fast_lemmatizer", "respelled", "spelled"]
