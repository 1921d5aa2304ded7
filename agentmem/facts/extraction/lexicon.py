"""The words the rule and parse extractors share: occupations, kin and number words, words
that are never a value, and the shapes of nationalities and non-employers.
"""

from __future__ import annotations

import re

# Verbs of attitude, by the slot their object fills: one list the rule table's rows ("I adore
# rugby") and the parse's attribute index ("My dad adores rugby") both read, so a verb read
# for the speaker reads for any subject.
ATTITUDE_VERBS = {
    "likes": ("like", "love", "enjoy", "adore", "prefer"),
    "dislikes": ("dislike", "hate", "detest", "loathe", "despise", "abhor"),
}

OCCUPATIONS = frozenset(
    """
engineer developer programmer teacher professor doctor nurse designer manager lawyer accountant
student writer author artist chef cook scientist researcher analyst consultant architect pilot
pharmacist dentist musician photographer journalist electrician plumber mechanic firefighter
officer farmer librarian therapist psychologist economist translator editor cashier waiter
waitress barista driver carpenter veterinarian vet surgeon paramedic salesperson entrepreneur
founder ceo cto cfo intern administrator technician coach trainer instructor tutor baker butcher
physician scientist mathematician physicist chemist biologist director producer actor actress
singer dancer painter sculptor nanny caregiver realtor banker broker trader investor recruiter
marketer strategist secretary receptionist assistant clerk janitor cleaner gardener soldier
sergeant lieutenant captain detective policeman policewoman fireman postman tailor hairdresser
barber optometrist radiologist anesthesiologist pediatrician psychiatrist surveyor geologist
astronaut blogger streamer youtuber podcaster copywriter illustrator animator retiree freelancer
""".split()
)
CHILDREN = {
    "son": "son",
    "sons": "son",
    "daughter": "daughter",
    "daughters": "daughter",
    "kid": "child",
    "kids": "child",
    "child": "child",
    "children": "child",
    "baby": "child",
    "twins": "child",
    "boy": "son",
    "boys": "son",
    "girl": "daughter",
    "girls": "daughter",
}
SIBLINGS = {
    "brother": "brother",
    "brothers": "brother",
    "sister": "sister",
    "sisters": "sister",
    "sibling": "sibling",
    "siblings": "sibling",
}
SPOUSES = "wife|husband|partner|spouse|girlfriend|boyfriend|fiancee|fiancée|fiance|fiancé"
# nouns of a person one is related to or lives among (besides kin, spouses, occupations)
RELATIONS = frozenset(
    """
mum mom mother dad father parent parents grandma granny nan nana grandmother grandad grandpa
grandfather grandparent aunt auntie uncle cousin niece nephew stepmum stepmom stepdad stepson
stepdaughter stepbrother stepsister grandson granddaughter grandchild grandkid godson
goddaughter godfather godmother godparent friend mate pal buddy bestie neighbour neighbor
flatmate roommate housemate
colleague coworker boss ex person guy woman man lady bloke
""".split()
)
# Words that say where someone is, not what they are, as the predicate of "be" ("Anna is
# home now", "Dad's upstairs", "the kids are indoors"): the adverbs of place that answer
# "where?" and may stand alone after "be". The tagger sometimes takes one for a noun.
PLACE_PREDICATES = frozenset(
    """
home away abroad overseas back out in off up upstairs downstairs indoors outdoors inside
outside aboard onboard ashore offshore nearby elsewhere around about online offline
""".split()
)
# Nouns that name a number a thing bears ("my locker number is 121", "flat no. 4"): what
# follows them in "is N" is that number, never an age.
NUMBER_NOUNS = frozenset({"number", "no", "no.", "num", "nr", "#", "code", "pin", "extension"})
NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
NOT_VALUES = frozenset(
    """it this that these those them him her you me us something anything
everything nothing someone anyone everybody nobody there here so too lot lots much
well is are was were""".split()  # adverbs: "as well" is no role; "be": a pseudo-cleft's tail
)
NATIONALITY = re.compile(r"(?:ian|ese|ish|ean|ch|can|ican|ic|i)$")
# "I started at X" names a new employer, unless X is a time, a school or a step
NOT_EMPLOYERS = re.compile(
    r"\d|\b(?:university|college|school|academy|uni|kindergarten|christmas|easter|thanksgiving|"
    r"halloween|new year|noon|midnight|level|chapter|page|step|stage|lesson|week|day|month|year|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
    r"may|june|july|august|september|october|november|december)\b",
    re.I,
)
# "my X is Y" reads only numbers and addresses; these attributes have their own rows
SPECIFIC_ATTRIBUTES = frozenset(
    {"name", "age", "birthday", "lives_in", "from", "works_at", "job_title", "spouse"}
)

