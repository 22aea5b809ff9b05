"""What each person asked of the bot's pace: when their message comes, when they are away
(and, for an advisor, who gets their alerts meanwhile), and a step's reminders they put off
or stopped ("Remind me next school day", "Done outside Slack")."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Select, String, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, UtcDateTime, string_enum


class DeliveryTime(enum.StrEnum):
    BEFORE_SCHOOL = "before_school"
    PLANNING = "planning"
    AFTER_SCHOOL = "after_school"


class Pace(Base):
    """One person's preferences; no row: the program's defaults."""

    __tablename__ = "pace_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_id: Mapped[str] = mapped_column(String(32), unique=True)
    delivery: Mapped[DeliveryTime | None] = mapped_column(
        string_enum(DeliveryTime, "delivery_time")
    )
    away_until: Mapped[date | None] = mapped_column(Date)  # the last day away
    cover: Mapped[str | None] = mapped_column(String(32))  # an away advisor's alerts go here
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StepPaceKind(enum.StrEnum):
    LATER = "later"  # "Remind me next school day": until `until`
    OUTSIDE = "outside"  # "Done outside Slack": no more reminders; done once confirmed


class StepPace(Base):
    """A member's word about one step of their team: later, or done outside Slack."""

    __tablename__ = "pace_steps"
    __table_args__ = (Index("ix_pace_steps_team_step", "team_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    step: Mapped[str] = mapped_column(String(64))  # the program's step key
    slack_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[StepPaceKind] = mapped_column(string_enum(StepPaceKind, "step_pace_kind"))
    until: Mapped[date | None] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(String(32))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


def pace_of(session: Session, slack_ids: Iterable[str]) -> dict[str, Pace]:
    wanted = sorted(set(slack_ids))
    found: dict[str, Pace] = {}
    for start in range(0, len(wanted), 500):
        rows = session.scalars(select(Pace).where(Pace.slack_id.in_(wanted[start : start + 500])))
        found.update((row.slack_id, row) for row in rows)
    return found


def all_paces(session: Session) -> dict[str, Pace]:
    """Everyone who set anything (a few rows: most people keep the defaults)."""
    return {row.slack_id: row for row in session.scalars(select(Pace))}


def save_pace(
    session: Session,
    slack_id: str,
    now: datetime,
    *,
    delivery: DeliveryTime | None | str = "",
    away_until: date | None | str = "",
    cover: str | None = "",
) -> Pace:
    """Set what is given ("" leaves a field as it is)."""
    row = session.scalars(select(Pace).where(Pace.slack_id == slack_id)).one_or_none()
    if row is None:
        row = Pace(slack_id=slack_id, updated_at=now)
        session.add(row)
    if delivery != "":
        row.delivery = DeliveryTime(delivery) if delivery else None
    if away_until != "":
        row.away_until = away_until if isinstance(away_until, date) else None
    if cover != "":
        row.cover = cover or None
    row.updated_at = now
    session.flush()
    return row


# The teams' rows, oldest first: built once, the team ids bound at each run (`_of_teams`).
_STEP_PACES = (
    select(StepPace)
    .where(StepPace.team_id.in_(bindparam("team_ids", expanding=True)))
    .order_by(StepPace.id)
)
_CONFIRMED_OUTSIDE = _STEP_PACES.where(
    StepPace.kind == StepPaceKind.OUTSIDE, StepPace.confirmed_at.is_not(None)
)


def step_paces(session: Session, team_ids: Iterable[int]) -> list[StepPace]:
    return _of_teams(session, team_ids, _STEP_PACES)


def _of_teams(
    session: Session, team_ids: Iterable[int], statement: Select[StepPace]
) -> list[StepPace]:
    """The rows `statement` reads of these teams, asked 500 teams at a time."""
    wanted = sorted(set(team_ids))
    found: list[StepPace] = []
    for start in range(0, len(wanted), 500):
        found += session.scalars(statement, {"team_ids": wanted[start : start + 500]})
    return found


def record_step(
    session: Session,
    team_id: int,
    step: str,
    slack_id: str,
    kind: StepPaceKind,
    now: datetime,
    until: date | None = None,
) -> StepPace:
    row = StepPace(team_id=team_id, step=step, slack_id=slack_id, kind=kind, until=until, at=now)
    session.add(row)
    session.flush()
    return row


def confirmed_outside(session: Session, team_ids: Iterable[int]) -> list[StepPace]:
    """Steps members said were done outside Slack and the advisor (or staff) confirmed: done,
    wherever a step's state is asked (`bot.status.deliverables`)."""
    return _of_teams(session, team_ids, _CONFIRMED_OUTSIDE)


def unconfirmed(session: Session) -> list[StepPace]:
    """Steps a member said were done outside Slack, waiting for the advisor's word."""
    return list(
        session.scalars(
            select(StepPace)
            .where(StepPace.kind == StepPaceKind.OUTSIDE, StepPace.confirmed_at.is_(None))
            .order_by(StepPace.id)
        )
    )


def confirm(session: Session, pace_id: int, by: str, now: datetime) -> StepPace | None:
    row = session.get(StepPace, pace_id)
    if row is None or row.kind != StepPaceKind.OUTSIDE:
        return None
    if row.confirmed_at is None:
        row.confirmed_by, row.confirmed_at = by, now
        session.flush()
    return row
