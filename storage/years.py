"""Program years: which program files the deployment has run, opened and closed, and the
teams carried from one year into the next."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from storage.models import Person, ProgramYear, Team


def program_year(session: Session, program_id: str) -> ProgramYear | None:
    return session.scalars(
        select(ProgramYear).where(ProgramYear.program_id == program_id)
    ).one_or_none()


def find_year(session: Session, name: str) -> ProgramYear | None:
    """The program year named by its program id or its school year ("2024-25")."""
    return session.scalars(
        select(ProgramYear)
        .where((ProgramYear.program_id == name) | (ProgramYear.school_year == name))
        .order_by(ProgramYear.opened_at.desc())
    ).first()


def years(session: Session) -> list[ProgramYear]:
    """Every program year recorded, the latest school year first."""
    return list(session.scalars(select(ProgramYear).order_by(ProgramYear.school_year.desc())))


def keep_year(session: Session, program_id: str, school_year: str, source: str) -> ProgramYear:
    """The program's row, added with its file's text when it has none yet."""
    row = program_year(session, program_id)
    if row is None:
        row = ProgramYear(program_id=program_id, school_year=school_year, source=source)
        session.add(row)
        session.flush()
    return row


def program_teams(session: Session, program_id: str) -> list[Team]:
    """Every team of the program, ended ones too, with their members loaded."""
    return list(
        session.scalars(
            select(Team)
            .where(Team.program_id == program_id)
            .options(joinedload(Team.mentor), joinedload(Team.protege), joinedload(Team.advisor))
            .order_by(Team.id)
        )
    )


def closed_teams_of(session: Session, slack_id: str, limit: int) -> list[tuple[str, Team]]:
    """The latest teams of closed years in which the person was mentor, protégé or content
    advisor, each with its school year, the latest year first."""
    person = select(Person.id).where(Person.slack_id == slack_id).scalar_subquery()
    rows = session.execute(
        select(ProgramYear.school_year, Team)
        .join(ProgramYear, ProgramYear.program_id == Team.program_id)
        .where(
            Team.closed_at.is_not(None),
            (Team.mentor_id == person) | (Team.protege_id == person) | (Team.advisor_id == person),
        )
        .options(joinedload(Team.mentor), joinedload(Team.protege))
        .order_by(ProgramYear.school_year.desc(), Team.id)
        .limit(limit)
    )
    return [(year, team) for year, team in rows]


def carried_ids(session: Session, team_ids: Sequence[int]) -> dict[int, int]:
    """Year-one team id -> the id of the team that carries it on, for those carried."""
    if not team_ids:
        return {}
    rows = session.execute(
        select(Team.carried_from_id, Team.id).where(Team.carried_from_id.in_(team_ids))
    )
    return {int(old): new for old, new in rows if old is not None}


def close_teams(session: Session, program_id: str, now: datetime) -> int:
    """Mark every team of the program closed (read-only); returns how many were open."""
    result = session.execute(
        update(Team)
        .where(Team.program_id == program_id, Team.closed_at.is_(None))
        .values(closed_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def following_year(session: Session, program_id: str) -> ProgramYear | None:
    """The year opened after the program's (the one `mentorbot year open` carried it into)."""
    return session.scalars(
        select(ProgramYear).where(ProgramYear.follows == program_id).order_by(ProgramYear.id.desc())
    ).first()
