"""Draft next year's program file from this year's, and say what moved and why.

Calendars name their dates in two ways, and each moves its own way:

- a date defined by a rule (`rule = "4th THU of NOV"` beside it, or a [[rules]] recurrence
  such as the 3rd Friday of each month) moves by its rule, and a break set around a rule's
  day keeps its days around that day (Thanksgiving break, Wednesday to Friday);
- a fixed calendar date keeps its month and day; when that day is a weekend or in a break, it
  moves to the nearest school day of the same month.

The steps of an experience (send, comment, file) are a chain: the first moves as above and
the others follow with the same number of school days between them as before, all inside
their months. Ranges that are really months (the program year, a rule's from/until, topic
months) move by whole years. Nothing else changes: the file is edited in place with tomlkit,
so every comment and the layout are kept, and the header names the new school year.

The result is a draft: its header says so, and the roll's report lists every date it changed
and why, for program staff to check against the new year's manual and districts' calendars.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from bot.program import calendar
from bot.program.calendar import Break
from bot.program.day_rule import parse_day_rule
from bot.program.kinds import StepKind, spec
from bot.program.loader import (
    loads_program,
    parse_program,
    parse_toml,
    read_text,
    school_year_start,
)
from bot.program.model import Program, ProgramError

if TYPE_CHECKING:
    import tomlkit
    from tomlkit.items import Table

_ROLL_MARK = "# ROLLED:"
# A fixed date looks this far either way for a school day of its month.
_MONTH_REACH = 31


@dataclass(frozen=True)
class Change:
    """One date (or name) the roll changed: what it is, the file's key, before, after, why."""

    what: str
    key: str
    old: str
    new: str
    why: str


@dataclass(frozen=True)
class Rolled:
    """The rolled file's text and every change the roll made to it."""

    text: str
    source: str
    from_year: str
    to_year: str
    changes: tuple[Change, ...]

    def report(self) -> str:
        """Plain text for staff: one line per change, in the file's order."""
        name = os.path.basename(self.source)
        lines = [
            f"Roll of {name} (school year {self.from_year}) to {self.to_year}: "
            f"{len(self.changes)} change(s). Check each against the new year's manual and the "
            "districts' calendars.",
        ]
        width = max((len(c.what) for c in self.changes), default=0)
        for c in self.changes:
            lines.append(f"  {c.what:{width}}  {c.old} -> {c.new}  ({c.key}: {c.why})")
        return "\n".join(lines) + "\n"


def roll_program(path: str | os.PathLike[str], to_year: str) -> Rolled:
    """The program at `path` moved to school year `to_year` ("2026-27")."""
    # Here, not with the module: a server never rolls a program, and keeps what it imports.
    import tomlkit

    source = os.fspath(path)
    text = read_text(source)
    # Rolling a broken file would only move its errors into next year's file.
    program = parse_program(parse_toml(text, source), source)
    new_first = school_year_start(to_year)
    if new_first is None:
        raise ProgramError(source, "to_year", f"{to_year!r} is not a school year like 2026-27")
    old_first = school_year_start(program.school_year)
    assert old_first is not None  # parse_program has checked it

    doc = tomlkit.parse(text)
    roller = _Roller(source, program, doc, new_first - old_first, to_year)
    roller.roll()
    out = _header(tomlkit.dumps(doc), os.path.basename(source), program.school_year, to_year)
    loads_program(out, f"{source} (rolled to {to_year})")
    return Rolled(out, source, program.school_year, to_year, tuple(roller.changes))


