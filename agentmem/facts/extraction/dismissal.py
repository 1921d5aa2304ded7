"""Jobs ended by the employer, for the parse extractor (`extraction_parse`): "IKEA made me
redundant", "the bakery let me go", "Initech laid my dad off", "I was fired by the council".

A verb of leaving takes the one who left as its subject ("I quit Initech": `extraction_change`);
a verb of dismissal takes the employer as its subject and the one dismissed as its object, or,
in the passive, the one dismissed as its subject and the employer after "by". Either way the
one dismissed no longer works at the employer: a retraction of `works_at` that names the
employer as what ended (`facts.endings` ends the stored value that holds its words). The
employer is a name or a noun of a place of work (`extraction_values.fits`); "they fired me"
names none, and a dismissal of a thing ("fired the kiln", "let the dough rest") is no
dismissal of a person.

    dismissing  fire, sack, dismiss, axe, lay off, let go, make redundant
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.subjects import who
from agentmem.facts.extraction.values import fits, value_text

DISMISSING = frozenset({"fire", "sack", "dismiss", "axe", "lay off"})
FUTURE = frozenset({"will", "'ll", "wo", "gonna"})
# Who is let go or made redundant: the object, or the parser's subject of the complement.
PERSON_DEPS = ("dobj", "nsubj")


def dismissed(pred) -> Iterator[tuple[str, str, str, bool, str]]:
    """(person, "works_at", employer, True, employer) for a clause of dismissal."""
    if not _dismissal(pred):
        return
    passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in pred.children)
    if passive:
        person = next((c for c in pred.children if c.dep_ == "nsubjpass"), None)
        employer = _agent(pred)
    else:
        employer = next((c for c in pred.children if c.dep_ == "nsubj"), None)
        person = _dismissed_person(pred)
    if person is None or employer is None or not fits("works_at", employer):
        return
    whose, value = who(person), value_text(employer)
    if whose is not None and value:
        yield whose, "works_at", value, True, value


def by_employer(pred) -> bool:
    """Whether the clause is a dismissal told from the employer's side ("Initech laid my
    sister off", "I fired the kiln"): active, so its subject is not the one who left."""
    return _dismissal(pred) and not any(c.dep_ in ("nsubjpass", "auxpass") for c in pred.children)


def _dismissal(pred) -> bool:
    if any(c.dep_ == "aux" and c.lower_ in FUTURE for c in pred.children):
        return False  # "Hooli will lay me off"
    lemma = pred.lemma_.lower()
    particles = {c.lower_ for c in pred.children if c.dep_ == "prt"}
    if lemma in DISMISSING or (lemma == "lay" and "off" in particles):
        return True
    complements = [c for c in pred.children if c.dep_ in ("ccomp", "xcomp", "oprd", "acomp")]
    if lemma == "let":  # "let me go"; not "let me go first", "let me go home"
        return any(
            c.lemma_ == "go" and all(d.dep_ in PERSON_DEPS for d in c.children) for c in complements
        )
    return lemma == "make" and any(c.lower_ == "redundant" for c in complements)


def _dismissed_person(pred):
    """The one dismissed: the object, or the subject of the complement ("let [me] go")."""
    obj = next((c for c in pred.children if c.dep_ == "dobj"), None)
    if obj is not None:
        return obj
    for comp in (c for c in pred.children if c.dep_ in ("ccomp", "xcomp", "oprd")):
        subject = next((c for c in comp.children if c.dep_ in PERSON_DEPS), None)
        if subject is not None:
            return subject
    return None


def _agent(pred):
    """The employer after "by", on the verb or on its complement ("made redundant by X")."""
    for token in (pred, *(c for c in pred.children if c.dep_ in ("oprd", "acomp", "xcomp"))):
        for prep in (c for c in token.children if c.dep_ in ("agent", "prep") and c.lower_ == "by"):
            obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if obj is not None:
                return obj
    return None


__all__ = ["DISMISSING", "by_employer", "dismissed"]
