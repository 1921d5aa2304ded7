"""The verb classes of change (`extraction_change`): sets of lemmas with their particle,
grouped by what the ended thing was to the subject (leaving, ceasing, parting, disposing,
switching, beginning), the words that place an ending (prepositions, spans of time, hours),
and how a verb is said with its particle (`phrase`). `extraction_change`'s docstring gives
the classes with examples.
"""

from __future__ import annotations

# subject, attribute, value, negated, ends (the value ended, as named)
Change = tuple[str, str, str, bool, str | None]

LEAVING = frozenset({"leave", "quit", "resign", "retire", "fire", "sack", "move out", "lay off"})
HOME_LEAVING = frozenset({"move out", "move away"})
LEAVING |= HOME_LEAVING | {"walk away", "let go"}
# Phrasal verbs of leaving a post, a team or a course ("stepped down as chair", "bowed out
# of the league", "dropped out of college", "packed in the job").
LEAVING |= {"step down", "stand down", "bow out", "drop out", "pack in"}
# Verbs of leaving a post, whose "as X" names the post left ("stepped down as chair").
POSTS_LEFT = frozenset({"step down", "stand down", "resign", "retire", "quit", "bow out"})
CEASING = frozenset({"stop", "give up", "drop", "ditch", "abandon", "cut out", "cancel", "end"})
CEASING |= {"quit", "call off", "pack in"}
PARTING = frozenset({"break up", "break off", "split", "split up", "divorce", "separate", "dump"})
PARTING |= {"part", "fall out"}
# A parting ends a partner: a name, or a noun of these slots ("my boyfriend"); another noun
# is kin or company, whom no parting ends ("fell out with my brother").
PARTNER_SLOTS = frozenset({"spouse", "dating"})
# The union of a couple, as the object of a verb of ending ("ended our marriage").
UNIONS = frozenset({"marriage", "relationship", "engagement", "romance"})
# The object of an idiom of parting ("parted ways", "parted company"): no thing that ended.
PARTING_OBJECTS = frozenset({"way", "ways", "company"})
DISPOSING = frozenset({"sell", "sell off", "give away", "rid", "rehome", "lose", "trade in"})
DISPOSING |= {"trade", "give"}
# Ending an account, a subscription or a membership ("deleted my TikTok", "terminated my
# PureGym membership", "deactivated my Facebook").
DISPOSING |= {"delete", "deactivate", "terminate", "unsubscribe"}
SWITCHING = frozenset({"switch", "swap", "change", "move", "convert", "trade", "replace"})
SWITCHING |= {"exchange", "trade in", "go", "upgrade", "downgrade"}
# Adjectives that place a thing in its owner's history, not name it ("our old Dyson", "my
# previous phone"): the thing ended is named without them.
HISTORY = frozenset({"old", "previous", "former", "current", "existing", "trusty"})
BEGINNING = frozenset({"take up", "start", "begin"})
# Verbs of qualifying for an occupation: done ("retrained as a carpenter", "qualified as a
# midwife"), the occupation is the subject's job from now on.
QUALIFYING = frozenset({"retrain", "requalify", "qualify", "reskill"})
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
# A day and its parts, which an hour's adverb places a departure in ("early today").
DAYS = frozenset({"today", "tonight", "yesterday", "morning", "afternoon", "evening", "night"})
FUTURE = frozenset({"will", "'ll", "wo", "gonna"})
INTO = ("to", "into", "for", "with")
PARTICLES = frozenset({"out", "away", "off", "up", "in", "down"})


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


def is_gerund(token) -> bool:
    """An -ing form, also where the tagger made it a noun ("given up rowing")."""
    return token.tag_ == "VBG" or (token.tag_ == "NN" and token.lower_.endswith("ing"))


def particle_prep(pred):
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


def pobj(prep):
    """The object of a preposition, also a gerund ("from cycling to running": pcomp)."""
    if prep is None:
        return None
    return next((c for c in prep.children if c.dep_ in ("pobj", "pcomp")), None)


__all__ = [
    "Change",
    "LEAVING",
    "HOME_LEAVING",
    "CEASING",
    "PARTING",
    "PARTNER_SLOTS",
    "PARTING_OBJECTS",
    "DISPOSING",
    "SWITCHING",
    "HISTORY",
    "BEGINNING",
    "POSTS_LEFT",
    "QUALIFYING",
    "ENDING",
    "ENDED_SLOT",
    "ENDED_PREPOSITIONS",
    "TIES",
    "SPANS",
    "HOURS",
    "DAYS",
    "FUTURE",
    "INTO",
    "PARTICLES",
    "is_gerund",
    "particle_prep",
    "phrase",
    "pobj",
]
