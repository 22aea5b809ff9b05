"""Semester progress: on each semester progress date of the calendar, every content advisor
gets a completion-only note per team to forward to building administrators (bot.status.semester)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.program import Program
from bot.slack.dates import local_instant, zone
from bot.status.semester import progress_dates, summaries_by_advisor
from bot.status.views import semester_messages
from schedules.notice import Notice, composed
from storage.logs import person_tz
from storage.people import active_teams

KIND = "semester_progress"
USEFUL_FOR = timedelta(days=14)  # a note the bot could not send by then is skipped


def semester_progress(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    today = now.astimezone(program.tz).date()
    dates = [p for p in progress_dates(program) if p.day <= today <= p.day + USEFUL_FOR]
    if not dates:
        return
    teams = active_teams(session, program.id)
    for moment in dates:
        by_advisor = summaries_by_advisor(
            session, program, [t for t in teams if t.start_date <= moment.day], moment.day
        )
        for advisor, items in sorted(by_advisor.items()):
            name = person_tz(session, advisor)
            tz = zone(name, program.tz)
            due_at = local_instant(moment.day, program.settings.quiet_hours.end, tz)
            if now < due_at:
                continue
            for n, (text, blocks) in enumerate(
                semester_messages(program.name, moment.label, items)
            ):
                yield Notice(
                    key=f"semester:{moment.step_key}:{advisor}:{n + 1}",
                    kind=KIND,
                    recipient=advisor,
                    due_at=due_at,
                    expires_at=local_instant(moment.day + USEFUL_FOR, time(0), tz),
                    compose=composed(text, blocks),
                    tz=name,
                )
