"""Reading a text into clauses for the rule extractor (`extraction_rules`): contractions
spelt out, the words that make a clause hypothetical or hedged, where a sentence splits
into clauses, and the words that date a plan.
"""

from __future__ import annotations

import re

CONTRACTIONS = [
    (re.compile(p, re.I), r)
    for p, r in [
        (r"\bI'm\b", "I am"),
        (r"\bI've\b", "I have"),
        (r"\bI'd\b", "I would"),
        (r"\bI'll\b", "I will"),
        (r"\bdon't\b", "do not"),
        (r"\bdoesn't\b", "does not"),
        (r"\bdidn't\b", "did not"),
        (r"\bcan't\b", "cannot"),
        (r"\bcan not\b", "cannot"),
        (r"\bwon't\b", "will not"),
        (r"\baren't\b", "are not"),
        (r"\bisn't\b", "is not"),
        (r"\bwasn't\b", "was not"),
        (r"\bain't\b", "am not"),
        (r"\bI've got\b", "I have"),
        (r"\bI have got\b", "I have"),
    ]
]
HYPOTHETICAL = re.compile(
    r"\b(?:if|unless|wish|would|could|should|might|imagine|pretend|suppose|supposing|"
    r"dream(?:ed|t)? (?:of|about|that)|hypothetically|what about|whether|someday|one day)\b",
    re.I,
)
HEDGE = re.compile(r"\b(?:think|guess|probably|maybe|perhaps|not sure|might)\b", re.I)
CLAUSE_SPLIT = re.compile(
    r"(?<=[.!?;])\s+|\n+|,?\s+(?:and|but|so|because|although|though|while|plus)\s+(?=(?:I|my)\b)"
    r"|,\s+(?=(?:I|my)\b)"
)
TIME = re.compile(
    r"\b(?:tomorrow|tonight|today|next|this (?:week|weekend|month|year|summer|winter|spring|"
    r"autumn|fall|morning|evening|afternoon)|soon|later|on (?:mon|tues|wednes|thurs|fri|satur|sun)"
    r"day|in (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|in \d+ (?:days|weeks|"
    r"months|years)|(?:19|20)\d\d|\d{1,2}(?:st|nd|rd|th)|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|"
    r"oct|nov|dec)[a-z]* \d{1,2})\b",
    re.I,
)


__all__ = ["CLAUSE_SPLIT", "CONTRACTIONS", "HEDGE", "HYPOTHETICAL", "TIME"]
