"""Program TOML → `Program`, refusing anything it does not understand.

Every problem becomes a `ProgramError` naming the file, the key (array entries 0-based, as in
`topics[3].month`) and the reason, so a bad file is stopped at start-up with a message staff can
act on rather than surfacing mid-year as a missed reminder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import itertools
import os
import re
import tomllib
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from bot.program.calendar import WEEKDAY_NAMES, Break, Deadline, Rule
from bot.program.day_rule import DayRule, parse_day_rule
from bot.program.kinds import StepKind, kinds, spec
from bot.program.model import (
    Area,
    ChecklistCategory,
    Contact,
    DeliveryTimes,
    ExperienceSelection,
    Form,
    Link,
    Program,
    ProgramError,
    QuietHours,
    Settings,
    Topic,
    Track,
)
from bot.program.steps import HOLDERS, Step, Upload

DEFAULT_PROGRAM_FILE = "bmit-2024-25.toml"

# "team" is the mentor and protégé together; it is always a valid role for a deadline.
TEAM_ROLE = "team"

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_HHMM = re.compile(r"^(\d{2}):(\d{2})$")
_TOML_POSITION = re.compile(
    r"^(?P<msg>.*) \((?:at line (?P<line>\d+), column (?P<col>\d+)|at end of document)\)$"
)

# Who closes a month's Communication Log (see Settings.log_completed_by).
LOG_COMPLETED_BY = ("mentor", "either", "both")

# What a deadline or rule says about its step (see bot.program.steps).
_STEP_KEYS = ("step", "number", "part", "holder", "place", "in_person", "upload")

_TOP_LEVEL_KEYS = (
    "focus_areas",
    "program",
    "settings",
    "areas",
    "tracks",
    "forms",
    "contacts",
    "breaks",
    "topics",
    "deadlines",
    "rules",
    "experience_selections",
    "focal_points",
    "decision_points",
)

T = TypeVar("T")


def default_program_path() -> Path:
    """The shipped BMIT 2024-25 program, installed as package data beside this package."""
    return Path(__file__).resolve().parent.parent / "programs" / DEFAULT_PROGRAM_FILE


def load_program(path: str | os.PathLike[str] | None = None) -> Program:
    """Read and check a program file (None: the shipped default)."""
    source = os.fspath(path) if path is not None else str(default_program_path())
    return loads_program(read_text(source), source)


def load_programs(
    first: str | os.PathLike[str] | None, more: Sequence[str | os.PathLike[str]] = ()
) -> tuple[Program, ...]:
    """Every program a deployment runs side by side (`first` None: the shipped default),
    each checked; two files with one program id are refused, naming the second."""
    programs = [load_program(first)]
    for path in more:
        program = load_program(path)
        twin = next((p for p in programs if p.id == program.id), None)
        if twin is not None:
            raise ProgramError(
                path,
                "program.id",
                f"{program.id!r} is also the id of {twin.source_path}: each program needs its own",
            )
        programs.append(program)
    return tuple(programs)


def loads_program(text: str, source: str = "<string>") -> Program:
    """Check program TOML text; `source` is the name errors are reported against."""
    return parse_program(parse_toml(text, source), source)


def read_text(source: str) -> str:
    try:
        with open(source, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise ProgramError(source, "file", "no such file") from None
    except IsADirectoryError:
        raise ProgramError(source, "file", "is a directory, not a program file") from None
    except OSError as exc:
        raise ProgramError(source, "file", f"cannot be read ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProgramError(source, "file", f"is not UTF-8 text (byte {exc.start})") from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.match(str(exc))
        if match is None:
            raise ProgramError(source, "toml", f"TOML syntax error: {exc}") from None
        where = (
            f"line {match['line']}, column {match['col']}" if match["line"] else "end of document"
        )
        raise ProgramError(source, where, f"TOML syntax error: {match['msg']}") from None


# --- typed access with key paths -------------------------------------------------------------


def _describe(value: object) -> str:
    if isinstance(value, bool):
        kind = "a boolean"
    elif isinstance(value, int):
        kind = "an integer"
    elif isinstance(value, float):
        kind = "a float"
    elif isinstance(value, str):
        kind = "a string"
    elif isinstance(value, dt.datetime):
        kind = "a date-time"
    elif isinstance(value, dt.date):
        kind = "a date"
    elif isinstance(value, dt.time):
        kind = "a time"
    elif isinstance(value, list):
        return "an array"
    elif isinstance(value, dict):
        return "a table"
    else:
        return type(value).__name__
    shown = repr(value) if not isinstance(value, dt.date | dt.time) else value.isoformat()
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{kind} ({shown})"


class _Table:
    """One TOML table and its key path, with typed getters that raise ProgramError."""

    def __init__(self, source: str, where: str, data: dict[str, Any], known: tuple[str, ...]):
        self.source = source
        self.where = where
        self.data = data
        for key in data:
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                did_you_mean = f"; did you mean '{hint[0]}'?" if hint else ""
                raise ProgramError(
                    source,
                    self.path(key),
                    f"unknown key (known keys: {', '.join(known)}){did_you_mean}",
                )

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, reason: str) -> NoReturn:
        raise ProgramError(self.source, self.path(key), reason)

    def has(self, key: str) -> bool:
        return key in self.data

    def _value(self, key: str) -> Any:
        if key not in self.data:
            self.fail(key, "required key is missing")
        return self.data[key]

    def _typed(self, key: str, check: Callable[[Any], bool], expected: str) -> Any:
        value = self._value(key)
        if not check(value):
            self.fail(key, f"expected {expected}, got {_describe(value)}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        if default is not None and key not in self.data:
            return default
        value: str = self._typed(key, lambda v: isinstance(v, str), "a string")
        if not value.strip():
            self.fail(key, "must not be empty")
        return value

    def ident(self, key: str) -> str:
        value = self.text(key)
        if not _ID.match(value):
            self.fail(key, f"{value!r} is not an id (lower-case letters, digits, '-' or '_')")
        return value

    def integer(self, key: str, minimum: int, default: int | None = None) -> int:
        if default is not None and key not in self.data:
            return default
        value: int = self._typed(
            key, lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"
        )
        if value < minimum:
            self.fail(key, f"{value} is below the minimum {minimum}")
        return value

    def boolean(self, key: str) -> bool:
        value: bool = self._typed(key, lambda v: isinstance(v, bool), "true or false")
        return value

    def date(self, key: str) -> dt.date:
        value = self._value(key)
        if isinstance(value, dt.datetime):
            self.fail(key, f"expected a date like 2024-09-25, got {_describe(value)}")
        if isinstance(value, str):
            self.fail(
                key, f"expected a TOML date like 2024-09-25 (no quotes), got {_describe(value)}"
            )
        if not isinstance(value, dt.date):
            self.fail(key, f"expected a date like 2024-09-25, got {_describe(value)}")
        return value

    def texts(self, key: str, *, allow_empty: bool = False) -> tuple[str, ...]:
        values = self._typed(key, lambda v: isinstance(v, list), "an array of strings")
        if not values and not allow_empty:
            self.fail(key, "must not be empty")
        for i, value in enumerate(values):
            if not isinstance(value, str):
                self.fail(f"{key}[{i}]", f"expected a string, got {_describe(value)}")
            if not value.strip():
                self.fail(f"{key}[{i}]", "must not be empty")
        seen: set[str] = set()
        for i, value in enumerate(values):
            if value in seen:
                self.fail(f"{key}[{i}]", f"{value!r} is listed twice")
            seen.add(value)
        return tuple(values)

    def integers(self, key: str, minimum: int) -> tuple[int, ...]:
        values = self._typed(key, lambda v: isinstance(v, list), "an array of integers")
        if not values:
            self.fail(key, "must not be empty")
        for i, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(f"{key}[{i}]", f"expected an integer, got {_describe(value)}")
            if value < minimum:
                self.fail(f"{key}[{i}]", f"{value} is below the minimum {minimum}")
        if len(set(values)) != len(values):
            self.fail(key, "lists a value twice")
        return tuple(values)

    def table(self, key: str, known: tuple[str, ...]) -> _Table:
        value = self._typed(key, lambda v: isinstance(v, dict), "a table")
        return _Table(self.source, self.path(key), value, known)

    def tables(self, key: str, known: tuple[str, ...]) -> Iterator[_Table]:
        """Entries of an array of tables ([[key]]); absent means none."""
        if key not in self.data:
            return
        values = self.data[key]
        if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
            self.fail(key, f"expected an array of tables ([[{key}]]), got {_describe(values)}")
        for i, value in enumerate(values):
            yield _Table(self.source, self.path(f"{key}[{i}]"), value, known)


def _unique(entries: list[tuple[_Table, T]], key: str, label: Callable[[T], str]) -> None:
    first: dict[str, str] = {}
    for table, entry in entries:
        name = label(entry)
        if name in first:
            table.fail(key, f"{name!r} is already used by {first[name]}")
        first[name] = table.where


def _choice(table: _Table, key: str, value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        table.fail(key, f"{value!r} is not {what} ({', '.join(allowed)})")
    return value


# --- sections ----------------------------------------------------------------------------


def parse_program(data: dict[str, Any], source: str) -> Program:
    """Build a Program from parsed TOML, checking every key and cross-reference."""
    root = _Table(source, "", data, _TOP_LEVEL_KEYS)

    prog = root.table(
        "program",
        (
            "id",
            "name",
            "organization",
            "school_year",
            "timezone",
            "start",
            "end",
            "first_semester_end",
            "roles",
        ),
    )
    program_id = prog.ident("id")
    name = prog.text("name")
    organization = prog.text("organization", default="")
    school_year = prog.text("school_year")
    first_year = school_year_start(school_year)
    if first_year is None:
        prog.fail("school_year", f"{school_year!r} is not a school year like 2024-25")
    tz = _timezone(prog)
    start, end = prog.date("start"), prog.date("end")
    if start.year != first_year:
        prog.fail("start", f"{start} is not in {first_year}, the first year of {school_year}")
    if end.year != first_year + 1:
        prog.fail("end", f"{end} is not in {first_year + 1}, the second year of {school_year}")
    if end <= start:
        prog.fail("end", f"{end} is not after start {start}")
    roles = prog.texts("roles")
    for i, role in enumerate(roles):
        if not _ID.match(role):
            prog.fail(f"roles[{i}]", f"{role!r} is not an id (lower-case letters, digits, '-')")
        if role == TEAM_ROLE:
            prog.fail(f"roles[{i}]", "'team' is reserved: it means mentor and protégé together")
    deadline_roles = (*roles, TEAM_ROLE)

    def in_year(table: _Table, key: str, d: dt.date) -> dt.date:
        if not start <= d <= end:
            table.fail(key, f"{d} is outside the program year {start} to {end}")
        return d

    first_semester_end = (
        in_year(prog, "first_semester_end", prog.date("first_semester_end"))
        if prog.has("first_semester_end")
        else None
    )
    settings = _settings(root)

    areas = [(t, Area(t.ident("id"), t.text("name"))) for t in root.tables("areas", ("id", "name"))]
    _unique(areas, "id", lambda a: a.id)

    tracks = [
        (t, _track(t))
        for t in root.tables("tracks", ("id", "name", "plan_slots", "plan_slots_optional"))
    ]
    if not tracks:
        root.fail("tracks", "at least one [[tracks]] entry is required")
    _unique(tracks, "id", lambda a: a.id)
    track_ids = tuple(track.id for _, track in tracks)

    forms = [(t, _form(t)) for t in root.tables("forms", ("id", "name", "links"))]
    _unique(forms, "id", lambda f: f.id)
    form_ids = tuple(form.id for _, form in forms)

    breaks = []
    for t in root.tables("breaks", ("name", "start", "end", "rule")):
        brk = Break(
            t.text("name"), in_year(t, "start", t.date("start")), t.date("end"), _break_rule(t)
        )
        if brk.end < brk.start:
            t.fail("end", f"{brk.end} is before start {brk.start}")
        in_year(t, "end", brk.end)
        breaks.append(brk)

    topics = _topics(root, start, end)

    focus_areas = root.texts("focus_areas") if root.has("focus_areas") else ()
    selections = []
    for t in root.tables("experience_selections", ("number", "text", "focus_areas")):
        number = t.integer("number", minimum=1)
        text = t.text("text")
        tags = t.texts("focus_areas")
        for i, tag in enumerate(tags):
            _choice(t, f"focus_areas[{i}]", tag, focus_areas, "one of the top-level focus_areas")
        selections.append((t, ExperienceSelection(number, text, tags)))
    _unique(selections, "number", lambda s: str(s.number))

    focal_points = _checklist(root, "focal_points")
    decision_points = _checklist(root, "decision_points")

    fixed: list[Deadline] = []
    placed: list[tuple[_Table, Deadline]] = []  # every deadline and where the file defines it
    defined_at: dict[tuple[str, str], str] = {}
    deadline_keys = ("id", "track", "tracks", "title", "date", "rule", "role", "form", *_STEP_KEYS)
    for t in root.tables("deadlines", deadline_keys):
        deadline_id = t.ident("id")
        on_tracks = _tracks(t, track_ids)
        title = t.text("title")
        due = in_year(t, "date", t.date("date"))
        day_rule = _date_rule(t, due)
        role = _choice(t, "role", t.text("role"), deadline_roles, "a role")
        form = _choice(t, "form", t.text("form"), form_ids, "a form") if t.has("form") else None
        step = _step(t, recurring=False)
        for track in on_tracks:
            if (track, deadline_id) in defined_at:
                t.fail(
                    "id",
                    f"{deadline_id!r} is already used in track {track} "
                    f"by {defined_at[(track, deadline_id)]}",
                )
            defined_at[(track, deadline_id)] = t.where
            deadline = Deadline(deadline_id, track, title, due, role, form, step, day_rule)
            fixed.append(deadline)
            placed.append((t, deadline))

    rules: list[Rule] = []
    rule_keys = ("id", "track", "tracks", "title", "role", "form", "rrule", "from", "until")
    for t in root.tables("rules", (*rule_keys, *_STEP_KEYS)):
        rule_id = t.ident("id")
        on_tracks = _tracks(t, track_ids)
        title = t.text("title")
        role = _choice(t, "role", t.text("role"), deadline_roles, "a role")
        form = _choice(t, "form", t.text("form"), form_ids, "a form") if t.has("form") else None
        step = _step(t, recurring=True)
        text = t.text("rrule")
        first, until = t.date("from"), t.date("until")
        if until < first:
            t.fail("until", f"{until} is before from {first}")
        rule = Rule(rule_id, on_tracks, title, role, form, text, first, until, step)
        try:
            dates = rule.dates()
        except ValueError as exc:
            t.fail("rrule", str(exc))
        if not dates:
            t.fail("rrule", f"produces no dates between {first} and {until}")
        for d in dates:
            if not start <= d <= end:
                t.fail(
                    "until" if d > end else "from",
                    f"the rule produces {d}, outside the program year {start} to {end}",
                )
        for track in on_tracks:
            for generated in rule.deadlines(track):
                if (track, generated.id) in defined_at:
                    t.fail(
                        "id",
                        f"generates {generated.id!r}, already used in track {track} "
                        f"by {defined_at[(track, generated.id)]}",
                    )
                defined_at[(track, generated.id)] = t.where
                placed.append((t, generated))
        rules.append(rule)

    for track in track_ids:
        _check_steps(track, [(t, d) for t, d in placed if d.track == track])

    return Program(
        id=program_id,
        name=name,
        school_year=school_year,
        tz=tz,
        start=start,
        end=end,
        roles=roles,
        areas=tuple(area for _, area in areas),
        tracks=tuple(track for _, track in tracks),
        topics=topics,
        experience_selections=tuple(sorted((s for _, s in selections), key=lambda s: s.number)),
        focus_areas=focus_areas,
        focal_points=focal_points,
        decision_points=decision_points,
        forms=form_ids,
        settings=settings,
        breaks=tuple(sorted(breaks, key=lambda b: (b.start, b.end))),
        source_path=source,
        organization=organization,
        form_defs=tuple(form for _, form in forms),
        contacts=tuple(_contact(t) for t in root.tables("contacts", _CONTACT_KEYS)),
        first_semester_end=first_semester_end,
        fixed_deadlines=tuple(fixed),
        rules=tuple(rules),
    )


def school_year_start(school_year: str) -> int | None:
    """2024 for "2024-25"; None unless it names two consecutive years."""
    match = _SCHOOL_YEAR.match(school_year)
    if match is None:
        return None
    first, second = int(match[1]), int(match[2])
    return first if (first + 1) % 100 == second else None


def _track(t: _Table) -> Track:
    plan_slots = (2, 2)
    if t.has("plan_slots"):
        values = t._typed("plan_slots", lambda v: isinstance(v, list), "an array of integers")
        if not values:
            t.fail("plan_slots", "must not be empty (slots per semester, e.g. [2, 2])")
        for i, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                t.fail(f"plan_slots[{i}]", f"expected a count of slots, got {_describe(value)}")
        plan_slots = tuple(values)
        if not sum(plan_slots):
            t.fail("plan_slots", "plans no experience at all")
    optional = t.boolean("plan_slots_optional") if t.has("plan_slots_optional") else False
    return Track(t.ident("id"), t.text("name"), plan_slots, optional)


def _timezone(prog: _Table) -> zoneinfo.ZoneInfo:
    name = prog.text("timezone")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        prog.fail("timezone", f"{name!r} is not a known IANA time zone (e.g. America/Chicago)")


def _hhmm(table: _Table, key: str) -> dt.time:
    value = table.text(key)
    match = _HHMM.match(value)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        table.fail(key, f"{value!r} is not a time like 18:00 (HH:MM, 24-hour)")
    return dt.time(int(match[1]), int(match[2]))


def _form(t: _Table) -> Form:
    links = tuple(
        Link(link.text("title"), _url(link, "url")) for link in t.tables("links", ("title", "url"))
    )
    return Form(t.ident("id"), t.text("name"), links)


_CONTACT_KEYS = ("title", "name", "email", "phone")


def _contact(t: _Table) -> Contact:
    email = t.text("email") if t.has("email") else None
    if email is not None and not re.fullmatch(r"[^@\s<>|]+@[^@\s<>|]+\.[^@\s<>|]+", email):
        t.fail("email", f"{email!r} is not an e-mail address")
    phone = t.text("phone") if t.has("phone") else None
    return Contact(t.text("title"), t.text("name"), email, phone)


def _url(t: _Table, key: str) -> str:
    url = t.text(key)
    if not re.fullmatch(r"https?://[^\s<>|]+", url):
        t.fail(key, f"{url!r} is not a web address (http:// or https://)")
    return url


# A Visit Report dated after the first semester (see Settings.visit_outside_first_semester).
VISIT_OUTSIDE_FIRST_SEMESTER = ("error", "flag")


def _delivery_times(settings: _Table, quiet: QuietHours) -> DeliveryTimes:
    """The times of a school day a person may choose; before school defaults to the end of
    quiet hours. Each must be outside quiet hours, and they come in the day's order."""
    times = DeliveryTimes(before_school=quiet.end)
    if not settings.has("delivery_times"):
        return times
    names = tuple(f.name for f in dataclasses.fields(DeliveryTimes))
    table = settings.table("delivery_times", names)
    chosen = {name: _hhmm(table, name) for name in names if table.has(name)}
    times = dataclasses.replace(times, **chosen)
    for name in chosen:
        if not quiet.allows(getattr(times, name)):
            table.fail(
                name,
                f"{getattr(times, name):%H:%M} is in quiet hours "
                f"({quiet.start:%H:%M} to {quiet.end:%H:%M}): no message goes out then",
            )
    for earlier, later in itertools.pairwise(names):
        if getattr(times, earlier) >= getattr(times, later):
            table.fail(
                later,
                f"{getattr(times, later):%H:%M} is not after {earlier} "
                f"({getattr(times, earlier):%H:%M})",
            )
    return times


