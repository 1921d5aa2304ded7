"""The rule extractor's patterns, as data: one `Rule` row per way of stating a fact.

A row reads: regex over a normalised first-person clause ("I've" is already "I have") ->
attribute, with how the matched value is normalised:

    Rule(_I + r"(?:live|reside) in " + _PLACE, "lives_in", check="place")

`check` and `build` name functions of `agentmem.facts.extraction.rules` (`CHECKS`, `BUILDERS`):
a check filters a cleaned value, a builder turns a match into several facts (a pet and its
name). Rows are tried in order and a later row never reads words an earlier one used, so
retractions come first. Values are cut at `_STOP` words and commas; `_I` allows adverbs
after "I" ("I really live in"), `_AM` and `_HAVE` after an auxiliary ("I am now living in",
"I have just moved to"). The words the rows name (pets, spouses) are in `extraction_lexicon`;
clauses are split and normalised before the rows see them (`extraction_sentences`).
"""

from __future__ import annotations

from dataclasses import dataclass

from agentmem.facts.extraction.lexicon import ATTITUDE_VERBS, COUNT, PETS, SPOUSES


@dataclass(frozen=True)
class Rule:
    """One pattern and what its match means.

    regex: applied case-insensitively to one clause.
    attribute: the fact's attribute; empty when `build` makes the facts.
    negated: the clause retracts the fact ("I no longer live in Paris").
    group: the regex group holding the value.
    split: a list ("hiking and swimming") gives one fact per item.
    check: the name of a test the cleaned value must pass (`extraction_rules.CHECKS`).
    build: the name of a builder for matches with several facts (`extraction_rules.BUILDERS`).
    lower: lower-case the value.
    """

    regex: str
    attribute: str = ""
    negated: bool = False
    group: int | str = 1
    split: bool = False
    check: str = ""
    build: str = ""
    lower: bool = False

    def __post_init__(self) -> None:
        if bool(self.attribute) == bool(self.build):
            raise ValueError(
                f"a Rule names an attribute or a build function (not both, not "
                f"neither), got attribute={self.attribute!r}, build={self.build!r} "
                f"for {self.regex[:60]!r}"
            )


# --- regex fragments ---------------------------------------------------------------------
_ADV = (
    r"(?:(?:really|also|still|now|currently|actually|just|recently|finally|absolutely|"
    r"truly|totally|definitely|usually|always|mostly|honestly|kind of|sort of|very much|"
    r"officially|happily|proudly|already|even)\s+)*"
)
_STOP_WORDS = (
    r"and|but|with|because|since|so|when|while|where|which|who|although|though|"
    r"now|anymore|any more|these days|nowadays|at the moment|right now|currently|as|"
    r"until|after|before|for|from|near|last|this|next|in (?:19|20)\d\d"
)
_END = r"\s*[,;:.!?()\"]|\s+-\s|$"
# A departure placed in a day ("left the office early today", "left at 6pm", "this morning")
# is a one-off event, no leaving of an employer or a home (as `extraction_change._trip`).
_DAY_PART = r"(?:tonight|(?:this|last|yesterday) (?:morning|afternoon|evening|night))"
_NOT_ONE_OFF = (
    r"(?![^,;.!?]*\b(?:(?:early|late|earlier|later) (?:today|yesterday|"
    + _DAY_PART
    + r")|"
    + _DAY_PART
    + r"|at \d{1,2}(?:[:.]\d\d)?\s*(?:am|pm)?\b))"
)
_STOP = r"(?=\s+(?:" + _STOP_WORDS + r")\b|" + _END + r")"
# a job title also ends before where and for whom: "a nurse at St Mary's", "a nurse in Oslo"
_TITLE = r"(?:(?:a|an|the) )?([\w -]+?)(?=\s+(?:at|in|by|on|" + _STOP_WORDS + r")\b|" + _END + r")"
_CAP = r"(?-i:[A-Z])"  # a capital letter even inside a case-insensitive pattern
_NAME = r"(" + _CAP + r"[\w'-]+(?: " + _CAP + r"[\w'-]+){0,2})"
_PLACE = (
    r"((?:the )?" + _CAP + r"[\w'.-]*(?:,? (?:" + _CAP + r"[\w'.-]*|(?-i:de|la|le|del|di|"
    r"da|du|of|upon|am|on|sur|en|y))(?= |$|[,.;!?]))*)"
)
_VAL = r"(.+?)" + _STOP
_ORG = (
    r"((?:the )?(?-i:[A-Z0-9])[\w&'.-]*(?: (?:(?-i:[A-Z0-9&])[\w&'.-]*|(?-i:of|and|for|de|"
    r"the))(?= |$|[,.;!?]))*)"
)
_LIST = (
    r"(.+?)(?=\s*[;.!?]|\s+(?:but|because|since|so|when|while|although|though|anymore|"
    r"any more|now|these days|nowadays)\b|$)"
)
_I = r"\bI " + _ADV
_AM = r"am " + _ADV  # adverbs after an auxiliary too: "I am now living", "I have just moved"
_HAVE = r"(?:have " + _ADV + r")"
_BEEN = _HAVE + r"been " + _ADV
# fragments ending in a space: what comes next is "at Acme" or "as a nurse"
_EMPLOYED = (
    r"(?:work|"
    + _AM
    + r"(?:working|employed)|"
    + _BEEN
    + r"working|"
    + _HAVE
    + r"?(?:started|began|begun) working) "
    + _ADV
)
_NEW_JOB = (
    _HAVE + r"?(?:started|began|begun|took|taken|got|gotten|accepted|landed|found|have) "
    r"(?:a |my |the )?(?:new )?(?:job|position|role) "
)
_PASSIVE = r"(?:(?:was|got) " + _ADV + r"|" + _BEEN + r")"
_HIRED = _PASSIVE + r"hired "
_JOB_START = r"(?:" + _NEW_JOB + r"|" + _HIRED + r")"
_BECOME = r"(?:am|" + _HAVE + r"?(?:become|became)) " + _ADV
_AT_JOB = (
    r"(?:"
    + _EMPLOYED
    + r"|am |"
    + _HAVE
    + r"worked |"
    + _JOB_START
    + r"|"
    + _HAVE
    + r"?(?:started|began) )(?:at|for|by) "
)
_NAMED = r"(?:,? (?:named|called) (?P<name>" + _CAP + r"[\w'-]+))?"
_CALLED = r"(?:'s name is| is called| is named|, | named | called ) ?"

