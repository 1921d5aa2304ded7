"""A value said to be in the past without a verb of ending or a negation, for the parse
extractor (`extraction_parse`): what a clause says is over, behind the speaker, a phase,
done with, gone off, a habit kicked, a former tie or a last day.

Closed classes, read from the parse:

    over          the ended thing as the subject of a copula whose complement says it is
                  past: "over", "behind me", "a phase", "history", "a thing of the past"
                  ("spin was a phase", "the vegetarian thing is over"; a head noun "thing",
                  "days", "phase" or "stage" stands for its modifier: "my party days are
                  behind me" ends partying); an anaphor ("those days", "that") names nothing
    done with     "done with X", "through with X", "finished with X" (not for a time: "done
                  with work for today")
    gone off      "gone off X", "went off X": a taste or habit dropped (a thing that "went
                  off" with no object spoiled or rang)
    habit         "kicked the X habit", "broke the X habit", "shook the X habit"
    former        "my ex-employer X", "my former school, X", "my old gym X": a tie with X
                  that ended ("ex", "former", "old", "previous" on a noun beside the name)
    last day      "was my last day/shift at X", "worked my last shift at X": the post at X
                  ended (in the past tense: "Friday is my last day" is still ahead)
    not since     "I haven't played squash since my operation", "hasn't driven since 2019":
                  a negated perfect since a point before the last few days
                  (`negation.not_since`), what the verb states, in any tense

Each gives the subject's value as ended (`Fact.ends`): the resolver ends the stored fact
whose value it names, in whichever slot holds it (`agentmem.facts.endings`), and ends
nothing where no stored value is named.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.activity import gerund_of
from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.change_verbs import Change
from agentmem.facts.extraction.negation import negated_clause, not_since
from agentmem.facts.extraction.values import value_text

# Complements of a copula that put its subject in the past.
PAST_NOUNS = frozenset({"phase", "history", "fad"})
PAST_WORDS = frozenset({"over", "finished"})
# Head nouns that stand for the modifier naming what ended ("the vegetarian thing").
STAND_INS = frozenset({"thing", "days", "day", "phase", "stage", "era", "period", "kick"})
# Adjectives of a predicate of being done with a thing.
DONE = frozenset({"done", "through", "finished"})
HABIT_VERBS = frozenset({"kick", "break", "shake", "quit", "drop"})
HABITS = frozenset({"habit", "addiction"})
# Modifiers of a tie that ended ("my ex-employer", "my former school").
FORMER = frozenset({"ex", "former", "old", "previous", "erstwhile"})
LAST_SPANS = frozenset({"day", "shift", "week"})
FIRST_PERSON = frozenset({"me", "us"})


def ended(pred, subject: str | None) -> Iterator[Change]:
    """What the clause `pred` heads says is past, as (subject, slot, value, True, value)."""
    if not_since(pred):
        from agentmem.facts.extraction.change import ended_doing

        done = ended_doing(pred) or [("does", _doing(pred))]  # "haven't smoked": smoking
        yield from ((subject or USER, a, v, True, v) for a, v in done if v)
    if negated_clause(pred):
        return
    owner = _owner(pred)
    for value in _over(pred) if owner is not None else ():
        yield owner, "does", value, True, value
    for value in (*_done_with(pred), *_gone_off(pred), *_habit(pred)):
        yield subject or USER, "does", value, True, value
    for value in _last_day(pred):
        yield subject or USER, "works_at", value, True, value


def former(sentence) -> Iterator[Change]:
    """ "my ex-employer Accenture", "my former school, St Mark's": the name, ended for the
    possessor (the speaker for "my")."""
    for name in sentence:
        if name.pos_ != "PROPN" or name.dep_ == "compound":
            continue
        tie = _former_tie(name)
        if tie is None:
            continue
        owners = [t for t in name.subtree if t.dep_ == "poss" and t.i < tie.i]
        if not any(t.lower_ in ("my", "our") for t in owners):
            continue  # "my ex-employer X" ("ex" may hold the "my"); not another's
        words = [c for c in name.children if c.dep_ == "compound" and c.pos_ == "PROPN"]
        value = " ".join(t.text for t in sorted([*words, name], key=lambda t: t.i))
        yield USER, "works_at", value, True, value


def _former_tie(name):
    """The noun beside a name that a modifier of "former" places in the past: the name's
    compound ("ex-employer Accenture") or the noun it stands in apposition to."""
    near = [c for c in name.children if c.dep_ == "compound" and c.pos_ == "NOUN"]
    if name.dep_ == "appos" and name.head.pos_ == "NOUN":
        near.append(name.head)
    for noun in near:
        said = {c.lower_ for c in noun.children} | {c.lower_ for c in name.children}
        if said & FORMER or (noun.i > 0 and noun.nbor(-1).lower_ == "-" and _ex(noun)):
            return noun
    return None


def _ex(noun) -> bool:
    return noun.i > 1 and noun.nbor(-2).lower_ == "ex"


def _doing(verb) -> str:
    """The gerund of a verb with its object's words ("played squash": playing squash)."""
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    words = [gerund_of(verb.lemma_.lower()), *(value_text(o) or o.text for o in objects)]
    return " ".join(words).strip()


