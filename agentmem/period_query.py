"""The period a query names, and the turns said in it.

"What did Maria donate in December 2023?", "Who did Maria have dinner with on May 3,
2023?", "When did Melanie go camping in June?": a question that names when something was
said or happened is mostly answered by what was said then. `named_periods` reads the
calendar periods a query names (a day, a month of a year, a month of any year, a year);
`favour_named_period` then takes `search.named_period_weight` of the relevance of the
candidates said outside all of them -- only when some candidates were said inside one
and some outside, so a query whose period no memory falls in (or every memory does) is
ranked as before. "In May" needs its preposition: "May I ask..." names no month.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m and m != "May"})
_MONTHS["sept"] = 9
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
# A bare month after a preposition is written in full: "by Jan" names a painter.
_FULL_MONTH = r"(?P<month>" + "|".join(m.lower() for m in calendar.month_name if m) + r")"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_PATTERNS = [
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I),  # 3 June, 2023
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),  # June 3rd, 2023
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?!\w)", re.I),  # 3 June
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!\s*,?\s*\d)", re.I),  # June 3
    re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b", re.I),  # December 2023
    re.compile(rf"\b(?:in|during|on|by|since|of|early|late|mid-?)\s+{_FULL_MONTH}\b", re.I),
    re.compile(rf"\b{_YEAR}\b"),
]


@dataclass(frozen=True)
class Period:
    """A calendar period: a day, a month of a year, a month of any year, or a year."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    def contains(self, day: date) -> bool:
        return (
            (self.year is None or day.year == self.year)
            and (self.month is None or day.month == self.month)
            and (self.day is None or day.day == self.day)
        )


# Every rule above needs a digit (a day or a year) or a month written in full: a query
# with neither names no period, and is told so by one scan instead of one per rule.
_MAY_NAME = re.compile(rf"\d|{_FULL_MONTH}", re.I)


def named_periods(query: str) -> list[Period]:
    """The calendar periods a query names, each read once by the most specific rule."""
    if _MAY_NAME.search(query) is None:
        return []
    found: list[Period] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(query):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            period = _period(m.groupdict())
            if period is not None:
                taken.append(m.span())
                found.append(period)
    return found


def _period(groups: dict[str, str | None]) -> Period | None:
    month = _MONTHS[groups["month"].lower()] if groups.get("month") else None
    day = int(groups["day"]) if groups.get("day") else None
    year = int(groups["year"]) if groups.get("year") else None
    if day is not None and not (month and 1 <= day <= 31):
        return None
    return Period(year=year, month=month, day=day)


def outside_named_period(query: str, said_at: Mapping[str, datetime]) -> set[str]:
    """The memories of `said_at` said outside every period the query names; empty when
    it names none, or when none (or all) of the memories fall inside one."""
    periods = named_periods(query)
    if not periods:
        return set()
    outside = {
        mid for mid, when in said_at.items() if not any(p.contains(when.date()) for p in periods)
    }
    return outside if 0 < len(outside) < len(said_at) else set()


__all__ = ["Period", "named_periods", "outside_named_period"]
