"""Copular clauses for the parse extractor (`extraction_parse`): "X is Y" -- favourites
either way round, names, ages, occupations, kinds, "from", "married to", and the provider
of a held service ("Our broadband is with Virgin Media": `_provided`)."""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.constituents import ADJUNCT_DEPS
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.employment import NOT_EMPLOYERS, TIMES
from agentmem.facts.extraction.holdings import how_long
from agentmem.facts.extraction.lexicon import (
    NUMBER_NOUNS,
    OCCUPATIONS,
    PLACE_PREDICATES,
    names_a_person,
    owned_thing,
    pet_kind,
    pet_name,
)
from agentmem.facts.extraction.negation import ends_a_state, is_negation, negates
from agentmem.facts.extraction.pipeline import known_verb, names_a_kind, predicate_index
from agentmem.facts.extraction.services import serviced
from agentmem.facts.extraction.subjects import looks_named, who
from agentmem.facts.extraction.values import a_time, fits, number_value, value_text
from agentmem.facts.vocabulary import adjective_slot, canonical

Reading = tuple[str, str, str, bool]  # subject, attribute, value, negated
FAVOURITE = frozenset({"favourite", "favorite", "fav", "favourit"})
STATE_ADVERBS = frozenset({"now", "nowadays", "currently"})
STAYS = ("from", "at", "in")
PROVIDED = ("with", "through")
# Being *in* a named place now ("I'm in Bath now") is where one lives only beside a home the
# statement ends ("not living in Brighton any more; I'm in Bath now"); alone it may be a
# trip. The reading's slot says so until `change.replaced` decides it.
PRESENT_STAY = "lives_in (now)"
NOT_HOMES = TIMES | {"ORG", "PERSON", "NORP"}
OWNERS_OF = frozenset({"mine", "ours", "yours", "his", "hers", "theirs"})
# Words that hedge the noun after their "of a" ("not much of a cook", "a bit of a foodie").
HEDGES = frozenset({"much", "bit", "something", "kind", "sort"})
# Nouns of one who likes something: "an Arsenal fan", "a jazz lover", "a film buff".
ADMIRERS = frozenset({"fan", "lover", "enthusiast", "buff", "aficionado", "devotee", "nut"})
ADMIRERS |= {"addict", "junkie", "fanatic", "supporter", "admirer", "connoisseur"}
# What one is "into" as a stretch of time, not a liking ("into my third year", "an hour into
# the film" is the other way round).
INTO_SPANS = frozenset({"year", "month", "week", "day", "hour", "minute", "term", "semester"})
INTO_SPANS |= {"season", "decade", "night", "morning", "evening", "afternoon", "weekend"}


