"""The fact extractor interface, and the plain sentence every extracted fact is stored as.

Implementations: `RuleExtractor` (`extraction_rules`, offline, microseconds) and
`LLMExtractor` (`extraction_llm`, a chat model). Both emit facts whose `text` is `render`'s
sentence, so a fact reads the same whichever extractor found it.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Sequence

from agentmem.facts.vocabulary import ATTRIBUTES, SLOT_PREPOSITIONS
from agentmem.types import Fact

USER = "user"
OWNED = f"{USER}'s "  # the subject "user's sister": someone the speaker names by relation


class FactExtractor(ABC):
    """Text -> facts. `extract_many` is batch-first; implementations override `_extract`.

    `fast` extractors (microseconds, no model) run on every observed turn; slow ones run in
    consolidation passes over batches of turns.
    """

    name: str = "extractor"
    fast: bool = False

    def extract(self, text: str, *, source: str = "user", speaker: str | None = None) -> list[Fact]:
        """Facts stated in `text`; with a `speaker`, "I" is that speaker, not the user."""
        if not isinstance(text, str) or not text.strip():
            return []
        return as_speaker(self._extract(text, source=source), speaker)

    def extract_many(
        self,
        texts: Sequence[str],
        *,
        source: str = "user",
        speakers: Sequence[str | None] | None = None,
    ) -> list[list[Fact]]:
        """Facts of each text; `speakers[i]` (None: the user) says who "I" is in text i."""
        return self._extract_batch(texts, source, speakers or [None] * len(texts))

    def _extract_batch(
        self, texts: Sequence[str], source: str, speakers: Sequence[str | None]
    ) -> list[list[Fact]]:
        """`extract_many` with one speaker a text; batching extractors override this."""
        return [
            self.extract(t, source=source, speaker=s) for t, s in zip(texts, speakers, strict=True)
        ]

    @property
    def quick(self) -> FactExtractor | None:
        """The part cheap enough to run on every observed turn (None: wait for consolidation)."""
        return self if self.fast else None

    def extract_more(
        self, text: str, *, source: str = "user", speaker: str | None = None
    ) -> list[Fact]:
        """What this extractor reads in `text` beyond its `quick` part (none when it is all
        quick)."""
        if self.quick is self:
            return []
        return self.extract(text, source=source, speaker=speaker)

    @abstractmethod
    def _extract(self, text: str, *, source: str) -> list[Fact]:
        """Facts stated in a non-empty text."""


# attribute -> (sentence, negated sentence), from the attribute table
_TEMPLATES = {a.name: (a.sentence, a.negation) for a in ATTRIBUTES}


def as_speaker(facts: list[Fact], speaker: str | None) -> list[Fact]:
    """Facts about "the user" made facts about a named speaker of a conversation."""
    if not speaker or speaker.strip().lower() in ("user", USER):
        return facts
    out = []
    for f in facts:
        if f.subject == USER or f.subject.startswith(OWNED):  # "user's sister": theirs
            subject = speaker + f.subject[len(USER) :]
            text = render(subject, f.attribute, f.value, f.negated)
            f = dataclasses.replace(f, subject=subject, text=text)
        out.append(f)
    return out


def render(subject: str, attribute: str, value: str, negated: bool = False) -> str:
    """A fact as one plain sentence: 'The user lives in Paris'."""
    s = (
        "The user" + subject[len(USER) :]
        if subject == USER or subject.startswith(OWNED)
        else subject
    )
    positive, negative = _TEMPLATES.get(attribute) or _verb_templates(attribute)
    if attribute == "name" and _owned_thing(subject):
        positive, negative = "{s} is {v}", "{s} is not {v}"  # "The user's GP is Dr Singh"
    text = (negative if negated else positive).format(s=s, a=attribute.replace("_", " "), v=value)
    return text[0].upper() + text[1:]


def _owned_thing(subject: str) -> bool:
    """A subject named by its owner and a noun of no person or animal ("user's billing
    address", "user's gp"): what "my X is Y" names is the thing's value, not a name it has
    ("The user's billing address is 5 Quay Street", not "... address's name is ...")."""
    from agentmem.facts.extraction.lexicon import names_a_being

    owner, sep, noun = subject.rpartition("'s ")
    return bool(owner and sep and noun) and not names_a_being(noun.split()[-1].lower())


def _verb_templates(attribute: str) -> tuple[str, str]:
    """How a fact of a slot the table does not name is said: a slot named by a verb and its
    preposition (`vocabulary.related_slot`: "volunteer_at") as that verb ("Ana volunteers at
    the shelter"), any other as "S's attribute is V"."""
    verb, _, preposition = attribute.rpartition("_")
    if verb.startswith("be_") and preposition in SLOT_PREPOSITIONS:
        # an adjective and its preposition (`vocabulary.adjective_slot`: "be_scared_of")
        said = f"{verb[3:].replace('_', ' ')} {preposition}"
        return f"{{s}} is {said} {{v}}", f"{{s}} is not {said} {{v}}"
    if preposition in SLOT_PREPOSITIONS and verb.isalpha() and is_past_form(verb):
        # a slot named by what happened ("switched_to", "transferred_to"): said as an event
        return f"{{s}} {verb} {preposition} {{v}}", f"{{s}} has not {verb} {preposition} {{v}}"
    if preposition in SLOT_PREPOSITIONS and verb.isalpha():
        return (
            f"{{s}} {third_person(verb)} {preposition} {{v}}",
            f"{{s}} does not {verb} {preposition} {{v}}",
        )
    return "{s}'s {a} is {v}", "{s}'s {a} is not {v}"


def is_past_form(verb: str) -> bool:
    """Whether a slot's verb is a regular past form ("switched", "transferred"), whose past
    participle is the same word, rather than a base form that ends the same way ("need",
    "shed", "embed")."""
    return len(verb) > 4 and verb.endswith("ed") and not verb.endswith(("eed", "bed"))


def third_person(verb: str) -> str:
    """The present third person singular of a regular English verb (have: has)."""
    if verb in ("have", "be"):
        return {"have": "has", "be": "is"}[verb]
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if len(verb) > 1 and verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


__all__ = ["USER", "FactExtractor", "as_speaker", "render"]
