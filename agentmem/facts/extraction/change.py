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
    beginning   "took up X": X is done from now on ("started Xing": `extraction_beginning`)
    qualifying  "retrained as X", "requalified as X" (done): X is the job now (`_qualified`)
    past habit  "used to X": X ended, as under "stopped"; a past "had to" carries out
                the verb of change it governs ("had to rehome Max": `obliged`)

An ended value is a retraction; a value that replaces another carries the name of the one
it replaces. Either way `Fact.ends` names what ended, as the text names it, and the resolver
ends the subject's stored value it names, in whichever slot holds it
(`agentmem.facts.endings`): the slot given here is a guess from the verb class and the
object. Not changes: a trip or a departure ("left Paris for a weekend", "left at six"), a
change that is negated, hypothetical or future (`_asserted` in the parse, and `future`).
The classes' lemma sets are `extraction_change_verbs`; a value taken in an ended one's place
in a second clause ("sold the Golf and got a Fiat") is `extraction_replacement`'s, a pet's
death `extraction_losses`'.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.beginning import begun, taken_to
from agentmem.facts.extraction.change_verbs import (
    BEGINNING,
    CEASING,
    DAYS,
    DISPOSING,
    ENDED_PREPOSITIONS,
    ENDED_SLOT,
    ENDING,
    FUTURE,
    HOME_LEAVING,
    HOURS,
    LEAVING,
    PARTICLES,
    PARTING,
    PARTING_OBJECTS,
    PARTNER_SLOTS,
    POSTS_LEFT,
    QUALIFYING,
    SPANS,
    SWITCHING,
    TIES,
    UNIONS,
    Change,
    is_gerund,
    particle_prep,
    phrase,
    pobj,
)
from agentmem.facts.extraction.copula import copula
from agentmem.facts.extraction.dismissal import by_employer
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.holdings import held_or_done
from agentmem.facts.extraction.leaving import (
    idiom_object,
    implied_switch,
    is_implied_switch,
    left_by_idiom,
)
from agentmem.facts.extraction.negation import negated_clause
from agentmem.facts.extraction.pipeline import predicate_index
from agentmem.facts.extraction.predicates import PREDICATE_DEPS, predicate, slots
from agentmem.facts.extraction.replacement import switched, then_taken
from agentmem.facts.extraction.subjects import parties, subject_of, who
from agentmem.facts.extraction.values import a_time, value_text


def is_change(pred) -> bool:
    """A verb of ending, parting, disposing, switching or beginning (by lemma and particle),
    or "used to" (a habit now past)."""
    said = phrase(pred)
    ending = said in ENDING or pred.lemma_ in ENDING or _used_to(pred)
    ending = ending or idiom_object(pred) is not None or is_implied_switch(pred)
    begun = said in BEGINNING or taken_to(pred) is not None
    return ending or said in SWITCHING or begun or _qualified(pred) is not None


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
    if _future(pred) or _trip(pred) or by_employer(pred):
        return  # "Initech laid my sister off": the employer's act (`extraction_dismissal`)
    said = phrase(pred)
    if subject is None:
        yield from _parted(pred) if said in PARTING or pred.lemma_ in PARTING else ()
        return
    swapped = list(switched(pred, subject, said, lambda old: _guessed_slot(old, pred, said)))
    swapped = swapped or list(implied_switch(pred, subject))  # "switched over to T-Mobile"
    if idiom_object(pred) is not None and not swapped:  # "called it quits at the food bank"
        yield from left_by_idiom(pred, subject, lambda obj: _ended_thing(obj, pred, "leave"))
    elif (job := _qualified(pred)) is not None:
        yield subject, "job_title", job, False, None
    elif swapped:
        yield from swapped
    elif said in BEGINNING or pred.lemma_ in ("start", "begin"):
        yield from begun(pred, subject, said)
    elif (taken := taken_to(pred)) is not None and not negated_clause(pred):
        yield subject, "does", taken, False, None
    elif said in ENDING or pred.lemma_ in ENDING or _used_to(pred):
        ended = list(_ended(pred, subject, said)) or list(_post_left(pred, subject, said))
        taken = [] if any(r[1] == "spouse" for r in ended) else list(then_taken(pred))
        if len(ended) == 1 and len(taken) == 1:  # "dropped keto and went paleo": Y for X
            yield subject, *taken[0], False, ended[0][4]
            return
        yield from ended
        yield from ((subject, a, v, False, None) for a, v in taken if ended)


def _post_left(pred, subject: str, said: str) -> Iterator[Change]:
    """ "I retired last year", "she resigned in May", "Dad stepped down": a verb of leaving
    a post with nothing named after it (no object, no preposition but a time's) ends the
    subject's employer, every value of the slot, as a notice given does."""
    if said not in POSTS_LEFT and pred.lemma_.lower() not in POSTS_LEFT:  # "retire in May"
        return
    named = [c for c in pred.children if c.dep_ in ("dobj", "xcomp", "ccomp", "prt", "attr")]
    places = [c for c in pred.children if c.dep_ == "prep" and not _a_time_after(c)]
    # "quit early today to catch the game": a day's departure, for a purpose, is no leaving
    purpose = any(c.dep_ == "advcl" for c in pred.children)
    day = any(t.lower_ in DAYS or t.lower_ in HOURS for c in pred.children for t in c.subtree)
    if not named and not places and not purpose and not day:
        yield subject, "works_at", "", True, None


