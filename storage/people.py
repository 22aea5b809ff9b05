"""People, role grants and teams: the reads and writes the rest of the bot shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    ScalarSelect,
    String,
    bindparam,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased, joinedload

from storage.models import Person, Role, RoleGrant, Team, TeamStatus


def get_or_create_person(
    session: Session, slack_id: str, now: datetime, name: str | None = None, tz: str | None = None
) -> Person:
    person = session.scalars(select(Person).where(Person.slack_id == slack_id)).one_or_none()
    if person is None:
        person = Person(slack_id=slack_id, name=name, tz=tz, created_at=now, updated_at=now)
        session.add(person)
        session.flush()
    elif (name and name != person.name) or (tz and tz != person.tz):
        person.name = name or person.name
        person.tz = tz or person.tz
        person.updated_at = now
    return person


# Built once: every request asks who its sender is, and building these statements cost
# more than running them.
_GRANTED_ROLES = (
    select(RoleGrant.role)
    .join(Person, RoleGrant.person_id == Person.id)
    .where(Person.slack_id == bindparam("slack_id"), RoleGrant.revoked_at.is_(None))
)
_PERSON_ID = select(Person.id).where(Person.slack_id == bindparam("slack_id")).scalar_subquery()
_ACTIVE = Team.status == TeamStatus.ACTIVE
# One round trip: the granted roles, then a row per team role held.
_ROLES = union_all(
    _GRANTED_ROLES.with_only_columns(cast(RoleGrant.role, String)),
    select(literal("mentor")).where(_ACTIVE, Team.mentor_id == _PERSON_ID),
    select(literal("protege")).where(_ACTIVE, Team.protege_id == _PERSON_ID),
    select(literal("advisor")).where(_ACTIVE, Team.advisor_id == _PERSON_ID),
)


def granted_roles(session: Session, slack_id: str) -> set[Role]:
    return set(session.scalars(_GRANTED_ROLES, {"slack_id": slack_id}))


def roles_of(session: Session | Connection, slack_id: str) -> set[str]:
    """Granted roles ('staff', 'advisor') and team roles ('mentor', 'protege', 'advisor'
    of an active team) the person holds now (read through a Session or, cheaper, a bare
    connection: `storage.db.reading`)."""
    return set(session.scalars(_ROLES, {"slack_id": slack_id}))


def add_team(
    session: Session,
    *,
    program_id: str,
    mentor: Person,
    protege: Person,
    advisor: Person | None,
    area: str,
    track: str,
    start_date: date,
    created_by: str | None,
    now: datetime,
) -> Team:
    team = Team(
        program_id=program_id,
        mentor_id=mentor.id,
        protege_id=protege.id,
        advisor_id=advisor.id if advisor else None,
        area=area,
        track=track,
        start_date=start_date,
        status=TeamStatus.ACTIVE,
        created_by=created_by,
        created_at=now,
    )
    session.add(team)
    session.flush()
    return team


def active_teams(session: Session, program_id: str) -> list[Team]:
    """Active teams with their members loaded, in a stable order."""
    return list(
        session.scalars(
            select(Team)
            .where(Team.status == TeamStatus.ACTIVE, Team.program_id == program_id)
            .options(joinedload(Team.mentor), joinedload(Team.protege), joinedload(Team.advisor))
            .order_by(Team.id)
        )
    )


class TeamTrack(NamedTuple):
    id: int
    track: str


def served_team_tracks(session: Session, program_id: str) -> list[TeamTrack]:
    """`served_teams`' ids and tracks, in the same order: no member is loaded."""
    found = select(Team.id, Team.track).where(Team.program_id == program_id).order_by(Team.id)
    return [TeamTrack(*row) for row in session.execute(found)]


def served_teams(session: Session, program_id: str) -> list[Team]:
    """Every team of the program year, those that ended during it too (a year's report counts
    every mentee served), with their members loaded."""
    return list(
        session.scalars(
            select(Team)
            .where(Team.program_id == program_id)
            .options(joinedload(Team.mentor), joinedload(Team.protege), joinedload(Team.advisor))
            .order_by(Team.id)
        )
    )


@dataclass(frozen=True)
class Member:
    slack_id: str
    tz: str | None


@dataclass(frozen=True)
class RosterTeam:
    """An active team as the scheduler reads it: plain values, no ORM state."""

    id: int
    area: str
    track: str
    start_date: date
    mentor: Member
    protege: Member
    advisor: Member | None


_MENTOR, _PROTEGE, _ADVISOR = aliased(Person), aliased(Person), aliased(Person)
_ROSTER = (
    select(
        Team.id,
        Team.area,
        Team.track,
        Team.start_date,
        _MENTOR.slack_id,
        _MENTOR.tz,
        _PROTEGE.slack_id,
        _PROTEGE.tz,
        _ADVISOR.slack_id,
        _ADVISOR.tz,
    )
    .join(_MENTOR, Team.mentor_id == _MENTOR.id)
    .join(_PROTEGE, Team.protege_id == _PROTEGE.id)
    .outerjoin(_ADVISOR, Team.advisor_id == _ADVISOR.id)
    .where(Team.status == TeamStatus.ACTIVE, Team.program_id == bindparam("program_id"))
    .order_by(Team.id)
)


