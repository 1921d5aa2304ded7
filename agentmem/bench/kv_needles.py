"""``needles2``: one fact hidden in a long text and asked for in other words.

A second needle family for `agentmem bench kv`, written apart from the passkey and multi-key
templates: every case hides one fact (a code, a name, a date, a single word, a quoted phrase or
a count) in a haystack of one of three kinds (narrative prose, chat turns, an inventory list) at
a depth spread over the context, and asks for it with a question that does not repeat the
needle's wording ("Ilse's locker combination is 4471" / "What digits open Ilse's locker?").

Cases are drawn from ``random.Random(seed)``: the trial index picks the needle's form and the
haystack's kind (every pair of the two occurs over 18 trials), the seed picks the people,
values, phrasings, haystack sentences and the order of depths. An answer is right when the
gold string, normalised (`kv_case.normalise`: case, punctuation, the spacing of digits), is
contained in the normalised decoded reply.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

from agentmem.bench.kv_case import Case

FORMS = ("code", "name", "date", "word", "phrase", "count")
KINDS = ("narrative", "chat", "list")
DECODE = 24  # tokens decoded per answer: the model restates the question before a date

# People who carry a needle, and people who fill the haystack: the two never overlap, so no
# haystack sentence names the needle's subject.
HOLDERS = (
    "Ilse", "Teodor", "Marisol", "Benedek", "Yusra", "Keir", "Anouk", "Dagny", "Ravi", "Solveig",
    "Thiago", "Ezinne", "Casimir", "Liesel", "Oona", "Bartholomew",
)  # fmt: skip
GIVEN = ("Odalys", "Fenwick", "Rosamund", "Ignatius", "Perpetua", "Lazlo", "Wilhelmina", "Corvin")
FILLERS = (
    "Maya", "Tom", "Priya", "Jonas", "Clara", "Sam", "Nadia", "Felix", "Hana", "Owen", "Lucia",
    "Pete", "Greta", "Amir", "Vera", "Hugo",
)  # fmt: skip

CODE_THINGS = ("locker", "bicycle lock", "safe", "garden gate", "tool chest", "filing cabinet")
ROLES = ("courier", "ferry pilot", "night nurse", "locksmith", "archivist", "bell ringer")
EVENTS = (  # (what happened, the question asking when)
    ("the old bridge over the canal was opened", "When did the canal bridge open?"),
    ("the east wing of the library burned down", "On what day was the library's east wing "
     "lost to fire?"),
    ("the village choir gave its first concert", "When did the choir first perform?"),
    ("the cargo ship Meridian left the harbour", "On which date did the Meridian sail?"),
    ("the observatory recorded the comet", "When was the comet seen from the observatory?"),
)  # fmt: skip
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip
CATEGORIES = {  # a closed set of kinds of thing, with words the model spells in one piece
    "fruit": ("quince", "lychee", "persimmon", "gooseberry", "apricot"),
    "instrument": ("oboe", "cello", "harp", "bassoon", "accordion"),
    "tree": ("hornbeam", "larch", "rowan", "sycamore", "juniper"),
}
PHRASES = (
    "salt before silver", "the owl keeps the ledger", "north of every river",
    "bring the lantern home", "seven doors and one key", "quiet water runs deep",
    "the gardener sleeps at noon",
)  # fmt: skip
PLACES = ("mill", "harbour gate", "old chapel", "market hall", "station yard", "watchtower")
COUNTED = (  # (what was counted, how the question names it)
    ("sheep grazing on the north hill", "How many animals were on the north hill?"),
    ("lanterns hanging along the pier", "How many lights were strung along the pier?"),
    ("crates stacked in the cellar", "How many boxes were there in the cellar?"),
    ("boats moored in the bay", "How many vessels were anchored in the bay?"),
)


def _needle(form: str, rng: random.Random) -> tuple[str, str, str]:
    """``(needle sentence, question, gold)`` of one ``form``."""
    who = rng.choice(HOLDERS)
    if form == "code":
        thing, code = rng.choice(CODE_THINGS), str(rng.randint(1000, 9999))
        needle = rng.choice((
            f"{who}'s {thing} combination is {code}.",
            f"The combination of {who}'s {thing} had been set to {code}.",
            f"{who} always opened the {thing} by dialling {code}.",
        ))  # fmt: skip
        question = rng.choice(
            (
                f"What digits open {who}'s {thing}?",
                f"Which number unlocks the {thing} that belongs to {who}?",
            )
        )
        return needle, question, code
    if form == "name":
        role, name = rng.choice(ROLES), rng.choice(GIVEN)
        needle = rng.choice((
            f"The {role}'s name was {name}.",
            f"Everyone in town knew the {role} simply as {name}.",
            f"{name} took the job of {role} that winter.",
        ))  # fmt: skip
        question = rng.choice((f"Who was the {role}?", f"What was the {role} called?"))
        return needle, question, name
    if form == "date":
        (event, question), day = rng.choice(EVENTS), rng.randint(2, 28)
        date = f"{day} {rng.choice(MONTHS)} {rng.randint(1850, 1990)}"
        needle = rng.choice((f"On {date}, {event}.", f"The records say {event} on {date}."))
        return needle, question, date
    if form == "word":
        category = rng.choice(sorted(CATEGORIES))
        word = rng.choice(CATEGORIES[category])
        needle = rng.choice((
            f"{who} liked no {category} more than the {word}.",
            f"Asked to name a favourite {category}, {who} said the {word} without hesitation.",
        ))  # fmt: skip
        question = rng.choice(
            (
                f"Which {category} did {who} prefer above all others?",
                f"What {category} does {who} love best?",
            )
        )
        return needle, question, word
    if form == "phrase":
        phrase, place = rng.choice(PHRASES), rng.choice(PLACES)
        if rng.random() < 0.5:
            needle = f'The banner hung over the {place} read "{phrase}".'
            question = f"What words were painted on the banner above the {place}?"
        else:
            needle = f'At the {place}, {who} gave the password: "{phrase}".'
            question = f"What did {who} say to be let in at the {place}?"
        return needle, question, phrase
    if form == "count":
        (what, question), n = rng.choice(COUNTED), rng.randint(13, 97)
        needle = rng.choice((f"{who} counted {n} {what}.",
                             f"There were exactly {n} {what}, by {who}'s tally."))  # fmt: skip
        return needle, question, str(n)
    raise ValueError(f"unknown needle form {form!r}; choose from {FORMS}")


def _narrative(rng: random.Random) -> str:
    a, b = rng.sample(FILLERS, 2)
    return rng.choice((
        f"{a} walked along the river path while the fog lifted from the fields.",
        f"By noon the market was crowded, and {a} had to shout to be heard.",
        f"{a} and {b} argued about the weather, as they did every morning.",
        f"The kettle whistled in the kitchen, but {a} was already out of the door.",
        f"Rain drummed on the roof of the barn where {a} was mending a harness.",
        f"{b} wrote a long letter to a cousin who lived by the sea.",
        f"Nobody noticed when {a} slipped away from the dance before midnight.",
        f"The train was late again, so {a} read the newspaper twice over.",
        f"{a} planted beans along the south wall, hoping for a warm spring.",
        f"In the evening {b} lit the stove and told stories about the old mine.",
        f"The dog followed {a} all the way to the bakery and back.",
        f"{b} found a coin in the mud and kept it for luck.",
    ))  # fmt: skip


def _chat(rng: random.Random) -> str:
    a, b = rng.sample(FILLERS, 2)
    line = rng.choice((
        f"did you get the photos I sent, {b}?",
        "I'm running late, save me a seat.",
        "the meeting moved to Thursday afternoon.",
        f"can you ask {b} whether the printer works yet?",
        "lol that film was way too long",
        "we need milk, eggs and something for dinner.",
        "the heating is off again in the office.",
        f"tell {b} I said thanks for the lift.",
        "has anyone seen my blue umbrella?",
        "sure, sounds good to me.",
    ))  # fmt: skip
    return f"{a}: {line}"


def _item(rng: random.Random) -> str:
    thing = rng.choice((
        "tins of paint", "coils of rope", "boxes of nails", "sacks of flour", "spare tyres",
        "rolls of tape", "bottles of lamp oil", "packets of seed", "wool blankets", "tea chests",
    ))  # fmt: skip
    shelf = rng.choice("ABCDEFGH") + str(rng.randint(1, 9))
    return f"- {rng.randint(2, 60)} {thing}, shelf {shelf}"


_UNITS = {"narrative": (_narrative, " "), "chat": (_chat, "\n"), "list": (_item, "\n")}
_HEAD = {
    "narrative": "A story from a small town.\n",
    "chat": "A group chat between neighbours.\n",
    "list": "The storeroom inventory, with notes.\n",
}


def _as_unit(kind: str, needle: str, rng: random.Random) -> str:
    """The needle in the haystack's own form: a sentence, a chat turn or a list note."""
    if kind == "chat":
        return f"{rng.choice(FILLERS)}: by the way. {needle}"
    if kind == "list":
        return f"- note: {needle}"
    return needle


