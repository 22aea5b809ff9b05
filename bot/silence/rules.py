"""Silent and at-risk teams: when a team last showed activity, and what that makes it.

A team's last activity is the newest of: the date a conversation happened (a Communication
Log or a quick check-in by either member, as entered, not when it was filed), the day a log
was co-signed, and the day of a form step. A team is silent when more school days than the
program's threshold have passed since (weekends and breaks do not count). The clock starts
at the team's first deadline, not at registration: teams are paired over the summer and meet
in the autumn, and a team nothing is owed by yet is not quiet, only new. A team whose
contact days this month fall short of the program's minimum by the month's log due date is
at risk, a lesser state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from bot.program import Program, StepKind
from bot.status.deliverables import MEMBER_ROLES, team_deliverables
from bot.status.progress import step_name
from bot.teams.pauses import paused_school_days, pauses_of
from storage.db import among, scope_of
from storage.experiences import FormEvent
from storage.logs import IS_CURRENT, CheckIn, CommunicationLog, contact_dates
from storage.models import Team
from storage.people import RosterTeam
from storage.plans import DecisionPointsFiling, FocalPointsFiling, MentoringPlan

MODE_NAMES = {
    "email": "e-mail",
    "phone": "phone call",
    "text": "text",
    "video": "video call",
    "in_person": "in person",
}

# Each source gives, per team id, the local date of its newest activity of one kind, for
# the teams named (None: every team; then the caller keeps the ones it wants).
ActivitySource = Callable[[Session, list[int] | None, ZoneInfo], dict[int, date]]


def _contacts(session: Session, team_ids: list[int] | None, tz: ZoneInfo) -> dict[int, date]:
    contacts = contact_dates(team_ids)
    rows = session.execute(
        select(contacts.c.team_id, func.max(contacts.c.day)).group_by(contacts.c.team_id)
    )
    return {team_id: day for team_id, day in rows}


def _cosignatures(session: Session, team_ids: list[int] | None, tz: ZoneInfo) -> dict[int, date]:
    rows = session.execute(
        select(CommunicationLog.team_id, func.max(CommunicationLog.confirmed_at))
        .where(
            among(CommunicationLog.team_id, team_ids),
            CommunicationLog.confirmed_at.is_not(None),
            IS_CURRENT,
        )
        .group_by(CommunicationLog.team_id)
    )
    return {team_id: _local_day(at, tz) for team_id, at in rows if at is not None}


def _form_steps(session: Session, team_ids: list[int] | None, tz: ZoneInfo) -> dict[int, date]:
    """The newest step on any of the year's forms (filed, commented, agreed, signed…)."""
    columns = (
        (FormEvent.team_id, FormEvent.at),
        (FocalPointsFiling.team_id, FocalPointsFiling.filed_at),
        (DecisionPointsFiling.team_id, DecisionPointsFiling.filed_at),
        (MentoringPlan.team_id, MentoringPlan.submitted_at),
    )
    latest: dict[int, date] = {}
    for team_column, at_column in columns:
        rows = session.execute(
            select(team_column, func.max(at_column))
            .where(among(team_column, team_ids))
            .group_by(team_column)
        )
        for team_id, at in rows:
            if at is not None:
                day = _local_day(at, tz)
                latest[team_id] = max(day, latest.get(team_id, day))
    return latest


ACTIVITY_SOURCES: list[ActivitySource] = [_contacts, _cosignatures, _form_steps]


@dataclass(frozen=True)
class Health:
    team_id: int
    last_activity: date  # the team's first deadline when nothing happened since
    school_days_quiet: int
    silent: bool
    at_risk: bool
    contact_days_this_month: int | None  # None outside a topic month's check

    @property
    def spell(self) -> date | None:
        """The silent spell's name: the last activity date it began after."""
        return self.last_activity if self.silent else None


def season_end(program: Program) -> date:
    """Teams are to talk twice a month while there are monthly topics; after the last
    Communication Log is due the year winds down and quiet is expected."""
    return max(program.log_due_dates(), default=program.end)


