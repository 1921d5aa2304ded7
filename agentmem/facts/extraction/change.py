"""Changes of state, for the parse extractor (`extraction_parse`): a clause that ends a value,
swaps one value for another, or begins one.

English says a value ended with a verb whose meaning is ending or parting, and names what
ended as its object, as a gerund, or after a preposition; the verb classes are sets of
lemmas (with their particle), grouped by what the ended thing was to the subject:

    leaving     leave, quit, resign, retire, move out, be laid off/fired from ...: a place
                or an employer (by the named object's entity type)
    ceasing     stop, give up, drop, ditch, cut out, abandon ...: a habit or activity
    parting     break up with, split from, divorce, separate, dump, part (ways), fall out
                ...: a partner, a name or a noun of the partner slots (also the parties of
                a coordinated subject: "Jordan and I split up", "me and Paz parted ways",
                `subjects.parties`); a thing as object divides it ("split the bill"), and
                kin or company are no partner ("fell out with my brother")
    disposing   sell, give away, give X to Y, get rid of, rehome, lose, trade in ...: a
                possession or a pet
    switching   "switched from X to Y", "swapped X for Y", "replaced X with Y", "left X for
                Y" (Y a name), "upgraded from X to Y": Y holds in place of X (X named
                without "old", "previous" ...: `HISTORY`)
    beginning   "took up X": X is done from now on ("started Xing": `_begun`)

An ended value is a retraction; a value that replaces another carries the name of the one
it replaces. Either way `Fact.ends` names what ended, as the text names it, and the resolver
ends the subject's stored value it names, in whichever slot holds it
(`agentmem.facts.endings`): the slot given here is a guess from the verb class and the
object. Not changes: a trip or a departure ("left Paris for a weekend", "left at six"), a
change that is negated, hypothetical or future (`_asserted` in the parse, and `future`).
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.copula import copula
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.holdings import PET_KINDS, held_or_done
from agentmem.facts.extraction.pipeline import names_a_kind, predicate_index
from agentmem.facts.extraction.predicates import PREDICATE_DEPS, predicate, slots
from agentmem.facts.extraction.subjects import parties, subject_of, who
from agentmem.facts.extraction.values import value_text

# subject, attribute, value, negated, ends (the value ended, as named)
Change = tuple[str, str, str, bool, str | None]

LEAVING = frozenset({"leave", "quit", "resign", "retire", "fire", "sack", "move out", "lay off"})
HOME_LEAVING = frozenset({"move out", "move away"})
LEAVING |= HOME_LEAVING | {"walk away", "let go"}
CEASING = frozenset({"stop", "give up", "drop", "ditch", "abandon", "cut out", "cancel", "end"})
CEASING |= {"quit"}
PARTING = frozenset({"break up", "break off", "split", "split up", "divorce", "separate", "dump"})
PARTING |= {"part", "fall out"}
# A parting ends a partner: a name, or a noun of these slots ("my boyfriend"); another noun
# is kin or company, whom no parting ends ("fell out with my brother").
PARTNER_SLOTS = frozenset({"spouse", "dating"})
# The object of an idiom of parting ("parted ways", "parted company"): no thing that ended.
PARTING_OBJECTS = frozenset({"way", "ways", "company"})
DISPOSING = frozenset({"sell", "sell off", "give away", "rid", "rehome", "lose", "trade in"})
DISPOSING |= {"trade", "give"}
SWITCHING = frozenset({"switch", "swap", "change", "move", "convert", "trade", "replace"})
SWITCHING |= {"exchange", "trade in", "go", "upgrade", "downgrade"}
# Adjectives that place a thing in its owner's history, not name it ("our old Dyson", "my
# previous phone"): the thing ended is named without them.
HISTORY = frozenset({"old", "previous", "former", "current", "existing", "trusty"})
BEGINNING = frozenset({"take up", "start", "begin"})
ENDING = LEAVING | CEASING | PARTING | DISPOSING
# A named object's entity type says which slot a verb of leaving ends when nothing else does.
ENDED_SLOT = {"ORG": "works_at", "GPE": "lives_in", "LOC": "lives_in", "FAC": "lives_in"}
# Where the ended thing stands after the verb: "resigned from X", "broke up with X", "got
# rid of X", "moved out of X".
ENDED_PREPOSITIONS = frozenset({"from", "with", "of"})
# Nouns of a tie to a service or a body, named by their compound ("Netflix subscription").
TIES = frozenset({"subscription", "membership", "account"})
# Units of time and time away: "for a fortnight", "for the holidays" is how long one is away.
SPANS = frozenset({"minute", "hour", "day", "night", "week", "weekend", "fortnight", "month"})
SPANS |= {"year", "holiday", "vacation", "trip", "break", "while"}
# Adverbs that place a departure in the day ("left the office early").
HOURS = frozenset({"early", "late", "earlier", "later"})
FUTURE = frozenset({"will", "'ll", "wo", "gonna"})
INTO = ("to", "into", "for", "with")
PARTICLES = frozenset({"out", "away", "off", "up", "in"})


def phrase(pred) -> str:
    """A verb with its particle ("give up", "move out": 'out of' parsed as a preposition)."""
    particle = [
        c.lower_
        for c in pred.children
        if c.dep_ == "prt"
        or (c.dep_ in ("prep", "advmod") and c.lower_ in PARTICLES and c.i == pred.i + 1)
    ]
    if pred.lemma_.lower() == "let" and any(c.lower_ == "go" for c in pred.children):
        particle = ["go"]
    return " ".join([pred.lemma_.lower(), *particle[:1]])


def is_change(pred) -> bool:
    """A verb of ending, parting, disposing, switching or beginning (by lemma and particle),
    or "used to" (a habit now past)."""
    said = phrase(pred)
    ending = said in ENDING or pred.lemma_ in ENDING or _used_to(pred)
    return ending or said in SWITCHING or said in BEGINNING


def _used_to(pred) -> bool:
    """ "I used to bake bread", "Noor used to be vegan": what the subject did or was, and no
    longer does (the past habit ends, as under "stopped")."""
    return (
        pred.lower_ == "used"
        and not any(c.dep_ == "dobj" for c in pred.children)
        and any(_to_infinitive(c) for c in pred.children if c.dep_ == "xcomp")
    )


def _to_infinitive(verb) -> bool:
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)


def obliged(pred):
    """The verb of change a past "had to" carries out ("We had to rehome our parrot": the
    parrot was rehomed), else None; a present "have to" is an obligation still ahead."""
    if pred.lemma_.lower() != "have" or pred.tag_ != "VBD":
        return None
    return next(
        (c for c in pred.children if c.dep_ == "xcomp" and _to_infinitive(c) and is_change(c)),
        None,
    )


def changes(pred, subject: str | None) -> Iterator[Change]:
    """What a clause of change states of `subject`: retractions and values that replace
    (without a subject the parser could name, only the parties of a parting)."""
    if _future(pred) or _trip(pred):
        return
    said = phrase(pred)
    if subject is None:
        yield from _parted(pred) if said in PARTING or pred.lemma_ in PARTING else ()
        return
    swapped = list(_switched(pred, subject, said))
    if swapped:
        yield from swapped
    elif said in BEGINNING or pred.lemma_ in ("start", "begin"):
        yield from _begun(pred, subject, said)
    elif said in ENDING or pred.lemma_ in ENDING or _used_to(pred):
        ended = list(_ended(pred, subject, said))
        taken = [] if any(r[1] == "spouse" for r in ended) else list(_then_taken(pred))
        if len(ended) == 1 and len(taken) == 1:  # "dropped keto and went paleo": Y for X
            yield subject, *taken[0], False, ended[0][4]
            return
        yield from ended
        yield from ((subject, a, v, False, None) for a, v in taken if ended)


def _future(pred) -> bool:
    return any(c.dep_ == "aux" and c.lower_ in FUTURE for c in pred.children)


def _trip(pred) -> bool:
    """ "left Paris for a weekend", "left Leeds at six", "left work early": a time of day, a
    span away or an hour's adverb says a departure, not a parting."""
    if any(c.dep_ == "advmod" and c.lower_ in HOURS for c in pred.children):
        return True
    for prep in (c for c in pred.children if c.dep_ == "prep" and c.lower_ in ("for", "at")):
        within = [t for t in prep.subtree if t.i != prep.i]
        kinds = {entity_type(t) for t in within}
        span = prep.lower_ == "for" and any(t.lemma_.lower() in SPANS for t in within)
        if "TIME" in kinds or span or (prep.lower_ == "for" and "DATE" in kinds):
            return True
    return False


