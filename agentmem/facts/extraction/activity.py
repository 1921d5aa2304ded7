"""What someone regularly does, for the parse extractor (`extraction_parse`): the `does` slot.

English states a habit with the simple present of a verb of action ("I swim every morning",
"Tomas plays the drums", "I go climbing on weekends") and an ongoing pursuit with a
progressive ("I'm learning Spanish", "I've been surfing since ..."). The reading comes
from the clause's tense and shape, not from a list of hobbies:

    go + gerund          the gerund is the activity ("go climbing" -> climbing)
    play/do/practise X   the object is the activity ("play the cello" -> cello)
    verb + object        the verb's gerund with its object ("bake sourdough" -> baking
                         sourdough)
    verb alone           with a time or manner modifier ("swim every morning" -> swimming),
                         a clause of its own ("I've been surfing since I was a kid"), or
                         bare in the present ("I knit" -> knitting)

A verb whose past is written as its base ("knit", "cut", "put") is tagged as a past: bare,
or with a time that recurs ("I knit every evening", "we cut firewood each autumn"), it says
what its subject does, since a single past occasion does not recur.

A clause placed on one day ("I'm watching the match tonight", "I play squash tomorrow",
"this evening") is an occasion, no habit or pursuit; a time that recurs ("every morning",
"on Sundays") is a habit's.

Verbs of state (wanting, knowing, owning, perceiving) state no activity in any tense, and
the verbs the attribute table already reads (live, work, like ...) are read there first.
A verb of ending ("stopped playing tennis") retracts the activity its gerund names.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.frequency import repetition
from agentmem.facts.extraction.negation import is_negation
from agentmem.facts.extraction.pipeline import known_verb
from agentmem.facts.extraction.values import time_of_day

# Verbs whose object (or, for "go", gerund) is itself the activity.
ACTIVITY_VERBS = frozenset({"play", "do", "practise", "practice", "go"})
# Verbs of state: in the simple present they describe a state, not a habit.
STATE_VERBS = frozenset(
    {"be", "have", "own", "want", "need", "know", "think", "believe", "hope", "wish", "mean"}
    | {"understand", "remember", "forget", "see", "hear", "feel", "seem", "cost", "owe"}
    | {"deserve", "include", "contain", "miss", "mind", "agree", "doubt", "guess", "suppose"}
    | {"expect", "prefer", "like", "love", "hate", "live", "work", "get", "make", "take"}
    | {"say", "tell", "ask", "let", "try", "keep", "seem", "look", "sound", "appreciate"}
    # verbs of attitude: "I adore pizza" is a liking, not a pastime
    | {"adore", "loathe", "detest", "despise", "enjoy", "dislike", "admire", "fear", "dread"}
    # verbs of saying and thinking: "I promise", "I reckon" perform or judge, they are no habit
    | {"promise", "swear", "bet", "apologise", "apologize", "admit", "confess", "insist"}
    | {"reckon", "recall", "wonder", "care", "matter", "count", "depend", "bother"}
)
# What modifies a verb alone ("swim every morning", "swim at the lido", "have been surfing
# since I was a kid"): the habit stands whatever the time, place or circumstance.
MODIFIER_DEPS = ("npadvmod", "advmod", "prep", "advcl")
# Nouns of amount, which measure the noun of their "of" ("a bit of gardening").
QUANTITY_NOUNS = frozenset({"bit", "lot", "lots", "spot", "load", "loads", "ton", "tons"})
QUANTITY_NOUNS |= {"bunch", "couple", "little", "amount", "deal", "fair"}
# Adverbs of one day, and the parts of a day or week "this" makes one occasion of.
ONE_DAY = frozenset({"today", "tonight", "tomorrow", "yesterday"})
DAY_PARTS = frozenset({"morning", "afternoon", "evening", "night", "weekend", "week"})
_VOWELS = "aeiou"


def habitual(pred) -> bool:
    """Simple present, or a progressive ('am learning', 'have been surfing')."""
    if pred.tag_ in ("VBP", "VBZ"):
        return True
    if pred.tag_ in ("VBD", "VBN") and pred.lower_ == pred.lemma_.lower() and _finite_base(pred):
        return True  # "I no longer knit", its base form tagged a participle
    if pred.tag_ == "VB":  # do-support: "I don't do crosswords", "she does not swim"
        return _finite_base(pred) or any(
            c.dep_ == "aux" and c.lemma_ == "do" and c.tag_ in ("VBP", "VBZ") for c in pred.children
        )
    return pred.tag_ == "VBG" and any(c.dep_ == "aux" and c.lemma_ == "be" for c in pred.children)


def _finite_base(pred) -> bool:
    """A base form with its own subject, no auxiliary and a negation before it: a present
    the tagger read as a bare verb after "no longer", "never" ("I no longer knit", "we
    never fly"); an infinitive has no subject of its own, an imperative none at all."""
    if any(c.dep_ in ("aux", "auxpass") for c in pred.children):
        return False
    subject = next((c for c in pred.children if c.dep_ == "nsubj"), None)
    return subject is not None and any(is_negation(c) and c.i < pred.i for c in pred.children)


def activities(pred, *, any_tense: bool = False) -> Iterator[str]:
    """The activities a verb states its subject does (`any_tense`: under a verb of ending,
    whose gerund is untensed)."""
    lemma = pred.lemma_.lower()
    if lemma in STATE_VERBS and lemma not in ACTIVITY_VERBS:
        return
    if _went(pred):  # "I go fishing" parsed with "go" as the gerund's auxiliary
        yield pred.lower_
        return
    if not any_tense and not (habitual(pred) or (base_past(pred) and _bare_or_recurring(pred))):
        return
    if not any_tense and _one_occasion(pred):
        return  # "I'm watching the match tonight", "I play five-a-side today": no habit
    obj = next((c for c in pred.children if c.dep_ == "dobj"), None)
    objects = (obj, *obj.conjuncts) if obj is not None else ()  # "tea and coffee": two
    if lemma == "go" and (went := outing(pred)):
        yield went  # "go for a run": running
        return
    if lemma in ACTIVITY_VERBS:
        things = (_gerund_child(pred),) if lemma == "go" else objects
        yield from (v for t in things if t is not None and (v := _activity_words(t)))
        return
    if objects:
        yield from (f"{_gerund(pred)} {v}" for o in objects if (v := _object_words(o)))
        return
    if any(c.dep_ in MODIFIER_DEPS for c in pred.children) and (_untold(pred) or base_past(pred)):
        yield _gerund(pred)
    elif _bare(pred) and (_untold(pred) or base_past(pred)):
        yield _gerund(pred)  # "I knit", "Ines climbs": the verb alone is the pursuit


def outing(pred) -> str:
    """ "go for a run", "go for a swim": the activity a noun of action names after "go for
    a" (a noun that is also a verb of the lexicon), as its gerund; "" where there is none
    ("go for a pizza", "go for the job")."""
    if pred.lemma_.lower() != "go":
        return ""
    for prep in (c for c in pred.children if c.dep_ == "prep" and c.lower_ == "for"):
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if obj is None or obj.tag_ != "NN" or not known_verb(obj.lemma_):
            continue
        if any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in obj.children):
            return gerund_of(obj.lemma_.lower())
    return ""