def _settings(root: _Table) -> Settings:
    known = (
        "reminder_lead_days",
        "silence_threshold_school_days",
        "min_contacts_per_month",
        "quiet_hours",
        "school_weekdays",
        "log_completed_by",
        "completers_wait_for_deliverables",
        "visit_outside_first_semester",
        "advisor_reminder_lead_days",
        "plan_review_school_days",
        "delivery_times",
    )
    if root.has("settings"):
        s = root.table("settings", known)
    else:
        s = _Table(root.source, "settings", {}, known)

    lead_days: tuple[int, ...] = (3, 0)
    if s.has("reminder_lead_days"):
        # Largest lead first, so callers can walk reminders in the order they go out.
        lead_days = tuple(sorted(s.integers("reminder_lead_days", minimum=0), reverse=True))

    quiet = QuietHours(dt.time(18, 0), dt.time(7, 30))
    if s.has("quiet_hours"):
        q = s.table("quiet_hours", ("start", "end"))
        quiet = QuietHours(_hhmm(q, "start"), _hhmm(q, "end"))
        if quiet.start == quiet.end:
            q.fail("end", "equals start; leave quiet_hours out if notices may go out at any hour")

    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    if s.has("school_weekdays"):
        names = s.texts("school_weekdays")
        for i, day in enumerate(names):
            _choice(s, f"school_weekdays[{i}]", day, WEEKDAY_NAMES, "a weekday")
        weekdays = tuple(sorted(WEEKDAY_NAMES.index(day) for day in names))

    return Settings(
        delivery_times=_delivery_times(s, quiet),
        reminder_lead_days=lead_days,
        silence_threshold_school_days=s.integer("silence_threshold_school_days", 1, default=15),
        min_contacts_per_month=s.integer("min_contacts_per_month", 0, default=2),
        quiet_hours=quiet,
        school_weekdays=weekdays,
        log_completed_by=(
            _choice(s, "log_completed_by", s.text("log_completed_by"), LOG_COMPLETED_BY, "who")
            if s.has("log_completed_by")
            else "mentor"
        ),
        completers_wait_for_deliverables=(
            s.boolean("completers_wait_for_deliverables")
            if s.has("completers_wait_for_deliverables")
            else True
        ),
        visit_outside_first_semester=(
            _choice(
                s,
                "visit_outside_first_semester",
                s.text("visit_outside_first_semester"),
                VISIT_OUTSIDE_FIRST_SEMESTER,
                "what to do",
            )
            if s.has("visit_outside_first_semester")
            else "error"
        ),
        advisor_reminder_lead_days=(
            tuple(sorted(s.integers("advisor_reminder_lead_days", minimum=0), reverse=True))
            if s.has("advisor_reminder_lead_days")
            else (7, 0)
        ),
        plan_review_school_days=s.integer("plan_review_school_days", 1, default=5),
    )


