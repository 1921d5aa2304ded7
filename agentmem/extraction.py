"""Fact extraction: text -> subject/attribute/value facts, by rules or by a language model.

`RuleExtractor` is the offline default: regular patterns over first-person clauses, tuned
for precision (a missed fact costs less than an invented one). It emits the canonical
attribute names of `agentmem.vocabulary`. Questions, hypotheticals ("if I lived in
Rome") and wishes yield nothing; retractions ("I don't live in Paris anymore", "I no
longer work at Acme") yield a fact with `negated=True`.

`LLMExtractor` asks a chat model for JSON (schema in `prompts.py`), retries once on bad
JSON and falls back to the rules, so no input is ever dropped silently.
"""

from __future__ import annotations

import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from agentmem import prompts
from agentmem.types import Fact
from agentmem.vocabulary import canonical

log = logging.getLogger(__name__)
USER = "user"
MAX_VALUE_WORDS = 8


class FactExtractor(ABC):
    """Text -> facts. `extract_many` is batch-first; implementations override `_extract`.

    `fast` extractors (microseconds, no model) run on every observed turn; slow ones run in
    consolidation passes over batches of turns.
    """

    name: str = "extractor"
    fast: bool = False

    def extract(self, text: str, *, source: str = "user") -> list[Fact]:
        if not isinstance(text, str) or not text.strip():
            return []
        return self._extract(text, source=source)

    def extract_many(self, texts: Sequence[str], *, source: str = "user") -> list[list[Fact]]:
        return [self.extract(t, source=source) for t in texts]

    @abstractmethod
    def _extract(self, text: str, *, source: str) -> list[Fact]:
        """Facts stated in a non-empty text."""


# --- rules ------------------------------------------------------------------------------
_CONTRACTIONS = [
    (r"\bI'm\b", "I am"), (r"\bI've\b", "I have"), (r"\bI'd\b", "I would"), (r"\bI'll\b", "I will"),
    (r"\bdon't\b", "do not"), (r"\bdoesn't\b", "does not"), (r"\bdidn't\b", "did not"),
    (r"\bcan't\b", "cannot"), (r"\bcan not\b", "cannot"), (r"\bwon't\b", "will not"),
    (r"\baren't\b", "are not"), (r"\bisn't\b", "is not"), (r"\bwasn't\b", "was not"),
    (r"\bain't\b", "am not"), (r"\bI've got\b", "I have"), (r"\bI have got\b", "I have"),
]
_CONTRACTION_RE = [(re.compile(p, re.I), r) for p, r in _CONTRACTIONS]
_HYPOTHETICAL = re.compile(
    r"\b(?:if|unless|wish|would|could|should|might|imagine|pretend|suppose|supposing|"
    r"dream(?:ed|t)? (?:of|about|that)|hypothetically|what about|whether|someday|one day)\b", re.I)
_HEDGE = re.compile(r"\b(?:think|guess|probably|maybe|perhaps|not sure|might)\b", re.I)
_ADV = (r"(?:(?:really|also|still|now|currently|actually|just|recently|finally|absolutely|"
        r"truly|totally|definitely|usually|always|mostly|honestly|kind of|sort of|very much|"
        r"officially|happily|proudly|already|even)\s+)*")
_STOP = (r"(?=\s+(?:and|but|with|because|since|so|when|while|where|which|who|although|though|"
         r"now|anymore|any more|these days|nowadays|at the moment|right now|currently|as|until|"
         r"after|before|for|from|near|last|this|next|in (?:19|20)\d\d)\b|\s*[,;:.!?()\"]|\s+-\s|$)")
_TIME = re.compile(
    r"\b(?:tomorrow|tonight|today|next|this (?:week|weekend|month|year|summer|winter|spring|"
    r"autumn|fall|morning|evening|afternoon)|soon|later|on (?:mon|tues|wednes|thurs|fri|satur|sun)"
    r"day|in (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|in \d+ (?:days|weeks|"
    r"months|years)|(?:19|20)\d\d|\d{1,2}(?:st|nd|rd|th)|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|"
    r"oct|nov|dec)[a-z]* \d{1,2})\b", re.I)

