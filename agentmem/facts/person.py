"""Memory lines rewritten to address the user: "The user lives in Porto" -> "You live in
Porto", "I work as a baker" -> "You work as a baker".

A small chat model copies the person of its prompt: memory written about "the user" comes
back as "The user lives in ...", and first-person notes come back as "I ...". Lines in the
second person make the model's natural reply the right one ("You live in Porto").
"""

from __future__ import annotations

import re

_IRREGULAR = {"is": "are", "was": "were", "has": "have", "does": "do", "isn't": "aren't",
              "wasn't": "weren't", "hasn't": "haven't", "doesn't": "don't"}  # fmt: skip
_FIRST = {"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
          "am": "are", "i'm": "you're", "i've": "you've", "i'll": "you'll", "i'd": "you'd",
          "we": "you", "our": "your", "us": "you"}  # fmt: skip
_THE_USER = re.compile(r"\b(?:the|this) user(?:'s|\u2019s)?\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z\u2019']+")


def base_form(verb: str) -> str:
    """The form a verb takes after "you": lives -> live, carries -> carry, is -> are."""
    low = verb.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low.endswith("ies") and len(low) > 4:
        return verb[:-3] + "y"
    if re.search(r"(ss|sh|ch|x|z|o)es$", low):
        return verb[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return verb[:-1]
    return verb


def second_person(text: str) -> str:
    """`text`, a memory about the user, as said to the user."""
    match = _THE_USER.match(text.strip())
    if match:
        rest = text.strip()[match.end() :]
        if match.group(0).lower().endswith(("'s", "\u2019s")):
            return "Your" + rest
        verb = _WORD.match(rest.lstrip())
        if verb:
            lead = rest[: len(rest) - len(rest.lstrip())]
            rest = lead + base_form(verb.group(0)) + rest.lstrip()[verb.end() :]
        return "You" + rest
    return _WORD.sub(_swap_first_person, text)


def _swap_first_person(match: re.Match) -> str:
    word = match.group(0)
    swapped = _FIRST.get(word.lower().replace("\u2019", "'"))
    if swapped is None:
        return word
    # "I" is capitalised anywhere; "you" only where a sentence starts
    before = match.string[: match.start()].rstrip()
    starts = not before or before[-1] in ".!?:\n"
    upper = word[0].isupper() and (starts or not word.lower().startswith("i"))
    return swapped[0].upper() + swapped[1:] if upper else swapped


# "Maya: ..." / "User: ..." at the start of a summary sentence (agentmem.consolidation.summarizers)
_LABEL = re.compile(r"(?:^|(?<=[.!?]\s))([A-Z][\w'.-]*(?: [A-Z][\w'.-]*){0,2}): ")


def addressed(text: str, person: str = "User") -> str:
    """A memory line said to the user. Summary sentences carry their speaker's label:
    the user's own ("User: I moved to Porto.") lose it and turn to the second person,
    another speaker's keep it and their words ("Assistant: I will remind you.")."""
    labels = list(_LABEL.finditer(text))
    if not labels or labels[0].start() != 0:
        return second_person(text)
    out = []
    for m, nxt in zip(labels, [*labels[1:], None], strict=True):
        body = text[m.end() : nxt.start() if nxt else len(text)].strip()
        out.append(second_person(body) if m.group(1) == person else f"{m.group(1)}: {body}")
    return " ".join(out)


__all__ = ["addressed", "base_form", "second_person"]
