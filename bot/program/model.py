"""The program definition as frozen data, plus the questions the bot asks of it.

A `Program` is built by `bot.program.loader` from a TOML file; nothing here reads files.
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.program import calendar
from bot.program.calendar import Break, Deadline, Rule
from bot.program.kinds import StepKind

__all__ = [
    "Area",
    "Break",
    "ChecklistCategory",
    "Contact",
    "Deadline",
    "ExperienceSelection",
    "Form",
    "Link",
    "Program",
    "ProgramError",
    "QuietHours",
    "Rule",
    "Settings",
    "Topic",
    "Track",
]


class ProgramError(Exception):
    """A program file that cannot be used; str() is one line: "path: key: reason"."""

    def __init__(self, path: str | os.PathLike[str], key: str, reason: str) -> None:
        self.path = os.fspath(path)
        self.key = key
        # Log lines and Slack notes must stay one line whatever the underlying error said.
        self.reason = " ".join(str(reason).splitlines())
        super().__init__(f"{self.path}: {self.key}: {self.reason}")

    def __reduce__(self) -> tuple[type[ProgramError], tuple[str, str, str]]:
        return (type(self), (self.path, self.key, self.reason))


@dataclass(frozen=True)
class Area:
    id: str
    name: str


@dataclass(frozen=True)
class Track:
    id: str
    name: str
    # The Individual Mentoring Plan's shape: how many experiences each semester plans, in
    # order (year one's "two experiences … each semester"), and whether a slot may stay empty.
    plan_slots: tuple[int, ...] = (2, 2)
    plan_slots_optional: bool = False

    def slot_semesters(self) -> dict[int, int]:
        """Plan slot number -> its semester (1, 2, …), numbered across the year."""
        out: dict[int, int] = {}
        for semester, count in enumerate(self.plan_slots, start=1):
            for _ in range(count):
                out[len(out) + 1] = semester
        return out


class Link(NamedTuple):
    """A document a form points people to (a template, an example, a video)."""

    title: str
    url: str


@dataclass(frozen=True)
class Form:
    id: str
    name: str
    # Shown in the form's modal and in reminders of its steps.
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Contact:
    """Someone of the program's staff every team may reach (the Contact Form's last block)."""

    title: str
    name: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Topic:
    year: int
    month: int
    title: str
    bullets: tuple[str, ...]

    @property
    def month_id(self) -> str:
        """ "YYYY-MM", the form used in the file and in idempotency keys."""
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class ExperienceSelection:
    number: int
    text: str
    focus_areas: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistCategory:
    name: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class QuietHours:
    """No notices from `start` until `end`; start > end means the window wraps midnight."""

    start: dt.time
    end: dt.time

    def allows(self, local_time: dt.time) -> bool:
        t = local_time.replace(tzinfo=None)
        if self.start <= self.end:
            quiet = self.start <= t < self.end
        else:
            quiet = t >= self.start or t < self.end
        return not quiet


@dataclass(frozen=True)
class DeliveryTimes:
    """The local times of a school day a person may choose for their message (the Home tab's
    "When the bot writes to you"); named as `storage.pace.DeliveryTime`'s values."""

    before_school: dt.time = dt.time(7, 30)  # the default: the end of quiet hours unless set
    planning: dt.time = dt.time(11, 30)
    after_school: dt.time = dt.time(15, 30)


