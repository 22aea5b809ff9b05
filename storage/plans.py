"""The initial meeting's three forms: the Focal Points and Decision Points Checklists and the
Individual Mentoring Plan, per team and program year, with their queries.

Nothing is overwritten: each filing of a checklist and each revision of the plan is its own
row (storage.revisions), so the advisor's approval of revision 2 stays on record when
revision 3 is sent. Item and area texts are stored with their indexes, so a report reads the
same after the program file changes.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, synonym

from storage.models import Base, UtcDateTime
from storage.revisions import Revised, current, history, try_revise


class PlanStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # with the content advisor
    APPROVED = "approved"
    RETURNED = "returned"  # back to the team with a comment


# --- the two checklists ---------------------------------------------------------------------


class _ChecklistFiling(Revised):
    """What both checklists' filings record: one revision of a team's filing for a year."""

    filing_key = ("team_id", "program_id")

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    program_id: Mapped[str] = mapped_column(String(64))
    filed_by: Mapped[str] = mapped_column(String(32))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --- Focal Points Checklist ----------------------------------------------------------------


class FocalPointsFiling(_ChecklistFiling, Base):
    __tablename__ = "focal_points_filings"
    __table_args__ = (
        Index("ix_focal_points_filings_team_program", "team_id", "program_id"),
        UniqueConstraint("team_id", "program_id", "version"),
    )

    ratings: Mapped[list[FocalPointsRating]] = relationship(
        order_by="(FocalPointsRating.category_index, FocalPointsRating.item_index)",
        lazy="selectin",
    )


class FocalPointsRating(Base):
    __tablename__ = "focal_points_ratings"
    __table_args__ = (
        UniqueConstraint("filing_id", "category_index", "item_index"),
        CheckConstraint("rating IN (1, 2, 3)", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("focal_points_filings.id"))
    category_index: Mapped[int] = mapped_column(Integer)
    item_index: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(200))
    item: Mapped[str] = mapped_column(Text)
    rating: Mapped[int] = mapped_column(Integer)  # 1 low, 2 moderate, 3 high concern


# --- Decision Points Checklist -------------------------------------------------------------


class DecisionPointsFiling(_ChecklistFiling, Base):
    __tablename__ = "decision_points_filings"
    __table_args__ = (
        Index("ix_decision_points_filings_team_program", "team_id", "program_id"),
        UniqueConstraint("team_id", "program_id", "version"),
    )

    areas: Mapped[list[DecisionPointsArea]] = relationship(
        order_by="(DecisionPointsArea.group_index, DecisionPointsArea.item_index)",
        lazy="selectin",
    )


class DecisionPointsArea(Base):
    """One row of the checklist: an area of collaboration, its "concerned" box and notes."""

    __tablename__ = "decision_points_areas"
    __table_args__ = (
        UniqueConstraint("filing_id", "group_index", "item_index"),
        CheckConstraint("top_rank BETWEEN 1 AND 4", name="top_rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("decision_points_filings.id"))
    group_index: Mapped[int] = mapped_column(Integer)
    item_index: Mapped[int] = mapped_column(Integer)
    group_name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(200))
    concerned: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)
    top_rank: Mapped[int | None] = mapped_column(Integer)  # 1–4: the team's top four concerns


# --- Individual Mentoring Plan -------------------------------------------------------------


class MentoringPlan(Revised, Base):
    """One revision of a team's plan, with the advisor's "received" and "approved" initials."""

    __tablename__ = "mentoring_plans"
    __table_args__ = (UniqueConstraint("team_id", "program_id", "version"),)
    filing_key = ("team_id", "program_id")

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    program_id: Mapped[str] = mapped_column(String(64))
    revision = synonym("version")  # the manual's word for the plan's versions
    status: Mapped[PlanStatus] = mapped_column(
        Enum(
            PlanStatus,
            name="plan_status",
            native_enum=False,
            length=16,
            values_callable=lambda cls: [member.value for member in cls],
        )
    )
    submitted_by: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_by: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(32))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    returned_by: Mapped[str | None] = mapped_column(String(32))
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    return_comment: Mapped[str | None] = mapped_column(Text)

    slots: Mapped[list[MentoringPlanSlot]] = relationship(
        order_by="MentoringPlanSlot.number", lazy="selectin"
    )


class MentoringPlanSlot(Base):
    """A planned experience: a selection from the program's list, or "other" described."""

    __tablename__ = "mentoring_plan_slots"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        CheckConstraint(
            "(selection IS NULL) <> (other_description IS NULL)", name="selection_or_other"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("mentoring_plans.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1–4
    semester: Mapped[int] = mapped_column(Integer)  # 1 or 2
    selection: Mapped[int | None] = mapped_column(Integer)
    other_description: Mapped[str | None] = mapped_column(Text)
    planned: Mapped[str] = mapped_column(Text)
    due: Mapped[date] = mapped_column(Date)
    # The manual: an experience not on the list needs the content advisor's own approval.
    other_approved_by: Mapped[str | None] = mapped_column(String(32))
    other_approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PlanReviewMessage(Base):
    """A review DM sent for a revision, kept so every copy can be updated after a decision."""

    __tablename__ = "plan_review_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("mentoring_plans.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --- writes and queries --------------------------------------------------------------------


@dataclass(frozen=True)
class RatingRow:
    category_index: int
    item_index: int
    category: str
    item: str
    rating: int


@dataclass(frozen=True)
class AreaRow:
    group_index: int
    item_index: int
    group_name: str
    area: str
    concerned: bool
    notes: str | None
    top_rank: int | None


@dataclass(frozen=True)
class SlotRow:
    number: int
    semester: int
    selection: int | None
    other_description: str | None
    planned: str
    due: date


Filing = FocalPointsFiling | DecisionPointsFiling


def _first_at(
    session: Session, model: type[Filing], team_id: int, program_id: str
) -> datetime | None:
    """When the team first filed a checklist: the step's completion, whatever came later."""
    return session.scalar(
        select(func.min(model.filed_at)).where(
            model.team_id == team_id, model.program_id == program_id
        )
    )


def current_focal_points(
    session: Session, team_id: int, program_id: str
) -> FocalPointsFiling | None:
    return current(session, FocalPointsFiling, team_id=team_id, program_id=program_id)


def first_focal_points_at(session: Session, team_id: int, program_id: str) -> datetime | None:
    return _first_at(session, FocalPointsFiling, team_id, program_id)


def add_focal_points(
    session: Session,
    team_id: int,
    program_id: str,
    rows: Sequence[RatingRow],
    by: str,
    now: datetime,
) -> FocalPointsFiling | None:
    """File the checklist; an earlier filing is kept, marked superseded. None when the
    partner filed it a moment ago."""
    earlier = current_focal_points(session, team_id, program_id)
    filing = FocalPointsFiling(team_id=team_id, program_id=program_id, filed_by=by, filed_at=now)
    filing.ratings = [FocalPointsRating(**vars(row)) for row in rows]
    return filing if try_revise(session, earlier, filing, by, now) else None


def current_decision_points(
    session: Session, team_id: int, program_id: str
) -> DecisionPointsFiling | None:
    return current(session, DecisionPointsFiling, team_id=team_id, program_id=program_id)


def first_decision_points_at(session: Session, team_id: int, program_id: str) -> datetime | None:
    return _first_at(session, DecisionPointsFiling, team_id, program_id)


def add_decision_points(
    session: Session,
    team_id: int,
    program_id: str,
    rows: Sequence[AreaRow],
    by: str,
    now: datetime,
) -> DecisionPointsFiling | None:
    earlier = current_decision_points(session, team_id, program_id)
    filing = DecisionPointsFiling(team_id=team_id, program_id=program_id, filed_by=by, filed_at=now)
    filing.areas = [DecisionPointsArea(**vars(row)) for row in rows]
    return filing if try_revise(session, earlier, filing, by, now) else None


def current_plan(session: Session, team_id: int, program_id: str) -> MentoringPlan | None:
    return current(session, MentoringPlan, team_id=team_id, program_id=program_id)


def latest_approved_plan(
    session: Session, team_id: int, program_id: str, before_revision: int | None = None
) -> MentoringPlan | None:
    query = select(MentoringPlan).where(
        MentoringPlan.team_id == team_id,
        MentoringPlan.program_id == program_id,
        MentoringPlan.status == PlanStatus.APPROVED,
    )
    if before_revision is not None:
        query = query.where(MentoringPlan.revision < before_revision)
    return session.scalars(query.order_by(MentoringPlan.revision.desc())).first()


def plan_revisions(session: Session, team_id: int, program_id: str) -> list[MentoringPlan]:
    return history(session, MentoringPlan, team_id=team_id, program_id=program_id)


def get_plan(session: Session, plan_id: int) -> MentoringPlan | None:
    return session.get(MentoringPlan, plan_id)


def plan_team_id(session: Session, plan_id: int) -> int | None:
    """The team a revision belongs to, and nothing else of it: enough to ask who may see it."""
    return session.scalar(select(MentoringPlan.team_id).where(MentoringPlan.id == plan_id))


def first_plan_submitted_at(session: Session, team_id: int, program_id: str) -> datetime | None:
    return session.scalar(
        select(func.min(MentoringPlan.submitted_at)).where(
            MentoringPlan.team_id == team_id, MentoringPlan.program_id == program_id
        )
    )


def pending_plans(session: Session, program_id: str) -> list[MentoringPlan]:
    """Current revisions waiting for the advisor's decision, oldest first."""
    return list(
        session.scalars(
            select(MentoringPlan)
            .where(
                MentoringPlan.program_id == program_id,
                MentoringPlan.status == PlanStatus.SUBMITTED,
                MentoringPlan.superseded_at.is_(None),
            )
            .order_by(MentoringPlan.submitted_at)
        )
    )


def add_plan_revision(
    session: Session,
    team_id: int,
    program_id: str,
    slots: Sequence[SlotRow],
    by: str,
    now: datetime,
) -> MentoringPlan | None:
    """A new revision, sent to the advisor; the one it replaces is marked superseded. None
    when the partner sent a revision a moment ago (send again, on top of theirs)."""
    earlier = current_plan(session, team_id, program_id)
    plan = MentoringPlan(
        team_id=team_id,
        program_id=program_id,
        status=PlanStatus.SUBMITTED,
        submitted_by=by,
        submitted_at=now,
    )
    plan.slots = [MentoringPlanSlot(**vars(row)) for row in slots]
    return plan if try_revise(session, earlier, plan, by, now) else None


def _decide(session: Session, plan_id: int, values: dict[str, object]) -> bool:
    """Move a current, submitted revision on; False when it was not in that state.

    A conditional UPDATE rather than read-then-write, so two advisors (or one double click)
    cannot both decide the same revision.
    """
    decided = session.execute(
        update(MentoringPlan)
        .where(
            MentoringPlan.id == plan_id,
            MentoringPlan.status == PlanStatus.SUBMITTED,
            MentoringPlan.superseded_at.is_(None),
        )
        .values(**values)
        .returning(MentoringPlan.id)
        .execution_options(synchronize_session=False)
    ).all()
    if decided:
        plan = session.get(MentoringPlan, plan_id)
        if plan is not None:
            session.refresh(plan)
    return bool(decided)


def mark_received(session: Session, plan: MentoringPlan, by: str, now: datetime) -> bool:
    """The manual's "initial here after you RECEIVE"; False when it already was."""
    if plan.received_at is not None:
        return False
    plan.received_by, plan.received_at = by, now
    session.flush()
    return True


def approve(
    session: Session, plan: MentoringPlan, by: str, now: datetime, other_slots: Sequence[int]
) -> bool:
    """Approve the revision and each listed "other" slot; False when it was already decided."""
    values: dict[str, object] = {"status": PlanStatus.APPROVED, "approved_by": by}
    values["approved_at"] = now
    if plan.received_at is None:
        values.update(received_by=by, received_at=now)
    if not _decide(session, plan.id, values):
        return False
    for slot in plan.slots:
        if slot.number in other_slots and slot.other_description is not None:
            slot.other_approved_by, slot.other_approved_at = by, now
    session.flush()
    return True


def return_plan(
    session: Session, plan: MentoringPlan, by: str, comment: str, now: datetime
) -> bool:
    values: dict[str, object] = {
        "status": PlanStatus.RETURNED,
        "returned_by": by,
        "returned_at": now,
        "return_comment": comment,
    }
    if plan.received_at is None:
        values.update(received_by=by, received_at=now)
    return _decide(session, plan.id, values)


def add_review_message(
    session: Session, plan_id: int, recipient: str, channel: str, ts: str, now: datetime
) -> None:
    session.add(
        PlanReviewMessage(plan_id=plan_id, recipient=recipient, channel=channel, ts=ts, sent_at=now)
    )
    session.flush()


def review_messages(session: Session, plan_id: int) -> list[PlanReviewMessage]:
    return list(
        session.scalars(
            select(PlanReviewMessage)
            .where(PlanReviewMessage.plan_id == plan_id)
            .order_by(PlanReviewMessage.id)
        )
    )