RULES: tuple[Rule, ...] = (
    # retractions first: they share words with the positive patterns
    Rule(
        _I + r"(?:(?:do not|no longer|cannot|did not|used to) (?:live|reside|stay)|am no longer "
        r"(?:living|based|staying)) (?:in|at) " + _PLACE,
        "lives_in",
        negated=True,
        check="place",
    ),
    Rule(
        _I + _HAVE + r"?(?:moved|relocated) (?:(?:away|here|back) )?(?:from|out of) " + _PLACE,
        "lives_in",
        negated=True,
        check="place",
    ),
    Rule(
        _I + r"(?:(?:do not|no longer) (?:work|am working)|am no longer (?:working|employed)|used "
        r"to work) (?:at|for|by) " + _ORG,
        "works_at",
        negated=True,
        check="org",
    ),
    Rule(
        _I + r"(?:(?:do not|no longer) work|am no longer working|used to work) as " + _TITLE,
        "job_title",
        negated=True,
    ),
    Rule(
        _I
        + r"(?:have )?(?:left"
        + _NOT_ONE_OFF
        + r"|quit|resigned from|retired from|was laid off from|was fired "
        r"from|got fired from|got laid off from)(?: my (?:job|position|role) (?:at|with))? " + _ORG,
        "works_at",
        negated=True,
        check="org",
    ),
    Rule(
        _I + r"(?:am not|am no longer|used to be) (?:a|an) ([\w -]+?)" + _STOP,
        "job_title",
        negated=True,
        check="occupation",
    ),
    Rule(
        _I + r"(?:am not|am no longer) allergic to " + _LIST,
        "allergic_to",
        negated=True,
        split=True,
    ),
    Rule(
        _I + r"(?:do not|no longer|do no longer) (?:like|love|enjoy) (.+?) any ?more\b",
        "likes",
        negated=True,
        split=True,
    ),
    Rule(_I + r"no longer (?:like|love|enjoy) " + _LIST, "likes", negated=True, split=True),
    Rule(
        _I + r"(?:do not|no longer) (?:have|own) (?:a|an|my) (?P<kind>" + PETS + r")\b",
        "has_pet",
        negated=True,
        group="kind",
        lower=True,
    ),
    Rule(_I + r"am not (?:from|originally from) " + _PLACE, "from", negated=True, check="place"),
    # name and age
    Rule(r"\bmy (?:first |full |real )?name is " + _NAME, "name", check="name"),
    Rule(
        r"\b(?:call me|I am called|I am named|I go by|people call me|everyone calls me) " + _NAME,
        "name",
        check="name",
    ),
    Rule(
        r"(?:^|\b(?:hi|hello|hey|greetings)\b[,!.]?\s+)I am ("
        + _CAP
        + r"[\w'-]+(?: "
        + _CAP
        + r"[\w'-]+)?)(?=\s*(?:[,.;!]|$|and\b|here\b))",
        build="name_intro",
    ),
    Rule(
        _I + r"am (\d{1,3})(?:\s+years?\s+old|\s+yrs?\s+old|\s+y/?o)?(?=\s*(?:[,.;!]|$|and\b|"
        r"but\b|now\b|this year\b))",
        "age",
    ),
    Rule(_I + r"(?:just |recently )?turned (\d{1,3})\b(?!\s*(?:%|percent|[a-z]))", "age"),
    Rule(r"\bmy age is (\d{1,3})\b", "age"),
    # home, origin, moves
    Rule(
        _I
        + r"(?:live|reside|settled|"
        + _AM
        + r"(?:living|based|staying|settled)|"
        + _BEEN
        + r"(?:living|based)|"
        + _HAVE
        + r"(?:lived|settled)) (?:in|at) "
        + _PLACE,
        "lives_in",
        check="place",
    ),
    Rule(
        _I + _HAVE + r"?(?:moved|relocated|emigrated|immigrated) (?:(?:back|home|over|out) )"
        r"{0,2}(?:from " + _CAP + r"[\w ]*? )?(?:to|into) " + _PLACE,
        "lives_in",
        check="place",
    ),
    Rule(r"\bmy (?:home|house|flat|apartment|place) is in " + _PLACE, "lives_in", check="place"),
    Rule(_I + r"(?:am|come|hail) (?:originally )?from " + _PLACE, "from", check="place"),
    Rule(_I + r"(?:grew up|was raised|was born) in " + _PLACE, "from", check="place"),
    Rule(r"\bmy (?:hometown|home town|home country) is " + _PLACE, "from", check="place"),
    Rule(
        _I + r"was born (?:in|on) ((?:\d{1,2}(?:st|nd|rd|th)? )?(?:of )?(?:[A-Z][a-z]+ )?"
        r"\d{1,2}(?:st|nd|rd|th)?,? (?:19|20)\d\d|(?:19|20)\d\d|[A-Z][a-z]+ (?:19|20)\d\d\b"
        r"|[A-Z][a-z]+ \d{1,2}(?:st|nd|rd|th)?\b)",
        "birthday",
    ),
    Rule(r"\bmy birthday is (?:on )?" + _VAL, "birthday"),
    # work
    # "I'm now a nurse at St Mary's"
    Rule(
        _I + _BECOME + r"(?:a|an) (?P<title>[\w -]+?) (?:at|for|with) (?P<org>" + _ORG[1:],
        build="works_with_title",
    ),
    # "I work for Acme", "I've started working at Acme"
    Rule(
        _I + r"(?:" + _EMPLOYED + r"|" + _HAVE + r"worked |" + _AM + r"an employee )(?:at|for|by"
        r"|with) " + _ORG,
        "works_at",
        check="org",
    ),
    # "I joined Acme", "I took a job at Acme", "I was hired by Acme"
    Rule(
        _I
        + r"(?:"
        + _HAVE
        + r"?joined |"
        + _NEW_JOB
        + r"(?:at|with) |"
        + _HIRED
        + r"(?:at|by) )"
        + _ORG,
        "works_at",
        check="org",
    ),
    # "I recently started at Google" (not "at 9am", "at Christmas", "at the University")
    Rule(_I + _HAVE + r"?(?:started|began) at " + _ORG, "works_at", check="employer"),
    Rule(r"\bmy (?:employer|company) is " + _ORG, "works_at", check="org"),
    # "I work at Google as an engineer", "I joined Acme as a data analyst"
    Rule(
        _I + r"(?:" + _AT_JOB + r"|" + _HAVE + r"?joined )[^,.;!?]+? as (?:(?:a|an|the) )?"
        r"([\w -]+?)" + _STOP,
        "job_title",
    ),
    # "I've started working as a nurse (at St Mary's)", "I got a job as a chef"
    Rule(_I + r"(?:" + _EMPLOYED + r"|" + _JOB_START + r")as " + _TITLE, "job_title"),
    Rule(
        _I + r"(?:" + _EMPLOYED + r"|" + _JOB_START + r")as [\w -]+? (?:at|for) " + _ORG,
        "works_at",
        check="org",
    ),
    Rule(
        r"\bmy (?:job|job title|occupation|profession|role) is (?:a |an )?([\w -]+?)" + _STOP,
        "job_title",
    ),
    # "I am a nurse", "I became a pilot" (an occupation: not "a father", "a fan")
    Rule(
        _I + _BECOME + r"(?:a|an) ((?:[\w-]+ ){0,3}?[\w-]+)(?: by (?:profession|trade))?" + _STOP,
        "job_title",
        check="occupation",
    ),
    Rule(
        _I + _PASSIVE + r"promoted to (?:a |an |the )?((?:[\w-]+ ){0,3}?[\w-]+)" + _STOP,
        "job_title",
        check="occupation",
    ),
    # family and pets
    Rule(
        r"\bmy (?P<rel>" + SPOUSES + r"|son|daughter|brother|sister|mother|father|mom|mum|"
        r"dad|boss|best friend|roommate|grandmother|grandfather)"
        + _CALLED
        + r"(?P<name>"
        + _CAP
        + r"[\w'-]+(?: "
        + _CAP
        + r"[\w'-]+)?)",
        build="relative_named",
    ),
    Rule(_I + r"am (?:married|engaged) to " + _NAME, "spouse", check="name"),
    Rule(
        _I + r"(?:have|got) (?P<num>" + COUNT + r") (?:(?:little|older|younger|big|baby|"
        r"twin|[a-z]+-year-old) )?(?P<rel>sons?|daughters?|kids?|child|children|baby|twins|"
        r"boys?|girls?|brothers?|sisters?|siblings?)\b(?: (?:named|called) (?P<name>"
        + _CAP
        + r"[\w'-]+))?",
        build="relatives",
    ),
    Rule(
        _I + r"(?:have|own|got|adopted) (?P<num>a|an|one|two|three|\d+) (?:(?:[\w-]+ ){0,2}?)"
        r"(?P<kind>" + PETS + r")\b" + _NAMED,
        build="pet",
    ),
    Rule(
        r"\bmy (?P<kind>" + PETS + r")" + _CALLED + r"(?P<name>" + _CAP + r"[\w'-]+)",
        build="pet_named",
    ),
    # likes and dislikes
    Rule(
        _I + r"(?:do not like|do not enjoy|" + "|".join(ATTITUDE_VERBS["dislikes"]) + "|"
        r"cannot stand|am not a (?:big )?fan of|cannot bear) " + _LIST,
        "dislikes",
        split=True,
    ),
    Rule(
        _I + r"(?:" + "|".join(ATTITUDE_VERBS["likes"]) + "|"
        r"am into|am a (?:big |huge )?fan of|am passionate "
        r"about|prefer|am obsessed with) (?!to (?:think|say|know|ask|tell|hear|see)\b)" + _LIST,
        "likes",
        split=True,
        check="not_time",
    ),
    Rule(
        r"\bmy (?:absolute )?favou?rite (?P<thing>[a-z]+(?: [a-z]+)?) (?:is|are) (?P<value>.+?)"
        + _STOP,
        build="favourite",
    ),
    # languages, allergies, possessions
    Rule(_I + r"(?:speak|am fluent in|can speak) " + _LIST, "speaks", split=True, check="place"),
    Rule(r"\bmy (?:native|first|mother) (?:language|tongue) is " + _VAL, "speaks", check="place"),
    Rule(_I + r"am (?:severely |very |mildly )?allergic to " + _LIST, "allergic_to", split=True),
    Rule(_I + r"have (?:a|an) ([\w -]+?) allergy\b", "allergic_to"),
    Rule(
        _I
        + r"(?:own|drive|bought|have bought|purchased|have purchased) (?:a |an |the |my )?"
        + _VAL,
        "owns",
        check="not_car_or_house",
    ),
    Rule(
        _I + r"have (?:a|an) (" + _CAP + r"[\w-]*(?: (?-i:[A-Z0-9])[\w-]*)*)"
        r"(?=\s*(?:[,.;!]|$|and\b))",
        "owns",
    ),
    # plans
    Rule(
        _I + r"(?:am|will be) (?:going|moving|flying|travelling|traveling|driving|heading) "
        r"to (?!be\b)(.+?)(?=\s*[,;.!?]|$)",
        "plans",
    ),
    Rule(
        _I + r"(?:am planning to|plan to|intend to|am about to|am hoping to|hope to|have "
        r"decided to|decided to|am going to) (.+?)(?=\s*[,;.!?]|$)",
        "plans",
    ),
    Rule(
        _I + r"(?:have|got) (?:a|an|my) ((?:[\w-]+ )?(?:meeting|appointment|exam|interview|"
        r"flight|trip|wedding|surgery|deadline|presentation|concert|vacation|holiday|"
        r"conference|party|match|game|class)\b.*?)(?=\s*[,;.!?]|$)",
        "plans",
        check="dated",
    ),
    Rule(_I + r"will ((?!be\b)\w+ .+?)(?=\s*[,;.!?]|$)", "plans", check="dated"),
    # numbers and other "my X is Y" statements, and "my X (has) changed to Y"
    Rule(
        r"\bmy (?P<attr>[a-z]+(?: (?!has\b|have\b)[a-z]+){0,2}) "
        r"(?:is|are|was|(?:has |have )?changed to) "
        r"(?P<value>.+?)"
        r"(?=\s*[,;!?]|\.(?:\s|$)|$)",
        build="generic",
    ),
)

__all__ = ["RULES", "Rule"]
