"""Registering teams: the rules a new team must meet, shared by the modal and the import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.platform.slack_users import SlackUser
from bot.program import Program
from storage.models import Person, Team, TeamStatus
from storage.people import find_person, get_or_create_person
from storage.teams import active_team_of_protege, register


@dataclass(frozen=True)
class TeamRequest:
    mentor: str
    protege: str
    advisor: str | None
    area: str
    track: str
    start: date
    program: str = ""  # the program chosen among several ("": the deployment's only one)


def problems(
    session: Session,
    program: Program,
    request: TeamRequest,
    users: dict[str, SlackUser | None],
) -> dict[str, str]:
    """Field name -> what is wrong, for every rule the request breaks (empty when it is fine)."""
    found: dict[str, str] = {}
    for field, user_id in (
        ("mentor", request.mentor),
        ("protege", request.protege),
        ("advisor", request.advisor),
    ):
        if user_id is None:
            continue
        user = users.get(user_id)
        if user is None:
            found[field] = "Slack does not know this person."
        elif user.is_bot:
            found[field] = "That is a bot; choose a person."
        elif user.deleted:
            found[field] = "This account is deactivated."
    if request.mentor == request.protege:
        found["protege"] = "The protégé must be someone other than the mentor."
    if request.advisor is not None and request.advisor in (request.mentor, request.protege):
        found["advisor"] = "The content advisor must be someone other than the mentor and protégé."
    if "protege" not in found:
        current = _active_team_of(session, request.protege)
        if current is not None:
            found["protege"] = (
                f"This protégé already has an active team (with <@{current.mentor.slack_id}>)."
            )
    if request.area not in {area.id for area in program.areas}:
        found["area"] = "Choose one of the program areas."
    if request.track not in {track.id for track in program.tracks}:
        found["track"] = "Choose year one or year two."
    if not program.start <= request.start <= program.end:
        found["start"] = (
            f"The start date must fall in the {program.school_year} program year "
            f"({program.start:%b %-d, %Y} to {program.end:%b %-d, %Y})."
        )
    return found


def create_team(
    session: Session,
    program: Program,
    request: TeamRequest,
    users: dict[str, SlackUser | None],
    by: str | None,
    now: datetime,
) -> Team:
    """Store a team that passed `problems`; people are created or refreshed from Slack."""

    def person(user_id: str) -> Person:
        user = users.get(user_id)
        return get_or_create_person(
            session, user_id, now, user.name if user else None, user.tz if user else None
        )

    return register(
        session,
        program_id=program.id,
        mentor=person(request.mentor),
        protege=person(request.protege),
        advisor=person(request.advisor) if request.advisor else None,
        area=request.area,
        track=request.track,
        start_date=request.start,
        by=by,
        now=now,
    )


def same_team_exists(session: Session, program: Program, request: TeamRequest) -> bool:
    """True when this exact team is already registered and active (a re-run of an import)."""
    team = _active_team_of(session, request.protege)
    return (
        team is not None
        and team.program_id == program.id
        and team.mentor.slack_id == request.mentor
        and (team.advisor.slack_id if team.advisor else None) == request.advisor
        and team.area == request.area
        and team.track == request.track
        and team.start_date == request.start
    )


def _active_team_of(session: Session, slack_id: str) -> Team | None:
    person = find_person(session, slack_id)
    if person is None:
        return None
    team = active_team_of_protege(session, person.id)
    return team if team is not None and team.status == TeamStatus.ACTIVE else None
