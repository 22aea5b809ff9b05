"""Half-filled checklists: one draft per team, program year and form, kept until the form is
filed.

A draft is not a filing (nothing counts it as done, nobody else is told of it), so it is
one row replaced in place; the answers are the form's own JSON, read back by its feature.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, UtcDateTime


class ChecklistDraft(Base):
    __tablename__ = "checklist_drafts"
    __table_args__ = (UniqueConstraint("team_id", "program_id", "form"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    program_id: Mapped[str] = mapped_column(String(64))
    form: Mapped[str] = mapped_column(String(32))  # "focal_points" or "decision_points"
    answers: Mapped[str] = mapped_column(Text)  # JSON
    saved_by: Mapped[str] = mapped_column(String(32))
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime())


def get_draft(session: Session, team_id: int, program_id: str, form: str) -> ChecklistDraft | None:
    return session.scalars(
        select(ChecklistDraft).where(
            ChecklistDraft.team_id == team_id,
            ChecklistDraft.program_id == program_id,
            ChecklistDraft.form == form,
        )
    ).one_or_none()


def save_draft(
    session: Session,
    team_id: int,
    program_id: str,
    form: str,
    answers: str,
    by: str,
    now: datetime,
) -> None:
    draft = get_draft(session, team_id, program_id, form)
    if draft is None:
        draft = ChecklistDraft(team_id=team_id, program_id=program_id, form=form)
        session.add(draft)
    draft.answers, draft.saved_by, draft.saved_at = answers, by, now
    session.flush()


def drop_draft(session: Session, team_id: int, program_id: str, form: str) -> None:
    """The form is filed: its draft has served."""
    session.execute(
        delete(ChecklistDraft).where(
            ChecklistDraft.team_id == team_id,
            ChecklistDraft.program_id == program_id,
            ChecklistDraft.form == form,
        )
    )
