"""Time grounding: relative time expressions resolved against the moment they were said.

"I lost my job yesterday", said on 8 May 2023, means 7 May 2023; stored as said, the turn
cannot answer "When did Jon lose his job?". `resolve(text, said_at)` finds the relative
expressions of a small English date grammar and gives each an absolute date with its
granularity (a day, a week, a weekend, a month or a year); `annotate` writes the date
after the expression ("yesterday (7 May 2023)") so full text, meaning and a reader of the
context all see it.

The grammar (case-insensitive): yesterday / today / tonight / tomorrow / last night / the
day before yesterday / the day after tomorrow; N days|weeks|weekends|months|years ago; in
N days|weeks|weekends|months|years and N ... from now; last|this|next|this past|this coming
week|weekend|month|year; last|this|next <weekday> (or Mon, Tue(s), Thu(r)(s), Fri); last|
this|next <month name>; last|this|next spring|summer|autumn|fall|winter (meteorological
seasons of the northern hemisphere: "summer 2022", "winter 2022-2023"); spans that run up
to the day said, dated by their start ("seven years now", "for the past two months", "I've
been painting for ten years": "since 2016"); earlier this / later this week|month|year.
N is a numeral, a number word up to twenty, "a", "an" or "a couple of". Weeks start on
Monday; a weekend is dated by its Saturday. Expressions without one reading ("a few days
ago", a bare "on Friday" whose tense decides the week) are left alone rather than guessed.
Where the calendar reading is a convention (weeks, weekends, "last"/"next" weekdays) the
label also restates what was said against the day it was said: "last week (the week of 29
May 2023, the week before 9 June 2023)".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

GRANULARITIES = ("day", "week", "weekend", "month", "season", "year")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Chat shortens weekdays ("last Fri", "next Tues"); "wed", "sat" and "sun" are left out:
# they are English words too ("when I last sat down").
_SHORT_DAYS = {"mon": 0, "tue": 1, "tues": 1, "thu": 3, "thur": 3, "thurs": 3, "fri": 4}
_DAY_WORDS = "|".join(sorted([*_WEEKDAYS, *_SHORT_DAYS], key=len, reverse=True))
_MONTHS = tuple(m.lower() for m in calendar.month_name[1:])
_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_NUMBERS.update({"a": 1, "an": 1, "a couple of": 2, "couple of": 2})
_NUM = r"(?P<n>\d{1,3}|a couple of|couple of|an?|" + "|".join(sorted(_NUMBERS, key=len)[::-1]) + ")"
_UNIT = r"(?P<unit>day|weekend|week|month|year)s?"
_WHICH_WORDS = "this past|this coming|the coming|last|next|this"
_WHICH = rf"(?P<which>{_WHICH_WORDS})"
# Seasons by the meteorological convention of the northern hemisphere: the month each
# begins in. "fall" and "autumn" are one season.
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
# A span running up to the day said ("seven years now", "for the past two months", "I've
# been painting for ten years"): dated by its start, "since ...". A bare "for N years" is
# left alone: its tense decides ("I'll be away for two years", "he was ours for 10 years");
# so is "the last two years of school", a span of something else.
_SINCE_BODIES = (
    rf"(?P<expr>(?:for|over|in|during)\s+the\s+(?:past|last)\s+(?:{_NUM}\s+)?{_UNIT})(?!\s+of\b)",
    rf"(?P<expr>{_NUM}\s+{_UNIT})\s+now",
    rf"(?:have|has|'ve|'s)\s+been\b[^.!?;]{{0,60}}?\b(?P<expr>for\s+{_NUM}\s+{_UNIT})",
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(r"\b" + body + r"\b", re.I))
    for name, body in (
        *(("since", body) for body in _SINCE_BODIES),
        (
            "fixed",
            r"(?P<fixed>the day before yesterday|the day after tomorrow|yesterday|"
            r"last night|today|tonight|tomorrow)",
        ),
        ("ago", _NUM + r"\s+" + _UNIT + r"\s+ago"),
        ("ahead", r"in\s+" + _NUM + r"\s+" + _UNIT),
        ("ahead", _NUM + r"\s+" + _UNIT + r"\s+from now"),
        (
            "period",
            rf"(?P<which>earlier this|later this|{_WHICH_WORDS})\s+"
            r"(?P<period>weekend|week|month|year)",
        ),
        ("weekday", _WHICH + r"\s+(?P<weekday>" + _DAY_WORDS + r")"),
        ("month", _WHICH + r"\s+(?P<month>" + "|".join(_MONTHS) + ")"),
        ("season", _WHICH + r"\s+(?P<season>" + "|".join(_SEASONS) + ")"),
    )
)
_OFFSETS = {
    "the day before yesterday": -2,
    "yesterday": -1,
    "last night": -1,
    "today": 0,
    "tonight": 0,
    "tomorrow": 1,
    "the day after tomorrow": 2,
}


@dataclass(frozen=True)
class TimeRef:
    """One relative expression of a text and the absolute date it stands for.

    `relation` restates, for expressions whose calendar reading is a convention ("last
    week" said on a Friday: the calendar week before, or the seven days before?; "last
    Friday" said on a Saturday: yesterday, or eight days ago?), what was said against the
    day it was said: "the week before 9 June 2023". The label shows it after the date."""

    text: str  # as written
    start: int
    end: int
    date: date  # the day; the first day of a week, month or year; a weekend's Saturday
    granularity: str
    relation: str = ""
    since: bool = False  # a span up to the day said, dated by its start

    @property
    def label(self) -> str:
        """The date as a reader writes it: '7 May 2023', 'May 2023', '2023', 'the week of
        29 May 2023, the week before 9 June 2023', ..."""
        day = day_label(self.date)
        absolute = {
            "day": day,
            "week": f"the week of {day}",
            "weekend": f"the weekend of {day}",
            "month": f"{calendar.month_name[self.date.month]} {self.date.year}",
            "season": season_label(self.date, self.relation),
            "year": str(self.date.year),
        }[self.granularity]
        if self.since:
            absolute = f"since {absolute}"
        if self.granularity == "season":
            return absolute
        return f"{absolute}, {self.relation}" if self.relation else absolute

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "date": self.date.isoformat(),
            "granularity": self.granularity,
            "label": self.label,
        }


