"""The forms of the mentoring year that two people sign: structured experiences with their
Mentor Comment Forms, Visit Reports, Networking and Professional Development Verification
Forms, and year two's Assessment Activity.

Nothing is overwritten by a user: a revised submission, comment form or report is a new row
and the row it replaces is kept, marked superseded (storage.revisions). The current version
is the one that is not superseded. `FormEvent` keeps every step (submitted, commented, asked
to discuss, agreed, confirmed …) with who took it and when: the signatures and their history.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from storage.db import column_rows
from storage.models import Base, Team, UtcDateTime, string_enum
from storage.revisions import Revised, current

FOCUS_SEPARATOR = "\n"  # focus area names contain spaces, commas and "&", never a newline


class ExperienceStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # with the mentor, for the Mentor Comment Form
    COMMENTED = "commented"  # with the protégé, to agree or to ask to discuss
    DISCUSS = "discuss"  # the protégé asked to discuss: back with the mentor
    AGREED = "agreed"  # done, both signed


class VisitStatus(enum.StrEnum):
    FILED = "filed"  # with the protégé, to confirm
    CHANGES_REQUESTED = "changes"  # the protégé asked for a change: back with the mentor
    CONFIRMED = "confirmed"  # done, both signed


class PdStatus(enum.StrEnum):
    FILED = "filed"  # with the mentor, for comments
    SIGNED = "signed"  # the mentor commented and signed: done


class Experience(Base):
    """One structured experience of a team (Experience N belongs to plan slot N)."""

    __tablename__ = "experiences"
    __table_args__ = (UniqueConstraint("team_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[ExperienceStatus] = mapped_column(
        string_enum(ExperienceStatus, "experience_status")
    )
    # What the current submission is: a selection number, or "other" with a description.
    selection: Mapped[int | None] = mapped_column(Integer)
    other_description: Mapped[str | None] = mapped_column(Text)
    focus_areas: Mapped[str] = mapped_column(Text, default="")
    # The calendar's three steps, each met at its first occurrence.
    submitted_by: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    commented_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    agreed_by: Mapped[str | None] = mapped_column(String(32))
    agreed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @property
    def focus_area_list(self) -> tuple[str, ...]:
        return split_focus(self.focus_areas)


class ExperienceSubmission(Revised, Base):
    """What the protégé sent: a link (or a Slack file's permalink) and a summary."""

    __tablename__ = "experience_submissions"
    __table_args__ = (UniqueConstraint("experience_id", "version"),)
    filing_key = ("experience_id",)

    experience_id: Mapped[int] = mapped_column(ForeignKey("experiences.id"), index=True)
    selection: Mapped[int | None] = mapped_column(Integer)
    other_description: Mapped[str | None] = mapped_column(Text)
    focus_areas: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MentorComment(Revised, Base):
    """The manual's Structured Experience Mentor Comment Form; filing it is the mentor's
    signature."""

    __tablename__ = "mentor_comments"
    __table_args__ = (UniqueConstraint("experience_id", "version"),)
    filing_key = ("experience_id",)

    experience_id: Mapped[int] = mapped_column(ForeignKey("experiences.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("experience_submissions.id"))
    comment_date: Mapped[date] = mapped_column(Date)
    area: Mapped[str] = mapped_column(String(64))
    experience_text: Mapped[str] = mapped_column(Text)
    comments: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(32))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class VisitReport(Revised, Base):
    """The Mentor/Protégé Visit Report, one row per version of one visit's report."""

    __tablename__ = "visit_reports"
    __table_args__ = (UniqueConstraint("team_id", "number", "version"),)
    filing_key = ("team_id", "number")

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # the team's first, second … visit
    status: Mapped[VisitStatus] = mapped_column(string_enum(VisitStatus, "visit_status"))
    area: Mapped[str] = mapped_column(String(64))
    visit_date: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(Text)
    topics: Mapped[str] = mapped_column(Text)
    strategies: Mapped[str] = mapped_column(Text)
    # The mentor's word that the visit was in person ("One in-person visit is required");
    # None on reports filed before the form asked.
    in_person: Mapped[bool | None] = mapped_column(Boolean)
    filed_by: Mapped[str] = mapped_column(String(32))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(String(32))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PdVerification(Revised, Base):
    """A Networking and Professional Development Verification Form (#1 or #2), per version."""

    __tablename__ = "pd_verifications"
    __table_args__ = (UniqueConstraint("team_id", "number", "version"),)
    filing_key = ("team_id", "number")

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[PdStatus] = mapped_column(string_enum(PdStatus, "pd_status"))
    area: Mapped[str] = mapped_column(String(64))
    pd_date: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(Text)
    minutes: Mapped[int] = mapped_column(Integer)  # the form's "Hours", kept exact
    description: Mapped[str] = mapped_column(Text)
    # The protégé's word that it was "outside of the mentorship program"; None on forms filed
    # before the form asked.
    outside_program: Mapped[bool | None] = mapped_column(Boolean)
    filed_by: Mapped[str] = mapped_column(String(32))  # the protégé's signature
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    mentor_comments: Mapped[str | None] = mapped_column(Text)
    signed_by: Mapped[str | None] = mapped_column(String(32))  # the mentor's signature
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AssessmentActivity(Revised, Base):
    """Year two's Assessment Activity, as the protégé submitted it (per version)."""

    __tablename__ = "assessment_activities"
    __table_args__ = (UniqueConstraint("team_id", "version"),)
    filing_key = ("team_id",)

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    link: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FormEvent(Base):
    """Every step taken on these forms, in order: who, when, and a note where there is one."""

    __tablename__ = "form_events"
    __table_args__ = (Index("ix_form_events_team_form", "team_id", "form", "form_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    form: Mapped[str] = mapped_column(String(32))  # experience, visit_report, pd_verification …
    form_id: Mapped[int] = mapped_column(Integer)  # experiences.id, or the report's number
    event: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    # The revision the step was taken on, where it matters: an "Other" experience's approval
    # names the submission the advisor saw (`experience_submissions.id`).
    revision_id: Mapped[int | None] = mapped_column(Integer)


# --- focus areas as stored ---------------------------------------------------------------


def join_focus(areas: Iterable[str]) -> str:
    return FOCUS_SEPARATOR.join(areas)


def split_focus(stored: str | None) -> tuple[str, ...]:
    return tuple(area for area in (stored or "").split(FOCUS_SEPARATOR) if area)


# --- queries -----------------------------------------------------------------------------


def experience(session: Session, team_id: int, number: int) -> Experience | None:
    return session.scalars(
        select(Experience).where(Experience.team_id == team_id, Experience.number == number)
    ).one_or_none()


# The content advisor approved an experience of the team's own design ("Other"): in the plan
# (recorded when it is submitted) or on its own, for one beyond the plan.
OTHER_APPROVED = "other_approved"


_SEEN = aliased(ExperienceSubmission)
# Built once, the team ids bound at each run: building it (its alias above all) cost several
# times what running it does, on every member's `/mentor help` and Home tab.
_OTHER_APPROVALS = (
    select(FormEvent.form_id, func.min(FormEvent.at))
    .join(Experience, Experience.id == FormEvent.form_id)
    .outerjoin(_SEEN, _SEEN.id == FormEvent.revision_id)
    .where(
        FormEvent.team_id.in_(bindparam("team_ids", expanding=True)),
        FormEvent.form == "experience",
        FormEvent.event == OTHER_APPROVED,
        or_(
            FormEvent.revision_id.is_(None),  # none older than the column is left unnamed
            and_(
                func.coalesce(_SEEN.other_description, "")
                == func.coalesce(Experience.other_description, ""),
                _SEEN.focus_areas == Experience.focus_areas,
            ),
        ),
    )
    .group_by(FormEvent.form_id)
)


def other_approvals(session: Session, team_ids: Sequence[int]) -> dict[int, datetime]:
    """Experience id -> when its "Other" experience, as it stands, was first approved: an
    approval counts for the description and focus areas of the submission it names, so one
    given before the protégé changed them does not count for the new ones."""
    if not team_ids:
        return {}
    rows = column_rows(session, _OTHER_APPROVALS, {"team_ids": list(team_ids)}).all()
    return {experience_id: at for experience_id, at in rows}


# The statements a team's deliverables read, built once (ids bound at each run), as above.
_PROTEGES_EXPERIENCES = (
    select(Team.protege_id, Experience)
    .join(Team, Team.id == Experience.team_id)
    .where(Team.protege_id.in_(bindparam("protege_ids", expanding=True)))
    .order_by(Experience.team_id, Experience.number)
)
_EXPERIENCES = (
    select(Experience)
    .where(Experience.team_id.in_(bindparam("team_ids", expanding=True)))
    .order_by(Experience.team_id, Experience.number)
)


def proteges_experiences(
    session: Session, protege_ids: Iterable[int]
) -> list[tuple[int, Experience]]:
    """(protégé id, experience) of every team (any year, ended ones too) each of these
    protégés has been in, by team and number: one statement, not the teams and then their
    experiences."""
    rows = session.execute(_PROTEGES_EXPERIENCES, {"protege_ids": list(set(protege_ids))})
    return [(protege_id, record) for protege_id, record in rows]


def experiences_of(session: Session, team_ids: Sequence[int]) -> list[Experience]:
    """Every experience of these teams, by team and number."""
    if not team_ids:
        return []
    return list(session.scalars(_EXPERIENCES, {"team_ids": list(team_ids)}))


def current_submission(session: Session, experience_id: int) -> ExperienceSubmission | None:
    return current(session, ExperienceSubmission, experience_id=experience_id)


def current_comment(session: Session, experience_id: int) -> MentorComment | None:
    return current(session, MentorComment, experience_id=experience_id)


def events_of(session: Session, team_id: int, form: str, form_id: int) -> list[FormEvent]:
    """One form's history, oldest first (`form_id`: the experience's id, or the report's
    number within the team)."""
    return list(
        session.scalars(
            select(FormEvent)
            .where(
                FormEvent.team_id == team_id, FormEvent.form == form, FormEvent.form_id == form_id
            )
            .order_by(FormEvent.at, FormEvent.id)
        )
    )


def current_visit_reports(session: Session, team_ids: Sequence[int]) -> list[VisitReport]:
    """The current version of every visit report of these teams, by team and number."""
    return _current_numbered(session, VisitReport, team_ids)


def current_pd_forms(session: Session, team_ids: Sequence[int]) -> list[PdVerification]:
    return _current_numbered(session, PdVerification, team_ids)


_Numbered = TypeVar("_Numbered", "VisitReport", "PdVerification")


def _current_numbered(
    session: Session, model: type[_Numbered], team_ids: Sequence[int]
) -> list[_Numbered]:
    """The current (not superseded) version of a numbered form, by team and number."""
    if not team_ids:
        return []
    return list(session.scalars(_current_of(model), {"team_ids": list(team_ids)}))


@functools.cache
def _current_of(model: type[_Numbered]) -> Select[_Numbered]:
    return (
        select(model)
        .where(
            model.team_id.in_(bindparam("team_ids", expanding=True)), model.superseded_at.is_(None)
        )
        .order_by(model.team_id, model.number)
    )


_ASSESSMENTS = (
    select(AssessmentActivity)
    .where(AssessmentActivity.team_id.in_(bindparam("team_ids", expanding=True)))
    .order_by(AssessmentActivity.team_id, AssessmentActivity.version)
)


def assessment_activities(session: Session, team_ids: Sequence[int]) -> list[AssessmentActivity]:
    """Every version, oldest first: the first is when the step was met."""
    if not team_ids:
        return []
    return list(session.scalars(_ASSESSMENTS, {"team_ids": list(team_ids)}))


def record_event(
    session: Session,
    team_id: int,
    form: str,
    form_id: int,
    event: str,
    by: str,
    now: datetime,
    note: str | None = None,
    revision_id: int | None = None,
) -> None:
    """One step taken on a form, kept in the form's history."""
    session.add(
        FormEvent(
            team_id=team_id,
            form=form,
            form_id=form_id,
            event=event,
            by=by,
            at=now,
            note=note,
            revision_id=revision_id,
        )
    )
    session.flush()
