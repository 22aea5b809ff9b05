"""Welcome DMs for new teams: sent at once when staff register a team in Slack, and by the
tick for teams created otherwise (the command-line import) or whose first send failed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.program import Deadline, Program, StepKind
from bot.status.deliverables import MEMBER_ROLES, forms_at, is_meeting, meetings_first
from bot.status.progress import step_name, step_names
from bot.teams.welcome import welcome_message
from schedules.notice import Notice
from storage.models import Team, TeamStatus

KIND = "welcome"
USEFUL_FOR = timedelta(days=14)
FIRST_DEADLINES = 3


def welcomes(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    recent = session.scalars(
        select(Team)
        .where(
            Team.status == TeamStatus.ACTIVE,
            Team.program_id == program.id,
            Team.created_at > now - USEFUL_FOR,
            Team.carried_from_id.is_(None),  # a carried team hears the year-two welcome
        )
        .options(joinedload(Team.mentor), joinedload(Team.protege), joinedload(Team.advisor))
    )
    for team in recent:
        yield from welcome_notices(program, team, now)


def welcome_notices(program: Program, team: Team, now: datetime) -> list[Notice]:
    """One notice per member and the advisor; keys make a second send impossible."""
    today = now.astimezone(program.tz).date()
    first, forms = first_deadlines(program, team.track, max(team.start_date, today))
    people = {"mentor": team.mentor, "protege": team.protege}
    if team.advisor is not None:
        people["advisor"] = team.advisor
    notices = []
    for role, person in people.items():
        compose = partial(
            welcome_message,
            role,
            mentor=team.mentor.slack_id,
            protege=team.protege.slack_id,
            advisor=team.advisor.slack_id if team.advisor else None,
            program_name=program.name,
            area_name=program.area(team.area).name,
            track_name=program.track(team.track).name,
            first_deadlines=first,
            names=step_names(program, first),
            today=today,
            forms_at_meetings=forms,
        )
        notices.append(
            Notice(
                key=f"welcome:team{team.id}:{person.slack_id}",
                kind=KIND,
                recipient=person.slack_id,
                due_at=team.created_at,
                expires_at=team.created_at + USEFUL_FOR,
                compose=compose,
                tz=person.tz,
            )
        )
    return notices


def first_deadlines(
    program: Program, track: str, start: date
) -> tuple[list[Deadline], dict[str, list[str]]]:
    """The first few dates of the track from `start`, a day's meeting before its forms; and
    the names of the forms completed at each meeting among them, which are named on the
    meeting's line rather than crowding the meeting's day out of the few lines shown."""
    upcoming = [
        d
        for d in program.deadlines(track)
        if d.due >= start and not d.is_(StepKind.COMMUNICATION_LOG) and d.role in MEMBER_ROLES
    ]
    at = {m.id: forms_at(program, m) for m in upcoming if is_meeting(m)}
    folded = {d.id for forms in at.values() for d in forms}
    first = meetings_first(d for d in upcoming if d.id not in folded)[:FIRST_DEADLINES]
    names = {d.id: [step_name(program, form) for form in at[d.id]] for d in first if d.id in at}
    return first, names