# --- ending --------------------------------------------------------------------------------


def _ended(pred, subject: str, said: str) -> Iterator[Change]:
    if (said in PARTING or pred.lemma_ in PARTING) and _divides_a_thing(pred):
        return  # "Oskar and I split the bill": no parting
    found = False
    for child in pred.children:
        for attribute, value in _what_ended(child, pred, said):
            found = True
            yield subject, attribute, value, True, value
    if not found and (said in PARTING or pred.lemma_ in PARTING):
        yield from _parted(pred)


def _what_ended(child, pred, said: str) -> Iterator[tuple[str, str]]:
    """(slot, value) of what one child of a verb of ending names as ended."""
    if child.dep_ == "xcomp" and child.lemma_ == "be":  # "stopped being vegan"
        # only the slot and value are read: the subject is the clause's
        yield from ((a, v) for _, a, v, negated in copula(child, USER, False) if not negated)
    elif (child.dep_ == "xcomp" and child.pos_ == "VERB") or (
        child.dep_ in ("dobj", "xcomp") and is_gerund(child)  # "quit smoking", NN
    ):
        ended = ended_doing(child)  # "stopped playing tennis", "gave up climbing"
        yield from ended or _ended_after(child, pred, said)  # "was let go from X"
    elif child.dep_ == "dobj" and not (said in PARTING and child.lower_ in PARTING_OBJECTS):
        yield from _ended_thing(child, pred, said)
    elif child.dep_ in ("prep", "advmod") and (obj := _ended_object(child, said)) is not None:
        yield from _ended_thing(obj, pred, said)
    elif _is_particle(child, pred) and (obj := _pobj(child)) is not None:
        yield from _ended_thing(obj, pred, said)  # "traded in my Corolla": "in" a preposition


