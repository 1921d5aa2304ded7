"""Light constructions that state a standard slot in words of their own (`extraction_parse`).

A small closed class, each read by its construction, not by its words:

    dependence     "can't live without coffee", "couldn't do without her bike": a negated
                   "can"/"could" with "live"/"do"/"manage"/"cope"/"survive" without X ->
                   `likes` X (a plain "can live without X" says the opposite: nothing)
    calling home   "I call Lisbon home" (the simple present: "I called Mum home" is a
                   summons; no name the recogniser calls a person), "Lisbon is home now",
                   "Ghent is our home" -> `lives_in` (of the speaker, or of the owner "home"
                   has); a bare "X is home" only of a name the recogniser calls a place
                   ("Anna is home now" says where Anna is); "home to" is another sense
                   ("Lisbon is home to many artists")
    acquiring      adopt, rescue, foster, get, buy, take in an animal -> `has_pet`: the past
                   states the result, as a wedding's does; an animal by the pet lexicon or,
                   after a verb whose object is a being (adopt, rescue, foster, take in), for
                   a noun the lexicon lacks, by meaning (`extraction_holdable.an_animal`:
                   "adopted a child", "rescued a hiker" are no pets); "have got" is a
                   possession, read by the holdings reader
    alumni         "a graduate / an alumnus of X", "a Cornell graduate" -> `study_at` X
    becoming       "went vegan", "turned vegetarian" (done): a bare kind after "go" or
                   "turn" is what the subject is now -> `is_a` ("went quiet", "turned red"
                   are states, no kinds: `pipeline.names_a_kind`)
    switching      "switched our mortgage to Nationwide", "moved my pension to Aviva": a
                   possessed service (`extraction_services`) moved to a named organisation ->
                   `<service>_provider`, as "our mortgage is with Nationwide" says it; the
                   owner is a person ("the cat's name" is renamed, not switched)

`stated` replaces the clause's literal reading ("can't live without" is no negated "live");
`also_stated` adds to it (an animal adopted is also an event of adopting).
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.constituents import called
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.holdable import an_animal
from agentmem.facts.extraction.holdings import holds_now
from agentmem.facts.extraction.lexicon import names_a_person, pet_kind, pet_name
from agentmem.facts.extraction.pipeline import names_a_kind
from agentmem.facts.extraction.services import serviced
from agentmem.facts.extraction.subjects import who
from agentmem.facts.extraction.values import number_value, value_text
from agentmem.facts.extraction.word_lexicon import lexicon_of_pipeline

DEPENDING = frozenset({"live", "do", "manage", "cope", "survive"})
ABLE = frozenset({"can", "could", "ca"})  # "ca" of "can't"
ACQUIRING = frozenset({"adopt", "rescue", "foster", "get", "buy", "take"})
SAVING = frozenset({"adopt", "rescue", "foster", "take"})  # verbs whose object is a being
ALUMNI = frozenset({"graduate", "alumnus", "alumna", "alumni", "alum"})
SWITCHING = frozenset({"switch", "move", "transfer", "change"})
BECOMING = frozenset({"go", "turn"})
PLACES = ("GPE", "LOC", "FAC")
Said = tuple[str, str, bool]  # attribute, value, negated


def stated(pred) -> list[Said]:
    """What a verb's idiom states of its subject in place of a literal reading (empty: no
    idiom of the class): a dependence, a home."""
    lemma = pred.lemma_.lower()
    if lemma in DEPENDING:
        return list(_dependence(pred))
    if lemma == "call":
        return list(_called_home(pred))
    return []


def also_stated(pred) -> list[Said]:
    """What a verb's idiom states beside what the other readers take from the clause: an
    animal acquired, a service switched, a kind become."""
    lemma = pred.lemma_.lower()
    if lemma in ACQUIRING:
        return list(_acquired(pred))
    if lemma in SWITCHING:
        return list(_switched(pred))
    if lemma in BECOMING and pred.tag_ in ("VBD", "VBN"):
        return list(_became(pred))
    return []


def _became(pred) -> Iterator[Said]:
    """ "went vegan", "turned vegetarian": a bare kind as the verb's complement; "turned 40":
    a bare number a person or an animal turned is their age."""
    if any(c.dep_ == "prep" and c.lower_ == "to" for c in pred.children):
        return  # "went to the gym"
    if pred.lemma_.lower() == "turn" and (age := _age_turned(pred)) is not None:
        yield "age", age, False
        return
    for kind in (c for c in pred.children if c.dep_ in ("dobj", "acomp", "oprd", "attr")):
        bare = not any(c.dep_ in ("det", "poss") for c in kind.children)
        typed = kind.pos_ in ("ADJ", "NOUN") or (kind.pos_ == "PROPN" and kind.text.islower())
        if bare and typed and names_a_kind(kind.lower_):  # "vegetarian" tagged a name
            yield "is_a", kind.lower_, False


def _age_turned(pred) -> str | None:
    """The number a being turned ("I turned 40", "my nephew just turned 7"), else None
    ("the bus turned 3 corners", "sales turned 10%": no being, or a counted thing)."""
    subject = next((c for c in pred.children if c.dep_ == "nsubj"), None)
    if subject is None or not (
        names_a_person(subject) or pet_kind(subject) or _a_name(subject) or _bare_name(subject)
    ):
        return None
    for c in pred.children:
        if c.dep_ not in ("dobj", "attr", "npadvmod", "oprd"):
            continue
        if any(g.tag_ != "CD" and g.dep_ != "punct" for g in c.children):
            continue  # "turned 3 corners"
        if (number := number_value(c)) is not None:  # "40", "thirty", "forty-two"
            return str(number) if 0 < number < 130 else None
    return None


def _bare_name(token) -> bool:
    """A capitalised singular noun with no word of its own before it ("Grace turned forty":
    a singular common noun takes an article, so 'Grace' here is a name, whatever the
    lexicon also lists)."""
    return (
        token.text[:1].isupper()
        and token.tag_ == "NN"
        and not any(c.i < token.i for c in token.children)
    )


def _a_name(token) -> bool:
    """A capitalised word the tagger took for a common noun that is no word of the lexicon
    ("Ravi turned 50": 'Ravi' tagged NN)."""
    if not token.text[:1].isupper() or token.tag_ != "NN":
        return False
    known = lexicon_of_pipeline()
    return known is not None and not known(token.lower_)


def copular(be, subj) -> list[tuple[str, str, str, bool]]:
    """(subject, attribute, value, negated) of "X is home", "S is a graduate of X"."""
    negated = any(c.dep_ == "neg" for c in be.children)
    out: list[tuple[str, str, str, bool]] = []
    for side in (c for c in be.children if c.dep_ in ("attr", "acomp") and c.i > be.i):
        if side.lower_ == "home" and subj is not None and subj.pos_ == "PROPN":
            if any(c.dep_ == "prep" and c.lower_ == "to" for c in side.children):
                continue  # "home to many artists"
            owner = next((c for c in side.children if c.dep_ == "poss"), None)
            if not (_a_place(subj) or (owner is not None and entity_type(subj) != "PERSON")):
                continue  # "Anna is home now": where Anna is
            whose = "user" if owner is None else who(owner)
            if whose is not None and (value := value_text(subj)):
                out.append((whose, "lives_in", value, negated))
        elif side.lemma_.lower() in ALUMNI and subj is not None:
            school = _school(side)
            if (whose := who(subj)) is not None and school:
                out.append((whose, "study_at", school, negated))
    return out


def _a_place(token) -> bool:
    """A name the recogniser calls a place: "Anna is home now" is where Anna is."""
    return token.pos_ == "PROPN" and entity_type(token) in PLACES


def _school(noun) -> str:
    """The school an alumni noun names: its "of" object, or a name before it."""
    for prep in (c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"):
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if obj is not None and obj.pos_ == "PROPN":
            return value_text(obj)
    named = [c for c in noun.children if c.dep_ == "compound" and c.pos_ == "PROPN"]
    return " ".join(t.text for t in sorted(named[0].subtree, key=lambda t: t.i)) if named else ""


def depended(pred) -> bool:
    """ "can't / couldn't live without X": the frame of a dependence (a negated ability)."""
    if pred.lemma_.lower() not in DEPENDING or any(c.dep_ == "dobj" for c in pred.children):
        return False
    negated = any(c.dep_ == "neg" for c in pred.children)
    able = any(c.dep_ == "aux" and c.lower_ in ABLE for c in pred.children)
    without = any(c.dep_ == "prep" and c.lower_ == "without" for c in pred.children)
    return negated and able and without


def _dependence(pred) -> Iterator[Said]:
    if not depended(pred):
        return
    for prep in (c for c in pred.children if c.dep_ == "prep" and c.lower_ == "without"):
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if obj is not None and (value := value_text(obj)):
            yield "likes", value, False


def _called_home(pred) -> Iterator[Said]:
    """ "I call Lisbon home": the parser makes the place an object or a compound of "home"."""
    home = next((c for c in pred.children if c.lower_ == "home" and c.dep_ != "prep"), None)
    if home is None:
        return
    places = [c for c in pred.children if c.dep_ == "dobj" and c.i != home.i]
    places += [c for c in home.children if c.dep_ == "compound"]
    present = pred.tag_ in ("VBP", "VBZ")  # "I called Mum home": a summons, an event
    for place in places:
        if place.pos_ == "PROPN" and entity_type(place) != "PERSON" and present:
            value = value_text(place) or place.text
            yield "lives_in", value, any(c.dep_ == "neg" for c in pred.children)


def _acquired(pred) -> Iterator[Said]:
    if pred.lemma_.lower() == "take" and not any(c.lower_ == "in" for c in pred.children):
        return  # "took in a stray", not "took a cat to the vet"
    if any(c.dep_ == "neg" for c in pred.children) or holds_now(pred):
        return  # "we've got a cat" is a possession, read as one (`extraction_holdings`)
    obj = next((c for c in pred.children if c.dep_ == "dobj"), None)
    for each in () if obj is None else (obj, *obj.conjuncts):
        if each.pos_ != "NOUN" or any(c.lower_ == "no" for c in each.children):
            continue
        living = pred.lemma_.lower() in SAVING  # a noun the pet lexicon lacks, by meaning
        if pet_kind(each) or (living and an_animal(each.lemma_.lower())):
            yield "has_pet", value_text(each, adjective=True, role=True) or each.text, False
            if named := called(each):  # "got another cat named Bailey", as holdings says it
                name = " ".join(n.text for n in named)
                yield "pet_name", pet_name(name, each.lemma_.lower()), False


def _switched(pred) -> Iterator[Said]:
    """A possessed service moved to a named organisation."""
    obj = next((c for c in pred.children if c.dep_ == "dobj"), None)
    owner = next((c for c in obj.children if c.dep_ == "poss"), None) if obj is not None else None
    if owner is None or obj.pos_ != "NOUN" or not names_a_person(owner):
        return  # "changed the cat's name to Juniper": a renaming, no service
    for prep in (c for c in pred.children if c.dep_ == "prep" and c.lower_ == "to"):
        org = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if org is None or not (org.pos_ == "PROPN" or org.is_title):
            continue
        words = [t for t in obj.children if t.dep_ == "compound" and t.i < obj.i] + [obj]
        service = "_".join(t.lemma_.lower() for t in words)
        if serviced(service.replace("_", " ")) and (value := value_text(org) or org.text):
            yield f"{service}_provider", value, False
