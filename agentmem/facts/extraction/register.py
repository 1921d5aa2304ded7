"""The chat register, read as prose: what the parse extractor does to a text typed the way
people type in a chat box before its parse, and to a clause whose subject the writer left out.

    contractions   "im", "ive", "dont", "didnt", "isnt", "theyre": the closed class of
                   English contractions written without their apostrophe, restored ("I'm",
                   "don't"); forms that are also words ("its", "ill", "id", "were", "well",
                   "lets", "shell", "wed") are left as written
    "i"            the pronoun in lower case is "I"
    possessives    a kinship noun plus "s" before a kinship noun or a kind of pet ("my
                   sisters husband", "my dads dog") is a possessive, before anything else
                   the plural it looks like ("my sisters live in York"); in a text with no
                   capitals, so is a name the lexicon does not know that ends in a
                   consonant ("tariqs wife"; "jonas" may end in its own "s": left)
    openings       left in lower case: the tagger reads a capitalised opening word as part
                   of a name ("Quit Brackwell in june", "Dumped Luca"), a lower-case one as
                   the verb it is
    truecasing     in a text written without any capital letter, a word that is no ordinary
                   English word is taken for a name and capitalised ("tesco", "jamie",
                   "datadog"): ordinary words are those of the pipeline's own lexicon (the
                   lemmatizer's index and exceptions, by its suffix rules: "ditched" is
                   "ditch"; with a productive prefix: "rehome", "outgrew"), its stop words,
                   and the closed class of chat's interjections and abbreviations ("lol",
                   "tbh", "gonna"); a noun that follows such a name runs it on ("pellworth
                   insurance", "petra lind"), an adverb or a verb ends it ("jamie
                   yesterday", "jamie works"), and so does a noun of kin or a kind of pet
                   (`KIN`, `PET_KINDS`), which names someone's relation, never a part of a
                   name ("chris wife", "jen husband", "tariq dog"); a text with capitals is
                   left as its writer cased it
    implied "I"    a sentence that opens with its verb (after adverbs: "really like"), or
                   with the verb's auxiliary or negation ("dont have", "was laid off"), and
                   has no subject is the speaker's report where the verb is past ("moved to
                   leeds last year"), or of state or attitude ("live in X", "love
                   hiking"): it is parsed again with "I" before it, and kept where that
                   parse reads the "I" as the verb's subject. A present verb of action is
                   a request to the assistant or a note of one's own ("write a poem", "play
                   some jazz"), even with a time that recurs ("water the plants every
                   tuesday", "pick up the parcel on fridays": a reminder as often as a
                   habit, and a reminder read as a habit would put a false fact in the
                   user's memory), as is one with an addressee ("tell me a joke"), a
                   question or "please": left as they are.

The memory keeps the text as written; only the parse reads the whole restored text (the
rule extractor reads the parts that need no lexicon, `respelt`), so a value
the truecasing restored is stored canonically capitalised ("Tesco"), and a name that is
also a word of the lexicon ("bath", "reading", "leeds", "tom": the lexicon's index lists
proper nouns in lower case) keeps the writer's lower case, read as the tagger reads it.
Costs a few regular-expression passes and set look-ups per text; the implied "I" costs one
more batched parse of the texts that open with a subjectless verb.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from agentmem.facts.extraction.chat import PAST_TIMES
from agentmem.facts.extraction.lexicon import ATTITUDE_VERBS, PET_KINDS
from agentmem.facts.extraction.word_lexicon import (
    CHAT_WORDS,
    KIN,
    lexicon,
    lexicon_of_pipeline,
    name_parts,
    past_forms,
    pipeline_lexicon,
    verbs,
)

# Contractions written without an apostrophe that are no English word themselves.
CONTRACTIONS = {
    "im": "I'm",
    "ive": "I've",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "wont": "won't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "hadnt": "hadn't",
    "aint": "ain't",
    "mustnt": "mustn't",
    "neednt": "needn't",
    "thats": "that's",
    "whats": "what's",
    "theres": "there's",
    "hes": "he's",
    "shes": "she's",
    "theyre": "they're",
    "youre": "you're",
    "weve": "we've",
    "theyve": "they've",
    "youve": "you've",
    "youll": "you'll",
    "theyll": "they'll",
    "itll": "it'll",
    "youd": "you'd",
    "theyd": "they'd",
    "wouldve": "would've",
    "couldve": "could've",
    "shouldve": "should've",
}
# Chat's clipped nouns of kin and partners, read as the nouns they clip ("my bf", "the
# hubby", "my sis's flat"); the relations and slots are keyed by the full nouns.
CLIPPINGS = {
    "bf": "boyfriend",
    "gf": "girlfriend",
    "hubby": "husband",
    "wifey": "wife",
    "bro": "brother",
    "sis": "sister",
}
KIN_POSSESSIVE = re.compile(
    r"(?<![\w'])(?P<kin>"
    + "|".join(sorted((w for w in KIN if not w.endswith("s")), key=len, reverse=True))
    + r")s(?=\s+(?:"
    + "|".join(sorted(KIN | PET_KINDS, key=len, reverse=True))
    + r")\b)",
    re.I,
)
# A name the lexicon does not know plus "s" before the same nouns ("tariqs wife"), where
# the name ends in a consonant other than "s": after a vowel the "s" is as often the
# name's own ending ("jonas", "marcus", "chris"), so those are left as written.
NAME_POSSESSIVE = re.compile(
    r"(?<![\w'])(?P<name>[a-z]+[b-df-hj-np-rt-z])s(?=\s+(?:"
    + "|".join(sorted(KIN | PET_KINDS, key=len, reverse=True))
    + r")\b)"
)
# One word joined to the speaker by "and" ("me and tyler", "tyler and i"): a person, so a
# name, in a text with no capitals, unless it is a word of another class that joins the
# speaker (a pronoun, a determiner, a noun of kin: "me and him", "me and mum").
JOINED_TO_SPEAKER = re.compile(
    r"(?<![\w'])(?:(?:me|i) (?:and|&) (?P<after>[a-z]+)(?![\w'])"
    r"|(?P<before>[a-z]+) and (?:i|me)(?![\w']))"
)
NOT_JOINED_NAMES = frozenset(
    {"him", "her", "them", "you", "he", "she", "they", "we", "us", "everyone", "everybody"}
    | {"my", "his", "your", "our", "their", "the", "a", "an", "this", "that", "all", "both"}
    | {"then", "so", "but", "now", "yeah", "ok", "also"}
)
PARTICLE_AFTER = re.compile(r"\s+(?:up|out|off|down|away)\b")
WORD = re.compile(r"(?<![\w'])[A-Za-z]+(?:'[A-Za-z]+)?(?![\w'])")
ADDRESSEE = frozenset({"me", "us"})
REQUESTS = frozenset({"please", "pls", "plz"})  # anywhere in the sentence
BIDDING = frozenset({"let", "let's"})  # opening the sentence
FINITE_OR_BASE = frozenset({"VB", "VBP", "VBD", "VBN"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "expl", "csubj", "csubjpass"})
# Verbs of state and attitude: said in the present with no subject, a report ("live in X",
# "love hiking"), where a verb of action is a request ("write a poem").
STATES = frozenset(
    {"be", "live", "reside", "work", "own", "have", "know", "belong", "speak", "rent", "stay"}
    | {verb for verbs in ATTITUDE_VERBS.values() for verb in verbs}
)


def normalised(
    text: str,
    ordinary: Callable[[str], bool] | None = None,
    name_part: Callable[[str], bool] | None = None,
) -> str:
    """`text` with its chat-register spellings restored (see the module's doc): the
    contractions, "I", and, in a text written without capitals, the names among its words.
    `ordinary` says whether a lower-case word is an English word, `name_part` whether a
    noun that follows a name may be its next word ("pellworth insurance", "petra lind"); by
    default both by the loaded pipeline's lexicon (no truecasing where none is loaded)."""
    lowercase = not any(c.isupper() for c in text)
    if ordinary is None:
        ordinary, name_part = pipeline_lexicon()
    last_name_end = [-1]  # where the last word made a name ends

    def word(m: re.Match) -> str:
        w = m.group()
        if w in CONTRACTIONS:
            return CONTRACTIONS[w]
        if w == "i" or w.startswith("i'"):
            return "I" + w[1:]
        stem = w.split("'")[0]  # "jamie's" is "jamie" and its "'s"
        if (full := CLIPPINGS.get(stem.lower())) is not None:
            return full + w[len(stem) :]
        if not lowercase or ordinary is None or len(stem) < 2:
            return w
        after_name = text[last_name_end[0] : m.start()].isspace()
        # a word with a particle after it is a phrasal verb, which ends the name ("me and
        # mia split up")
        after_name = after_name and PARTICLE_AFTER.match(text, m.end()) is None
        if not ordinary(stem) or (after_name and name_part is not None and name_part(stem)):
            last_name_end[0] = m.end() if stem == w else -1
            return w[0].upper() + w[1:]
        return w

    text = KIN_POSSESSIVE.sub(r"\g<kin>'s", text)
    if lowercase and ordinary is not None:
        text = NAME_POSSESSIVE.sub(lambda m: _possessive(m, ordinary), text)
        text = JOINED_TO_SPEAKER.sub(_joined_name, text)
    return WORD.sub(word, text)


def _joined_name(m: re.Match) -> str:
    """The match with its one word joined to the speaker capitalised as a name, where it
    can be one (see `JOINED_TO_SPEAKER`)."""
    group = "after" if m.group("after") is not None else "before"
    word = m.group(group)
    if word in NOT_JOINED_NAMES or word in KIN or word in PET_KINDS or word in CHAT_WORDS:
        return m.group()
    if word in CONTRACTIONS or len(word) < 2:
        return m.group()
    at = m.start(group) - m.start()
    whole = m.group()
    return whole[:at] + word.capitalize() + whole[at + len(word) :]


def _possessive(m: re.Match, ordinary: Callable[[str], bool]) -> str:
    """A name's possessive typed without its apostrophe, where neither the word nor its
    "s"-less form is an English word ("tariqs", "tariq"); else the word as written."""
    name = m.group("name")
    return m.group() if ordinary(m.group()) or ordinary(name) else f"{name}'s"


def respelt(text: str) -> str:
    """`text` with the parts of `normalised` that need no lexicon: the contractions, "I"
    and the kinship possessives ("my sisters husband"); what the rule extractor reads."""
    return normalised(text, lambda w: True)


def with_subject(
    doc: Any, verbs: frozenset[str] = frozenset(), past: frozenset[str] = frozenset()
) -> str | None:
    """The text of `doc` with "I" before each sentence that opens with a subjectless verb
    of the speaker's own report ("I'm" before an -ing form), or None where there is none
    (`verbs`: the lexicon's verbs, for an opening verb the tagger took for another part
    of speech, as it may at a sentence's start: "live in Ystad" tagged as an adverb;
    `past`: the lexicon's irregular past forms, for one the tagger took for a base: "Took
    up fencing")."""
    at = [s.start for s in doc.sents if _reports_without_subject(s, verbs, past)]
    if not at:
        return None
    text, parts, start = doc.text, [], 0
    for i in at:
        token = doc[i]
        first = token.text
        if first[0].isupper() and first not in ("I", "I'm", "I've"):
            first = first[0].lower() + first[1:]  # "Moved to ..." -> "I moved to ..."
        root = token.sent.root
        subject = "I'm " if _progressive_report(root, root) else "I "
        parts += [text[start : token.idx], subject, first]
        start = token.idx + len(token.text)
    return "".join(parts) + text[start:]


def borne_out(doc: Any) -> bool:
    """Whether the parse of a text `with_subject` wrote reads each "I" it put in as the
    subject of a verb."""
    return all(
        t.dep_ in ("nsubj", "nsubjpass") and t.head.pos_ in ("VERB", "AUX")
        for s in doc.sents
        if (t := s[0]).text == "I"
    )


def _reports_without_subject(
    sentence, verbs: frozenset[str], past_forms: frozenset[str] = frozenset()
) -> bool:
    """A sentence that opens with its main verb (after any adverbs: "really like", "just
    moved"), or with that verb's auxiliary or negation ("dont have", "was laid off"), with
    no subject, no addressee ("tell me ...") and no question mark, and that reports rather
    than asks: in the past ("moved to X", "got fired"), or in the present of a verb of state
    or attitude ("live in X", "dont have a cat", "love hiking"). A present verb of action
    is an imperative, with or without a time that recurs ("write a poem", "water the
    plants every tuesday")."""
    root = sentence.root
    if sentence.text.rstrip().endswith("?") or sentence[0].lower_ in BIDDING:
        return False
    if any(t.lower_ in REQUESTS for t in sentence):
        return False
    if _opening_verb_as_name(sentence, verbs):
        return True
    if any(c.dep_ in SUBJECT_DEPS for c in root.children):
        return False
    if any(t.lower_ in ADDRESSEE for t in root.children):
        return False
    first = next((t for t in sentence if not (t.dep_ == "advmod" and t.i < t.head.i)), root)
    if _progressive_report(first, root):
        return True
    if first.i == root.i or (first.head.i == root.i and first.dep_ in ("aux", "auxpass")):
        if root.pos_ in ("VERB", "AUX") and first.tag_ in FINITE_OR_BASE:
            past = first.tag_ in ("VBD", "VBN") or root.tag_ in ("VBD", "VBN")
            past = past or first.lower_ in past_forms  # "Took up fencing" tagged a base
            return past or root.lemma_.lower() in STATES
    # a verb of the lexicon the tagger took for another part of speech: "live in X" as an
    # adverb, "work at X" as a noun (of state), "love hiking" as a noun's
    # modifier (of state only: "dog food every week" is no report); the parse with "I" must
    # bear it out (`borne_out`)
    if first.lower_ not in verbs:
        return False
    if first.i == root.i:
        return first.lower_ in STATES
    return first.head.i == root.i and first.lower_ in STATES


def _progressive_report(first, root) -> bool:
    """A sentence that opens (after adverbs) with its main verb's -ing form and no auxiliary
    ("Currently working as a barista", "Living in Leeds these days"): chat's progressive with
    "I'm" left out. A request is never an -ing form, so it reports."""
    return (
        first.i == root.i
        and root.tag_ == "VBG"
        and root.pos_ == "VERB"
        and not any(c.dep_ in ("aux", "auxpass") for c in root.children)
    )


def _opening_verb_as_name(sentence, verbs: frozenset[str]) -> bool:
    """A sentence that opens with a capitalised verb of the lexicon in the past the tagger
    took for a name: the root itself ("Quit my job last week"), a name compounded with the root
    ("Ditched Comcast for AT&T", "Dropped keto"), a verb made a modifier of the root noun
    ("Cancelled Netflix", "Ditched yoga last month"), or the subject of a verb that cannot take
    one ("Quit smoking cold turkey": "smoking" no finite verb); a name that is the subject
    of a finite verb is a name ("Mark works at Aldi", "Bill Gates founded it")."""
    first, root = sentence[0], sentence.root
    modifier = first.dep_ in ("compound", "amod") and first.pos_ in ("VERB", "ADJ")
    misread = first.pos_ == "PROPN" or modifier
    past = _past(first.lower_, verbs) or (
        first.lower_ in verbs and any(t.lower_ in PAST_TIMES for t in sentence)
    )  # a bare form is past only by a time in the past ("Quit my job last week")
    if not first.text[:1].isupper() or not misread or not past:
        return False
    if first.i == root.i:
        return True
    if first.head.i != root.i or any(
        c.dep_ in SUBJECT_DEPS and c.i != first.i for c in root.children
    ):
        return False
    if first.dep_ in ("compound", "amod"):
        return root.pos_ in ("NOUN", "PROPN")  # "Ditched yoga last month": yoga the root
    return first.dep_ == "nsubj" and root.pos_ == "VERB" and root.tag_ in ("VBG", "VBN")


def _past(word: str, verbs: frozenset[str]) -> bool:
    """A regular past of the lexicon's verbs ("ditched", "dropped", "moved"); a bare form
    opening a sentence is as often a request ("Book the dentist for Tuesday")."""
    if not word.endswith("ed"):
        return False
    stem = word[:-2]
    undoubled = stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem
    return any(s in verbs for s in (stem, word[:-1], undoubled))


__all__ = [
    "CHAT_WORDS",
    "CLIPPINGS",
    "CONTRACTIONS",
    "KIN_POSSESSIVE",
    "lexicon",
    "lexicon_of_pipeline",
    "name_parts",
    "normalised",
    "past_forms",
    "respelt",
    "borne_out",
    "verbs",
    "with_subject",
]
