"""What waits on the advisor's word stays in their morning message until they give it.

A member's "My partner isn't responding" stays in the advisor's morning message, each
school day, until the advisor (or staff) answers the team: reaches out, snoozes or nudges.

The report itself reached them at once (handlers/silence.py); this is its place in the
digest's *needs you* part the school days after, one key a day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from functools import partial

from sqlalchemy.orm import Session

from bot.advisor.rules import answered, report_item, report_text
from bot.advisor.views import Part, TeamItem, advisor_digest
from bot.pace.rules import step_named
from bot.program import Program
from bot.slack.dates import local_instant, zone
from bot.slack.text import TypedText
from schedules.notice import Message, Notice
from storage.models import Role
from storage.pace import unconfirmed
from storage.people import granted_holders, roster
from storage.silence import SilenceActionKind, actions_for

KIND = "partner_report"


def open_reports(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    teams = roster(session, program.id)
    actions = actions_for(session, [t.id for t in teams])
    staff: list[str] | None = None
    for team in teams:
        mine = actions.get(team.id, [])
        reports = [a for a in mine if a.kind == SilenceActionKind.PARTNER_REPORT]
        if not reports or answered(reports[-1], mine):
            continue
        report = reports[-1]
        if team.advisor is not None:
            recipients = [(team.advisor.slack_id, team.advisor.tz)]
        else:
            staff = staff if staff is not None else sorted(granted_holders(session, Role.STAFF))
            recipients = [(slack_id, None) for slack_id in staff]
        for slack_id, tz_name in recipients:
            tz = zone(tz_name, program.tz)
            today = now.astimezone(tz).date()
            reported = report.at.astimezone(tz).date()
            if today <= reported:
                continue  # it reached them at once today
            note = TypedText(report.note) if report.note else None
            item = partial(
                report_item,
                team.id,
                team.mentor.slack_id,
                team.protege.slack_id,
                report.by,
                reported,
                note,
            )
            due_at = local_instant(today, program.settings.quiet_hours.end, tz)
            yield Notice(
                key=f"partner:team{team.id}:{report.id}:{today.isoformat()}:{slack_id}",
                kind=KIND,
                recipient=slack_id,
                due_at=due_at,
                expires_at=local_instant(today + timedelta(days=1), time(0), tz),
                compose=partial(_message, item, report.by),
                tz=tz_name,
                item=item,
            )


def _message(item: Callable[[], TeamItem], reporter: str) -> Message:
    return report_text(reporter), advisor_digest([item()])[1]


OUTSIDE_KIND = "done_outside"


def done_outside(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    """A step a member said was done outside Slack: in the advisor's *needs you* part each
    school day after, with a Confirm button, until the advisor (or staff) confirms it."""
    waiting = unconfirmed(session)
    if not waiting:
        return
    teams = {team.id: team for team in roster(session, program.id)}
    staff: list[str] | None = None
    for row in waiting:
        team = teams.get(row.team_id)
        if team is None:
            continue  # ended since
        name = step_named(program, team.track, row.step)
        if name is None:
            continue  # a step of another year's calendar
        if team.advisor is not None:
            recipients = [(team.advisor.slack_id, team.advisor.tz)]
        else:
            staff = staff if staff is not None else sorted(granted_holders(session, Role.STAFF))
            recipients = [(slack_id, None) for slack_id in staff]
        line = f"<@{row.slack_id}> says {name} was done outside Slack"
        item = TeamItem(
            team.id,
            team.mentor.slack_id,
            team.protege.slack_id,
            Part.NEEDS_YOU,
            line,
            confirm=row.id,
        )
        for slack_id, tz_name in recipients:
            tz = zone(tz_name, program.tz)
            today = now.astimezone(tz).date()
            if today <= row.at.astimezone(tz).date():
                continue  # from the next school day's message on
            yield Notice(
                key=f"outside:{row.id}:{today.isoformat()}:{slack_id}",
                kind=OUTSIDE_KIND,
                recipient=slack_id,
                due_at=local_instant(today, program.settings.quiet_hours.end, tz),
                expires_at=local_instant(today + timedelta(days=1), time(0), tz),
                compose=partial(_confirm_message, item),
                tz=tz_name,
                item=partial(_same, item),
            )


def _confirm_message(item: TeamItem) -> Message:
    return item.line, advisor_digest([item])[1]


def _same(item: TeamItem) -> TeamItem:
    return item
