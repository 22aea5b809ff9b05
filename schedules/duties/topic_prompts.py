"""First duty: the month's Communication Topic, on the first school day of each topic month."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy.orm import Session

from bot.dates import local_instant, zone
from bot.program import Program, Topic
from bot.views.topics import topic_prompt
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
        moments = _Moments(program, now, log_due)
        for team in teams:
            if team.start_date > log_due:
                continue
            pairs = ((team.mentor, "mentor", team.protege), (team.protege, "protege", team.mentor))
            for person, role, partner in pairs:
                due_at, expires_at, today = moments.of(person.tz, max(first_day, team.start_date))
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


class _Moments:
    """A prompt's due and expiry instants and its reader's today, per timezone and first
    day: thousands of members share a handful of each, and every tick asks again."""

    def __init__(self, program: Program, now: datetime, log_due: date) -> None:
        self._program, self._now, self._log_due = program, now, log_due
        self._seen: dict[tuple[str | None, date], tuple[datetime, datetime, date]] = {}

    def of(self, tz_name: str | None, first: date) -> tuple[datetime, datetime, date]:
        found = self._seen.get((tz_name, first))
        if found is None:
            tz = zone(tz_name, self._program.tz)
            found = (
                local_instant(first, self._program.settings.quiet_hours.end, tz),
                local_instant(self._log_due + timedelta(days=1), time(0), tz),
                self._now.astimezone(tz).date(),
            )
            self._seen[(tz_name, first)] = found
        return found


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
