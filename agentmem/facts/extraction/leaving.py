"""Idioms of leaving and switches whose old value is implied, for the change reader
(`extraction_change`).

Two closed classes, read from the parse, not from one phrasing:

    fixed-object idioms   a verb with a fixed object that says "stopped being at X": hand /
                          put / give / turn in one's notice, call it quits, throw in the
                          towel, hang up one's boots, resign one's seat; the object is no
                          thing that ended: what ended is after a preposition of the verb or
                          of the object ("at Home Depot", "with the band", "on the council",
                          "as chair"); a notice with none ends the subject's employer
                          ("Priyanka handed in her notice"), the others with none end nothing
    implied switches      "switched (over) to X", "migrated to X", "transferred to X",
                          "changed to X", "jumped ship to X": X holds in place of a value the
                          clause does not name (no "from", no object); the fact carries
                          `IMPLIED` as what it ends, and the resolver ends the subject's
                          stored value the switch replaces (`agentmem.facts.implied`); a
                          switch to a place states the new home; a move of post ("jumped
                          ship to X", "transferred to X", "moved over to X": `transferred_to`)
                          may replace an employer or a school, a switch of tool or provider
                          (`switched_to`) never does

Phrasal verbs of leaving and ceasing ("step down", "stand down", "bow out", "drop out",
"pack in") are members of the verb classes of `extraction_change_verbs`.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.change_verbs import Change, phrase, pobj
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.lexicon import owned_thing
from agentmem.facts.extraction.replacement import infinitive_to
from agentmem.facts.extraction.values import value_text

# What an implied switch names as ended: the stored value the resolver finds.
IMPLIED = "*"
# A verb and the fixed object (lemma or word) of an idiom of leaving.
IDIOMS = {
    "hand": frozenset({"notice", "resignation"}),
    "put": frozenset({"notice", "resignation"}),
    "give": frozenset({"notice"}),
    "turn": frozenset({"notice", "resignation"}),
    "call": frozenset({"quits", "quit"}),
    "throw": frozenset({"towel"}),
    "hang": frozenset({"boots", "boot"}),
    "resign": frozenset({"seat", "post", "position"}),
    "jump": frozenset({"ship"}),
}
# Objects of an idiom that say one left a job, where nothing else is named.
NOTICE = frozenset({"notice", "resignation"})
# Where an idiom names what it ends.
ENDED_AFTER = frozenset({"at", "from", "with", "on", "in", "as", "of"})
# Verbs (with their particle) of a switch whose old value may go unsaid: "to X" is the new.
IMPLIED_SWITCH = frozenset({"switch", "switch over", "migrate", "transfer", "change"})
IMPLIED_SWITCH |= {"change over", "move over", "convert", "swap over", "go over"}
PLACES = frozenset({"GPE", "LOC"})
# Of those, the verbs of moving one's post or place of study ("transferred to Coimbra",
# "moved over to Revolut"); the others ("switched", "migrated", "changed over") take a
# tool, a provider or a product, which never fills an employer's slot: the new value is
# stored as `transferred_to` or `switched_to` (`agentmem.facts.implied`).
MOVES = frozenset({"transfer", "move over", "go over"})


def idiom_object(pred):
    """The fixed object of an idiom of leaving the verb heads ("notice" of "handed in her
    notice", "quits" of "called it quits"), else None."""
    objects = IDIOMS.get(pred.lemma_.lower())
    if objects is None:
        return None
    return next(
        (
            c
            for c in pred.children
            if c.dep_ in ("dobj", "ccomp", "xcomp", "oprd", "attr")
            and (c.lemma_.lower() in objects or c.lower_ in objects)
        ),
        None,
    )


def left_by_idiom(pred, subject: str, ended_thing) -> Iterator[Change]:
    """What an idiom of leaving ends: the thing after a preposition of the verb or of its
    fixed object (read by `ended_thing`, the change reader's reading of an ended object),
    else, for a notice given to no one named, the subject's employer (every value of the
    slot)."""
    obj = idiom_object(pred)
    if obj is None or obj.lower_ == "ship":
        return  # "jumped ship to X": an implied switch
    found = False
    for prep in (c for c in (*pred.children, *obj.children) if c.dep_ == "prep"):
        if prep.lower_ not in ENDED_AFTER or (thing := pobj(prep)) is None:
            continue
        for attribute, value in ended_thing(thing):
            found = True
            yield subject, attribute, value, True, value
    given_to = any(c.dep_ == "dative" or c.lower_ == "to" for c in pred.children)
    given_to = given_to or any(c.dep_ == "compound" for c in obj.children)  # "landlord notice"
    if not found and obj.lemma_.lower() in NOTICE and not given_to:
        yield subject, "works_at", "", True, None  # "gave my landlord notice": a tenancy


def is_implied_switch(pred) -> bool:
    """A verb of a switch whose old value may go unsaid ("switched over", "migrated",
    "jumped ship")."""
    idiom = idiom_object(pred)
    return phrase(pred) in IMPLIED_SWITCH or (idiom is not None and idiom.lower_ == "ship")


def implied_switch(pred, subject: str) -> Iterator[Change]:
    """ "switched over to T-Mobile", "jumped ship to Barclays": the new value, naming
    `IMPLIED` as what it ends; none where the clause names the old value (a "from", an
    object other than an idiom's) or the new one is no name or noun."""
    idiom = idiom_object(pred)
    if not is_implied_switch(pred):
        return
    if (changed := _changed_value(pred)) is not None:
        yield subject, "name", changed, False, None  # "my address has changed to X": its value
        return
    preps = {c.lower_: c for c in pred.children if c.dep_ == "prep"}
    objects = [c for c in pred.children if c.dep_ == "dobj" and (idiom is None or c.i != idiom.i)]
    if "from" in preps or objects or "to" not in preps:
        return
    new = pobj(preps["to"])
    if new is None or new.pos_ not in ("PROPN", "NOUN"):
        return
    if entity_type(new) in PLACES and (value := value_text(new)):
        yield subject, "lives_in", value, False, None  # "transferred to Leeds": a new home
    elif value := value_text(new):
        moved = idiom is not None or phrase(pred) in MOVES  # "jumped ship to X": a post
        yield subject, "transferred_to" if moved else "switched_to", value, False, IMPLIED


def _changed_value(pred) -> str | None:
    """The value a thing of its owner "changed to" ("my billing address has changed to X",
    "our wifi password changed to bluefinch42", "to" then parsed as an infinitive's), which
    it now holds as "my address is X" says it; None for a person, an animal or a body that
    changes (`_owned_thing`), or a clause that names what it changed from."""
    if not _owned_thing(pred):
        return None
    if any(c.dep_ == "dobj" or (c.dep_ == "prep" and c.lower_ == "from") for c in pred.children):
        return None
    to = next((c for c in pred.children if c.dep_ == "prep" and c.lower_ == "to"), None)
    new = pobj(to) if to is not None else infinitive_to(pred)
    if new is None:
        return None
    if new.dep_ in ("advcl", "xcomp"):
        return new.text  # the word, without the "to" hung on it
    return _number_run(new) or value_text(new) or None


def _number_run(token) -> str:
    """A number written in groups ("07700 900456"), which the parse splits into several
    words: the groups from `token` on; "" where `token` is no number."""
    if not token.text.isdigit():
        return ""
    start, end = token.i, token.i + 1
    while start > 0 and token.doc[start - 1].text.isdigit():
        start -= 1
    while end < len(token.doc) and token.doc[end].text.isdigit():
        end += 1
    return token.doc[start:end].text


def _owned_thing(pred) -> bool:
    """A thing of its owner that "changed to" a value ("my delivery address has changed to
    X", "our landline number changed to ..."): the value is now the thing's own, as "my
    address is X" says it; a person, an animal or a body that changes takes up something
    new instead ("my sister changed to Firefox")."""
    if pred.lemma_.lower() != "change":
        return False
    return owned_thing(next((c for c in pred.children if c.dep_ == "nsubj"), None))


__all__ = [
    "IDIOMS",
    "IMPLIED",
    "IMPLIED_SWITCH",
    "MOVES",
    "idiom_object",
    "implied_switch",
    "is_implied_switch",
    "left_by_idiom",
]