def season_label(start: date, word: str) -> str:
    """'summer 2022'; a winter spans two years: 'winter 2022-2023'."""
    if start.month == 12:
        return f"{word} {start.year}-{start.year + 1}"
    return f"{word} {start.year}"


def day_label(d: date) -> str:
    """'7 May 2023': day, month name, year (the one format of dates in prompts)."""
    return f"{d.day} {calendar.month_name[d.month]} {d.year}"


def resolve(text: str, said_at: datetime | date) -> list[TimeRef]:
    """The relative time expressions of `text`, in order, resolved against `said_at`."""
    today = said_at.date() if isinstance(said_at, datetime) else said_at
    found: list[TimeRef] = []
    taken: list[tuple[int, int]] = []
    for name, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue  # an expression is read once, by the first rule that takes it
            resolved = _RULES[name](m, today)
            if resolved is None:
                continue
            taken.append(m.span())
            when, granularity, relation = (*resolved, "")[:3]
            span = m.span("expr") if "expr" in pattern.groupindex else m.span()
            found.append(
                TimeRef(
                    text[span[0] : span[1]], *span, when, granularity, relation, name == "since"
                )
            )
    return sorted(found, key=lambda r: r.start)


def annotate(text: str, refs: list[TimeRef]) -> str:
    """`text` with each expression followed by its date: 'yesterday (7 May 2023)'."""
    out, last = [], 0
    for ref in sorted(refs, key=lambda r: r.start):
        out += [text[last : ref.end], f" ({ref.label})"]
        last = ref.end
    return "".join(out) + text[last:]


def ground(text: str, said_at: datetime | date) -> tuple[str, list[dict[str, Any]]]:
    """`annotate(text, resolve(text, said_at))` and the dates as plain dicts (metadata)."""
    refs = resolve(text, said_at)
    return annotate(text, refs), [r.as_dict() for r in refs]


# --- rules: a match -> (date, granularity[, relation]) or None ------------------------
Resolved = tuple[date, str] | tuple[date, str, str]


def _fixed(m: re.Match[str], today: date) -> Resolved:
    return today + timedelta(days=_OFFSETS[m.group("fixed").lower()]), "day"


def _count(m: re.Match[str]) -> int:
    n = (m.group("n") or "1").lower()  # "for the past year": one
    return int(n) if n.isdigit() else _NUMBERS[" ".join(n.split())]


def _shift(today: date, unit: str, n: int) -> tuple[date, str]:
    unit = unit.lower()
    if unit == "day":
        return today + timedelta(days=n), "day"
    if unit == "week":
        return _monday(today + timedelta(weeks=n)), "week"
    if unit == "weekend":  # by its Saturday; "in a weekend" said midweek: the coming one
        saturday = _monday(today) + timedelta(days=5)
        ahead = n > 0 and today.weekday() < 5
        return saturday + timedelta(weeks=n - 1 if ahead else n), "weekend"
    if unit == "month":
        return _add_months(today.replace(day=1), n), "month"
    return date(today.year + n, 1, 1), "year"