def _is_particle(child, pred) -> bool:
    return (particle := _particle(pred)) is not None and particle.i == child.i


def _particle(pred):
    """The particle of a phrasal verb the parser made a preposition with the verb's object
    as its own ("traded in my Corolla"), else None: only a listed phrasal verb ("separated
    in spring" is "separate" with a time)."""
    said = phrase(pred).split()
    if " ".join(said) not in ENDING | SWITCHING | BEGINNING:
        return None
    return next(
        (
            c
            for c in pred.children
            if c.dep_ == "prep" and c.i == pred.i + 1 and len(said) == 2 and c.lower_ == said[1]
        ),
        None,
    )


# Verbs that take a new thing or way in place of one ended in the clause before ("sold the
# Golf and got an electric Fiat", "dropped keto and went paleo"): acquiring and becoming.
ACQUIRING = frozenset({"get", "buy", "adopt", "acquire", "lease", "pick up"})
BECOMING = frozenset({"go", "become", "turn"})
COMPLEMENTS = ("acomp", "attr", "oprd", "dobj")


def _then_taken(pred) -> Iterator[tuple[str, str]]:
    """What a verb joined to a verb of ending takes up in the ended value's place: a thing
    got or bought (`owns`, a pet `has_pet`), a way become ("went paleo": `is_a`)."""
    for verb in pred.conjuncts:
        if verb.i < pred.i or _future(verb):
            continue
        obj = next((c for c in verb.children if c.dep_ in COMPLEMENTS), None)
        if obj is None or not (value := value_text(obj, role=True) or obj.text):
            continue
        if phrase(verb) in ACQUIRING and obj.dep_ == "dobj" and obj.pos_ in ("NOUN", "PROPN"):
            yield ("has_pet" if obj.lemma_.lower() in PET_KINDS else "owns"), value
        elif verb.lemma_.lower() in BECOMING and _a_kind(obj):
            yield "is_a", value