def _a_time_after(prep) -> bool:
    """A preposition whose object is a time ("in May", "after 30 years", "at 60")."""
    obj = pobj(prep)
    return obj is not None and (a_time(obj) or entity_type(obj) in ("DATE", "TIME"))


def _qualified(pred) -> str | None:
    """The occupation a done verb of qualifying names ("I retrained as a carpenter", "Mo
    requalified as a teacher"): the subject's job now; "I'm retraining as a plumber" is not
    yet one."""
    lemma = pred.lemma_.lower()
    lemma = lemma[:-2] + "y" if lemma.endswith("ie") else lemma  # "requalified": "requalifie"
    if lemma not in QUALIFYING or pred.tag_ not in ("VBD", "VBN"):
        return None
    as_ = next((c for c in pred.children if c.dep_ == "prep" and c.lower_ == "as"), None)
    job = pobj(as_)
    return None if job is None or job.pos_ != "NOUN" else (value_text(job, role=True) or None)


def _future(pred) -> bool:
    return any(c.dep_ == "aux" and c.lower_ in FUTURE for c in pred.children)


def _trip(pred) -> bool:
    """ "left Paris for a weekend", "left Leeds at six", "left work early", "left the office
    early today", "left Oslo this morning": a time of day, a span away or an hour's adverb
    (also of a day: `_in_the_day`) says a departure, not a parting."""
    if any(c.dep_ == "advmod" and c.lower_ in HOURS for c in pred.children):
        return True
    adverbials = [c for c in pred.children if c.dep_ in ("npadvmod", "advmod")]
    if pred.lemma_.lower() == "leave" and any(_in_the_day(c) for c in adverbials):
        return True  # "left Oslo this morning"; "quit Initech this morning" is a quitting
    for prep in (c for c in pred.children if c.dep_ == "prep" and c.lower_ in ("for", "at")):
        within = [t for t in prep.subtree if t.i != prep.i]
        kinds = {entity_type(t) for t in within}
        span = prep.lower_ == "for" and any(t.lemma_.lower() in SPANS for t in within)
        if "TIME" in kinds or span or (prep.lower_ == "for" and "DATE" in kinds):
            return True
    return False


def _in_the_day(adverbial) -> bool:
    """An adverbial of the verb that places it at a time of day ("this morning", "tonight")
    or at an hour of a day ("early today", "late yesterday"; not "late last year"): a
    one-off departure."""
    within = list(adverbial.subtree)
    if any(entity_type(t) == "TIME" for t in within):
        return True
    day = any(t.lemma_.lower() in DAYS for t in within)
    return day and any(t.dep_ == "advmod" and t.lower_ in HOURS for t in within)


# --- ending --------------------------------------------------------------------------------


def _ended(pred, subject: str, said: str) -> Iterator[Change]:
    if (said in PARTING or pred.lemma_ in PARTING) and _divides_a_thing(pred):
        return  # "Oskar and I split the bill": no parting
    if _ends_a_union(pred):
        yield from _parted(pred)  # "Dev and I ended our marriage"
        return
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
    elif _is_particle(child, pred) and (obj := pobj(child)) is not None:
        yield from _ended_thing(obj, pred, said)  # "traded in my Corolla": "in" a preposition


def _is_particle(child, pred) -> bool:
    return (particle := particle_prep(pred)) is not None and particle.i == child.i


def _ends_a_union(pred) -> bool:
    """A verb of ending whose object is the couple's union ("ended our marriage", "called
    off the engagement", "broke off our relationship"): a parting of the clause's parties."""
    return any(c.dep_ == "dobj" and c.lemma_.lower() in UNIONS for c in pred.children)


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
    preposition down: "moved out of X"), "on X" after "give up"."""
    as_post = prep.lower_ == "as" and said in POSTS_LEFT  # "stepped down as chair"
    given_up = prep.lower_ == "on" and said == "give up"  # "gave up on French"
    ended = prep.lower_ in ENDED_PREPOSITIONS or prep.lower_ in PARTICLES
    if not (ended or as_post or given_up):
        return None
    if prep.lower_ == "with" and said not in PARTING:
        return None
    if prep.lower_ in PARTICLES:  # "out of X"
        inner = next((c for c in prep.children if c.dep_ == "prep"), None)
        return None if inner is None else _ended_object(inner, said)
    # a gerund is its own clause's verb: "retired from teaching"
    return next((c for c in prep.children if c.dep_ in ("pobj", "pcomp")), None)


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


__all__ = [
    "Change",
    "changes",
    "ended_doing",
    "is_change",
    "is_gerund",
    "phrase",
]