def _owner(pred) -> str | None:
    """Whose the thing said to be past is: the speaker's ("my party days", "spin", "meat is
    behind me"), None for another's ("his smoking days")."""
    subject = next((c for c in pred.children if c.dep_ == "nsubj"), None)
    owner = (
        None if subject is None else next((c for c in subject.children if c.dep_ == "poss"), None)
    )
    return USER if owner is None or owner.lower_ in ("my", "our") else None


def _over(pred) -> Iterator[str]:
    if pred.lemma_ != "be":
        return
    subject = next((c for c in pred.children if c.dep_ == "nsubj"), None)
    if subject is None or not _says_past(pred):
        return
    if subject.lemma_.lower() in STAND_INS:
        named = [c for c in subject.children if c.dep_ in ("amod", "compound", "nmod")]
        if named and (value := value_text(named[-1]) or named[-1].text):
            yield value
        return
    if _says_past(pred, over=False) and subject.pos_ in ("NOUN", "PROPN"):
        yield value_text(subject) or subject.text  # "meat is behind me", "spin was a phase"


def _says_past(pred, over: bool = True) -> bool:
    """Whether the copula's complement puts its subject in the past; `over`: also "over" and
    "finished", which a thing named by itself may be as a one-off ("the party is over"),
    and so only a stand-in for a way of life ("the vegetarian thing is over") is."""
    for child in pred.children:
        if child.dep_ == "attr" and child.lemma_.lower() in PAST_NOUNS:
            return True
        if child.dep_ == "attr" and child.lemma_.lower() == "thing" and _of_the_past(child):
            return True
        if over and child.dep_ in ("advmod", "acomp", "prt") and child.lower_ in PAST_WORDS:
            return True
        if child.dep_ == "prep" and child.lower_ == "behind":
            if any(c.dep_ == "pobj" and c.lower_ in FIRST_PERSON for c in child.children):
                return True
    return False


def _of_the_past(noun) -> bool:
    return any(
        c.dep_ == "prep" and c.lower_ == "of" and any(g.lower_ == "past" for g in c.children)
        for c in noun.children
    )


def _done_with(pred) -> Iterator[str]:
    done = pred if pred.lower_ in DONE else None
    done = done or next((c for c in pred.children if c.dep_ == "acomp" and c.lower_ in DONE), None)
    if done is None or any(c.dep_ == "prep" and c.lower_ == "for" for c in done.children):
        return  # "done with work for today": a time, not a tie
    for prep in (c for c in done.children if c.dep_ == "prep" and c.lower_ == "with"):
        for obj in (c for c in prep.children if c.dep_ == "pobj"):
            if obj.pos_ in ("NOUN", "PROPN") and (value := value_text(obj)):
                yield value


def _gone_off(pred) -> Iterator[str]:
    if pred.lemma_.lower() != "go":
        return
    for off in (c for c in pred.children if c.lower_ == "off" and c.dep_ in ("prep", "prt")):
        objects = [c for c in off.children if c.dep_ == "pobj"]
        if off.dep_ == "prt":
            objects = [c for c in pred.children if c.dep_ == "dobj"]
        for obj in objects:
            if obj.pos_ in ("NOUN", "PROPN") and (value := value_text(obj)):
                yield value


def _habit(pred) -> Iterator[str]:
    if pred.lemma_.lower() not in HABIT_VERBS:
        return
    for habit in (c for c in pred.children if c.dep_ == "dobj" and c.lemma_ in HABITS):
        named = [c for c in habit.children if c.dep_ in ("compound", "amod", "nmod")]
        if named and (value := value_text(named[-1]) or named[-1].text):
            yield value


def _last_day(pred) -> Iterator[str]:
    """ "was my last shift at Greggs", "worked my last day at the bakery" (past tense)."""
    if pred.tag_ != "VBD" or pred.lemma_.lower() not in ("be", "work", "do"):
        return
    for span in (c for c in pred.children if c.dep_ in ("attr", "dobj", "nsubj")):
        if span.lemma_.lower() not in LAST_SPANS:
            continue
        if not any(c.dep_ == "amod" and c.lower_ in ("last", "final") for c in span.children):
            continue
        for prep in (c for c in span.children if c.dep_ == "prep" and c.lower_ in ("at", "with")):
            for obj in (c for c in prep.children if c.dep_ == "pobj"):
                if value := value_text(obj):
                    yield value


__all__ = ["ended", "former"]