def _a_kind(token) -> bool:
    """A bare adjective or noun of kind ("went paleo", "went vegan" with "vegan" a noun)."""
    bare = not any(c.dep_ == "det" for c in token.children)
    return bare and (token.pos_ == "ADJ" or (token.pos_ == "NOUN" and names_a_kind(token.lower_)))


def _divides_a_thing(pred) -> bool:
    """A verb of parting with a thing as its object ("split the bill", "separated the
    eggs"): dividing it, not parting; a partner ("dumped Sam", "divorced her husband") or
    the idiom's object ("parted ways") is a parting."""
    for obj in (c for c in pred.children if c.dep_ == "dobj" and c.pos_ == "NOUN"):
        if obj.lower_ not in PARTING_OBJECTS and (
            predicate_index().get(obj.lemma_.lower()) not in PARTNER_SLOTS
        ):
            return True
    return False


def _ended_after(verb, pred, said: str) -> Iterator[tuple[str, str]]:
    for prep in (c for c in verb.children if c.dep_ == "prep"):
        if (obj := _ended_object(prep, said)) is not None:
            yield from _ended_thing(obj, pred, said)


def _ended_object(prep, said: str):
    """The object of "from X", "with X" (a partner: "broke up with X"), "of X" (also one
    preposition down: "moved out of X")."""
    if prep.lower_ not in ENDED_PREPOSITIONS and prep.lower_ not in PARTICLES:
        return None
    if prep.lower_ == "with" and said not in PARTING:
        return None
    if prep.lower_ in PARTICLES:  # "out of X"
        inner = next((c for c in prep.children if c.dep_ == "prep"), None)
        return None if inner is None else _ended_object(inner, said)
    return next((c for c in prep.children if c.dep_ == "pobj"), None)


def _ended_thing(obj, pred, said: str) -> Iterator[tuple[str, str]]:
    """An ended object: the place or employer of "my job at X" / "the house in X", else the
    object itself in the slot its kind suggests ("my cat", "Initech", "Sam"). A thing
    disposed of ends itself too ("sold the cottage in Cornwall": the cottage)."""
    placed = next(_placed(obj, pred), None)
    if placed is not None:
        yield placed
        if said not in DISPOSING or obj.pos_ != "NOUN":
            return
    if (service := _service(obj)) is not None and (value := value_text(service)):
        yield "does", value  # "cancelled my Netflix subscription": Netflix, used no more
        return
    named = obj.pos_ == "NOUN" and predicate_index().get(obj.lemma_.lower())
    if said in PARTING and obj.pos_ == "NOUN" and named not in PARTNER_SLOTS:
        return  # "fell out with my brother", "split from the band": no partner ends
    if named:
        yield named, ""  # "quit my job": the slot the noun names, every value of it
    elif value := value_text(obj, role=True):
        yield _guessed_slot(obj, pred, said), value


def _service(obj):
    """The service or body a noun of membership names ("my Netflix subscription", "the gym
    membership", "my Strava account"): what a cancelled tie ends."""
    if obj.lemma_.lower() not in TIES:
        return None
    named = [c for c in obj.children if c.dep_ == "compound" and c.i < obj.i]
    return named[-1] if named else None


def _placed(obj, pred) -> Iterator[tuple[str, str]]:
    for prep in (c for c in (*obj.children, *pred.children) if c.dep_ == "prep"):
        inner = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if inner is None or inner.i == obj.i or not (value := value_text(inner)):
            continue
        attribute = predicate(f"{obj.lemma_.lower()}", prep.lower_, inner)
        attribute = attribute or ENDED_SLOT.get(entity_type(inner))
        if attribute:
            yield attribute, value


def _guessed_slot(obj, pred, said: str) -> str:
    """The slot an ended object most likely held (the resolver finds the one that holds it)."""
    if said in PARTING or (
        obj.pos_ == "PROPN" and entity_type(obj) == "PERSON" and said in LEAVING
    ):
        return "spouse"  # a person is parted from or left, never sold ("sold the Clio")
    if said in HOME_LEAVING:
        return "lives_in"
    if (parallel := _parallel_slot(pred)) is not None:
        return parallel  # "I left Initech; these days I work at Hooli"
    if obj.pos_ == "PROPN" and entity_type(obj) in ENDED_SLOT:
        return ENDED_SLOT[entity_type(obj)]
    if said in LEAVING and (obj.pos_ == "PROPN" or said not in CEASING):
        return "works_at"
    if is_gerund(obj):
        return "does"
    return "owns" if said in DISPOSING or said in SWITCHING else "does"