def _one_occasion(pred) -> bool:
    """A clause placed on one day ("tonight", "today", "tomorrow", "this evening", "this
    weekend"): what it says happens then, where "every evening", "at night" or "on
    Sundays" recur."""
    for c in pred.children:
        if c.dep_ not in ("npadvmod", "advmod"):
            continue
        if c.lower_ in ONE_DAY:
            return True
        near = any(d.dep_ == "det" and d.lower_ == "this" for d in c.children)
        if near and c.lemma_.lower() in DAY_PARTS:
            return True
    return False


def _bare(pred) -> bool:
    """A verb with a subject and nothing else of its own ("I knit.", "she doesn't swim")."""
    return all(c.dep_ in ("nsubj", "punct", "aux", "neg") for c in pred.children) and any(
        c.dep_ == "nsubj" for c in pred.children
    )


def _bare_or_recurring(pred) -> bool:
    """Bare ("I knit."), or with a time that recurs ("I knit every evening", "in the
    evenings", "on Sundays"): what a base-form past says of now, not of one occasion."""
    return _bare(pred) or any(repetition(c) for c in pred.children)


def base_past(pred) -> bool:
    """A verb whose past is written as its base ("knit", "put"), tagged past; with "I",
    "we" or "they" alone it says what they do."""
    return (
        pred.tag_ == "VBD"
        and pred.lower_ == pred.lemma_.lower()
        and any(c.dep_ == "nsubj" and c.lower_ in ("i", "we", "they") for c in pred.children)
    )


def _went(pred) -> bool:
    """A gerund whose auxiliary is a present "go": the parser's reading of "I go fishing".
    (An auxiliary's lemma is its form where the lemmatizer knows no auxiliary "go": "goes".)"""
    return pred.tag_ == "VBG" and any(
        c.dep_ == "aux" and "go" in (c.lemma_, c.lower_.removesuffix("es"))
        and c.tag_ in ("VBP", "VBZ")
        for c in pred.children
    )  # fmt: skip


