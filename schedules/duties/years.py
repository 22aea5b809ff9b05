"""The year-two welcome: each member and the advisor of a team carried on from year one hear,
once, what is new in the year that opens (`mentorbot year open`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.program import Program
from bot.status.progress import step_names
from bot.years.rules import new_steps
from bot.years.views import year_two_welcome
from schedules.duties.teams import first_deadlines
from schedules.notice import Notice
from storage.models import Team, TeamStatus

KIND = "welcome_year2"
USEFUL_FOR = timedelta(days=30)


def year_two_welcomes(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    opens = datetime.combine(program.start, time(), program.tz)
    query = select(Team).where(
        Team.status == TeamStatus.ACTIVE,
        Team.program_id == program.id,
        Team.carried_from_id.is_not(None),
    )
    if opens < now - USEFUL_FOR:  # past the year's start: only teams carried lately
        query = query.where(Team.created_at > now - USEFUL_FOR)
    teams = session.scalars(
        query.options(joinedload(Team.mentor), joinedload(Team.protege), joinedload(Team.advisor))
    )
    today = now.astimezone(program.tz).date()
    for team in teams:
        due = max(team.created_at, opens)
        first, forms = first_deadlines(program, team.track, max(team.start_date, today))
        compose = partial(
            year_two_welcome,
            mentor=team.mentor.slack_id,
            protege=team.protege.slack_id,
            program_name=program.name,
            school_year=program.school_year,
            track_name=program.track(team.track).name,
            new_steps=new_steps(program, team.track),
            first_deadlines=first,
            names=step_names(program, first),
            forms_at_meetings=forms,
            today=today,
        )
        people = [("mentor", team.mentor), ("protege", team.protege)]
        if team.advisor is not None:
            people.append(("advisor", team.advisor))
        for role, person in people:
            yield Notice(
                key=f"welcome-year2:{program.school_year}:team{team.id}:{person.slack_id}",
                kind=KIND,
                recipient=person.slack_id,
                due_at=due,
                expires_at=due + USEFUL_FOR,
                compose=partial(compose, role),
                tz=person.tz,
            )