class TeamTies(NamedTuple):
    """A team as an answer over someone's teams first reads it: its id and track, and its
    people by Slack id (what `bot.access` decides on); no member is loaded."""

    id: int
    track: str
    mentor: str
    protege: str
    advisor: str | None


def _slack_id(person_id: InstrumentedAttribute[Any]) -> ScalarSelect[str]:
    """The Slack id of the person a team's column names."""
    return select(Person.slack_id).where(Person.id == person_id).scalar_subquery()


# A person's few teams, each one's people looked up by key: joined, PostgreSQL would scan
# every person to hash them.
_TEAM_TIES = select(
    Team.id,
    Team.track,
    _slack_id(Team.mentor_id),
    _slack_id(Team.protege_id),
    _slack_id(Team.advisor_id),
).order_by(Team.id)


def team_ties(
    session: Session, slack_id: str, program_id: str, *, active: bool = False
) -> list[TeamTies]:
    """The teams of the program year the person is on or advises, by id: every one served
    (those that ended during it too: a year's report counts every mentee served), or only
    the active ones. Which of them an answer covers is for `bot.access.covered` to say."""
    person = select(Person.id).where(Person.slack_id == slack_id).scalar_subquery()
    found = _TEAM_TIES.where(
        Team.program_id == program_id,
        (Team.mentor_id == person) | (Team.protege_id == person) | (Team.advisor_id == person),
    )
    if active:
        found = found.where(_ACTIVE)
    return [TeamTies(*row) for row in session.execute(found)]


def count_active_teams(session: Session, program_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Team)
            .where(Team.status == TeamStatus.ACTIVE, Team.program_id == program_id)
        )
        or 0
    )


def roster(session: Session, program_id: str) -> list[RosterTeam]:
    """The active teams as plain rows, for a tick that reads every team every few minutes
    (about ten times cheaper than loading them as ORM objects)."""
    return [
        RosterTeam(
            id=row[0],
            area=row[1],
            track=row[2],
            start_date=row[3],
            mentor=Member(row[4], row[5]),
            protege=Member(row[6], row[7]),
            advisor=Member(row[8], row[9]) if row[8] is not None else None,
        )
        for row in session.execute(_ROSTER, {"program_id": program_id})
    ]


# Built once, as _ROLES: most requests ask for the sender's own teams.
_MEMBER_TEAMS = (
    select(Team)
    .where(
        _ACTIVE,
        Team.program_id == bindparam("program_id"),
        (Team.mentor_id == _PERSON_ID) | (Team.protege_id == _PERSON_ID),
    )
    .options(joinedload(Team.mentor), joinedload(Team.protege), joinedload(Team.advisor))
    .order_by(Team.id)
)


def teams_of_member(session: Session, slack_id: str, program_id: str) -> list[Team]:
    """The active teams in which the person is mentor or protégé (a mentor may have several)."""
    return list(session.scalars(_MEMBER_TEAMS, {"slack_id": slack_id, "program_id": program_id}))


# Built once too: nearly every button and form reads its team (the loader options cost
# most to build).
_TEAM = (
    select(Team)
    .where(Team.id == bindparam("team_id"))
    .options(joinedload(Team.mentor), joinedload(Team.protege), joinedload(Team.advisor))
)


def get_team(session: Session, team_id: int) -> Team | None:
    return session.scalars(_TEAM, {"team_id": team_id}).one_or_none()


def find_person(session: Session, slack_id: str) -> Person | None:
    return session.scalars(select(Person).where(Person.slack_id == slack_id)).one_or_none()


def granted_holders(session: Session, role: Role) -> set[str]:
    """Slack ids holding an unrevoked grant of `role`."""
    return set(
        session.scalars(
            select(Person.slack_id)
            .join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(RoleGrant.role == role, RoleGrant.revoked_at.is_(None))
        )
    )


def grant(session: Session, person: Person, role: Role, by: str, now: datetime) -> bool:
    """Grant `role`; False when the person already holds it."""
    if role in granted_roles(session, person.slack_id):
        return False
    session.add(RoleGrant(person_id=person.id, role=role, granted_by=by, granted_at=now))
    session.flush()
    return True


def revoke(session: Session, person: Person, role: Role, by: str, now: datetime) -> bool:
    """Revoke `role` (the grant row stays, marked); False when the person did not hold it."""
    grants = session.scalars(
        select(RoleGrant).where(
            RoleGrant.person_id == person.id, RoleGrant.role == role, RoleGrant.revoked_at.is_(None)
        )
    ).all()
    for row in grants:
        row.revoked_by = by
        row.revoked_at = now
    return bool(grants)


CONFIG = "config"  # granted_by of the staff grants that mirror MENTORBOT_STAFF


def sync_bootstrap_staff(session: Session, staff_ids: tuple[str, ...], now: datetime) -> None:
    """Mirror MENTORBOT_STAFF as grants, so every reader of the database knows the staff."""
    for slack_id in staff_ids:
        grant(session, get_or_create_person(session, slack_id, now), Role.STAFF, CONFIG, now)
    stale = session.scalars(
        select(RoleGrant)
        .join(Person, RoleGrant.person_id == Person.id)
        .where(
            RoleGrant.role == Role.STAFF,
            RoleGrant.granted_by == CONFIG,
            RoleGrant.revoked_at.is_(None),
            Person.slack_id.not_in(staff_ids),
        )
    )
    for row in stale:
        row.revoked_by = CONFIG
        row.revoked_at = now
