"""Team writes: register, replace a member, end. Every change leaves a TeamChange row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from storage.models import Person, Team, TeamChange, TeamStatus
from storage.people import add_team


def active_team_of_protege(session: Session, person_id: int) -> Team | None:
    """The protégé's active team of an open year (a closed year's team does not stop staff
    pairing them again, say after their mentor left)."""
    return session.scalars(
        select(Team).where(
            Team.protege_id == person_id,
            Team.status == TeamStatus.ACTIVE,
            Team.closed_at.is_(None),
        )
    ).first()


def active_teams_of(session: Session, slack_id: str, program_id: str) -> list[Team]:
    """Active teams in which the person is mentor, protégé or content advisor."""
    person_id = select(Person.id).where(Person.slack_id == slack_id).scalar_subquery()
    return list(
        session.scalars(
            select(Team)
            .where(
                Team.status == TeamStatus.ACTIVE,
                Team.program_id == program_id,
                (Team.mentor_id == person_id)
                | (Team.protege_id == person_id)
                | (Team.advisor_id == person_id),
            )
            .options(joinedload(Team.mentor), joinedload(Team.protege), joinedload(Team.advisor))
            .order_by(Team.id)
        )
    )


def programs_of(session: Session, slack_id: str) -> list[str]:
    """The program ids of the person's active teams of open years (as mentor, protégé or
    content advisor), in id order."""
    person_id = select(Person.id).where(Person.slack_id == slack_id).scalar_subquery()
    return list(
        session.scalars(
            select(Team.program_id)
            .where(
                Team.status == TeamStatus.ACTIVE,
                Team.closed_at.is_(None),
                (Team.mentor_id == person_id)
                | (Team.protege_id == person_id)
                | (Team.advisor_id == person_id),
            )
            .distinct()
            .order_by(Team.program_id)
        )
    )


def register(
    session: Session,
    *,
    program_id: str,
    mentor: Person,
    protege: Person,
    advisor: Person | None,
    area: str,
    track: str,
    start_date: date,
    by: str | None,
    now: datetime,
) -> Team:
    team = add_team(
        session,
        program_id=program_id,
        mentor=mentor,
        protege=protege,
        advisor=advisor,
        area=area,
        track=track,
        start_date=start_date,
        created_by=by,
        now=now,
    )
    _record(session, team, "status", None, TeamStatus.ACTIVE.value, None, by, now)
    return team


def replace_member(
    session: Session, team: Team, role: str, new: Person, reason: str | None, by: str, now: datetime
) -> Person | None:
    """Put `new` in `role` ("mentor" or "advisor"); returns who held it before."""
    old: Person | None = getattr(team, role)
    setattr(team, role, new)
    setattr(team, f"{role}_id", new.id)
    _record(session, team, role, old.slack_id if old else None, new.slack_id, reason, by, now)
    return old


def end_team(
    session: Session, team: Team, status: TeamStatus, reason: str, by: str, now: datetime
) -> None:
    old = team.status
    team.status = status
    team.ended_by = by
    team.ended_at = now
    team.end_reason = reason
    _record(session, team, "status", str(old), status.value, reason, by, now)


# Built once (the team ids bound at each run): a team's deliverables read it.
_FORMER_MENTORS = (
    select(TeamChange.team_id, Person)
    .join(Person, Person.slack_id == TeamChange.old_value)
    .where(TeamChange.team_id.in_(bindparam("team_ids", expanding=True)))
    .where(TeamChange.role == "mentor")
    .order_by(TeamChange.id)
)


def former_mentors(session: Session, team_ids: Sequence[int]) -> dict[int, list[Person]]:
    """Team id -> the people who mentored it before a change, in order."""
    if not team_ids:
        return {}
    rows = session.execute(_FORMER_MENTORS, {"team_ids": list(team_ids)}).all()
    out: dict[int, list[Person]] = {}
    for team_id, person in rows:
        out.setdefault(team_id, []).append(person)
    return out


def history(session: Session, team_id: int) -> list[TeamChange]:
    return list(
        session.scalars(
            select(TeamChange).where(TeamChange.team_id == team_id).order_by(TeamChange.id)
        )
    )


def _record(
    session: Session,
    team: Team,
    role: str,
    old: str | None,
    new: str | None,
    reason: str | None,
    by: str | None,
    now: datetime,
) -> None:
    session.add(
        TeamChange(
            team_id=team.id,
            role=role,
            old_value=old,
            new_value=new,
            reason=reason,
            changed_by=by,
            changed_at=now,
        )
    )
    session.flush()


# A pause (leave of absence) is a TeamChange of role PAUSE: new_value PAUSED when it
# begins, RESUMED when it ends. The team stays active: its members keep their access, and
# everything it filed stays where it was.
PAUSE, PAUSED, RESUMED = "pause", "paused", "resumed"


def set_paused(
    session: Session, team: Team, paused: bool, reason: str | None, by: str, now: datetime
) -> bool:
    """Begin or end the team's pause; False when it already was (or was not) paused.

    One conditional update of the team's row decides it, so that of two staff pressing at
    once only one pauses (the other waits for the row, then finds it paused): the pause is
    recorded, and the deadlines moved, once. The caller's transaction should begin here,
    with no read before it, for SQLite to let the second wait rather than fail."""
    state = Team.paused_since.is_(None) if paused else Team.paused_since.is_not(None)
    result = session.execute(
        update(Team)
        .where(Team.id == team.id, state)
        .values(paused_since=now if paused else None)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        return False
    new, old = (PAUSED, RESUMED) if paused else (RESUMED, PAUSED)
    _record(session, team, PAUSE, old, new, reason, by, now)
    return True


def last_pause_change(session: Session, team_id: int) -> TeamChange | None:
    """The team's latest pause or resumption: who, and when."""
    return session.scalars(
        select(TeamChange)
        .where(TeamChange.team_id == team_id, TeamChange.role == PAUSE)
        .order_by(TeamChange.id.desc())
    ).first()


def program_pause_changes(session: Session, program_id: str) -> dict[int, list[TeamChange]]:
    """The pauses and resumptions of every active team of the program, oldest first."""
    found: dict[int, list[TeamChange]] = {}
    rows = session.scalars(
        select(TeamChange)
        .join(Team, Team.id == TeamChange.team_id)
        .where(
            TeamChange.role == PAUSE,
            Team.program_id == program_id,
            Team.status == TeamStatus.ACTIVE,
        )
        .order_by(TeamChange.id)
    )
    for row in rows:
        found.setdefault(row.team_id, []).append(row)
    return found


# Built once, as `_FORMER_MENTORS`.
_PAUSE_CHANGES = (
    select(TeamChange)
    .where(TeamChange.role == PAUSE)
    .where(TeamChange.team_id.in_(bindparam("team_ids", expanding=True)))
    .order_by(TeamChange.id)
)


def pause_changes(session: Session, team_ids: list[int]) -> dict[int, list[TeamChange]]:
    """Every team's pauses and resumptions, oldest first (most teams have none)."""
    found: dict[int, list[TeamChange]] = {}
    for start in range(0, len(team_ids), 500):
        rows = session.scalars(_PAUSE_CHANGES, {"team_ids": team_ids[start : start + 500]})
        for row in rows:
            found.setdefault(row.team_id, []).append(row)
    return found