def _topics(root: _Table, start: dt.date, end: dt.date) -> tuple[Topic, ...]:
    topics: list[tuple[_Table, Topic]] = []
    for t in root.tables("topics", ("month", "title", "bullets")):
        month_text = t.text("month")
        match = _MONTH.match(month_text)
        if match is None:
            t.fail("month", f"{month_text!r} is not a month like 2024-09")
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            t.fail("month", f"{month} is not a month (1-12)")
        if not (start.year, start.month) <= (year, month) <= (end.year, end.month):
            t.fail("month", f"{month_text} is outside the program year {start} to {end}")
        bullets = t.texts("bullets", allow_empty=True) if t.has("bullets") else ()
        topics.append((t, Topic(year, month, t.text("title"), bullets)))
    _unique(topics, "month", lambda topic: topic.month_id)
    ordered = sorted((topic for _, topic in topics), key=lambda topic: (topic.year, topic.month))
    if ordered:
        # The monthly prompt would silently skip a month, so a gap is an error.
        have = {(topic.year, topic.month) for topic in ordered}
        year, month = ordered[0].year, ordered[0].month
        while (year, month) < (ordered[-1].year, ordered[-1].month):
            if (year, month) not in have:
                root.fail(
                    "topics",
                    f"no topic for {year:04d}-{month:02d} (topics run from "
                    f"{ordered[0].month_id} to {ordered[-1].month_id})",
                )
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(ordered)