_OCCUPATIONS = frozenset("""
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
""".split())
_PETS = ("dog|dogs|cat|cats|puppy|kitten|parrot|hamster|rabbit|bunny|goldfish|fish|turtle|"
         "tortoise|snake|lizard|horse|pony|guinea pig|ferret|bird|gecko|budgie|cockatiel|"
         "retriever|labrador|poodle|terrier|beagle|husky|bulldog|spaniel|dachshund|corgi|"
         "chihuahua|pug|collie|shepherd|iguana|hedgehog|chinchilla|rat|mouse|canary")
_CHILDREN = {"son": "son", "sons": "son", "daughter": "daughter", "daughters": "daughter",
             "kid": "child", "kids": "child", "child": "child", "children": "child",
             "baby": "child", "twins": "child", "boy": "son", "girl": "daughter"}
_SIBLINGS = {"brother": "brother", "brothers": "brother", "sister": "sister",
             "sisters": "sister", "sibling": "sibling", "siblings": "sibling"}
_SPOUSES = ("wife|husband|partner|spouse|girlfriend|boyfriend|fiancee|fiancée|fiance|fiancé")
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_NUM = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+)"
_NOT_VALUES = frozenset("""it this that these those them him her you me us something anything
everything nothing someone anyone everybody nobody there here so too lot lots much""".split())
_NATIONALITY = re.compile(r"(?:ian|ese|ish|ean|ch|can|ican|ic|i)$")
_CAP = r"(?-i:[A-Z])"  # a capital letter even inside a case-insensitive pattern
_NAME = r"(" + _CAP + r"[\w'-]+(?: " + _CAP + r"[\w'-]+){0,2})"
_PLACE = (r"((?:the )?" + _CAP + r"[\w'.-]*(?:,? (?:" + _CAP + r"[\w'.-]*|(?-i:de|la|le|del|di|"
          r"da|du|of|upon|am|on|sur|en|y))(?= |$|[,.;!?]))*)")
_VAL = r"(.+?)" + _STOP
_ORG = (r"((?:the )?(?-i:[A-Z0-9])[\w&'.-]*(?: (?:(?-i:[A-Z0-9&])[\w&'.-]*|(?-i:of|and|for|de|"
        r"the))(?= |$|[,.;!?]))*)")
_LIST = (r"(.+?)(?=\s*[;.!?]|\s+(?:but|because|since|so|when|while|although|though|anymore|"
         r"any more|now|these days|nowadays)\b|$)")


@dataclass(frozen=True)
class _Rule:
    """One pattern: which group holds the value, and how the match becomes facts."""

    pattern: re.Pattern[str]
    build: Callable[[re.Match[str]], list[tuple[str, str, bool]]]


def _rule(pattern: str, build: Callable[[re.Match[str]], list[tuple[str, str, bool]]]) -> _Rule:
    return _Rule(re.compile(pattern, re.I), build)


def _one(attribute: str, group: int = 1, negated: bool = False, split: bool = False,
         check: Callable[[str], bool] | None = None):
    def build(m: re.Match[str]) -> list[tuple[str, str, bool]]:
        values = _split(m.group(group)) if split else [m.group(group)]
        out = []
        for raw in values:
            value = _clean(raw)
            if value and (check is None or check(value)):
                out.append((attribute, value, negated))
        return out
    return build


def _split(value: str) -> list[str]:
    return [v for v in re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or|as well as|&)\s+", value) if v]


