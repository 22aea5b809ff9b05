"""First duty: the month's Communication Topic, on the first school day of each topic month."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from functools import cache, partial

from sqlalchemy.orm import Session

from bot.home.topics import topic_prompt
from bot.program import Program, Topic
from bot.slack.dates import local_instant, zone
from schedules.notice import Notice
from storage.people import roster

KIND = "topic_prompt"
SKIP_GRACE = timedelta(days=7)


def topic_prompts(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    topics = [topic for topic in program.topics if _in_window(program, topic, now)]
    if not topics:
        return
    teams = roster(session, program.id)
    for topic in topics:
        first_day = program.first_school_day(topic.year, topic.month)
        log_due = month_log_due(program, topic)
        moment_of = _moments(program, now, log_due)
        for team in teams:
            if team.start_date > log_due:
                continue
            pairs = ((team.mentor, "mentor", team.protege), (team.protege, "protege", team.mentor))
            for person, role, partner in pairs:
                due_at, expires_at, today = moment_of(person.tz, max(first_day, team.start_date))
                if now < due_at:
                    continue
                yield Notice(
                    key=f"prompt:team{team.id}:{person.slack_id}:{topic.year}-{topic.month:02d}",
                    kind=KIND,
                    recipient=person.slack_id,
                    due_at=due_at,
                    # Still worth sending until the month's log is due; after that, skipped.
                    expires_at=expires_at,
                    compose=partial(
                        topic_prompt, topic, role, partner.slack_id, log_due, today, team.id
                    ),
                    tz=person.tz,
                )


def _moments(
    program: Program, now: datetime, log_due: date
) -> Callable[[str | None, date], tuple[datetime, datetime, date]]:
    """A prompt's due and expiry instants and its reader's today, by timezone and first day:
    thousands of members share a handful of each, and every tick asks again."""

    @cache
    def of(tz_name: str | None, first: date) -> tuple[datetime, datetime, date]:
        tz = zone(tz_name, program.tz)
        return (
            local_instant(first, program.settings.quiet_hours.end, tz),
            local_instant(log_due + timedelta(days=1), time(0), tz),
            now.astimezone(tz).date(),
        )

    return of


def month_log_due(program: Program, topic: Topic) -> date:
    """The Communication Log due date of the topic's month (its last day if the rule has none)."""
    for due in program.log_due_dates():
        if (due.year, due.month) == (topic.year, topic.month):
            return due
    next_month = date(topic.year + topic.month // 12, topic.month % 12 + 1, 1)
    return next_month - timedelta(days=1)


def _in_window(program: Program, topic: Topic, now: datetime) -> bool:
    # Cheap pre-filter in the program's zone. It reaches SKIP_GRACE past the due date so a
    # prompt that could not go out in time (the bot was down) is recorded as skipped.
    today = now.astimezone(program.tz).date()
    start = date(topic.year, topic.month, 1) - timedelta(days=1)
    return start <= today <= month_log_due(program, topic) + SKIP_GRACE