def team_health(
    session: Session, program: Program, teams: Sequence[Team | RosterTeam], today: date
) -> dict[int, Health]:
    """Each team's silence and contact, judged up to the end of the season: a quiet May
    makes no team silent, and a team silent in April stays so."""
    ids = [team.id for team in teams]
    judged = min(today, season_end(program))
    latest = last_activity_dates(session, program, ids)
    paused = pauses_of(session, program, ids)
    due = month_log_due(program, today)
    counts = contact_days_in_month(session, ids, today) if due and today >= due else None
    threshold = program.settings.silence_threshold_school_days
    minimum = program.settings.min_contacts_per_month
    result: dict[int, Health] = {}
    # Thousands of teams share a few tracks, start dates and last-activity days.
    quiet_days = cache(lambda last: program.school_days_between(last, judged))
    clock = cache(lambda track, start: silence_clock_start(program, track, start))
    for team in teams:
        clock_start = clock(team.track, team.start_date)
        last = max(latest.get(team.id, clock_start), clock_start)
        quiet = quiet_days(last) if last < judged else 0
        if team.id in paused:  # paused school days are not quiet ones
            quiet -= paused_school_days(program, paused[team.id], last, judged, today)
        days = None if counts is None else counts.get(team.id, 0)
        result[team.id] = Health(
            team_id=team.id,
            last_activity=last,
            school_days_quiet=quiet,
            silent=quiet > threshold and team.start_date <= today,
            at_risk=days is not None and days < minimum and team.start_date <= today,
            contact_days_this_month=days,
        )
    return result


def silence_clock_start(program: Program, track: str, start_date: date) -> date:
    """The team's first deadline on or after its start: when it can first fall quiet (the
    team's own, not a step of its content advisor or staff)."""
    return next(
        (d.due for d in program.deadlines(track) if d.due >= start_date and d.role in MEMBER_ROLES),
        start_date,
    )


def last_activity_dates(session: Session, program: Program, team_ids: list[int]) -> dict[int, date]:
    latest: dict[int, date] = {}
    scope = scope_of(team_ids)
    for source in ACTIVITY_SOURCES:
        for team_id, day in source(session, scope, program.tz).items():
            if day is not None and (team_id not in latest or day > latest[team_id]):
                latest[team_id] = day
    return latest


def silent_from(program: Program, last_activity: date) -> date:
    """The first day on which a team quiet since `last_activity` counts as silent."""
    threshold = program.settings.silence_threshold_school_days
    day = last_activity
    counted = 0
    while counted <= threshold:
        day += timedelta(days=1)
        if program.is_school_day(day):
            counted += 1
    return day


def month_log_due(program: Program, today: date) -> date | None:
    for due in program.log_due_dates():
        if (due.year, due.month) == (today.year, today.month):
            return due
    return None


def contact_days_in_month(session: Session, team_ids: list[int], today: date) -> dict[int, int]:
    """Distinct days with a recorded contact this month, per team."""
    days = contact_dates(scope_of(team_ids), today.replace(day=1), today)
    rows = session.execute(
        select(days.c.team_id, func.count(distinct(days.c.day))).group_by(days.c.team_id)
    )
    return {team_id: n for team_id, n in rows}


@dataclass(frozen=True)
class LastContact:
    day: date
    mode: str  # as people read it: "phone call", "e-mail", …
    kind: str  # "Communication Log" or "check-in"


def last_contact_detail(session: Session, team_id: int) -> LastContact | None:
    """The newest recorded conversation, with its mode, for an alert or a list."""
    candidates: Iterable[tuple[date, str, str]] = [
        *(
            (day, str(mode), "Communication Log")
            for day, mode in session.execute(
                select(CommunicationLog.conversation_date, CommunicationLog.mode)
                .where(CommunicationLog.team_id == team_id, IS_CURRENT)
                .order_by(CommunicationLog.conversation_date.desc())
                .limit(1)
            )
        ),
        *(
            (day, str(mode), "check-in")
            for day, mode in session.execute(
                select(CheckIn.conversation_date, CheckIn.mode)
                .where(CheckIn.team_id == team_id)
                .order_by(CheckIn.conversation_date.desc())
                .limit(1)
            )
        ),
    ]
    newest = max(candidates, default=None)
    if newest is None:
        return None
    day, mode, kind = newest
    return LastContact(day, MODE_NAMES.get(mode, mode), kind)


def _local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def overdue_steps(session: Session, program: Program, team: Team, today: date) -> list[str]:
    """What the team owes, named by the manual's steps (never a judgement of the teacher)."""
    return [
        f"Communication Log for {status.due:%B}"
        if status.deadline.is_(StepKind.COMMUNICATION_LOG)
        else step_name(program, status.deadline)
        for status in team_deliverables(session, program, team, today)
        if status.tracked and status.state == "overdue"
    ]
