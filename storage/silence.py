"""What advisors and members did about a silent team: reached out, snoozed, reported."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, UtcDateTime, string_enum


class SilenceActionKind(enum.StrEnum):
    REACHED_OUT = "reached_out"  # the advisor (or staff) contacted the team
    SNOOZED = "snoozed"  # no reminders until `until`
    PARTNER_REPORT = "partner_report"  # a member pressed "My partner isn't responding"
    NUDGED = "nudged"  # the advisor sent the team a note through the bot


class SilenceAction(Base):
    """One action on one silent spell. A spell is named by the last activity date it began
    after, so a team that talks again and falls silent later starts a new spell."""

    __tablename__ = "silence_actions"
    __table_args__ = (Index("ix_silence_actions_team_spell", "team_id", "spell"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    spell: Mapped[date] = mapped_column(Date)
    kind: Mapped[SilenceActionKind] = mapped_column(
        string_enum(SilenceActionKind, "silence_action_kind")
    )
    by: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


def actions_for(session: Session, team_ids: list[int]) -> dict[int, list[SilenceAction]]:
    found: dict[int, list[SilenceAction]] = {}
    for start in range(0, len(team_ids), 500):
        chunk = team_ids[start : start + 500]
        rows = session.scalars(
            select(SilenceAction).where(SilenceAction.team_id.in_(chunk)).order_by(SilenceAction.id)
        )
        for row in rows:
            found.setdefault(row.team_id, []).append(row)
    return found


def record(
    session: Session,
    team_id: int,
    spell: date,
    kind: SilenceActionKind,
    by: str,
    now: datetime,
    *,
    until: date | None = None,
    note: str | None = None,
) -> SilenceAction:
    action = SilenceAction(
        team_id=team_id, spell=spell, kind=kind, by=by, at=now, until=until, note=note
    )
    session.add(action)
    session.flush()
    return action