def needle_case(tokenizer, length: int, form: str, kind: str, depth: float,
                rng: random.Random) -> Case:  # fmt: skip
    """One case of about ``length`` tokens: the needle of ``form`` at ``depth`` of a
    haystack of ``kind``."""
    if kind not in _UNITS:
        raise ValueError(f"unknown haystack kind {kind!r}; choose from {KINDS}")
    needle, question, gold = _needle(form, rng)
    unit, sep = _UNITS[kind]
    before, after = _turn(tokenizer)
    prompt = f"\n\nQuestion: {question} Answer in a few words from the text.{after}"
    head = before + _HEAD[kind]
    budget = length - len(tokenizer(head + needle + prompt)["input_ids"])
    units: list[str] = []
    used = 0
    while used < budget:
        units.append(unit(rng))
        used += len(tokenizer(units[-1] + sep, add_special_tokens=False)["input_ids"])
    units.insert(round(depth * len(units)), _as_unit(kind, needle, rng))
    return Case(head + sep.join(units), prompt, gold, normalised=True)


def _turn(tokenizer) -> tuple[str, str]:
    """The model's chat template around one user turn: the text before its content and the
    text after it, up to the assistant's reply. The bundled instruct model answered 0 of 4
    dev cases as a bare completion after "Answer:" (it ended the reply at once) and 2 of 4
    inside its chat turn."""
    marker = "\x00needle\x00"
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": marker}], add_generation_prompt=True, tokenize=False
    )
    before, after = text.split(marker)
    return before, after


def trial_cases(
    tokenizer, lengths: Sequence[int], trials: int, seed: int = 0
) -> Iterator[tuple[int, int, Case]]:
    """``(length, trial, case)``: trial ``t`` hides a needle of form ``FORMS[t % 6]`` in a
    haystack of kind ``KINDS[(t + t // 6) % 3]``, at a depth from 10-90% spread evenly over
    the trials and shuffled by the seed."""
    rng = random.Random(seed)
    for length in lengths:
        depths = [0.1 + 0.8 * (t / max(trials - 1, 1)) for t in range(trials)]
        rng.shuffle(depths)
        for t in range(trials):
            form, kind = FORMS[t % len(FORMS)], KINDS[(t + t // len(FORMS)) % len(KINDS)]
            yield length, t, needle_case(tokenizer, length, form, kind, depths[t], rng)
