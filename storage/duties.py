"""The content advisor's own duties, marked done: one row per team, program year and step
(the step's key, e.g. "advisor_introduction" or "advisor_contact@2024-09-30"). Marking a
duty done is a fact with who and when, never undone: a second press finds the first row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, UtcDateTime
from storage.plans import MentoringPlan


class AdvisorDuty(Base):
    __tablename__ = "advisor_duties"
    __table_args__ = (
        UniqueConstraint("team_id", "program_id", "step"),
        Index("ix_advisor_duties_team", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    program_id: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    done_by: Mapped[str] = mapped_column(String(32))
    done_at: Mapped[datetime] = mapped_column(UtcDateTime())


def duties_done(
    session: Session, team_ids: Sequence[int], program_id: str
) -> dict[tuple[int, str], AdvisorDuty]:
    """(team id, step) -> the row saying it was done, for these teams in the program year."""
    if not team_ids:
        return {}
    rows = session.scalars(
        select(AdvisorDuty).where(
            AdvisorDuty.team_id.in_(team_ids), AdvisorDuty.program_id == program_id
        )
    )
    return {(row.team_id, row.step): row for row in rows}


def mark_done(
    session: Session, team_id: int, program_id: str, step: str, by: str, now: datetime
) -> bool:
    """Record the duty done; False when it already was (by anyone, at any time)."""
    try:
        with session.begin_nested():
            session.add(
                AdvisorDuty(
                    team_id=team_id, program_id=program_id, step=step, done_by=by, done_at=now
                )
            )
    except IntegrityError:
        return False
    return True


def current_plans(
    session: Session, team_ids: Sequence[int], program_id: str
) -> dict[int, MentoringPlan]:
    """Each team's current Individual Mentoring Plan revision (the one under review or
    decided), for the advisor's review step: one query for a batch of teams."""
    if not team_ids:
        return {}
    rows = session.scalars(
        select(MentoringPlan).where(
            MentoringPlan.team_id.in_(team_ids),
            MentoringPlan.program_id == program_id,
            MentoringPlan.superseded_at.is_(None),
        )
    )
    return {row.team_id: row for row in rows}
