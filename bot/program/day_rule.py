"""A day named by its rule, as calendars name holidays: "4th THU of NOV", "3rd Friday",
"first Monday of September", "last MON of MAY".

A program file writes one beside a date (`rule = "4th THU of NOV"`) when the date is that
rule's day this year, so next year's file can be drafted by the rule instead of by the
calendar date (`bot.program.roll`). Without a month the rule takes the date's own month.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta, weekday

_ORDINALS = {
    "1st": 1,
    "first": 1,
    "2nd": 2,
    "second": 2,
    "3rd": 3,
    "third": 3,
    "4th": 4,
    "fourth": 4,
    "5th": 5,
    "fifth": 5,
    "last": -1,
}
_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)
_WEEKDAYS_IN_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS_IN_FULL = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_SHAPE = re.compile(r"^\s*(?P<nth>\S+)\s+(?P<day>[a-z]+)(?:\s+of\s+(?P<month>[a-z]+))?\s*$", re.I)


@dataclass(frozen=True)
class DayRule:
    """The `nth` (1-5, or -1 for the last) `weekday` (0 = Monday) of `month` (1-12, or None:
    the month of the date it stands beside)."""

    nth: int
    weekday: int
    month: int | None = None

    def __str__(self) -> str:
        nth = "last" if self.nth == -1 else f"{self.nth}{_suffix(self.nth)}"
        text = f"{nth} {_WEEKDAYS_IN_FULL[self.weekday][:3].upper()}"
        if self.month is not None:
            text += f" of {_MONTHS_IN_FULL[self.month - 1][:3].upper()}"
        return text

    def on(self, year: int, month: int | None = None) -> dt.date:
        """The rule's day in `year` (and `month`, when the rule names none); ValueError when
        that month has no such day (a 5th Friday)."""
        in_month = self.month or month
        if in_month is None:
            raise ValueError(f"{self} names no month")
        first = dt.date(year, in_month, 1)
        day: weekday = _WEEKDAYS[self.weekday](self.nth)
        found: dt.date = first + (
            relativedelta(weekday=day) if self.nth > 0 else relativedelta(day=31, weekday=day)
        )
        if found.month != in_month:
            raise ValueError(f"{first:%B %Y} has no {self}")
        return found

    def near(self, d: dt.date) -> dt.date:
        """The rule's day closest to `d`, taken in d's year or a year beside it (a break from
        late December named by a January rule)."""
        month = self.month or d.month
        candidates = []
        for year in (d.year - 1, d.year, d.year + 1):
            try:
                candidates.append(self.on(year, month))
            except ValueError:
                continue
        if not candidates:
            raise ValueError(f"no {self} near {d}")
        return min(candidates, key=lambda c: abs((c - d).days))


def parse_day_rule(text: str) -> DayRule:
    """`text` as a DayRule; ValueError saying what a rule looks like when it is not one."""
    match = _SHAPE.match(text)
    shape = 'a rule like "4th THU of NOV", "3rd Friday" or "last MON of MAY"'
    if match is None:
        raise ValueError(f"{text!r} is not {shape}")
    nth = _ORDINALS.get(match["nth"].lower())
    weekday_index = _word(match["day"], _WEEKDAYS_IN_FULL)
    month = _word(match["month"], _MONTHS_IN_FULL) if match["month"] else None
    if nth is None or weekday_index is None or (match["month"] and month is None):
        raise ValueError(f"{text!r} is not {shape}")
    return DayRule(nth, weekday_index, None if month is None else month + 1)


def _word(word: str, names: tuple[str, ...]) -> int | None:
    """The index of a day or month written short ("thu", "sept") or in full ("Thursday")."""
    lowered = word.lower()
    for i, name in enumerate(names):
        if len(lowered) >= 3 and name.startswith(lowered):
            return i
    return None


def _suffix(n: int) -> str:
    return {1: "st", 2: "nd", 3: "rd"}.get(n, "th")


__all__ = ["DayRule", "parse_day_rule"]
