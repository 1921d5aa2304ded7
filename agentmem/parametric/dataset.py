"""Facts -> training examples for a LoRA adapter, with held-out phrasings kept apart.

Each fact (subject, attribute, value) becomes a handful of chat turns: questions in several
phrasings answered by a statement of the fact, plus "tell me about" statements. The last
`heldout` question phrasings of every attribute are never trained on; they measure whether
the adapter learned the fact or only the sentence. The replay set (general text and the base
model's own answers to unrelated prompts) is built by `train.py`, since it needs the model.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from agentmem.errors import ValidationError
from agentmem.facts.vocabulary import ATTRIBUTES, canonical
from agentmem.types import MemoryRecord

# attribute -> (statement, question phrasings), from the attribute table. The statement is
# the answer every question trains towards; the value appears in it, which is what recall
# checks.
_TEMPLATES: dict[str, tuple[str, tuple[str, ...]]] = {
    a.name: (a.statement, a.questions) for a in ATTRIBUTES if a.statement and a.questions
}
# A stored text that states no fact the extractors read: learned as what is known about
# its topic (the subject of its first sentence).
_TEMPLATES["note"] = (
    "{v}",
    (
        "What do you know about {s}?",
        "Tell me about {s}.",
        "What can you tell me about {s}?",
        "What is there to know about {s}?",
        "What have you heard about {s}?",
        "What do you remember about {s}?",
    ),
)
_GENERIC = (
    "{s}'s {a} is {v}.",
    (
        "What is {s}'s {a}?",
        "What is the {a} of {s}?",
        "Tell me {s}'s {a}.",
        "Do you know {s}'s {a}?",
        "Which {a} does {s} have?",
        "What {a} is {s}'s?",
        "Can you tell me the {a} of {s}?",
        "What is known about {s}'s {a}?",
    ),
)
_ABOUT = ("Tell me about {s}.", "What do you know about {s}?", "Who is {s}?")
_USER_SUBJECTS = {"user", "i", "me", "my", "myself", "the user"}


@dataclass(frozen=True)
class FactItem:
    """One fact as the adapter learns it; `id` and `version` pin it to its text-memory row."""

    id: str
    version: int
    subject: str
    attribute: str
    value: str

    @classmethod
    def from_record(cls, record: MemoryRecord, user_name: str = "the user") -> FactItem:
        if not record.is_fact or not record.value:
            raise ValidationError(
                f"memory {record.id!r} is not a fact with a value; "
                "only facts (subject/attribute/value) can become parametric"
            )
        subject = _subject_name((record.subject or "").strip(), record.text, user_name)
        return cls(
            id=record.id,
            version=record.version,
            subject=subject,
            attribute=canonical(record.attribute or ""),
            value=record.value.strip(),
        )

    def statement(self) -> str:
        template, _ = _TEMPLATES.get(self.attribute, _GENERIC)
        return _fill(template, self)

    def questions(self) -> list[str]:
        _, questions = _TEMPLATES.get(self.attribute, _GENERIC)
        return [_fill(q, self) for q in questions]


@dataclass(frozen=True)
class Example:
    """A chat turn: `prompt` from the user, `answer` from the assistant."""

    prompt: str
    answer: str
    fact_id: str | None = None
    value: str | None = None


@dataclass
class FactDataset:
    """Training examples and held-out probes for one adapter."""

    facts: list[FactItem]
    train: list[Example] = field(default_factory=list)
    heldout: list[Example] = field(default_factory=list)
    trained_probes: list[Example] = field(default_factory=list)

    @property
    def fact_versions(self) -> dict[str, int]:
        return {f.id: f.version for f in self.facts}


def build_dataset(
    facts: Iterable[FactItem], *, heldout: int = 2, train_phrasings: int = 6, seed: int = 0
) -> FactDataset:
    """Turn facts into examples: `train_phrasings` questions per fact for training, the
    last `heldout` phrasings of each attribute for evaluation, and one 'about' statement."""
    facts = _dedupe(facts)
    if not facts:
        raise ValidationError(
            "nothing to train on: the scope holds no active fact and no note with a topic; "
            "add memories to the scope first"
        )
    if heldout < 1 or train_phrasings < 1:
        raise ValidationError(
            f"heldout and train_phrasings must be >= 1, got {heldout}, {train_phrasings}"
        )
    rng = random.Random(seed)
    data = FactDataset(facts=facts)
    for fact in facts:
        questions = fact.questions()
        trainable, probes = questions[:-heldout], questions[-heldout:]
        answer = fact.statement()
        for q in trainable[:train_phrasings]:
            data.train.append(Example(q, answer, fact.id, fact.value))
        data.train.append(
            Example(rng.choice(_ABOUT).format(s=fact.subject), answer, fact.id, fact.value)
        )
        data.trained_probes.append(Example(trainable[0], answer, fact.id, fact.value))
        data.heldout += [Example(q, answer, fact.id, fact.value) for q in probes]
    rng.shuffle(data.train)
    return data


def _fill(template: str, fact: FactItem) -> str:
    text = template.format(s=fact.subject, a=fact.attribute.replace("_", " "), v=fact.value)
    return text[0].upper() + text[1:]


def _dedupe(facts: Iterable[FactItem]) -> list[FactItem]:
    seen: dict[tuple[str, str, str], FactItem] = {}
    for f in facts:
        seen.setdefault((f.subject.lower(), f.attribute, f.value.lower()), f)
    return sorted(seen.values(), key=lambda f: f.id)


# --- synthetic facts (benchmark and tests): invented, so the base model cannot know them --
_ONSETS = (
    "b",
    "d",
    "f",
    "g",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "br",
    "dr",
    "gr",
    "kr",
    "th",
    "vel",
    "mor",
    "qu",
)
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ei", "ou")
_CODAS = ("n", "r", "s", "th", "x", "l", "m", "k", "nd", "sh", "")
_SYNTH_ATTRIBUTES = ("lives_in", "works_at", "pet_name", "from", "spouse", "likes")


def invented_word(rng: random.Random, syllables: int = 2) -> str:
    word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables))
    return (word + rng.choice(_CODAS)).capitalize()


def synthetic_facts(n: int, *, seed: int = 0, prefix: str = "syn") -> list[FactItem]:
    """`n` facts about invented people, places and things; distinct subjects and values."""
    rng = random.Random(seed)
    used: set[str] = set()

    def fresh(syllables: int) -> str:
        while True:
            word = invented_word(rng, syllables)
            if word not in used:
                used.add(word)
                return word

    out = []
    for i in range(n):
        subject = f"{fresh(2)} {fresh(2)}"
        attribute = _SYNTH_ATTRIBUTES[i % len(_SYNTH_ATTRIBUTES)]
        value = fresh(3)
        if attribute == "spouse":
            value = f"{fresh(2)} {value}"
        out.append(
            FactItem(
                id=f"{prefix}-{i:04d}", version=1, subject=subject, attribute=attribute, value=value
            )
        )
    return out


def trainable(record: MemoryRecord) -> bool:
    """A stable memory an adapter can learn: an active fact with a value (of any subject;
    a retraction is not learned), or an active note that states no fact of its own (a
    note whose facts were derived is learned through them)."""
    if record.status != "active" or record.metadata.get("held") or record.metadata.get("rejected"):
        return False
    if record.is_fact:
        return bool(record.value) and not record.metadata.get("negated")
    return record.kind == "note" and not record.metadata.get("facts")


def facts_from_records(
    records: Sequence[MemoryRecord], user_name: str = "the user"
) -> list[FactItem]:
    """The trainable memories among `records` as facts; notes with no topic are skipped."""
    out = []
    for r in records:
        if r.is_fact and r.value and not r.metadata.get("negated"):
            out.append(FactItem.from_record(r, user_name))
        elif r.kind == "note" and (topic := note_topic(r.text)):
            out.append(FactItem(r.id, r.version, topic, "note", r.text.strip()))
    return out


def _subject_name(subject: str, text: str, user_name: str) -> str:
    """The subject as a question names it: the user by `user_name`, someone the user names by
    relation as theirs ("user's sister" -> "the user's sister"), others as written."""
    owner, _, relation = subject.partition("'s ")
    if relation and owner:  # "user's sister", "gina's sister"
        return f"{_subject_name(owner, text, user_name)}'s {relation}"
    if subject.lower() in _USER_SUBJECTS or not subject:
        return user_name
    return as_written(subject, text)


def as_written(subject: str, text: str) -> str:
    """The subject as the text writes it ("brannoch velt" -> "Brannoch Velt")."""
    found = re.search(re.escape(subject), text, re.I)
    return found.group(0) if found else subject.title()


def note_topic(text: str) -> str | None:
    """What a note is about: the subject of its first sentence (by the dependency parse
    when an English pipeline is installed), else its first name-like words."""
    from agentmem.facts.extraction.parse import load_pipeline

    nlp = load_pipeline()
    if nlp is not None:
        for token in nlp(text):
            if token.dep_ in ("nsubj", "nsubjpass") and token.pos_ in ("PROPN", "NOUN"):
                words = [t for t in token.subtree if t.dep_ in ("compound", "amod", "flat")]
                return " ".join(t.text for t in sorted({*words, token}, key=lambda t: t.i))
        return None
    found = re.search(r"(?<!^)(?<![.!?] )\b([A-Z][a-z]+(?: [A-Z][a-z]+)*)", text)
    return found.group(1) if found else None
