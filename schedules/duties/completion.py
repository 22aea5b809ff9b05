"""Completion summaries: once a team has done every deliverable of its track, each member
gets theirs, once, from the track's completers date on (bot.completion)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from functools import partial

from sqlalchemy.orm import Session

from bot.completion.rules import KIND, summaries_from, summary_key, summary_of
from bot.completion.views import summary_message
from bot.program import Program
from bot.slack.dates import local_instant, zone
from bot.status.rules import program_standings
from schedules.notice import Notice
from storage import ledger
from storage.people import active_teams

USEFUL = timedelta(days=60)  # a summary not sent by then is recorded as skipped


def completion_summaries(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    today = now.astimezone(program.tz).date()
    tracks = {t.id for t in program.tracks if summaries_from(program, t.id) <= today}
    if not tracks:
        return
    teams = [t for t in active_teams(session, program.id) if t.track in tracks]
    keys = {
        team.id: [summary_key(program, team.id, p.slack_id) for p in (team.mentor, team.protege)]
        for team in teams
    }
    settled = ledger.final_keys(session, (key for pair in keys.values() for key in pair))
    # Teams whose summaries went out are not judged again: most of them, by May.
    waiting = [team for team in teams if not set(keys[team.id]) <= settled]
    if not waiting:
        return
    for team, standing in zip(
        waiting, program_standings(session, program, waiting, today), strict=True
    ):
        if not standing.complete:
            continue
        summary = summary_of(program, team, standing.statuses)
        day = max(summary.completed, summaries_from(program, team.track))
        for person in (team.mentor, team.protege):
            tz = zone(person.tz, program.tz)
            due_at = local_instant(day, time(0), tz)
            yield Notice(
                key=summary_key(program, team.id, person.slack_id),
                kind=KIND,
                recipient=person.slack_id,
                due_at=due_at,
                expires_at=due_at + USEFUL,
                compose=partial(summary_message, summary),
                tz=person.tz,
            )