def _day_rule(t: _Table) -> DayRule | None:
    if not t.has("rule"):
        return None
    try:
        return parse_day_rule(t.text("rule"))
    except ValueError as exc:
        t.fail("rule", str(exc))


def _date_rule(t: _Table, due: dt.date) -> DayRule | None:
    """A deadline's rule, which must name its date: the two may not disagree."""
    rule = _day_rule(t)
    if rule is None:
        return None
    if rule.month is not None and rule.month != due.month:
        t.fail("rule", f"{rule} is not in the month of the date {due}")
    try:
        day = rule.on(due.year, due.month)
    except ValueError as exc:
        t.fail("rule", str(exc))
    if day != due:
        t.fail("rule", f"{rule} is {day:%a %Y-%m-%d}, not the date {due:%a %Y-%m-%d}")
    return rule


# A break set around a rule's day (Thanksgiving break, Wednesday to Friday around the 4th
# Thursday) starts or ends at most this far from it.
_BREAK_RULE_REACH = dt.timedelta(days=7)


def _break_rule(t: _Table) -> DayRule | None:
    rule = _day_rule(t)
    if rule is None:
        return None
    start, end = t.date("start"), t.date("end")
    try:
        day = rule.near(start)
    except ValueError as exc:
        t.fail("rule", str(exc))
    if not start - _BREAK_RULE_REACH <= day <= end + _BREAK_RULE_REACH:
        t.fail("rule", f"{rule} is {day:%a %Y-%m-%d}, more than a week from the break")
    return rule