def shift_years(d: dt.date, years: int) -> dt.date:
    """Same month and day `years` later; 29 February becomes the 28th in a common year."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def _day(d: dt.date) -> str:
    return f"{d:%a %Y-%m-%d}"


class _Roller:
    """Edits one parsed document in place, recording each change."""

    def __init__(
        self, source: str, program: Program, doc: tomlkit.TOMLDocument, years: int, to_year: str
    ) -> None:
        self.source = source
        self.program = program
        self.doc = doc
        self.years = years
        self.to_year = to_year
        self.start = shift_years(program.start, years)
        self.end = shift_years(program.end, years)
        self.breaks: tuple[Break, ...] = ()
        self.changes: list[Change] = []

    def roll(self) -> None:
        self._program()
        self.breaks = tuple(self._breaks())
        self._first_semester_end()
        self._deadlines()
        self._rules()
        self._topics()

    def _note(self, what: str, key: str, old: object, new: object, why: str) -> None:
        if old != new:
            shown = [_day(v) if isinstance(v, dt.date) else str(v) for v in (old, new)]
            self.changes.append(Change(what, key, shown[0], shown[1], why))

    def _fail(self, key: str, reason: str) -> ProgramError:
        return ProgramError(self.source, key, f"cannot roll to {self.to_year}: {reason}")

    # --- [program] ---------------------------------------------------------------------------

    def _program(self) -> None:
        table = self.doc["program"]
        old_year = self.program.school_year
        for key in ("school_year", "id", "name"):
            if key not in table:
                continue
            old = str(table[key])
            new = old.replace(old_year, self.to_year)
            if key == "id" and old_year not in old:
                new = f"{old}-{self.to_year}"
            table[key] = new
            self._note(f"program {key}", f"program.{key}", old, new, "names the new school year")
        for key, bound in (("start", self.start), ("end", self.end)):
            table[key] = bound
            self._note(
                f"program {key}",
                f"program.{key}",
                getattr(self.program, key),
                bound,
                "the program year: same day",
            )

    def _first_semester_end(self) -> None:
        table = self.doc["program"]
        if "first_semester_end" not in table:
            return
        old: dt.date = table["first_semester_end"]
        moved = shift_years(old, self.years)
        new = moved if self._is_school_day(moved) else self._nearest_school_day(moved) or moved
        table["first_semester_end"] = new
        why = "a fixed date: same month and day, on a school day"
        self._note("first semester ends", "program.first_semester_end", old, new, why)

    # --- [[breaks]] --------------------------------------------------------------------------

    def _breaks(self) -> Iterator[Break]:
        for i, table in _entries(self.doc, "breaks"):
            name = str(table["name"])
            start, end = table["start"], table["end"]
            key = f"breaks[{i}]"
            if "rule" in table:
                rule = parse_day_rule(str(table["rule"]))
                anchor = rule.near(start)
                try:
                    new_anchor = rule.on(anchor.year + self.years, anchor.month)
                except ValueError as exc:
                    raise self._fail(f"{key}.rule", str(exc)) from None
                new_start = new_anchor + (start - anchor)
                new_end = new_anchor + (end - anchor)
                why = f"its rule: {rule} is {_day(new_anchor)}; the break keeps its days around it"
            else:
                new_start, new_end = shift_years(start, self.years), shift_years(end, self.years)
                why = "a fixed date: same month and day"
            table["start"], table["end"] = new_start, new_end
            self._note(f"break {name} starts", f"{key}.start", start, new_start, why)
            self._note(f"break {name} ends", f"{key}.end", end, new_end, why)
            yield Break(name, new_start, new_end)

    def _is_school_day(self, d: dt.date) -> bool:
        return calendar.is_school_day(d, self.program.settings.school_weekdays, self.breaks)

    def _why_not_school_day(self, d: dt.date) -> str:
        for brk in self.breaks:
            if brk.contains(d):
                return f"{_day(d)} is in {brk.name}"
        return f"{_day(d)} is a {d:%A}"

    # --- [[deadlines]] -----------------------------------------------------------------------

    def _deadlines(self) -> None:
        entries = dict(_entries(self.doc, "deadlines"))
        planned: dict[int, tuple[dt.date, str]] = {}
        chains: dict[tuple[StepKind, int, str], list[tuple[int, Table]]] = {}
        for i, table in entries.items():
            kind = StepKind(str(table["step"]))
            if spec(kind).in_order and "number" in table:
                chains.setdefault((kind, int(table["number"]), _tracks(table)), []).append(
                    (i, table)
                )
            else:
                planned[i] = self._single(i, table)
        for (kind, number, _), members in chains.items():
            order = spec(kind).parts
            members.sort(key=lambda m: (m[1]["date"], order.index(str(m[1].get("part", "")))))
            planned.update(self._chain(f"{kind} {number}", members))
        # In the file's order, so the report reads as the file does.
        for i in sorted(planned):
            table = entries[i]
            old, (new, why) = table["date"], planned[i]
            table["date"] = new
            self._note(f"{table['id']} ({_tracks(table)})", f"deadlines[{i}].date", old, new, why)

    def _single(self, i: int, table: Table) -> tuple[dt.date, str]:
        """A deadline's new date on its own: by its rule, or its month and day."""
        old: dt.date = table["date"]
        if "rule" in table:
            rule = parse_day_rule(str(table["rule"]))
            try:
                return rule.on(old.year + self.years, old.month), f"by its rule: {rule}"
            except ValueError as exc:
                raise self._fail(f"deadlines[{i}].rule", str(exc)) from None
        moved = shift_years(old, self.years)
        if self._is_school_day(moved):
            return moved, "a fixed date: same month and day"
        nearest = self._nearest_school_day(moved)
        if nearest is None:
            return moved, f"a fixed date: same month and day ({moved:%B} has no school day)"
        why = f"a fixed date: {self._why_not_school_day(moved)}, so the nearest school day"
        return nearest, f"{why} of {moved:%B}"

    def _nearest_school_day(self, d: dt.date) -> dt.date | None:
        """The school day closest to `d` in its month and the program year, earlier first."""
        for reach in range(1, _MONTH_REACH):
            for candidate in (d - dt.timedelta(days=reach), d + dt.timedelta(days=reach)):
                if (
                    candidate.month == d.month
                    and self.start <= candidate <= self.end
                    and self._is_school_day(candidate)
                ):
                    return candidate
        return None

    def _chain(
        self, name: str, members: list[tuple[int, Table]]
    ) -> Iterator[tuple[int, tuple[dt.date, str]]]:
        """An experience's steps: the first moves on its own, the others keep the school days
        between them; the first moves earlier when a later step would leave its month."""
        first_index, first = members[0]
        anchor, anchor_why = self._single(first_index, first)
        gaps = [
            self.program.school_days_between(before[1]["date"], after[1]["date"])
            for before, after in pairwise(members)
        ]
        for _ in range(_MONTH_REACH):
            dates = self._follow(anchor, members, gaps)
            if all(d.month == t["date"].month for d, (_, t) in zip(dates, members, strict=True)):
                break
            if "rule" in first:
                break  # a rule's day is not moved; staff see the month change in the report
            earlier = anchor - dt.timedelta(days=1)
            while not self._is_school_day(earlier):
                earlier -= dt.timedelta(days=1)
            anchor = earlier
            anchor_why = f"moved earlier so that every step stays in {first['date']:%B}"
        for n, ((i, table), new) in enumerate(zip(members, dates, strict=True)):
            if n == 0:
                why = anchor_why
            elif "rule" in table:
                why = f"by its rule: {table['rule']}"
            else:
                why = (
                    f"{gaps[n - 1]} school day(s) after {str(members[n - 1][1]['id'])}, as in "
                    f"{self.program.school_year} (the steps of {name})"
                )
            yield i, (new, why)

    def _follow(
        self, anchor: dt.date, members: list[tuple[int, Table]], gaps: list[int]
    ) -> list[dt.date]:
        dates = [anchor]
        for (i, table), gap in zip(members[1:], gaps, strict=True):
            if "rule" in table:
                dates.append(self._single(i, table)[0])
                continue
            d = dates[-1]
            for _ in range(gap):
                d += dt.timedelta(days=1)
                while not self._is_school_day(d):
                    d += dt.timedelta(days=1)
            dates.append(d)
        return dates

    # --- [[rules]] and [[topics]] ------------------------------------------------------------

    def _rules(self) -> None:
        for i, table in _entries(self.doc, "rules"):
            rrule = str(table["rrule"])
            old_dates = calendar.rule_dates(rrule, table["from"], table["until"])
            for key in ("from", "until"):
                old = table[key]
                table[key] = shift_years(old, self.years)
                self._note(f"{table['id']} {key}", f"rules[{i}].{key}", old, table[key], "same day")
            new_dates = calendar.rule_dates(rrule, table["from"], table["until"])
            pairs: list[tuple[Any, Any]] = list(zip(old_dates, new_dates, strict=False))
            if len(old_dates) != len(new_dates):
                pairs = [(f"{len(old_dates)} dates", f"{len(new_dates)} dates")]
            for old, new in pairs:
                self._note(f"{table['id']}", f"rules[{i}]", old, new, f"by its rule: {rrule}")

    def _topics(self) -> None:
        months = []
        for _, table in _entries(self.doc, "topics"):
            old = str(table["month"])
            year, month = old.split("-")
            table["month"] = f"{int(year) + self.years:04d}-{month}"
            months.append((old, str(table["month"])))
        if months:
            self._note(
                "topics",
                "topics[].month",
                f"{months[0][0]} to {months[-1][0]}",
                f"{months[0][1]} to {months[-1][1]}",
                "each topic keeps its month",
            )