def _counted(m: re.Match[str], today: date, sign: int) -> Resolved:
    n, unit = _count(m), m.group("unit").lower()
    when, granularity = _shift(today, unit, sign * n)
    if unit not in ("week", "weekend"):
        return when, granularity
    words = " ".join(m.group("n").split())
    side = "before" if sign < 0 else "after"
    return when, granularity, f"{words} {unit}{'s' if n != 1 else ''} {side} {day_label(today)}"


def _ago(m: re.Match[str], today: date) -> Resolved:
    return _counted(m, today, -1)


def _ahead(m: re.Match[str], today: date) -> Resolved:
    return _counted(m, today, 1)


def _direction(which: str) -> int:
    which = " ".join(which.lower().split())
    if which in ("last", "this past"):
        return -1
    if which in ("next", "this coming", "the coming"):
        return 1
    return 0  # this, earlier this, later this


def _side(step: int, thing: str, today: date) -> str:
    if step == 0:  # "this week" said midweek: the week of that day
        return f"the week of {day_label(today)}" if thing == "week" and today.weekday() else ""
    return f"the {thing} {'before' if step < 0 else 'after'} {day_label(today)}"


def _period(m: re.Match[str], today: date) -> Resolved:
    step, period = _direction(m.group("which")), m.group("period").lower()
    relation = _side(step, period, today) if period in ("week", "weekend") else ""
    if period == "weekend":
        saturday = _monday(today) + timedelta(days=5)
        if step == -1 and " ".join(m.group("which").lower().split()) == "this past":
            step = -1 if today.weekday() < 5 else 0  # "this past weekend", said on Sunday
        return saturday + timedelta(weeks=step), "weekend", relation
    return (*_shift(today, period, step), relation)


def _weekday(m: re.Match[str], today: date) -> Resolved:
    step = _direction(m.group("which"))
    word = m.group("weekday").lower()
    target = _SHORT_DAYS[word] if word in _SHORT_DAYS else _WEEKDAYS.index(word)
    relation = _side(step, _WEEKDAYS[target].capitalize(), today)
    if step == -1:  # the most recent one before today
        back = (today.weekday() - target) % 7 or 7
        return today - timedelta(days=back), "day", relation
    if step == 1:  # the first one after today
        ahead = (target - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead), "day", relation
    return _monday(today) + timedelta(days=target), "day"  # this Friday: of this week


def _month(m: re.Match[str], today: date) -> Resolved:
    step = _direction(m.group("which"))
    month = _MONTHS.index(m.group("month").lower()) + 1
    year = today.year
    if step == -1 and month >= today.month:  # last March: the March before this month
        year -= 1
    elif step == 1 and month <= today.month:  # next March: the March after this month
        year += 1
    return date(year, month, 1), "month"


def _since(m: re.Match[str], today: date) -> Resolved:
    """The start of a span that runs up to the day said, at the unit's granularity."""
    return _shift(today, m.group("unit"), -_count(m))


def _season(m: re.Match[str], today: date) -> Resolved:
    """This (the nearest), last (the latest before the season of the day said) or next
    (the first after it) spring, summer, autumn or winter, by the day it begins; the
    word as said travels as the relation (the label names it)."""
    word = m.group("season").lower()
    first = _SEASONS[word]
    starts = [date(today.year + dy, first, 1) for dy in (-2, -1, 0, 1)]
    current = _season_start(today)
    step = _direction(m.group("which"))
    if step < 0:
        when = max(d for d in starts if d < current)
    elif step > 0:
        when = min(d for d in starts if d > current)
    else:
        when = min(starts, key=lambda d: abs((d - today).days))
    return when, "season", word


def _season_start(today: date) -> date:
    """The first day of the season that holds `today`."""
    back = (today.month - 3) % 3  # seasons begin in March, June, September, December
    return _add_months(today.replace(day=1), -back)


_RULES = {
    "since": _since,
    "season": _season,
    "fixed": _fixed,
    "ago": _ago,
    "ahead": _ahead,
    "period": _period,
    "weekday": _weekday,
    "month": _month,
}


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


__all__ = ["GRANULARITIES", "TimeRef", "annotate", "day_label", "ground", "resolve"]