def _clean(value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip(" \t'\"`-.,;:!?")
    value = re.sub(r"^(?:a|an|some|my)\s+", "", value, flags=re.I)
    value = re.sub(r"\s+(?:a lot|so much|very much|too|as well|a bit|lately)$", "", value,
                   flags=re.I)
    words = value.split()
    if not words or len(words) > MAX_VALUE_WORDS or words[0].lower() in _NOT_VALUES:
        return ""
    if words[0].lower() == "to" and len(words) > 1:  # "I love to cook" -> "cook"
        value = " ".join(words[1:])
    return value


def _is_place(value: str) -> bool:
    return value[:1].isupper() or value.lower().startswith("the ")


def _is_name(value: str) -> bool:
    first = value.split()[0]
    return first[:1].isupper() and first.lower() not in _NOT_VALUES and first != "I"


def _is_occupation(value: str) -> bool:
    return value.split()[-1].lower() in _OCCUPATIONS


def _is_org(value: str) -> bool:
    return value[:1].isupper() or value[:1].isdigit() or value.lower().startswith("the ")


def _not_time(value: str) -> bool:
    return not _TIME.fullmatch(value)


def _pet(m: re.Match[str]) -> list[tuple[str, str, bool]]:
    kind = _clean(m.group("kind"))
    out = [("has_pet", kind, False)] if kind else []
    name = m.groupdict().get("name")
    if name and _is_name(name):
        out.append(("pet_name", f"{name} ({kind})" if kind else name, False))
    return out


def _pet_named(m: re.Match[str]) -> list[tuple[str, str, bool]]:
    kind, name = m.group("kind").lower(), _clean(m.group("name"))
    return [("has_pet", kind, False), ("pet_name", f"{name} ({kind})", False)] if name else []


def _relatives(m: re.Match[str]) -> list[tuple[str, str, bool]]:
    word = m.group("rel").lower()
    count = m.group("num").lower()
    attribute = "has_child" if word in _CHILDREN else "has_sibling"
    kind = {**_CHILDREN, **_SIBLINGS}[word]
    name = m.groupdict().get("name")
    n = _NUMBERS.get(count, int(count) if count.isdigit() else 1)
    if name and _is_name(name):
        return [(attribute, f"{kind} {name}", False)]
    return [(attribute, kind if n == 1 else f"{n} {word}", False)]


def _relative_named(m: re.Match[str]) -> list[tuple[str, str, bool]]:
    word, name = m.group("rel").lower(), _clean(m.group("name"))
    if not name or not _is_name(name):
        return []
    if word in _CHILDREN:
        return [("has_child", f"{_CHILDREN[word]} {name}", False)]
    if word in _SIBLINGS:
        return [("has_sibling", f"{_SIBLINGS[word]} {name}", False)]
    if re.fullmatch(_SPOUSES, word):
        return [("spouse", name, False)]
    return [(f"{word.replace(' ', '_')}_name", name, False)]


def _name_intro(m: re.Match[str]) -> list[tuple[str, str, bool]]:
    value = _clean(m.group(1))
    if not value or not _is_name(value) or len(value.split()) > 3:
        return []
    if _NATIONALITY.search(value.split()[-1]) and len(value.split()) == 1 and len(value) > 5:
        return []  # "I'm Italian", "I'm French": a nationality, not a name
    return [("name", value, False)]


def _favourite(m: re.Match[str]) -> list[tuple[str, str, bool]]:
    thing = re.sub(r"\s+", "_", m.group("thing").strip().lower())
    value = _clean(m.group("value"))
    return [(f"favorite_{thing}", value, False)] if value else []


def _generic(m: re.Match[str]) -> list[tuple[str, str, bool]]:
    attribute = canonical(m.group("attr"))
    value = _clean(m.group("value"))
    if not value or not re.search(r"[\d@]", value) or attribute in _SPECIFIC:
        return []
    return [(attribute, value, False)]


def _works_with_title(m: re.Match[str]) -> list[tuple[str, str, bool]]:
    out = []
    title, org = _clean(m.group("title")), _clean(m.group("org"))
    if title and _is_occupation(title):
        out.append(("job_title", title, False))
    if org and _is_org(org):
        out.append(("works_at", org, False))
    return out


_I = r"\bI " + _ADV
_SPECIFIC = {"name", "age", "birthday", "lives_in", "from", "works_at", "job_title", "spouse"}
_WORK_VERB = r"(?:work|am working|have been working|have worked|started working|am employed|am)"

RULES: tuple[_Rule, ...] = (
    # retractions first: they share words with the positive patterns
    _rule(_I + r"(?:do not|no longer|cannot|did not) (?:live|reside|stay) (?:in|at) " + _PLACE,
          _one("lives_in", negated=True, check=_is_place)),
    _rule(_I + r"(?:have )?(?:moved|relocated) (?:away )?(?:from|out of) " + _PLACE,
          _one("lives_in", negated=True, check=_is_place)),
    _rule(_I + r"(?:do not|no longer) (?:work|am working) (?:at|for) " + _ORG,
          _one("works_at", negated=True, check=_is_org)),
    _rule(_I + r"(?:have )?(?:left|quit|resigned from|retired from|was laid off from|was fired "
          r"from|got fired from|got laid off from)(?: my (?:job|position|role) (?:at|with))? "
          + _ORG,
          _one("works_at", negated=True, check=_is_org)),
    _rule(_I + r"am not (?:a|an) ([\w -]+?)" + _STOP, _one("job_title", negated=True,
                                                          check=_is_occupation)),
    _rule(_I + r"(?:am not|am no longer) allergic to " + _LIST,
          _one("allergic_to", negated=True, split=True)),
    _rule(_I + r"(?:do not|no longer|do no longer) (?:like|love|enjoy) (.+?) any ?more\b",
          _one("likes", negated=True, split=True)),
    _rule(_I + r"no longer (?:like|love|enjoy) " + _LIST, _one("likes", negated=True, split=True)),
    _rule(_I + r"(?:do not|no longer) (?:have|own) (?:a|an|my) (?P<kind>" + _PETS + r")\b",
          lambda m: [("has_pet", m.group("kind").lower(), True)]),
    _rule(_I + r"am not (?:from|originally from) " + _PLACE, _one("from", negated=True,
                                                               check=_is_place)),
    # name and age
    _rule(r"\bmy (?:first |full |real )?name is " + _NAME, _one("name", check=_is_name)),
    _rule(r"\b(?:call me|I am called|I am named|I go by|people call me|everyone calls me) "
          + _NAME, _one("name", check=_is_name)),
    _rule(r"(?:^|\b(?:hi|hello|hey|greetings)\b[,!.]?\s+)I am (" + _CAP + r"[\w'-]+(?: "
          + _CAP + r"[\w'-]+)?)"
          r"(?=\s*(?:[,.;!]|$|and\b|here\b))", _name_intro),
    _rule(_I + r"am (\d{1,3})(?:\s+years?\s+old|\s+yrs?\s+old|\s+y/?o)?(?=\s*(?:[,.;!]|$|and\b|"
          r"but\b|now\b|this year\b))", _one("age")),
    _rule(_I + r"(?:just |recently )?turned (\d{1,3})\b(?!\s*(?:%|percent|[a-z]))", _one("age")),
    _rule(r"\bmy age is (\d{1,3})\b", _one("age")),
    # home, origin, moves
    _rule(_I + r"(?:live|reside|am living|have been living|have lived|am based|am staying|am "
          r"settled|have settled) (?:in|at) " + _PLACE, _one("lives_in", check=_is_place)),
    _rule(_I + r"(?:have )?(?:moved|relocated|emigrated|immigrated) (?:from " + _CAP + r"[\w ]*? )?"
          r"(?:to|into) " + _PLACE, _one("lives_in", check=_is_place)),
    _rule(r"\bmy (?:home|house|flat|apartment|place) is in " + _PLACE,
          _one("lives_in", check=_is_place)),
    _rule(_I + r"(?:am|come|hail) (?:originally )?from " + _PLACE, _one("from", check=_is_place)),
    _rule(_I + r"(?:grew up|was raised|was born) in " + _PLACE, _one("from", check=_is_place)),
    _rule(r"\bmy (?:hometown|home town|home country) is " + _PLACE, _one("from",
                                                                       check=_is_place)),
    _rule(_I + r"was born (?:in|on) ((?:\d{1,2}(?:st|nd|rd|th)? )?(?:of )?(?:[A-Z][a-z]+ )?"
          r"\d{1,2}(?:st|nd|rd|th)?,? (?:19|20)\d\d|(?:19|20)\d\d|[A-Z][a-z]+ \d{1,2}(?:st|nd|"
          r"rd|th)?)", _one("birthday")),
    _rule(r"\bmy birthday is (?:on )?" + _VAL, _one("birthday")),
    # work
    _rule(_I + r"am (?:a|an) (?P<title>[\w -]+?) (?:at|for|with) " + r"(?P<org>" + _ORG[1:],
          _works_with_title),
    _rule(_I + r"(?:work|am working|have been working|have worked|started working|am employed|"
          r"am an employee|am employed) (?:at|for|by|with) " + _ORG, _one("works_at",
                                                                          check=_is_org)),
    _rule(_I + r"(?:have )?(?:joined|got a (?:new )?job (?:at|with)|was hired by|"
          r"got hired (?:at|by)"
          r"|started (?:a |my )?(?:new )?(?:job|position|role) at) " + _ORG,
          _one("works_at", check=_is_org)),
    _rule(r"\bmy (?:employer|company) is " + _ORG, _one("works_at", check=_is_org)),
    _rule(_I + _WORK_VERB + r" (?:at|for) [^,.;!?]+? as (?:a|an|the)? ?([\w -]+?)" + _STOP,
          _one("job_title")),
    _rule(_I + r"(?:work|am working|have been working) as (?:a|an|the)? ?([\w -]+?)" + _STOP,
          _one("job_title")),
    _rule(r"\bmy (?:job|job title|occupation|profession|role) is (?:a |an )?([\w -]+?)" + _STOP,
          _one("job_title")),
    _rule(_I + r"am (?:a|an) ((?:[\w-]+ ){0,3}?[\w-]+)(?: by (?:profession|trade))?" + _STOP,
          _one("job_title", check=_is_occupation)),
    # family and pets
    _rule(r"\bmy (?P<rel>" + _SPOUSES + r"|son|daughter|brother|sister|mother|father|mom|mum|"
          r"dad|boss|best friend|roommate|grandmother|grandfather)(?:'s name is| is called| is "
          r"named|, | named | called ) ?(?P<name>" + _CAP + r"[\w'-]+(?: " + _CAP
          + r"[\w'-]+)?)", _relative_named),
    _rule(_I + r"am (?:married|engaged) to " + _NAME, _one("spouse", check=_is_name)),
    _rule(_I + r"(?:have|got) (?P<num>" + _NUM + r") (?:(?:little|older|younger|big|baby|"
          r"twin|[a-z]+-year-old) )?(?P<rel>sons?|daughters?|kids?|child|children|baby|twins|"
          r"boys?|girls?|brothers?|sisters?|siblings?)\b(?: (?:named|called) (?P<name>" + _CAP
          + r"[\w'-]+))?", _relatives),
    _rule(_I + r"(?:have|own|got|adopted) (?:a|an|one|two|three|\d+) (?:(?:[\w-]+ ){0,2}?)"
          r"(?P<kind>" + _PETS + r")\b(?:,? (?:named|called) (?P<name>" + _CAP
          + r"[\w'-]+))?", _pet),
    _rule(r"\bmy (?P<kind>" + _PETS + r")(?:'s name is| is called| is named|, | named | called )"
          r" ?(?P<name>" + _CAP + r"[\w'-]+)", _pet_named),
    # likes and dislikes
    _rule(_I + r"(?:do not like|do not enjoy|dislike|hate|detest|loathe|cannot stand|am not a "
          r"(?:big )?fan of|despise|cannot bear) " + _LIST, _one("dislikes", split=True)),
    _rule(_I + r"(?:like|love|enjoy|adore|am into|am a (?:big |huge )?fan of|am passionate "
          r"about|prefer|am obsessed with) (?!to (?:think|say|know|ask|tell|hear|see)\b)" + _LIST,
          _one("likes", split=True, check=_not_time)),
    _rule(r"\bmy (?:absolute )?favou?rite (?P<thing>[a-z]+(?: [a-z]+)?) (?:is|are) (?P<value>.+?)"
          + _STOP, _favourite),
    # languages, allergies, possessions
    _rule(_I + r"(?:speak|am fluent in|can speak) " + _LIST, _one("speaks", split=True,
                                                                check=_is_place)),
    _rule(r"\bmy (?:native|first|mother) (?:language|tongue) is " + _VAL,
          _one("speaks", check=_is_place)),
    _rule(_I + r"am (?:severely |very |mildly )?allergic to " + _LIST,
          _one("allergic_to", split=True)),
    _rule(_I + r"have (?:a|an) ([\w -]+?) allergy\b", _one("allergic_to")),
    _rule(_I + r"(?:own|drive|bought|have bought|purchased|have purchased) (?:a |an |the |my )?"
          + _VAL, _one("owns", check=lambda v: v.split()[0].lower() not in ("car", "house"))),
    _rule(_I + r"have (?:a|an) (" + _CAP + r"[\w-]*(?: (?-i:[A-Z0-9])[\w-]*)*)"
          r"(?=\s*(?:[,.;!]|$|and\b))",
          _one("owns")),
    # plans
    _rule(_I + r"(?:am|will be) (?:going|moving|flying|travelling|traveling|driving|heading) "
          r"to (?!be\b)(.+?)(?=\s*[,;.!?]|$)", _one("plans", check=lambda v: len(v.split()) >= 1)),
    _rule(_I + r"(?:am planning to|plan to|intend to|am about to|am hoping to|hope to|have "
          r"decided to|decided to|am going to) (.+?)(?=\s*[,;.!?]|$)", _one("plans")),
    _rule(_I + r"(?:have|got) (?:a|an|my) ((?:[\w-]+ )?(?:meeting|appointment|exam|interview|"
          r"flight|trip|wedding|surgery|deadline|presentation|concert|vacation|holiday|"
          r"conference|party|match|game|class)\b.*?)(?=\s*[,;.!?]|$)",
          _one("plans", check=lambda v: bool(_TIME.search(v)))),
    _rule(_I + r"will ((?!be\b)\w+ .+?)(?=\s*[,;.!?]|$)",
          _one("plans", check=lambda v: bool(_TIME.search(v)))),
    # numbers and other "my X is Y" statements
    _rule(r"\bmy (?P<attr>[a-z]+(?: [a-z]+){0,2}) (?:is|are|was) (?P<value>.+?)"
          r"(?=\s*[,;!?]|\.(?:\s|$)|$)", _generic),
)

_CLAUSE_SPLIT = re.compile(
    r"(?<=[.!?;])\s+|\n+|,?\s+(?:and|but|so|because|although|though|while|plus)\s+(?=(?:I|my)\b)"
    r"|,\s+(?=(?:I|my)\b)")


def _normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    for pattern, replacement in _CONTRACTION_RE:
        text = pattern.sub(replacement, text)
    text = re.sub(r"\bi\b", "I", text)  # casual lower-case "i live in Paris"
    return text


def clauses(text: str) -> Iterator[str]:
    """First-person clauses worth reading: no questions, no hypotheticals."""
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", _normalise(text)):
        sentence = sentence.strip()
        if not sentence or sentence.endswith("?"):
            continue
        for clause in _CLAUSE_SPLIT.split(sentence):
            clause = clause.strip()
            if clause and not _HYPOTHETICAL.search(clause):
                yield clause


class RuleExtractor(FactExtractor):
    """High-precision patterns for first-person facts; no model, microseconds per turn."""

    name = "rules"
    fast = True

    def __init__(self, rules: Sequence[_Rule] = RULES) -> None:
        self.rules = tuple(rules)

    def _extract(self, text: str, *, source: str) -> list[Fact]:
        facts: dict[tuple[str, str, bool], Fact] = {}
        for clause in clauses(text):
            confidence = 0.6 if _HEDGE.search(clause) else 0.9
            for attribute, value, negated in self._match(clause):
                key = (attribute, value.lower(), negated)
                if key not in facts and not _shadowed(key, facts):
                    facts[key] = Fact(subject=USER, attribute=attribute, value=value,
                                      text=render(USER, attribute, value, negated),
                                      negated=negated, confidence=confidence, source=source)
        return list(facts.values())

    def _match(self, clause: str) -> Iterator[tuple[str, str, bool]]:
        taken: list[tuple[int, int]] = []
        for rule in self.rules:
            for m in rule.pattern.finditer(clause):
                span = _value_span(m)
                if any(span[0] < end and start < span[1] for start, end in taken):
                    continue  # an earlier, more specific rule (a retraction) read these words
                built = rule.build(m)
                if built:
                    taken.append(span)
                    yield from built


def _value_span(m: re.Match[str]) -> tuple[int, int]:
    spans = [m.span(i) for i in range(1, (m.re.groups or 0) + 1) if m.start(i) >= 0]
    return (min(a for a, _ in spans), max(b for _, b in spans)) if spans else m.span()


def _shadowed(key: tuple[str, str, bool], facts: dict[tuple[str, str, bool], Fact]) -> bool:
    """A negated fact wins over the positive one read from the same words."""
    attribute, value, negated = key
    return (attribute, value, not negated) in facts and not negated


_TEMPLATES = {
    "name": ("{s}'s name is {v}", "{s}'s name is not {v}"),
    "age": ("{s} is {v} years old", "{s} is not {v} years old"),
    "lives_in": ("{s} lives in {v}", "{s} no longer lives in {v}"),
    "from": ("{s} is from {v}", "{s} is not from {v}"),
    "works_at": ("{s} works at {v}", "{s} no longer works at {v}"),
    "job_title": ("{s} works as {v}", "{s} does not work as {v}"),
    "spouse": ("{s}'s partner is {v}", "{s}'s partner is no longer {v}"),
    "birthday": ("{s}'s birthday is {v}", "{s}'s birthday is not {v}"),
    "likes": ("{s} likes {v}", "{s} no longer likes {v}"),
    "dislikes": ("{s} dislikes {v}", "{s} no longer dislikes {v}"),
    "speaks": ("{s} speaks {v}", "{s} does not speak {v}"),
    "has_pet": ("{s} has a pet: {v}", "{s} no longer has a pet: {v}"),
    "pet_name": ("{s}'s pet is named {v}", "{s} no longer has the pet {v}"),
    "has_child": ("{s} has a child: {v}", "{s} does not have a child: {v}"),
    "has_sibling": ("{s} has a sibling: {v}", "{s} does not have a sibling: {v}"),
    "owns": ("{s} owns {v}", "{s} no longer owns {v}"),
    "plans": ("{s} plans to {v}", "{s} no longer plans to {v}"),
    "allergic_to": ("{s} is allergic to {v}", "{s} is not allergic to {v}"),
}


def render(subject: str, attribute: str, value: str, negated: bool = False) -> str:
    """A fact as one plain sentence: 'The user lives in Paris'."""
    s = "The user" if subject == USER else subject
    positive, negative = _TEMPLATES.get(attribute, ("{s}'s {a} is {v}", "{s}'s {a} is not {v}"))
    text = (negative if negated else positive).format(s=s, a=attribute.replace("_", " "), v=value)
    return text[0].upper() + text[1:]


# --- language model ---------------------------------------------------------------------
class LLMExtractor(FactExtractor):
    """Facts from a chat model's JSON; one retry on bad JSON, then the rules take over.

    `complete` is any callable prompt -> text (a LangChain chat model is adapted by
    `from_chat_model`). Errors are logged and counted in `self.failures`; the input is never
    dropped: on failure the fallback extractor's facts are returned.
    """

    name = "llm"

    def __init__(self, complete: Callable[[list[dict[str, str]]], str], *,
                 fallback: FactExtractor | None = None, max_facts: int = 20) -> None:
        self.complete = complete
        self.fallback = fallback or RuleExtractor()
        self.max_facts = max_facts
        self.failures = 0

    @classmethod
    def from_chat_model(cls, model: Any, **kwargs: Any) -> LLMExtractor:
        """Wrap any langchain-core BaseChatModel."""
        return cls(lambda messages: _invoke_chat_model(model, messages), **kwargs)

    def _extract(self, text: str, *, source: str) -> list[Fact]:
        messages = prompts.extraction_messages(text)
        for attempt in range(2):
            try:
                raw = self.complete(messages)
                return parse_facts(raw, source=source)[: self.max_facts]
            except ValueError as exc:
                log.warning("fact extraction: bad model output (attempt %d): %s", attempt + 1, exc)
                messages = prompts.extraction_retry_messages(text, str(exc))
            except Exception:  # a model failure must not lose the input
                log.exception("fact extraction: the model failed; using %s", self.fallback.name)
                break
        self.failures += 1
        return self.fallback.extract(text, source=source)


def local_model_completion(config: Any = None) -> Callable[[list[dict[str, str]]], str]:
    """A completion function over the local model, loaded on first use."""
    state: dict[str, Any] = {}

    def complete(messages: list[dict[str, str]]) -> str:
        if "llm" not in state:
            from agentmem.llm import LocalLLM

            state["llm"] = LocalLLM.load(config)
        return str(state["llm"].generate(messages, max_new_tokens=256))
    return complete


def make_extractor(kind: str = "rules", *, chat_model: Any = None, config: Any = None
                   ) -> FactExtractor:
    """The extractor a config names: 'rules', or 'llm' (the chat model if given, else local)."""
    if kind == "rules":
        return RuleExtractor()
    if kind == "llm":
        if chat_model is not None:
            return LLMExtractor.from_chat_model(chat_model)
        return LLMExtractor(local_model_completion(config))
    raise ValueError(f"consolidation.extractor must be 'rules' or 'llm', got {kind!r}")


def _invoke_chat_model(model: Any, messages: list[dict[str, str]]) -> str:
    reply = model.invoke([(m["role"] if m["role"] != "user" else "human", m["content"])
                          for m in messages])
    content = getattr(reply, "content", reply)
    return content if isinstance(content, str) else json.dumps(content)


def parse_facts(raw: str, *, source: str = "user") -> list[Fact]:
    """Parse the model's JSON into Facts; ValueError names what was wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("empty output")
    body = raw.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", body, re.S)
    if fenced:
        body = fenced.group(1)
    start = min((i for i in (body.find("{"), body.find("[")) if i >= 0), default=-1)
    if start < 0:
        raise ValueError(f"no JSON object in output: {raw[:80]!r}")
    try:
        data, _ = json.JSONDecoder().raw_decode(body[start:])
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    items = data.get("facts") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError("expected {\"facts\": [...]}")
    return [f for f in (_fact_from_json(item, source) for item in items) if f is not None]


def _fact_from_json(item: Any, source: str) -> Fact | None:
    if not isinstance(item, dict):
        raise ValueError(f"each fact must be an object, got {item!r:.60}")
    try:
        subject = str(item.get("subject") or USER).strip().lower()
        attribute = canonical(str(item["attribute"]))
        value = str(item["value"]).strip()
    except KeyError as exc:
        raise ValueError(f"fact without {exc.args[0]!r}: {item!r:.80}") from None
    if not attribute or not value:
        return None
    subject = USER if subject in ("i", "me", "user", "the user", "myself") else subject
    negated = bool(item.get("negated", False))
    confidence = float(item.get("confidence", 0.8))
    return Fact(subject=subject, attribute=attribute, value=value, negated=negated,
                text=render(subject, attribute, value, negated),
                confidence=min(1.0, max(0.0, confidence)), source=source)


__all__ = ["FactExtractor", "LLMExtractor", "RuleExtractor", "clauses", "local_model_completion",
           "make_extractor", "parse_facts", "render"]