def ended_doing(verb) -> list[tuple[str, str]]:
    """What a gerund under a verb of ending names: its slot's value, else the activity
    ("playing tennis" -> tennis), else the gerund itself ("stopped swimming" -> swimming)."""
    ended = [(a, v) for a, v, _ in slots(verb)]
    ended = ended or held_or_done(verb, any_tense=True)
    return ended or ([("does", verb.lower_)] if is_gerund(verb) else [])


def is_gerund(token) -> bool:
    """An -ing form, also where the tagger made it a noun ("given up rowing")."""
    return token.tag_ == "VBG" or (token.tag_ == "NN" and token.lower_.endswith("ing"))


def _parted(pred) -> Iterator[Change]:
    """ "Jordan and I split up", "me and Leilani parted ways": each of the coordinated
    subjects parts from the others."""
    everyone = [_party(t) for t in parties(pred)]
    for one in (s for s in everyone if s is not None):
        for other in (s for s in everyone if s not in (None, one, USER)):
            yield one, "spouse", other, True, other


def _party(token) -> str | None:
    """Who a party to a parting is: the speaker, a name (also one the tagger took for a
    plural noun: "Ines and I got divorced")."""
    return who(token) or (token.text if token.text[:1].isupper() else None)


def _parallel_slot(pred) -> str | None:
    """The one slot the other clauses of the sentence state for the same subject: what a
    verb of ending ends in "I left Initech; these days I work at Hooli"."""
    subject = subject_of(pred)
    stated = {
        attribute
        for other in pred.sent
        if other.i != pred.i
        and other.dep_ in PREDICATE_DEPS
        and other.pos_ == "VERB"
        and not is_change(other)
        and subject_of(other) == subject
        for attribute, _, _ in slots(other)
    }
    stated.discard("job_title")  # "... at Hooli as a plumber": the place, not the role, ends
    return stated.pop() if len(stated) == 1 else None


# --- switching and beginning ---------------------------------------------------------------


def _switched(pred, subject: str, said: str) -> Iterator[Change]:
    """ "from X to Y", "X for Y", "X with Y": Y, naming X as what it replaces."""
    preps = {c.lower_: c for c in pred.children if c.dep_ == "prep"}
    obj = next((c for c in pred.children if c.dep_ == "dobj"), None)
    if obj is None and (particle := _particle(pred)) is not None:
        obj = _pobj(particle)  # "traded in the Prius for a Kia"
    # "from X to Y"; "X for Y", "X with Y" ("moved the party to Saturday" swaps nothing)
    old, towards = (_pobj(preps["from"]), INTO) if "from" in preps else (obj, ("for", "with"))
    if "from" in preps:  # "from X to Y" parsed with "to Y" under "from"
        preps |= {c.lower_: c for c in preps["from"].children if c.dep_ == "prep"}
    elif obj is not None:  # "swapped Notion for Obsidian" parsed with "for Y" under X
        preps = {c.lower_: c for c in obj.children if c.dep_ == "prep"} | preps
    new = next((_pobj(preps[p]) for p in towards if p in preps), None)
    if new is None and "from" in preps:
        new = _infinitive_to(pred)  # "from vegetarian to strictly vegan", "vegan" a verb
    if old is None or new is None or not (said in SWITCHING or _named(new)):
        return
    if {entity_type(old), entity_type(new)} & {"DATE", "TIME"}:
        return  # "moved the barbecue from Saturday to Sunday": a time, not a value held
    was = _unplaced(value_text(old, role=True))
    now = new.text if new.dep_ in ("advcl", "xcomp") else value_text(new, role=True)
    if was and now:
        attribute = _new_slot(pred, new) or _switched_slot(old, pred, said)
        yield subject, attribute, now, False, was


def _infinitive_to(pred):
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


