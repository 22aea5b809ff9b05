"""The spring survey: on the calendar's survey date each mentor and protégé gets the program
evaluation survey, then a reminder at each of the program's lead times before it is due (and
on the day), until they answer. Someone who answered gets nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy.orm import Session

from bot.program import Program
from bot.slack.dates import local_instant, zone
from bot.survey import rules as domain
from bot.survey.views import survey_message
from schedules.notice import Notice
from storage.people import active_teams

KIND = "survey"


def survey(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    today = now.astimezone(program.tz).date()
    windows = {track.id: w for track in program.tracks if (w := domain.window(program, track.id))}
    if not any(
        w.opens - timedelta(days=1) <= today <= w.due + timedelta(days=1) for w in windows.values()
    ):
        return
    teams = [
        t
        for t in active_teams(session, program.id)
        if (w := windows.get(t.track)) is not None and t.start_date <= w.due
    ]
    for team, slack_id, role in domain.owed_by(session, teams):
        window = windows[team.track]
        person = team.mentor if role == "mentor" else team.protege
        partner = team.protege if role == "mentor" else team.mentor
        tz = zone(person.tz, program.tz)
        for day, reminder in _moments(program, window):
            due_at = local_instant(day, program.settings.quiet_hours.end, tz)
            if now < due_at:
                continue
            label = "invite" if not reminder else f"remind-{day:%Y-%m-%d}"
            yield Notice(
                key=f"survey:team{team.id}:{program.school_year}:{slack_id}:{label}",
                kind=KIND,
                recipient=slack_id,
                due_at=due_at,
                # A reminder is useful on its day only; the invitation until the survey is due.
                expires_at=local_instant(
                    (window.due if not reminder else day) + timedelta(days=1), time(0), tz
                ),
                compose=partial(
                    survey_message,
                    team.id,
                    partner.slack_id,
                    window.due,
                    now.astimezone(tz).date(),
                    reminder,
                ),
                tz=person.tz,
            )


def _moments(program: Program, window: domain.Window) -> list[tuple[date, bool]]:
    """(day, is a reminder): the invitation on the opening day, then the reminders."""
    moments = [(window.opens, False)]
    for lead in sorted(set(program.settings.reminder_lead_days), reverse=True):
        day = window.due - timedelta(days=lead)
        if day > window.opens:
            moments.append((day, True))
    return moments
