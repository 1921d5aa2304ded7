"""A value taken in the place of one that ended, for the parse extractor
(`extraction_parse`, with `extraction_change`).

English says that Y replaced X in one sentence in three ways: a verb of switching with its
two values ("switched from X to Y", "swapped X for Y", "replaced X with Y", "traded in X
for Y": `switched`, called by `extraction_change` for its verb classes); two clauses, one
ending X and one stating Y of the same subject and slot ("I left Initech; these days I work
at Hooli": `replaced`); and a verb of ending joined to a past verb of acquiring or becoming
("sold the Golf and got an electric Fiat", "dropped keto and went paleo": `then_taken`).
Each is one fact: Y, naming X as what it replaces (`Fact.ends`). A positive
reading of a value the same sentence ends ("My dog Biscuit died" also reads the dog's name)
is dropped: the ending is what the sentence says of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from agentmem.facts.extraction.change_verbs import (
    HISTORY,
    INTO,
    LEAVING,
    PARTING,
    SWITCHING,
    Change,
    is_gerund,
    particle_prep,
    phrase,
    pobj,
)
from agentmem.facts.extraction.copula import PRESENT_STAY
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.lexicon import PET_KINDS
from agentmem.facts.extraction.negation import ends_a_state, negated_clause
from agentmem.facts.extraction.pipeline import names_a_kind
from agentmem.facts.extraction.predicates import predicate
from agentmem.facts.extraction.values import value_text

# Verbs that take a new thing or way in place of one ended in the clause before ("sold the
# Golf and got an electric Fiat", "dropped keto and went paleo"): acquiring and becoming.
ACQUIRING = frozenset({"get", "buy", "adopt", "acquire", "lease", "pick up", "rent"})
BECOMING = frozenset({"go", "become", "turn"})
COMPLEMENTS = ("acomp", "attr", "oprd", "dobj")
# Nouns of a dwelling: one acquired or rented "in" a place says the subject lives there now
# ("bought a flat in York", "rented a room in Porto").
DWELLINGS = frozenset({"house", "flat", "apartment", "home", "place", "room", "cottage"})
DWELLINGS |= {"bungalow", "condo", "studio", "villa", "townhouse", "maisonette", "bedsit"}
DWELLINGS |= {"farmhouse", "semi", "terrace", "loft", "houseboat", "caravan"}
# Verbs and idioms of settling in a place ("settled in Cork", "put down roots in Perth",
# "set up home in Graz"): the place is the subject's home from now on.
SETTLING = frozenset({"settle", "settle down", "relocate"})
SETTLING_IDIOMS = frozenset({("put", "root"), ("set", "home"), ("make", "home")})
PLACES = frozenset({"GPE", "LOC", "FAC"})


def then_taken(pred) -> Iterator[tuple[str, str]]:
    """What a verb joined to a verb of ending takes up in the ended value's place: a thing
    got or bought (`owns`, a pet `has_pet`), a way become ("went paleo": `is_a`)."""
    for verb in pred.conjuncts:
        if verb.i < pred.i or verb.tag_ not in ("VBD", "VBN"):  # done, not planned
            continue
        if (home := settled_in(verb)) is not None:
            yield "lives_in", home
            continue
        obj = next((c for c in verb.children if c.dep_ in COMPLEMENTS), None)
        if obj is None or not (value := value_text(obj, role=True) or obj.text):
            continue
        if _phrase(verb) in ACQUIRING and obj.dep_ == "dobj" and obj.pos_ in ("NOUN", "PROPN"):
            yield ("has_pet" if obj.lemma_.lower() in PET_KINDS else "owns"), value
        elif verb.lemma_.lower() in BECOMING and _a_kind(obj):
            yield "is_a", value


def settled_in(verb) -> str | None:
    """The place a verb of settling or of acquiring a dwelling puts the subject in ("settled
    in Cork", "put down roots in Perth", "bought a flat in York", "rented a room in Porto"),
    else None."""
    said = _phrase(verb)
    obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
    idiom = obj is not None and (verb.lemma_.lower(), obj.lemma_.lower()) in SETTLING_IDIOMS
    dwelling = obj is not None and said in ACQUIRING and obj.lemma_.lower() in DWELLINGS
    if not (said in SETTLING or idiom or dwelling):
        return None
    holders = [verb] if obj is None else [verb, obj]
    for prep in (c for h in holders for c in h.children if c.dep_ == "prep"):
        place = pobj(prep)
        if prep.lower_ == "in" and place is not None and _a_place(place):
            return value_text(place) or None
    return None


def _a_place(token) -> bool:
    """A place by its entity type, or a name the tagger gave none ("a cottage in Bath")."""
    kind = entity_type(token)
    return kind in PLACES or (token.pos_ == "PROPN" and not kind)


def _phrase(verb) -> str:
    particle = next((c.lower_ for c in verb.children if c.dep_ == "prt"), "")
    return f"{verb.lemma_.lower()} {particle}".strip()


def _a_kind(token) -> bool:
    """A bare adjective or noun of kind ("went paleo", "went vegan" with "vegan" a noun)."""
    bare = not any(c.dep_ == "det" for c in token.children)
    return bare and (token.pos_ == "ADJ" or (token.pos_ == "NOUN" and names_a_kind(token.lower_)))


def replaced(readings) -> list[Change]:
    """A sentence's readings, where it ends X and states Y of the same subject and slot ("I
    left Initech; these days I work at Hooli") as one: Y, naming X as what it replaces. A
    present stay in a place (`copula.PRESENT_STAY`) is the subject's new home where the
    sentence ends one ("not living in Brighton any more; I'm in Bath now"), else nothing."""
    out = [(*r, None) if len(r) == 4 else tuple(r) for r in readings]
    homes = {r[0] for r in out if r[1] == "lives_in" and r[3] and r[4] is not None}
    stays = [r for r in out if r[1] == PRESENT_STAY]
    out = [r for r in out if r[1] != PRESENT_STAY]
    out += [(r[0], "lives_in", *r[2:]) for r in stays if r[0] in homes]  # "I'm in Bath now"
    out = [r for r in out if not _ended_here(r, out)]
    for ended in [r for r in out if r[3] and r[4] is not None]:
        new = [r for r in out if r[:2] == ended[:2] and not r[3] and r[4] is None]
        if len({r[2].lower() for r in new}) == 1:  # one value, maybe read twice
            twins = [r for r in new if r is not new[0]]
            out = [(*r[:4], ended[4]) if r is new[0] else r for r in out if r is not ended]
            out = [r for r in out if not any(r is t for t in twins)]
    return out


def it_is_now(sentence, readings) -> list:
    """`readings`, where a clause says a value no longer holds and another names its
    successor by a pronoun ("Sushi isn't my favourite food anymore, it's ramen", "my car is
    no longer the Golf, it's a Tesla now"): the successor in the ended value's slot, naming
    it as what it replaces; the negated reading is dropped. Only one value ended and one
    named."""
    ended = [r for r in readings if len(r) == 4 and r[3]]
    if len(ended) != 1 or not any(_ends_a_state(p) for p in sentence):
        return readings
    now = [v for p in sentence if (v := _pronoun_copula(p)) is not None]
    if len(now) != 1:
        return readings
    subject, attribute, value, _ = ended[0]
    kept = [r for r in readings if r is not ended[0]]
    return [*kept, (subject, attribute, now[0], False, value)]


def _ends_a_state(pred) -> bool:
    """A copula whose negation says a state ended, about a thing named by a possessive
    ("my favourite food", "my car"): what "it" can name in the clause after ("I'm not vegan
    anymore, it's too hard" names no value)."""
    if pred.lemma_ != "be" or not negated_clause(pred) or not ends_a_state(pred):
        return False
    nouns = [c for c in pred.children if c.dep_ in ("nsubj", "attr")]
    return any(c.dep_ == "poss" for n in nouns for c in n.children)


def _pronoun_copula(pred) -> str | None:
    """The complement of a positive "it's Z" / "that's Z" clause, else None."""
    if pred.lemma_ != "be" or negated_clause(pred):
        return None
    if not any(c.dep_ == "nsubj" and c.lower_ in ("it", "that") for c in pred.children):
        return None
    attr = next((c for c in pred.children if c.dep_ in ("attr", "acomp")), None)
    if attr is None or any(c.dep_ == "advmod" for c in attr.children):
        return None  # "it's too expensive": a judgement, no value
    return value_text(attr, role=True) or attr.text


def _ended_here(reading, readings) -> bool:
    """A positive reading whose value the sentence ends ("My dog Biscuit died" reads the
    dog's name beside its ending): the ending is what the sentence says of it."""
    subject, _, value, negated, _ = reading
    if negated:
        return False
    words = set(value.lower().replace("(", "").replace(")", "").split())
    return any(
        r[3] and r[4] and r[0] == subject and set(r[4].lower().split()) <= words for r in readings
    )


# --- switching: "from X to Y", "X for Y", "X with Y" -----------------------------------


def switched(pred, subject: str, said: str, guess: Callable[[Any], str]) -> Iterator[Change]:
    """ "from X to Y", "X for Y", "X with Y": Y, naming X as what it replaces (`guess`:
    the slot a verb of ending would give X, for a switch by a verb of leaving or parting)."""
    preps = {c.lower_: c for c in pred.children if c.dep_ == "prep"}
    obj = next((c for c in pred.children if c.dep_ == "dobj"), None)
    if obj is None and (particle := particle_prep(pred)) is not None:
        obj = pobj(particle)  # "traded in the Prius for a Kia"
    # "from X to Y"; "X for Y", "X with Y" ("moved the party to Saturday" swaps nothing)
    old, towards = (pobj(preps["from"]), INTO) if "from" in preps else (obj, ("for", "with"))
    if "from" in preps:  # "from X to Y" parsed with "to Y" under "from"
        preps |= {c.lower_: c for c in preps["from"].children if c.dep_ == "prep"}
    elif obj is not None:  # "swapped Notion for Obsidian" parsed with "for Y" under X
        preps = {c.lower_: c for c in obj.children if c.dep_ == "prep"} | preps
    new = next((pobj(preps[p]) for p in towards if p in preps), None)
    if new is None and "from" in preps:
        new = infinitive_to(pred)  # "from vegetarian to strictly vegan", "vegan" a verb
    if old is None or new is None or not (said in SWITCHING or _named(new)):
        return
    if {entity_type(old), entity_type(new)} & {"DATE", "TIME"}:
        return  # "moved the barbecue from Saturday to Sunday": a time, not a value held
    was = _unplaced(value_text(old, role=True))
    now = new.text if new.dep_ in ("advcl", "xcomp") else value_text(new, role=True)
    if was and now:
        attribute = _new_slot(pred, new) or _switched_slot(old, said, guess)
        yield subject, attribute, now, False, was


def infinitive_to(pred):
    """The word after "to" where the parser took "to" for an infinitive's marker: "switched
    from vegetarian to strictly vegan" ("vegan" a verb under "switched"); only an adjective
    or noun misread as a verb (no object, no clause of its own)."""
    for child in pred.children:
        marked = any(c.dep_ == "aux" and c.lower_ == "to" for c in child.children)
        own = any(c.dep_ in ("dobj", "nsubj", "prep", "ccomp") for c in child.children)
        if child.dep_ in ("advcl", "xcomp") and marked and not own and child.i > pred.i:
            return child
    return None


def _unplaced(name: str) -> str:
    """A thing's name without the adjectives that place it in its owner's history."""
    words = name.split()
    while len(words) > 1 and words[0].lower() in HISTORY:
        words = words[1:]
    return " ".join(words)


def _switched_slot(old, said: str, guess: Callable[[Any], str]) -> str:
    """A switch of brands, tools or pastimes as much as of employers ("switched from
    Samsung to a Pixel"): a slot that holds many values, unless the verb is one of leaving
    or parting; the resolver moves it to the slot that holds the old value."""
    if said in LEAVING or said in PARTING:
        return guess(old)
    return "does" if is_gerund(old) else "owns"


def _new_slot(pred, new) -> str | None:
    """The slot the verb gives "to Y": a home only where Y is a place ("moved from Vim to VS
    Code" is a switch of tools, its slot the old value's)."""
    if new.pos_ != "PROPN":
        return None
    attribute = predicate(phrase(pred), "to", new)
    return None if attribute == "lives_in" and entity_type(new) not in PLACES else attribute


def _named(token) -> bool:
    return token.pos_ == "PROPN" or entity_type(token) in ("PERSON", "ORG", "GPE")


__all__ = [
    "ACQUIRING",
    "BECOMING",
    "DWELLINGS",
    "infinitive_to",
    "it_is_now",
    "replaced",
    "settled_in",
    "switched",
    "then_taken",
]
