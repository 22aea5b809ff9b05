"""Meeting reminders: one reminder before each of the program's meetings (the initial meeting,
where a team fills in its first forms together) to each member of a team on its track, at the
first reminder lead, moved to the school day before as every reminder is.

It names the forms due on the meeting's day that are still to do, and their own deadline
reminders travel inside it (`schedules.duties.status` gives them this reminder's moment and
merges them into it): a member hears about the meeting's day once, meeting first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy.orm import Session

from bot.accounts import direct
from bot.program import Deadline, Program
from bot.slack.dates import local_instant, zone
from bot.status.deliverables import attendees, deliverables_for, forms_at, member_meetings
from bot.status.progress import meeting_reminder_message
from schedules.notice import Notice
from storage.people import active_teams

KIND = "meeting_reminder"
# Computed this long after the meeting (see _near): about as long as the forms' reminders
# merged into it are (`schedules.duties.status.last_useful_day`).
SETTLED_WITHIN = timedelta(days=14)


def meeting_reminders(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    today = now.astimezone(program.tz).date()
    near = {
        track.id: [m for m in member_meetings(program, track.id) if _near(program, m, today)]
        for track in program.tracks
    }
    if not any(near.values()):
        return
    teams = [team for team in active_teams(session, program.id) if near.get(team.track)]
    forms = {m.id: forms_at(program, m) for meetings in near.values() for m in meetings}
    wanted = {d.id for found in forms.values() for d in found}
    statuses = deliverables_for(session, program, teams, today, only=wanted)
    for team in teams:
        by_id = {status.id: status for status in statuses[team.id]}
        for meeting in near[team.track]:
            if meeting.due < team.start_date:
                continue  # the team began after it
            at_meeting = [by_id[d.id] for d in forms[meeting.id]]
            for role in attendees(meeting):
                person, partner = (
                    (team.mentor, team.protege) if role == "mentor" else (team.protege, team.mentor)
                )
                due_at, expires_at = meeting_moment(program, meeting, person.tz)
                if now < due_at:
                    continue
                yield Notice(
                    key=meeting_key(program, team.id, meeting, person.slack_id),
                    kind=KIND,
                    recipient=person.slack_id,
                    due_at=due_at,
                    expires_at=expires_at,
                    compose=partial(
                        meeting_reminder_message,
                        program,
                        meeting,
                        at_meeting,
                        partner.slack_id,
                        team.id,
                        now.astimezone(zone(person.tz, program.tz)).date(),
                    ),
                    tz=person.tz,
                )


def meeting_key(program: Program, team_id: int, meeting: Deadline, slack_id: str) -> str:
    return direct.meeting_key(team_id, program.step_key(meeting), slack_id)


def meeting_moment(
    program: Program, meeting: Deadline, tz_name: str | None
) -> tuple[datetime, datetime]:
    """When a member's reminder of a meeting may go out, and until when it is of use: from the
    first reminder lead's morning to the end of the meeting's day, like a deadline's own
    reminder (on the morning itself it still says where, and what is filled in there)."""
    tz = zone(tz_name, program.tz)
    day = program.reminder_day(meeting.due - timedelta(days=first_lead(program)))
    due_at = local_instant(day, program.settings.quiet_hours.end, tz)
    return due_at, local_instant(meeting.due + timedelta(days=1), time(0), tz)


def first_lead(program: Program) -> int:
    """The program's longest reminder lead: the first reminder before a deadline."""
    return max(program.settings.reminder_lead_days, default=0)


def _near(program: Program, meeting: Deadline, today: date) -> bool:
    """Worth computing today: from the day before its reminder's (a recipient east of the
    program is a day ahead) to two weeks after the meeting, so that a reminder the bot could
    not send in time is recorded as skipped rather than never settled."""
    first = program.reminder_day(meeting.due - timedelta(days=first_lead(program)))
    return first - timedelta(days=1) <= today <= meeting.due + SETTLED_WITHIN
