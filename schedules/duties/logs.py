"""Communication Log reminders: the mentor before and on each month's due date, then the
content advisor once, the school day after, while the team has no log for that month.

The manual: "Communication Log Completed Monthly by the 3rd Friday of the Month". Reminders
go out `program.settings.reminder_lead_days` before the due date (3 and 0 for BMIT). A log that
closes the month (`settings.log_completed_by`: for BMIT, one the mentor filed or co-signed)
ends them; so does the team starting after the due date.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy.orm import Session

from bot.advisor.rules import alert_day, late_item, quiet_teams
from bot.logs.rules import month_of, teams_logged
from bot.logs.views import nudge_message, overdue_message
from bot.program import Program
from bot.slack.dates import local_instant, zone
from bot.teams.pauses import paused_on, pauses_of
from schedules.notice import Notice
from storage.models import Team
from storage.people import active_teams

NUDGE = "log_nudge"
OVERDUE = "log_overdue"
# An overdue notice is still worth having for two weeks; a reminder only until the next one.
OVERDUE_GRACE = timedelta(days=14)


def log_nudges(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    dues = [due for due in program.log_due_dates() if _in_window(program, due, now)]
    if not dues:
        return
    teams = active_teams(session, program.id)
    quiet = quiet_teams(session, [team.id for team in teams if team.advisor is not None])
    paused = pauses_of(session, program, [team.id for team in teams])
    today = now.astimezone(program.tz).date()
    for due in dues:
        month = month_of(due)
        # A team paused on the due date owes no log then: its deadline moved with the pause.
        expected = [
            team
            for team in teams
            if team.start_date <= due and not paused_on(paused.get(team.id, ()), due, today)
        ]
        logged = teams_logged(session, program, [team.id for team in expected], month)
        for team in expected:
            if team.id in logged:
                continue
            yield from _reminders(program, team, due, month, now)
            notice = _overdue(program, team, due, month, now, quiet.get(team.id))
            if notice is not None:
                yield notice


def reminder_days(program: Program, due: date) -> list[tuple[int, date]]:
    """(lead, day) for each configured reminder of the due date, earliest first; a day that
    is no school day moves to the school day before it."""
    leads = sorted(set(program.settings.reminder_lead_days), reverse=True)
    return [(lead, program.reminder_day(due - timedelta(days=lead))) for lead in leads]


def overdue_day(program: Program, due: date) -> date:
    """The school day after the due date."""
    day = due + timedelta(days=1)
    while not program.is_school_day(day) and day <= program.end:
        day += timedelta(days=1)
    return day


def _reminders(
    program: Program, team: Team, due: date, month: str, now: datetime
) -> Iterator[Notice]:
    mentor = team.mentor
    tz = zone(mentor.tz, program.tz)
    days = reminder_days(program, due)
    for index, (lead, day) in enumerate(days):
        if day < team.start_date:
            continue  # the team began after this reminder's day: its topic prompt is enough
        due_at = local_instant(day, program.settings.quiet_hours.end, tz)
        if now < due_at:
            continue
        # Each reminder gives way to the next one on a later day (two moved onto one day go
        # out together); the last is useful until the due date ends.
        later = [d for _, d in days[index + 1 :] if d > day]
        until = later[0] if later else due + timedelta(days=1)
        expires_at = local_instant(until, time(0), tz)
        # Worded for the day it is read; one that lost its moment keeps its own day's words.
        today = now.astimezone(tz).date() if now < expires_at else day
        compose = partial(
            nudge_message,
            month=month,
            topic=program.topic_for(due.year, due.month),
            due=due,
            today=today,
            team_id=team.id,
            protege_id=team.protege.slack_id,
        )
        yield Notice(
            key=f"lognudge:team{team.id}:{month}:d{lead}",
            kind=NUDGE,
            recipient=mentor.slack_id,
            due_at=due_at,
            expires_at=expires_at,
            compose=compose,
            tz=mentor.tz,
        )


def _overdue(
    program: Program, team: Team, due: date, month: str, now: datetime, quiet: date | None
) -> Notice | None:
    advisor = team.advisor
    if advisor is None:
        return None  # issue 7 routes teams without an advisor to program staff
    tz = zone(advisor.tz, program.tz)
    # Held while the advisor's answer to the team (reached out, snoozed) quiets its alerts.
    day = alert_day(program, overdue_day(program, due), quiet)
    due_at = local_instant(day, program.settings.quiet_hours.end, tz)
    if now < due_at:
        return None
    compose = partial(
        overdue_message,
        month=month,
        due=due,
        today=now.astimezone(tz).date(),
        team_id=team.id,
        mentor_id=team.mentor.slack_id,
        protege_id=team.protege.slack_id,
    )
    return Notice(
        key=f"logoverdue:team{team.id}:{month}",
        kind=OVERDUE,
        recipient=advisor.slack_id,
        due_at=due_at,
        expires_at=due_at + OVERDUE_GRACE,
        compose=compose,
        tz=advisor.tz,
        item=partial(
            late_item,
            team.id,
            team.mentor.slack_id,
            team.protege.slack_id,
            f"Communication Log for {due:%B}",
            due,
        ),
    )


def _in_window(program: Program, due: date, now: datetime) -> bool:
    # A cheap pre-filter in the program's zone, a day wider on each side for other zones. It
    # reaches past the overdue notice's grace so what could not go out is recorded as skipped.
    today = now.astimezone(program.tz).date()
    first = reminder_days(program, due)[0][1] if program.settings.reminder_lead_days else due
    last = overdue_day(program, due) + OVERDUE_GRACE
    return first - timedelta(days=1) <= today <= last + timedelta(days=1)