# pets and counts as regex alternations, for the rows of `extraction_patterns`
PETS = (
    "dog|dogs|cat|cats|puppy|kitten|parrot|hamster|rabbit|bunny|goldfish|fish|turtle|"
    "tortoise|snake|lizard|horse|pony|guinea pig|ferret|bird|gecko|budgie|cockatiel|"
    "retriever|labrador|poodle|terrier|beagle|husky|bulldog|spaniel|dachshund|corgi|"
    "chihuahua|pug|collie|shepherd|iguana|hedgehog|chinchilla|rat|mouse|canary"
)
PET_KINDS = frozenset(PETS.split("|"))


def pet_kind(token) -> str | None:
    """The kind a pet noun names ("the dog", "our puppy"), or None for another noun."""
    kind = token.lemma_.lower()
    return kind if kind in PET_KINDS else None


def names_a_person(token) -> bool:
    """A subject that can be one of a couple: a personal pronoun, a name, or a noun of a
    person (kin, a partner, a relation, an occupation): "my broadband", "our pension" are
    things, and "is with Plusnet" of a thing names its provider, not a partner."""
    if token.pos_ in ("PRON", "PROPN"):
        return token.lower_ not in ("it", "this", "that", "which")
    lemma = token.lemma_.lower()  # "nephews", "cousins": the plural of a relation
    return _relative(token.lower_) or _relative(lemma) or lemma in OCCUPATIONS


def _relative(word: str) -> bool:
    """A lower-case noun of kin, a partner or a relation ("daughter", "wife", "neighbour")."""
    return word in RELATIONS or word in CHILDREN or word in SIBLINGS or word in SPOUSES.split("|")


def names_a_being(word: str) -> bool:
    """Whether a lower-case noun (or its plural) names a person or an animal: kin, a
    partner, a relation, an occupation or a kind of pet ("daughter", "nephews", "cat")."""
    forms = {word, word[:-1]} if word.endswith("s") else {word}
    return any(_relative(w) or w in OCCUPATIONS or w in PET_KINDS for w in forms)


def owned_thing(noun) -> bool:
    """A noun a possessive owns that names no person or animal ("my delivery address", "our
    office"): a thing of its owner, which holds a value and stands somewhere, as a person
    or a pet does not."""
    if noun is None or noun.pos_ != "NOUN" or names_a_being(noun.lower_):
        return False
    return any(c.dep_ == "poss" for c in noun.children)


def pet_name(name: str, kind: str) -> str:
    """A pet's name as it is stored, with its kind ("Pepper (cat)", as the rule table writes
    it): a later renaming of that kind names it (`facts.endings`)."""
    return f"{name} ({kind})"


COUNT = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+)"
WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})

__all__ = [
    "CHILDREN",
    "COUNT",
    "NATIONALITY",
    "NOT_EMPLOYERS",
    "NOT_VALUES",
    "NUMBERS",
    "NUMBER_NOUNS",
    "PLACE_PREDICATES",
    "OCCUPATIONS",
    "PETS",
    "PET_KINDS",
    "RELATIONS",
    "SIBLINGS",
    "SPECIFIC_ATTRIBUTES",
    "WEEKDAYS",
    "names_a_person",
    "owned_thing",
    "pet_kind",
    "pet_name",
    "SPOUSES",
]