def _checklist(root: _Table, key: str) -> tuple[ChecklistCategory, ...]:
    categories = [
        (t, ChecklistCategory(t.text("category"), t.texts("items")))
        for t in root.tables(key, ("category", "items"))
    ]
    _unique(categories, "category", lambda c: c.name)
    return tuple(category for _, category in categories)


def _step(t: _Table, *, recurring: bool) -> Step:
    """The step a deadline or rule names, with exactly the parameters its kind takes."""
    kind = StepKind(_choice(t, "step", t.text("step"), tuple(kinds()), "a step kind"))
    rules = spec(kind)
    if rules.recurring != recurring:
        where = "[[rules]]" if rules.recurring else "[[deadlines]]"
        t.fail("step", f"a {kind} step belongs in {where}")
    for key, allowed in (
        ("number", rules.numbered),
        ("part", bool(rules.parts)),
        ("place", rules.meeting),
        ("in_person", rules.meeting),
    ):
        if t.has(key) and not allowed:
            t.fail(key, f"a {kind} step takes no {key}")
    number = t.integer("number", minimum=1) if rules.numbered else None
    part = (
        _choice(t, "part", t.text("part"), rules.parts, f"a part of {kind}")
        if rules.parts
        else None
    )
    holder = (
        _choice(t, "holder", t.text("holder"), HOLDERS, "a holder") if t.has("holder") else None
    )
    upload = None
    if t.has("upload"):
        u = t.table("upload", ("required", "link"))
        upload = Upload(u.boolean("required"), u.text("link") if u.has("link") else None)
        if upload.required and not (upload.link or "").startswith(("https://", "http://")):
            u.fail("link", "a required upload needs its link (https://…): the bot says where")
    return Step(
        kind=kind,
        number=number,
        part=part,
        holder=holder,
        place=t.text("place") if t.has("place") else None,
        in_person=t.boolean("in_person") if t.has("in_person") else None,
        upload=upload,
    )