def _tracks(table: Table) -> str:
    return ", ".join(map(str, table["tracks"])) if "tracks" in table else str(table["track"])


def _entries(doc: tomlkit.TOMLDocument, key: str) -> Iterator[tuple[int, Table]]:
    from tomlkit.items import AoT

    found = doc.get(key)
    if isinstance(found, AoT):
        yield from enumerate(found)


def _header(text: str, name: str, from_year: str, to_year: str) -> str:
    """The text with its opening comment naming the new year, under a roll notice that
    replaces any earlier one."""
    lines = text.splitlines(keepends=True)
    head = 0
    while head < len(lines) and (not lines[head].strip() or lines[head].lstrip().startswith("#")):
        head += 1
    kept = [line for line in lines[:head] if not line.startswith(_ROLL_MARK)]
    while kept and kept[0].strip() in ("", "#"):
        kept.pop(0)
    notice = [
        f"{_ROLL_MARK} rolled from {name} (school year {from_year}) to {to_year}.",
        f"{_ROLL_MARK} Dates defined by a rule moved by their rule; fixed dates kept their month",
        f"{_ROLL_MARK} and day (on a weekend or in a break, the nearest school day of the month);",
        f"{_ROLL_MARK} an experience's steps kept their order and the school days between them.",
        f"{_ROLL_MARK} Citations of the source documents below still name the year they are from.",
        f"{_ROLL_MARK} Program staff MUST review every date (meetings, deadlines, breaks) against",
        f"{_ROLL_MARK} the new year's manual and the districts' calendars before use: the roll",
        f"{_ROLL_MARK} report lists every change.",
        "#",
    ]
    renamed = [line.replace(from_year, to_year) for line in kept]
    return "".join([*(line + "\n" for line in notice), *renamed, *lines[head:]])