def _untold(pred) -> bool:
    """A verb alone states a habit in the simple present or a perfect progressive ('have
    been surfing'); a plain progressive alone ('I'm running late') says what happens now."""
    if pred.tag_ != "VBG":
        return habitual(pred)
    return any(c.dep_ == "aux" and c.lower_ == "been" for c in pred.children)


def _gerund_child(pred):
    """The gerund after "go"; the tagger sometimes makes it a noun or an object ("goes
    skiing": skiing as a complement), which after "go" is still the -ing form of a verb."""
    for c in pred.children:
        if c.dep_ == "xcomp" and c.tag_ == "VBG" and not any(a.dep_ == "aux" for a in c.children):
            return c
        if c.dep_ in ("attr", "dobj") and c.tag_ in ("NN", "VBG") and c.lower_.endswith("ing"):
            return c
    return None


def _activity_words(token) -> str:
    """A gerund with its object ('fishing', 'playing chess'), or a noun's value words."""
    if token.tag_ != "VBG":
        return _noun_words(token)
    obj = next((c for c in token.children if c.dep_ == "dobj" and not time_of_day(c)), None)
    return f"{token.lower_} {_noun_words(obj) if obj is not None else ''}".strip()  # not "most
    # weekends", which the parser may make the gerund's object: when, not what


def _quantified(noun):
    """The noun a quantity noun measures ("a bit of gardening", "a lot of baking", "a spot of
    fishing"): what is done is the "of" object, not the amount; else the noun itself."""
    if noun.lemma_.lower() not in QUANTITY_NOUNS:
        return noun
    of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    if of is None:
        return noun
    obj = next((c for c in of.children if c.dep_ in ("pobj", "pcomp")), None)
    return obj if obj is not None else noun


def _noun_words(noun) -> str:
    """A noun with the words before it ('board games', 'the cello' -> cello), not what
    follows ('climbing on weekends' is climbing: the time belongs to the habit). A language
    named by its adjective is a noun here ("learning korean": 'korean' tagged ADJ)."""
    measured = _quantified(noun)
    gerund = measured is not noun and measured.tag_ == "VBG"  # "a lot of baking"
    noun = measured
    if noun.pos_ not in ("NOUN", "PROPN") and not _named_kind(noun) and not gerund:
        return ""
    words = [t for t in noun.subtree if t.i <= noun.i and not _determines(t)]
    if any(c.dep_ == "poss" for c in noun.children):  # "our own firewood": "own" stresses whose
        words = [t for t in words if t.lower_ != "own"]
    spelled = [(t.lower_ if t.pos_ == "NOUN" else t.text) + t.whitespace_ for t in words]
    return "".join(spelled).strip()  # as written: "five-a-side", not "five - a - side"


def _determines(token) -> bool:
    """A determiner or possessive of the phrase; not one hyphenated inside a compound (the
    "a" of "five-a-side", which the parser tags as one)."""
    if token.dep_ not in ("det", "poss", "predet"):
        return False
    doc = token.doc
    glued = token.i > 0 and doc[token.i - 1].text == "-" and not doc[token.i - 1].whitespace_
    return not (glued and not token.whitespace_)


def _object_words(obj) -> str:
    """An object's value words; an amount written with digits and its unit ("run 5k", "swim
    2km", tagged anything from a number to a pronoun) is the measure of the activity and kept
    as typed; a bare number ("turns 3") measures nothing."""
    text = obj.text
    if text[:1].isdigit() and not text.isdigit() and any(ch.isalpha() for ch in text):
        return text if not any(c.dep_ == "prep" for c in obj.children) else ""
    return _noun_words(obj)


def _named_kind(token) -> bool:
    return token.pos_ == "ADJ" and entity_type(token) in ("NORP", "LANGUAGE")


def _gerund(pred) -> str:
    """The verb's -ing form: as typed for a progressive, else made from its lemma."""
    return pred.lower_ if pred.tag_ == "VBG" else gerund_of(pred.lemma_.lower())


def gerund_of(verb: str) -> str:
    """English -ing spelling: bake -> baking, die -> dying, swim -> swimming, visit ->
    visiting (a final consonant doubles only after the one short vowel of a short verb)."""
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        return verb[:-1] + "ing"
    groups = sum(
        1 for i, ch in enumerate(verb) if ch in _VOWELS and (i == 0 or verb[i - 1] not in _VOWELS)
    )
    cvc = (
        len(verb) >= 3
        and verb[-1] not in _VOWELS + "wxy"
        and verb[-2] in _VOWELS
        and verb[-3] not in _VOWELS
    )
    return verb + verb[-1] + "ing" if groups == 1 and cvc else verb + "ing"


__all__ = ["ACTIVITY_VERBS", "STATE_VERBS", "activities", "base_past", "gerund_of", "habitual"]