@dataclass(frozen=True)
class Settings:
    reminder_lead_days: tuple[int, ...]
    silence_threshold_school_days: int
    min_contacts_per_month: int
    quiet_hours: QuietHours
    school_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    # Whose entry closes a month's Communication Log: "mentor" (the mentor filed it or
    # co-signed the protégé's), "either" (any entry) or "both" (an entry co-signed).
    log_completed_by: str = "mentor"
    # The completers list waits for every deliverable of the year (the April log is due after
    # the list's date in the BMIT calendar): no team is declared complete before then.
    completers_wait_for_deliverables: bool = True
    # A Visit Report dated after the first semester: "error" refuses it on the date field
    # (the form's "A first semester visit is required"), "flag" files it and marks it for the
    # content advisor.
    visit_outside_first_semester: str = "error"
    # The content advisor's own steps (bot/advisor/duties.py): the days before one's date
    # its reminders join the advisor's morning message, and the school days the advisor has
    # to review an Individual Mentoring Plan once it is sent.
    advisor_reminder_lead_days: tuple[int, ...] = (7, 0)
    plan_review_school_days: int = 5
    delivery_times: DeliveryTimes = DeliveryTimes()


@dataclass(frozen=True)
class Program:
    id: str
    name: str
    school_year: str
    tz: zoneinfo.ZoneInfo
    start: dt.date
    end: dt.date
    roles: tuple[str, ...]
    areas: tuple[Area, ...]
    tracks: tuple[Track, ...]
    topics: tuple[Topic, ...]
    experience_selections: tuple[ExperienceSelection, ...]
    focus_areas: tuple[str, ...]
    focal_points: tuple[ChecklistCategory, ...]
    decision_points: tuple[ChecklistCategory, ...]
    forms: tuple[str, ...]
    settings: Settings
    breaks: tuple[Break, ...]
    source_path: str
    organization: str = ""
    form_defs: tuple[Form, ...] = ()
    contacts: tuple[Contact, ...] = ()
    # The last day of the first semester (the Visit Report's "first semester visit");
    # None: the program year has no semesters, and visits may fall any day of it.
    first_semester_end: dt.date | None = None
    fixed_deadlines: tuple[Deadline, ...] = ()
    rules: tuple[Rule, ...] = ()
    # Derived once here so every query is a lookup; kept out of eq/hash/repr so the
    # dataclass stays a plain value.
    _deadlines: dict[str, tuple[Deadline, ...]] = field(init=False, repr=False, compare=False)
    # Each track's deadlines by step kind: the status of every team asks for steps.
    _by_kind: dict[tuple[str, StepKind], tuple[Deadline, ...]] = field(
        init=False, repr=False, compare=False
    )
    _topics: dict[tuple[int, int], Topic] = field(init=False, repr=False, compare=False)
    _log_dates: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_track = {
            track.id: calendar.track_deadlines(track.id, self.fixed_deadlines, self.rules)
            for track in self.tracks
        }
        object.__setattr__(self, "_deadlines", by_track)
        by_kind: dict[tuple[str, StepKind], list[Deadline]] = {}
        for track_id, deadlines in by_track.items():
            for d in deadlines:
                by_kind.setdefault((track_id, d.step.kind), []).append(d)
        object.__setattr__(self, "_by_kind", {k: tuple(v) for k, v in by_kind.items()})
        object.__setattr__(self, "_topics", {(t.year, t.month): t for t in self.topics})
        log_dates = {
            d
            for rule in self.rules
            if rule.step.kind == StepKind.COMMUNICATION_LOG
            for d in rule.dates()
        }
        object.__setattr__(self, "_log_dates", tuple(sorted(log_dates)))

    @property
    def timezone_name(self) -> str:
        return self.tz.key

    @property
    def series(self) -> str:
        """The program across its school years: its id without the year ("bmit" for
        "bmit-2024-25"). `roll_program` names the next year's id so that it stays the same,
        and a year follows only a year of its own series."""
        return self.id.replace(self.school_year, "").strip("-_")

    # --- topics --------------------------------------------------------------------------

    def topic_for(self, year: int, month: int) -> Topic | None:
        return self._topics.get((year, month))

    # --- school days ---------------------------------------------------------------------

    def is_school_day(self, d: dt.date) -> bool:
        return calendar.is_school_day(d, self.settings.school_weekdays, self.breaks)

    def first_school_day(self, year: int, month: int) -> dt.date:
        return calendar.first_school_day(year, month, self.settings.school_weekdays, self.breaks)

    def school_days_between(self, start: dt.date, end: dt.date) -> int:
        return calendar.school_days_between(start, end, self.settings.school_weekdays, self.breaks)

    def reminder_day(self, d: dt.date) -> dt.date:
        """The day a reminder meant for `d` goes out: `d`, or the last school day before it
        when `d` is a weekend or in a break (a reminder moved, not lost); `d` itself when
        no school day comes within three weeks before it."""
        for back in range(22):
            day = d - dt.timedelta(days=back)
            if self.is_school_day(day):
                return day
        return d

    # --- deadlines -----------------------------------------------------------------------

    def deadlines(self, track: str) -> tuple[Deadline, ...]:
        try:
            return self._deadlines[track]
        except KeyError:
            raise KeyError(f"unknown track {track!r}") from None

    def all_deadlines(self) -> tuple[Deadline, ...]:
        every = (d for track in self.tracks for d in self._deadlines[track.id])
        return tuple(sorted(every, key=lambda d: (d.due, d.track, d.key)))

    def deadline(self, track: str, deadline_id: str) -> Deadline:
        for d in self.deadlines(track):
            if d.id == deadline_id:
                return d
        raise KeyError(f"no deadline {deadline_id!r} in track {track!r}")

    # --- steps: what the code asks of the calendar, never by deadline id ---------------------

    def steps(
        self, track: str, kind: StepKind, number: int | None = None, part: str | None = None
    ) -> tuple[Deadline, ...]:
        """The track's deadlines of this kind (and number and part, where given)."""
        if track not in self._deadlines:
            raise KeyError(f"unknown track {track!r}")
        of_kind = self._by_kind.get((track, kind), ())
        return tuple(d for d in of_kind if d.is_(kind, number, part))

    def step(
        self, track: str, kind: StepKind, number: int | None = None, part: str | None = None
    ) -> Deadline | None:
        """The track's first deadline of this step, or None when its calendar has none."""
        return next(iter(self.steps(track, kind, number, part)), None)

    def has_step(self, track: str, kind: StepKind) -> bool:
        return self.step(track, kind) is not None

    def step_numbers(self, track: str, kind: StepKind) -> tuple[int, ...]:
        """The numbers the track's steps of a numbered kind carry (year one's experiences 1-4)."""
        found = {d.step.number for d in self.steps(track, kind) if d.step.number is not None}
        return tuple(sorted(found))

    def step_key(self, deadline: Deadline) -> str:
        """The deadline in delivery keys: the program year and the step, never the file's id,
        so a renamed deadline keeps its notices and next year's calendar gets its own."""
        return f"{self.school_year}:{deadline.key}"

    def log_due_dates(self) -> tuple[dt.date, ...]:
        """Due dates of the Communication Log rule(s), across all tracks."""
        return self._log_dates

    # --- lookups -------------------------------------------------------------------------

    def area(self, area_id: str) -> Area:
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(f"unknown area {area_id!r}")

    def track(self, track_id: str) -> Track:
        for track in self.tracks:
            if track.id == track_id:
                return track
        raise KeyError(f"unknown track {track_id!r}")

    def form_name(self, form_id: str) -> str:
        for form in self.form_defs:
            if form.id == form_id:
                return form.name
        raise KeyError(f"unknown form {form_id!r}")

    def form_links(self, form_id: str | None) -> tuple[Link, ...]:
        """The documents a form points to; none for a step with no form."""
        return next((form.links for form in self.form_defs if form.id == form_id), ())

    def in_first_semester(self, d: dt.date) -> bool:
        """Whether `d` is in the program year's first semester (any day, without semesters)."""
        last = self.first_semester_end or self.end
        return self.start <= d <= last

    def experience_selection(self, number: int) -> ExperienceSelection:
        for selection in self.experience_selections:
            if selection.number == number:
                return selection
        raise KeyError(f"no experience selection {number}")