def copula(pred, subject: str, negated: bool) -> Iterator[Reading]:
    """'X is Y': favourites either way round, names, ages, occupations, 'from', 'married to'."""
    subj = next((c for c in pred.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    comp = next((c for c in pred.children if c.dep_ in ("attr", "acomp")), None)
    if (yield from _favourite(subj, comp, negated)) or subject is None:
        return
    if comp is None and (yield from _provided(pred, subj, negated)):
        return
    if (yield from _into(pred, comp, subject, negated)):
        return
    if comp is None:
        yield from _placed(pred, subject, negated)
        yield from _on_a_diet(pred, subject, negated)
        return
    hedged = _hedged(comp)  # "not much of a cook": a kind, no job
    attr, hedge = comp.dep_ == "attr" or hedged is not comp, hedged is not comp
    comp = hedged
    if attr and (yield from _admirer(comp, subject, negated)):
        return
    if (yield from _related(comp, subject, negated)):
        return
    if comp.lower_ == "old" or (comp.like_num and number_value(comp) is not None):  # "34"
        # "34 years old", "seven", "forty-two"
        numeral = next(
            (t for t in comp.subtree if t.tag_ == "CD" and t.head.tag_ != "CD"), None
        )  # the number's head: "four" of "thirty-four years old"
        number = number_value(comp) if comp.like_num else numeral and number_value(numeral)
        counted = any(c.dep_ == "prep" for c in comp.children)  # "one of five"
        if number is not None and 0 < number < 130 and _ages(subj, comp) and not counted:
            yield subject, "age", str(number), negated
    elif comp.lower_ in PLACE_PREDICATES or comp.lower_ in NUMBER_NOUNS:
        return  # "Anna is home now": where she is; "my flat is number 4": the number it bears
    elif comp.pos_ == "NOUN" and comp.lemma_.lower() in OCCUPATIONS and not hedge:
        yield subject, "job_title", value_text(comp, role=True), negated
        yield from ((subject, "works_at", v, negated) for v in _employer_of_role(comp))
    elif (comp.pos_ in ("NOUN", "PROPN") or _nominal(comp)) and attr:
        if not _is_kind(comp):
            return
        role = any(_of_owner(c) for c in comp.children)
        if value := value_text(comp, role=role, adjective=comp.pos_ == "ADJ"):
            yield subject, "is_a", value, negated
    elif comp.pos_ == "ADJ" and _bare(comp) and names_a_kind(comp.lower_):
        yield subject, "is_a", comp.text, negated or negates(comp)  # not "I am tired"


def _admirer(comp, subject: str, negated: bool):
    """ "I'm a massive Arsenal fan", "a jazz lover", "a big fan of opera": a noun of one who
    likes something names what is liked, before it (its compound) or after it ("of");
    the subject likes that, and is no kind "massive Arsenal fan". Returns whether it was
    one."""
    if comp.lemma_.lower() not in ADMIRERS:
        return False
    # the compound names what is liked ("opera" of "a real opera lover", not "real"), or a
    # name the tagger made an adjective right before the noun ("a huge Celtic fan")
    liked = [c for c in comp.children if c.dep_ == "compound"]
    before = comp.doc[comp.i - 1] if comp.i > comp.sent.start else None
    if not liked and before is not None and before.dep_ == "amod" and before.text[:1].isupper():
        liked = [before]
    of = next((c for c in comp.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    objects = [c for c in of.children if c.dep_ == "pobj"] if of is not None else []
    if liked and not objects:
        words = [t for c in liked for t in c.subtree if t is c or t.dep_ == "compound"]
        value = "".join(t.text_with_ws for t in sorted(words, key=lambda t: t.i)).strip()
    else:
        value = value_text(objects[0]) if objects else ""
    if not value:
        return False
    yield subject, "likes", value, negated
    return True


def _hedged(comp):
    """The noun a hedge stands before ("not much of a cook", "a bit of a foodie", "something
    of an expert", "kind of a nerd"): what the subject is said to be; else `comp`."""
    if comp.lemma_.lower() not in HEDGES:
        return comp
    of = next((c for c in comp.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    noun = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
    if noun is None or not any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in noun.children):
        return comp
    return noun


def _into(pred, comp, subject: str, negated: bool):
    """ "I'm into jazz": being *into* something is liking it, whatever adverbs or
    intensifiers stand between ("really into", "not really into", "super into", where the
    parser makes the intensifier the complement and hangs "into" on it); not a time one is
    into ("into my third year"). Returns whether the clause was one."""
    heads = [pred] if comp is None else [pred, comp] if comp.dep_ == "acomp" else []
    for prep in (c for h in heads for c in h.children if c.dep_ == "prep" and c.lower_ == "into"):
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if obj is None or a_time(obj) or entity_type(obj) in TIMES:
            continue
        if obj.lemma_.lower() in INTO_SPANS:
            continue
        if value := value_text(obj):
            yield subject, "likes", value, negated
            return True
    return False


def _ages(subj, comp) -> bool:
    """Whether "<subject> is N" gives the subject's age: with an age cue ("34 years old"),
    of any subject; a bare number only of one that has an age, a person or a pet ("I'm 34",
    "Tom is 41", "my cat is 3"), never of a thing or of the number it bears ("my locker
    number is 121", "my flat is number 4", "my bus is the 42")."""
    if comp.lower_ == "old":
        return True
    if subj is None or subj.lower_ in NUMBER_NOUNS or comp.lower_ in NUMBER_NOUNS:
        return False
    if any(c.dep_ == "det" or (c.dep_ == "compound" and c.tag_ != "CD") for c in comp.children):
        return False  # "the 42", "number 4"; not "forty-two"
    thing = subj.pos_ == "NOUN" and subj.text.islower()  # a name the tagger took for a noun
    return not thing or names_a_person(subj) or pet_kind(subj) is not None


def _employer_of_role(role) -> Iterator[str]:
    """The employer a role is held at or for ("a lawyer at Baker McKenzie", "a nurse for the
    health board"): a name, or a noun of a place of work (`extraction_values.fits`); the
    parser hangs the place on the role or on the copula ("I'm a baker at a cafe")."""
    owners = (role, role.head) if role.dep_ == "attr" else (role,)
    preps = [c for t in owners for c in t.children if c.dep_ == "prep"]
    for prep in (c for c in preps if c.lower_ in ("at", "for")):
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if obj is not None and entity_type(obj) not in NOT_EMPLOYERS and fits("works_at", obj):
            if value := value_text(obj):
                yield value
                return


def _placed(pred, subject: str, negated: bool) -> Iterator[Reading]:
    """'I'm from Cork'; 'these days I'm at Hooli'; 'I'm in Bath now'. Being *at* a named
    organisation is working there, unless a dated time bounds the stay ("at Google this
    weekend", "today": a visit). The recogniser's label decides only against: a name it
    calls a place ("at Heathrow") is a visit; one it calls a person or a work of art ("at
    Accenture") is, in this frame, an organisation it did not know
    (`extraction_employment`). Said to have ended ("I'm no longer at Lidl", "not ...
    anymore"; not "not at Lidl today"), the stay names what ends whatever the label: the
    name, carried as the ending (`facts.endings`), ends the subject's stored value that
    holds it, in its slot. Being *in* a named place now is a `PRESENT_STAY`."""
    dated = any(c.dep_ == "npadvmod" and _a_time(c) and not _a_state(c) for c in pred.children)
    for child in (c for c in pred.children if c.dep_ == "prep" and c.lower_ in STAYS):
        obj = next((c for c in child.children if c.dep_ == "pobj"), None)
        if obj is None or not (value := value_text(obj)):
            continue
        if child.lower_ == "from":
            yield subject, "from", value, negated
        elif obj.pos_ != "PROPN" or dated or a_time(obj):  # "my birthday's in October": when
            continue
        elif child.lower_ == "in" and _placed_thing(pred):
            yield subject, "lives_in", value, negated  # "our office is in Shoreditch": where
        elif child.lower_ == "in":
            if not negated and _a_new_state(pred) and entity_type(obj) not in NOT_HOMES:
                yield subject, PRESENT_STAY, value, False  # a home only beside an ended one
        elif negated and ends_a_state(pred) and entity_type(obj) not in TIMES:
            yield subject, "works_at", value, True, value
        elif entity_type(obj) not in NOT_EMPLOYERS or (
            entity_type(obj) == "GPE" and _a_new_state(pred)
        ):
            yield subject, "works_at", value, negated


def _placed_thing(pred) -> bool:
    """A thing of its owner that is *in* a named place ("our office is in Shoreditch", "my
    parents' house is in Didsbury"): a thing takes no trips, so that is where it stands,
    as "based in" says it; a person or an animal in a place may be visiting, and so may a
    thing there *for* something ("my car is in Leeds for repairs")."""
    if any(t.dep_ == "prep" and t.lower_ == "for" for t in pred.subtree):
        return False
    return owned_thing(next((c for c in pred.children if c.dep_ == "nsubj"), None))


def _provided(pred, subj, negated: bool):
    """ "Our broadband is with Virgin Media", "my mortgage is through Halifax": an owned
    thing (no person: "my sister is with Tom" is a couple; no pet) is *with* or *through* a named
    organisation, its provider: `<thing>_provider` of the owner, one at a time, so a later
    provider replaces it and a switch that names it ends it (`facts.endings`). Returns
    whether it read one."""
    owner = next((c for c in subj.children if c.dep_ == "poss"), None) if subj else None
    if owner is None or subj.pos_ != "NOUN" or names_a_person(subj) or pet_kind(subj):
        return False
    if (whose := who(owner)) is None:
        return False
    things = [subj] + [c for c in subj.children if c.dep_ == "conj" and c.pos_ == "NOUN"]
    if not all(serviced(_service(t).replace("_", " ")) for t in things):
        return False  # "my heart is with Liverpool": an allegiance, no provider
    for prep in (c for c in pred.children if c.dep_ == "prep" and c.lower_ in PROVIDED):
        for obj in (c for c in prep.children if c.dep_ == "pobj" and _a_name(c)):
            if entity_type(obj) in TIMES or not (value := value_text(obj, adjective=True)):
                continue
            ended = (value,) if negated and ends_a_state(pred) else ()
            for thing in things:  # "our gas and electricity are with EDF"
                yield (whose, _service(thing) + "_provider", value, negated, *ended)
            return True
    return False


def _a_name(token) -> bool:
    """A proper noun, or a capitalised word inside the sentence the small tagger took for a
    common noun or an adjective ("with Direct Line", "with Hyperoptic")."""
    if token.pos_ == "PROPN":
        return True
    return token.pos_ in ("NOUN", "ADJ") and token.is_title and token.i > token.sent.start


def _service(noun) -> str:
    """The slot's name for a service: the noun with its compounds ("car_insurance")."""
    words = [t for t in noun.children if t.dep_ == "compound" and t.i < noun.i] + [noun]
    return "_".join(t.lemma_.lower() for t in words)


def _a_new_state(pred) -> bool:
    """Whether the stay is said to be the subject's present state ("now", "these days",
    "nowadays", "currently"), where a name the recogniser calls a city or country is an
    organisation it did not know: one is *in* a city, not at it ("now I'm at Datadog")."""
    return any(_a_state(child) for child in pred.children)


def _a_state(adjunct) -> bool:
    """ "now", "these days", "nowadays", "currently": an adjunct of the present state, never
    a date that bounds a visit."""
    return adjunct.lower_ in STATE_ADVERBS or (
        adjunct.lemma_ == "day" and any(c.lower_ in ("these", "those") for c in adjunct.children)
    )


def _on_a_diet(pred, subject: str, negated: bool) -> Iterator[Reading]:
    """ "I'm on a keto diet", "Ravi is on the paleo diet": the kind of diet one keeps, as
    "I'm vegan" states one (`is_a`); a diet of no named kind ("on a diet") states none."""
    for child in (c for c in pred.children if c.dep_ == "prep" and c.lower_ == "on"):
        diet = next((c for c in child.children if c.dep_ == "pobj"), None)
        if diet is None or diet.lemma_.lower() != "diet":
            continue
        kinds = [
            c
            for c in diet.children
            if c.i < diet.i
            and (c.dep_ == "compound" or (c.dep_ == "amod" and names_a_kind(c.lower_)))
        ]
        if kinds:
            yield subject, "is_a", " ".join(k.lower_ for k in kinds), negated


def _a_time(adjunct) -> bool:
    """A noun adjunct of the copula that dates the stay: one the recogniser calls a date or a
    time, or a bare noun ("today", "tonight": a noun standing alone as an adjunct names when,
    where the recogniser left it unlabelled); chat's interjections ("omg", "lol", "tbh"),
    which the tagger makes such nouns, date nothing."""
    from agentmem.facts.extraction.word_lexicon import CHAT_WORDS

    return entity_type(adjunct) in ("DATE", "TIME") or (
        adjunct.pos_ == "NOUN" and not list(adjunct.children) and adjunct.lower_ not in CHAT_WORDS
    )


def demoted_copula(pred) -> bool:
    """A copular clause whose copula the tagger made an auxiliary of its complement ("I'm no
    longer vegetarian", "I'm not vegan any more": 'vegetarian' the root, "'m" its aux): a
    root adjective or noun, or a 'verb' in no participle form, with "be" as auxiliary."""
    if pred.pos_ not in ("ADJ", "NOUN", "VERB") or pred.tag_ in ("VBN", "VBG", "VBD"):
        return False
    return any(c.dep_ in ("aux", "auxpass") and c.lemma_ == "be" for c in pred.children)


def kind_of(pred, subject: str | None, negated: bool) -> Iterator[Reading]:
    """What a demoted copula's complement says, as the copula reads it: a kind ("I am
    vegetarian"), or a relation by its preposition ("Hana is married to Kaito", where the
    tagger made "is" a passive auxiliary of "married")."""
    if subject is not None and not (yield from _related(pred, subject, negated)):
        if names_a_kind(pred.lower_):
            yield subject, "is_a", pred.text, negated


def _related(comp, subject: str, negated: bool):
    """A complement with a preposition the table reads ("married to X", "engaged to X"),
    or an adjective with its preposition where the table names none ("scared of heights",
    "intolerant to gluten", "proud of my son": `adjective_slot`): the reading; returns
    whether there was one."""
    index = predicate_index()
    # the adjective's own preposition only: one the parser hung on the copula is as often
    # the clause's adjunct ("not vegan at home any more", "happy in Leeds")
    for child in (c for c in comp.children if c.dep_ == "prep"):
        attribute = index.get(f"{comp.lower_} {child.lower_}") or index.get(
            f"{comp.lemma_.lower()} {child.lower_}"
        )
        adjectival = attribute is None and comp.pos_ == "ADJ"
        if adjectival:
            attribute = adjective_slot(comp.lower_, child.lower_)
        obj = next((c for c in child.children if c.dep_ == "pobj"), None)
        if obj is None and adjectival:  # "nervous about flying": the gerund is the object
            obj = next((c for c in child.children if c.dep_ == "pcomp" and c.tag_ == "VBG"), None)
        if adjectival and obj is not None and (a_time(obj) or obj.like_num):
            continue  # "due on the 12th", "free on Fridays": when, no relation
        value = "" if obj is None else value_text(obj) or (obj.text if obj.tag_ == "VBG" else "")
        if attribute and value:
            yield subject, attribute, value, negated
            return True
    if (noun := _infinitive_noun(comp)) is not None:  # "allergic to shellfish": "to" + a verb
        attribute = index.get(f"{comp.lemma_.lower()} to") or adjective_slot(comp.lower_, "to")
        if attribute and (value := noun.text):
            yield subject, attribute, value, negated
            return True
    return False


def _infinitive_noun(comp):
    """The noun where the parser read an adjective's "to" and its noun as an
    infinitive ("allergic to shellfish": 'shellfish' tagged a verb): a word that the
    lexicon lists as no verb after the adjective's "to" is the preposition's object."""
    for clause in (c for c in comp.children if c.dep_ == "xcomp" and c.tag_ == "VB"):
        to = next((c for c in clause.children if c.dep_ == "aux" and c.lower_ == "to"), None)
        if to is not None and to.i == comp.i + 1 and clause.i == to.i + 1:
            if not known_verb(clause.lower_) and clause.is_alpha:
                return clause
    return None


def _bare(comp) -> bool:
    """An adjective alone, or with only the negation that scopes over it ("no longer") and
    adjuncts of the clause ("vegan most of the time", "strictly kosher", "vegetarian for
    ethical reasons": `extraction_constituents`); not one joined to more ("vegan and ...")."""
    return all(
        is_negation(c) or (c.dep_ in ADJUNCT_DEPS and c.dep_ not in ("cc", "conj"))
        for c in comp.children
    )


def _is_kind(comp) -> bool:
    """'vegan', 'a Buddhist', 'a night owl': a kind the subject is; not a relational noun
    ('part of this journey', 'a mix of excited'), a possession or a long description."""
    joined = [c.i for c in comp.children if c.dep_ in ("cc", "conj")]  # "... and lives in"
    words = [t for t in comp.subtree if t.i < min(joined, default=len(comp.doc))]
    if comp.like_num or any(c.dep_ == "nummod" for c in comp.children):
        return False  # "my commute is about 40 minutes": an amount, not a kind
    words = [t for t in words if not _of_owner(t)]  # "a client of ours": a kind all the same
    manner = {t.i for c in comp.children if _manner(c) for t in c.subtree}
    words = [t for t in words if t.i not in manner]  # "a glassblower by trade"
    return len(words) <= 4 and not any(t.dep_ in ("prep", "poss", "relcl", "acl") for t in words)


def _nominal(comp) -> bool:
    """A complement tagged as an adjective that an indefinite article makes a noun: "a" with
    an adjective and no noun after it is no English phrase, so the tagger misread a noun
    ("I'm a luthier": 'luthier' read as a comparative like 'happier')."""
    return comp.pos_ == "ADJ" and any(
        c.dep_ == "det" and c.lower_ in ("a", "an") for c in comp.children
    )


def _manner(token) -> bool:
    """An adverbial the parser hung on the kind, no part of it: "by" with a bare common noun,
    how the subject is the kind ("a glassblower by trade", "Irish by birth"), or how long it
    has been ("vegan for three years", "a nurse since 2015": `holdings.how_long`)."""
    if token.dep_ == "prep" and how_long(token):
        return True
    if token.dep_ != "prep" or token.lower_ != "by":
        return False
    objects = [c for c in token.children if c.dep_ == "pobj"]
    return len(objects) == 1 and objects[0].pos_ == "NOUN" and not list(objects[0].children)


def _of_owner(token) -> bool:
    """A word of "of ours", "of mine": the owner a kind belongs to, no relation it names."""
    if token.dep_ == "prep" and token.lower_ == "of":
        objects = [c for c in token.children if c.dep_ == "pobj"]
        return len(objects) == 1 and objects[0].lower_ in OWNERS_OF
    return token.dep_ == "pobj" and token.lower_ in OWNERS_OF and token.head.lower_ == "of"


def _favourite(subj, comp, negated: bool):
    """A slot of an owner that a possessive noun names, either way round: 'My favourite
    season is autumn', 'Autumn is Anna's favorite season', 'My name is X', 'Alice's husband
    is Bob', 'My employer is Hooli', 'My brother's name is Tom' (the user's sibling).
    Returns whether the clause was one of these."""
    if subj is None or comp is None:
        return False
    for thing, value in ((subj, comp), (comp, subj)):
        owner = next((c for c in thing.children if c.dep_ == "poss"), None)
        if owner is None:  # a favourite is someone's: "my", "Anna's"
            continue
        slot = _owned_slot(thing, owner)
        if slot is None and value.pos_ == "PROPN":  # "my dog is Rex": the dog's name
            slot = _named(thing, owner)
        if slot is None:
            continue
        whose, attribute = slot
        if not _namesvalue_text(attribute, value):  # "my older sister is 34": her age
            return False
        kind = pet_kind(owner if thing.lemma_ == "name" else thing)
        for each in (value, *value.conjuncts) if whose else ():  # "my kids are Tam and Oli"
            if text := value_text(each, adjective=True):
                named = pet_name(text, kind) if attribute == "pet_name" and kind else text
                yield whose, attribute, named, negated
        return True
    return False


def _owned_slot(thing, owner) -> tuple[str | None, str] | None:
    """(owner, attribute) the possessed noun names, through the attribute table; a name
    of someone's relative or pet is that relation of its owner ("my brother's name")."""
    if any(c.dep_ == "amod" and c.lower_ in FAVOURITE for c in thing.children):
        return who(owner), canonical(f"favorite {_normal_noun(thing)}")
    index = predicate_index()
    if thing.lemma_ == "name" and owner.pos_ == "NOUN":
        grand = next((c for c in owner.children if c.dep_ == "poss"), None)
        relation = index.get(f"{owner.lemma_.lower()} 's name") or index.get(owner.lemma_.lower())
        relation = "pet_name" if pet_kind(owner) else relation  # "our rabbit's name"
        if grand is not None and relation is not None:
            return who(grand), relation
    if thing.lemma_ == "name":
        return who(owner), "name"
    if thing.pos_ == "NOUN" and (attribute := _compound_slot(thing, index)):
        return who(owner), attribute
    return None


def _compound_slot(thing, index: dict[str, str]) -> str | None:
    """The slot a possessed noun names, read with its compound words first ('home town'
    is the table's 'hometown', not 'town'), spaced or written as one word."""
    words = [c.lower_ for c in thing.children if c.dep_ == "compound" and c.i < thing.i]
    head = thing.lemma_.lower()
    if words:
        for key in (" ".join([*words, head]), "".join([*words, head])):
            if key in index:
                return index[key]
    return index.get(head)


def _named(thing, owner) -> tuple[str | None, str]:
    """The slot a possessed noun's name fills: the owner's pet name or relation where the
    table has one ("my dog is Rex" -> pet_name), else the name of the owner's noun."""
    relation = predicate_index().get(f"{thing.lemma_.lower()} 's name")
    relation = "pet_name" if pet_kind(thing) else relation  # "my hamster is Nibbles"
    return (who(owner), relation) if relation else (who(thing), "name")


def _namesvalue_text(attribute: str, value) -> bool:
    """A favourite or a name takes any value; another slot a possessive noun names takes a
    name ('my home is Leeds', not 'my home is a mess'), or an occupation."""
    if attribute in ("name", "pet_name") or attribute.startswith("favorite_"):
        return True
    if attribute == "job_title":
        return fits(attribute, value)
    return value.pos_ == "PROPN" or looks_named(value)


def _normal_noun(token) -> str:
    """The noun in the spelling the vocabulary keys slots by (colour -> color)."""
    from agentmem.facts.sameness import content_words

    return next(iter(content_words(token.lemma_.lower())), token.lemma_.lower())


__all__ = ["FAVOURITE", "Reading", "copula", "demoted_copula", "kind_of"]
