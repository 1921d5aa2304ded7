"""A value said to hold now, in the place of one the text leaves unsaid, for the parse
extractor (`extraction_parse`): "I'm at KPMG now", "these days I bank with Nationwide",
"I use Brave now", "nowadays my brother lives in Leeds".

A clause stating a value with an adjunct of the present state ("now", "these days",
"nowadays", `copula.STATE_ADVERBS`) says that it holds from now on, and so, of a slot that
holds one value at a time in practice (an employer, a school, a bank, a tool in use, a
home), that the value before it no longer does. Its positive readings carry
`extraction_leaving.IMPLIED` as what they end, and the resolver ends the subject's one other
current value of the same slot (`agentmem.facts.implied.switched_from`), where the slot is
one a switch can change. Not replacements: an addition ("also", "too", "as well", "another",
"second", "both", "still"), this moment ("right now", "just now": an occasion, "I'm at the
hospital right now"), a negated clause (which `extraction_parse` reads on its own).

Chat says the same without a verb: "Brave now, firefox kept crashing", "lidl these days
tbh", "it's Monzo these days": a name with an adjunct of the present state and no clause
of its own (`fragment`) is what the speaker switched to (`switched_to`, as "switched over to
X"): the resolver ends the one stored value of a slot a switch of tool or provider can
change, where the new value is a name.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.change_verbs import Change
from agentmem.facts.extraction.copula import STATE_ADVERBS
from agentmem.facts.extraction.leaving import IMPLIED
from agentmem.facts.extraction.negation import negated_clause
from agentmem.facts.extraction.pipeline import known_word

# Adjuncts that add a value beside the one held, or keep it: no replacement.
ADDITIVE = frozenset({"also", "too", "another", "second", "both", "still", "even", "again"})
# Words before "now" that make it this moment, not the present state.
MOMENT = frozenset({"right", "just", "until", "till", "by", "for", "from"})


def replacing(pred, readings: list) -> list:
    """`readings` of the clause `pred` heads, each positive one naming `IMPLIED` as what it
    ends where the clause says its value holds now and adds nothing."""
    if not said_now(pred) or _added(pred):
        return readings
    return [
        (*r[:4], IMPLIED) if len(r) == 4 and not r[3] else r
        for r in readings  # a reading with an ending already says what it replaces
    ]


def settled(readings: list, contrasted: bool) -> list:
    """`readings` of one sentence, without `IMPLIED` on a clause's value where the sentence
    names what it replaces itself: an ending beside it ("I left Initech; these days I work
    at Hooli") or a value set against it (`contrasted`: "instead of poker these days"),
    which the sentence's own reading of the replacement joins to it
    (`extraction_replacement`, `extraction_instead`). A verbless switch keeps it."""
    named = contrasted or any(len(r) == 5 and r[3] and r[4] for r in readings)
    if not named:
        return readings
    return [
        r[:4] if len(r) == 5 and r[4] == IMPLIED and r[1] != "switched_to" else r for r in readings
    ]


def fragment(sentence) -> Iterator[Change]:
    """ "Brave now", "lidl these days", "it's Monzo these days": a name said to hold now
    with no verb of its own, as a switch to it with the old value unsaid."""
    for token in sentence:
        if (named := _bare_name(token)) is not None and said_now(token) and not _added(token):
            words = [c for c in named.children if c.dep_ == "compound" and c.i < named.i]
            yield USER, "switched_to", " ".join(t.text for t in [*words, named]), False, IMPLIED


def _bare_name(token):
    """The token as a verbless name ("Brave", "lidl": the tagger may make a capitalised
    name an adjective), or the complement of an "it's" with no other subject; else None."""
    if _a_name(token):
        bare = token.head.i == token.i or token.dep_ in ("advcl", "dep", "npadvmod")
        kids = {c.dep_ for c in token.children}
        return token if bare and not kids & {"nsubj", "aux", "cop", "det", "poss"} else None
    if token.lemma_ != "be" or negated_clause(token):
        return None
    if not any(c.dep_ == "nsubj" and c.lower_ == "it" for c in token.children):
        return None
    return next((c for c in token.children if c.dep_ == "attr" and c.pos_ == "PROPN"), None)


def _a_name(token) -> bool:
    """A proper noun, or a word the parse's lexicon does not know ("lidl", "monzo"); a
    capital at the start of a sentence makes no common word a name ("Pizza now, then
    bed", "Home now")."""
    if token.pos_ not in ("NOUN", "PROPN", "ADJ"):
        return False
    unknown = not known_word(token.lower_)
    if token.i == token.sent.start:
        return unknown
    return token.pos_ == "PROPN" or unknown


def said_now(pred) -> bool:
    """Whether an adjunct of the clause (of its verb, or of the complement a copula or a
    preposition takes: "I'm at KPMG now") places it in the present state."""
    near = [*pred.children]
    near += [g for c in pred.children if c.dep_ in ("prep", "attr", "acomp") for g in c.children]
    return any(_present(t) for t in near)


def _present(adjunct) -> bool:
    if adjunct.dep_ not in ("advmod", "npadvmod"):
        return False
    if adjunct.lower_ in STATE_ADVERBS:
        if _now_and_then(adjunct):
            return False
        return not any(c.lower_ in MOMENT for c in adjunct.children) and not _after_moment(adjunct)
    return adjunct.lemma_ == "day" and any(c.lower_ == "these" for c in adjunct.children)


def _now_and_then(adjunct) -> bool:
    """ "now and then", "now and again": how often, not the present state (the parser may
    join "then" to "now" or hang both on the verb)."""
    if adjunct.lower_ != "now" or adjunct.i + 2 >= len(adjunct.doc):
        return False
    doc = adjunct.doc
    return doc[adjunct.i + 1].lower_ == "and" and doc[adjunct.i + 2].lower_ in ("then", "again")


def _after_moment(adjunct) -> bool:
    """ "right now", "just now" where the parser hung "right" beside "now", not on it."""
    before = adjunct.nbor(-1) if adjunct.i > adjunct.sent.start else None
    return before is not None and before.lower_ in MOMENT


def _added(pred) -> bool:
    """An adjunct of addition anywhere in the clause ("I also bank with Monzo now", "I have
    a second job now", "we use Slack too now")."""
    clause = [t for t in pred.subtree if not _in_another_clause(t, pred)]
    words = [t.lower_ for t in clause]
    return bool(set(words) & ADDITIVE) or "as well" in " ".join(words)


def _in_another_clause(token, pred) -> bool:
    """Whether a verb other than `pred` stands between the token and `pred`."""
    while token.i != pred.i and token.head.i != token.i:
        token = token.head
        if token.i != pred.i and token.pos_ in ("VERB", "AUX"):
            return True
    return False


__all__ = ["ADDITIVE", "MOMENT", "fragment", "replacing", "said_now", "settled"]