def _check_steps(track: str, placed: list[tuple[_Table, Deadline]]) -> None:
    """A track's steps must be told apart, and numbered ones counted 1, 2, 3…: code that
    asks for "experience 2" must find exactly one of each of its parts."""
    first: dict[str, str] = {}
    for t, deadline in placed:
        if deadline.key in first:
            t.fail(
                "step",
                f"{deadline.key!r} is already the step of {first[deadline.key]} in track {track}",
            )
        first[deadline.key] = t.where
    numbered: dict[StepKind, dict[int, list[tuple[_Table, Deadline]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for t, deadline in placed:
        if deadline.step.number is not None:
            numbered[deadline.step.kind][deadline.step.number].append((t, deadline))
    for kind, by_number in numbered.items():
        count = len(by_number)
        for number in sorted(by_number):
            t, _ = by_number[number][0]
            if number > count:
                t.fail(
                    "number",
                    f"{kind} {number} is past the count: track {track} has {count} numbered "
                    f"{kind} step(s), so they run 1 to {count}",
                )
            parts = {d.step.part for _, d in by_number[number]}
            opening = spec(kind).parts[0] if spec(kind).in_order else None
            if opening is not None and opening not in parts:
                t.fail(
                    "part", f"{kind} {number} in track {track} has no {opening!r} step to start it"
                )


def _tracks(t: _Table, track_ids: tuple[str, ...]) -> tuple[str, ...]:
    if t.has("track") and t.has("tracks"):
        t.fail("tracks", "give either track or tracks, not both")
    if t.has("track"):
        return (_choice(t, "track", t.text("track"), track_ids, "a track"),)
    if not t.has("tracks"):
        t.fail("tracks", 'required key is missing (track = "..." or tracks = [...])')
    on_tracks = t.texts("tracks")
    for i, track in enumerate(on_tracks):
        _choice(t, f"tracks[{i}]", track, track_ids, "a track")
    return on_tracks


__all__ = [
    "DEFAULT_PROGRAM_FILE",
    "TEAM_ROLE",
    "default_program_path",
    "load_program",
    "load_programs",
    "loads_program",
    "parse_program",
    "parse_toml",
    "read_text",
    "school_year_start",
]