def _switched_slot(old, pred, said: str) -> str:
    """A switch of brands, tools or pastimes as much as of employers ("switched from
    Samsung to a Pixel"): a slot that holds many values, unless the verb is one of leaving
    or parting; the resolver moves it to the slot that holds the old value."""
    if said in LEAVING or said in PARTING:
        return _guessed_slot(old, pred, said)
    return "does" if is_gerund(old) else "owns"


def _new_slot(pred, new) -> str | None:
    head = phrase(pred)
    return predicate(head, "to", new) if new.pos_ == "PROPN" else None


def _named(token) -> bool:
    return token.pos_ == "PROPN" or entity_type(token) in ("PERSON", "ORG", "GPE")


def _pobj(prep):
    """The object of a preposition, also a gerund ("from cycling to running": pcomp)."""
    if prep is None:
        return None
    return next((c for c in prep.children if c.dep_ in ("pobj", "pcomp")), None)


def _begun(pred, subject: str, said: str) -> Iterator[Change]:
    """'took up pottery', 'started working at Hooli', 'began learning Korean'."""
    for child in pred.children:
        if child.dep_ == "xcomp" and child.pos_ == "VERB":
            found = [(a, v) for a, v, negated in slots(child) if not negated]
            found = found or held_or_done(child, any_tense=True)
            yield from ((subject, a, v, False, None) for a, v in found)
            return
        if child.dep_ == "dobj" and said == "take up" and (value := value_text(child)):
            yield subject, "does", value, False, None


def replaced(readings) -> list[Change]:
    """A sentence's readings, where it ends X and states Y of the same subject and slot ("I
    left Initech; these days I work at Hooli") as one: Y, naming X as what it replaces."""
    out = [(*r, None) if len(r) == 4 else tuple(r) for r in readings]
    out = [r for r in out if not _ended_here(r, out)]
    for ended in [r for r in out if r[3] and r[4] is not None]:
        new = [r for r in out if r[:2] == ended[:2] and not r[3] and r[4] is None]
        if len({r[2].lower() for r in new}) == 1:  # one value, maybe read twice
            twins = [r for r in new if r is not new[0]]
            out = [(*r[:4], ended[4]) if r is new[0] else r for r in out if r is not ended]
            out = [r for r in out if not any(r is t for t in twins)]
    return out


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


def owner_of_lost(pred) -> Iterator[Change]:
    """ "My hamster passed away", "our dog died": the owner's pet or thing ends; a pet named
    beside its kind ("Ziggy, our gecko, died", "my cat Tofu passed away") ends by its name
    (`facts.endings` ends the kind of a pet whose name ends)."""
    if phrase(pred) != "pass away" and pred.lemma_.lower() != "die":  # "died in May"
        return
    subject = next((c for c in pred.children if c.dep_ == "nsubj"), None)
    if subject is None:
        return
    kinds = [subject] if subject.pos_ == "NOUN" else []
    kinds += [c for c in subject.children if c.dep_ == "appos" and c.pos_ == "NOUN"]
    # "my cat Tofu", the kind parsed as the verb's adjunct right before the name
    kinds += [c for c in pred.children if c.pos_ == "NOUN" and c.i == subject.i - 1]
    for thing in kinds:
        owner = next((c for c in thing.children if c.dep_ == "poss"), None)
        whose = None if owner is None else who(owner)
        if whose is None:
            continue
        name = _pet_name(subject, thing)
        if name is not None:
            yield whose, "pet_name", name, True, name
        elif value := value_text(thing):
            yield whose, "has_pet", value, True, value


def _pet_name(subject, thing) -> str | None:
    """The name said beside a pet's kind ("Ziggy, our gecko", "my cat Tofu")."""
    if subject.pos_ == "PROPN" and subject.i != thing.i:
        return subject.text
    named = [c for c in thing.children if c.dep_ in ("appos", "compound") and c.pos_ == "PROPN"]
    named = [c for c in named if c.i > thing.i]
    return named[0].text if len(named) == 1 and thing.lemma_.lower() in PET_KINDS else None


__all__ = [
    "Change",
    "changes",
    "ended_doing",
    "is_change",
    "is_gerund",
    "owner_of_lost",
    "phrase",
    "replaced",
]
