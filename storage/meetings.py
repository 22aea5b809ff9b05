"""Attendance at the program's meetings, recorded by the content advisor or program staff.

One filing per team, program year and meeting step (the deadline's step key, e.g. "meeting"),
kept with every revision (storage.revisions): an "absent" later marked "excused" or made up
keeps the first record beside the new one.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, UtcDateTime, string_enum
from storage.revisions import Revised


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    EXCUSED = "excused"  # paired after the meeting, absent for cause, or made up
    ABSENT = "absent"


class MeetingAttendance(Revised, Base):
    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("team_id", "program_id", "step", "version"),
        Index("ix_meeting_attendance_team", "team_id"),
    )
    filing_key = ("team_id", "program_id", "step")

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    program_id: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    state: Mapped[Attendance] = mapped_column(string_enum(Attendance, "attendance"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


# Built once, the teams and program year bound at each run: every member's `/mentor help`
# reads it.
_ATTENDANCE = select(MeetingAttendance).where(
    MeetingAttendance.team_id.in_(bindparam("team_ids", expanding=True)),
    MeetingAttendance.program_id == bindparam("program_id"),
    MeetingAttendance.superseded_at.is_(None),
)


def attendance_of(
    session: Session, team_ids: Sequence[int], program_id: str
) -> dict[tuple[int, str], MeetingAttendance]:
    """(team id, step) -> the current record, for these teams in the program year."""
    if not team_ids:
        return {}
    rows = session.scalars(_ATTENDANCE, {"team_ids": list(team_ids), "program_id": program_id})
    return {(row.team_id, row.step): row for row in rows}
