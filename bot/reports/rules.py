"""The Mentor/Protégé Visit Report, the Networking and Professional Development Verification
Forms and year two's Assessment Activity: who files, who signs, and in which order.

Visit Report: the mentor files it; the protégé confirms (both signed, done) or asks for a
change, which returns it to the mentor. PD form: the protégé files it (their signature); the
mentor adds comments and signs (done). Until the other person signs, the filer may revise;
each revision is a new row and the earlier one is kept (storage.revisions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.access import Refusal
from bot.experiences.rules import CHANGED_MEANWHILE, file_revision
from bot.program import Program, StepKind
from bot.slack.text import TypedText, typed, typed_or_none
from storage.db import update_if
from storage.experiences import (
    AssessmentActivity,
    PdStatus,
    PdVerification,
    VisitReport,
    VisitStatus,
    current_pd_forms,
    current_visit_reports,
    events_of,
    record_event,
)
from storage.models import Team
from storage.revisions import current

VISIT_FORM = "visit_report"
PD_FORM = "pd_verification"
ASSESSMENT_FORM = "assessment_activity"
PD_FORMS_PER_YEAR = 2  # "Protégés must participate in two additional … opportunities"

# Named here because the rules ask the program for them; declared, with their parameters, in
# `bot.reports.step`.
VISIT_REPORT = StepKind("visit_report")
ASSESSMENT = StepKind("assessment")
PD_VERIFICATION = StepKind("pd_verification")


@dataclass(frozen=True)
class VisitEntry:
    area: str
    visit_date: date
    location: str
    topics: str
    strategies: str
    in_person: bool = True  # the form asks; the manual requires an in-person visit


@dataclass(frozen=True)
class PdEntry:
    area: str
    pd_date: date
    location: str
    minutes: int
    description: str
    outside_program: bool = True  # the protégé's attestation, required by the form


@dataclass(frozen=True)
class AssessmentEntry:
    link: str
    summary: str


# --- as views show them: what people typed is typed text -------------------------------------


@dataclass(frozen=True)
class ShownVisit:
    id: int
    number: int
    area: str
    visit_date: date
    location: TypedText
    topics: TypedText
    strategies: TypedText
    confirmed_at: datetime | None
    in_person: bool | None = None  # None: filed before the form asked


@dataclass(frozen=True)
class ShownPd:
    id: int
    number: int
    area: str
    pd_date: date
    location: TypedText
    minutes: int
    description: TypedText
    mentor_comments: TypedText | None
    signed_at: datetime | None
    outside_program: bool | None = None  # None: filed before the form asked


@dataclass(frozen=True)
class ShownAssessment:
    link: TypedText
    summary: TypedText


def shown_visit(report: VisitReport) -> ShownVisit:
    return ShownVisit(
        report.id,
        report.number,
        report.area,
        report.visit_date,
        typed(report.location),
        typed(report.topics),
        typed(report.strategies),
        report.confirmed_at,
        report.in_person,
    )


def shown_pd(form: PdVerification) -> ShownPd:
    return ShownPd(
        form.id,
        form.number,
        form.area,
        form.pd_date,
        typed(form.location),
        form.minutes,
        typed(form.description),
        typed_or_none(form.mentor_comments),
        form.signed_at,
        form.outside_program,
    )


def shown_assessment(activity: AssessmentActivity) -> ShownAssessment:
    return ShownAssessment(typed(activity.link), typed(activity.summary))


# --- Visit Report ---------------------------------------------------------------------------


def visit_reports(session: Session, team: Team) -> list[VisitReport]:
    """The current version of each of the team's visit reports, first visit first."""
    return current_visit_reports(session, [team.id])


def open_visit_report(session: Session, team: Team) -> VisitReport | None:
    """The report still waiting for a signature or a change, if any."""
    return next(
        (r for r in visit_reports(session, team) if r.status != VisitStatus.CONFIRMED), None
    )


def visit_report(session: Session, team: Team, number: int) -> VisitReport | None:
    return next((r for r in visit_reports(session, team) if r.number == number), None)


def file_visit_report(
    session: Session, team: Team, number: int | None, entry: VisitEntry, by: str, now: datetime
) -> VisitReport:
    """The mentor files a new report (`number` None) or revises one not yet confirmed."""
    _must_be(by, team.mentor.slack_id, "Only the mentor files the Mentor/Protégé Visit Report.")
    if number is None:
        pending = open_visit_report(session, team)
        if pending is not None:
            raise Refusal(
                f"Your Visit Report of {pending.visit_date:%b %-d} is still waiting for "
                f"<@{team.protege.slack_id}>. Please change that one rather than start another."
            )
        number = 1 + (
            session.scalar(
                select(func.max(VisitReport.number)).where(VisitReport.team_id == team.id)
            )
            or 0
        )
        earlier = None
    else:
        earlier = visit_report(session, team, number)
        if earlier is None:
            raise Refusal("That Visit Report does not exist.")
        if earlier.status is VisitStatus.CONFIRMED:
            raise Refusal("That Visit Report is signed by you both, so it can no longer change.")
    report = VisitReport(
        team_id=team.id,
        number=number,
        status=VisitStatus.FILED,
        area=entry.area,
        visit_date=entry.visit_date,
        location=entry.location,
        topics=entry.topics,
        strategies=entry.strategies,
        in_person=entry.in_person,
        filed_by=by,
        filed_at=now,
    )
    allowed = {VisitStatus.FILED, VisitStatus.CHANGES_REQUESTED}
    file_revision(session, earlier, report, by, now, VisitReport.status.in_(allowed))
    _event(session, team, VISIT_FORM, number, "revised" if earlier else "filed", by, now)
    return report


def confirm_visit_report(
    session: Session, team: Team, report_id: int, by: str, now: datetime
) -> VisitReport:
    """The protégé confirms the report they were shown: both signed, the step is done."""
    _must_be(by, team.protege.slack_id, "Only the protégé confirms the Visit Report.")
    report = _current_visit(session, team, report_id)
    _set(
        session,
        VisitReport,
        report,
        {VisitStatus.FILED},
        status=VisitStatus.CONFIRMED,
        confirmed_by=by,
        confirmed_at=now,
    )
    _event(session, team, VISIT_FORM, report.number, "confirmed", by, now)
    return report


def request_visit_change(
    session: Session, team: Team, report_id: int, note: str, by: str, now: datetime
) -> VisitReport:
    """The protégé asks the mentor to change something: the report goes back to them."""
    _must_be(by, team.protege.slack_id, "Only the protégé can ask for a change.")
    report = _current_visit(session, team, report_id)
    _set(session, VisitReport, report, {VisitStatus.FILED}, status=VisitStatus.CHANGES_REQUESTED)
    _event(session, team, VISIT_FORM, report.number, "change_requested", by, now, note)
    return report


def visit_change_note(session: Session, team: Team, number: int) -> TypedText | None:
    asks = [
        e for e in events_of(session, team.id, VISIT_FORM, number) if e.event == "change_requested"
    ]
    return typed_or_none(asks[-1].note) if asks else None


def _current_visit(session: Session, team: Team, report_id: int) -> VisitReport:
    report = session.get(VisitReport, report_id)
    if report is None or report.team_id != team.id:
        raise Refusal("That Visit Report is not one of your team's.")
    if report.superseded_at is not None:
        raise Refusal(
            "Your mentor changed this Visit Report since this message. Please look at the "
            "latest version first."
        )
    if report.status is VisitStatus.CONFIRMED:
        raise Refusal("You already confirmed this Visit Report: you both signed it.")
    if report.status is VisitStatus.CHANGES_REQUESTED:
        raise Refusal(
            "You asked for a change to this Visit Report; your mentor will send it again."
        )
    return report


# --- Networking and Professional Development Verification Forms -----------------------------


def pd_forms(session: Session, team: Team) -> list[PdVerification]:
    return current_pd_forms(session, [team.id])


def pd_form(session: Session, team: Team, number: int) -> PdVerification | None:
    return next((f for f in pd_forms(session, team) if f.number == number), None)


def file_pd_form(
    session: Session, team: Team, number: int, entry: PdEntry, by: str, now: datetime
) -> PdVerification:
    """The protégé files form #`number` (their signature), or revises it until the mentor
    signs."""
    _must_be(
        by,
        team.protege.slack_id,
        "Only the protégé files the Networking and Professional Development Verification Form.",
    )
    if number not in range(1, PD_FORMS_PER_YEAR + 1):
        raise Refusal(f"There are {PD_FORMS_PER_YEAR} forms a year: #1 and #2.")
    earlier = pd_form(session, team, number)
    if earlier is not None and earlier.status is PdStatus.SIGNED:
        raise Refusal(f"Form #{number} is signed by you both, so it can no longer change.")
    form = PdVerification(
        team_id=team.id,
        number=number,
        status=PdStatus.FILED,
        area=entry.area,
        pd_date=entry.pd_date,
        location=entry.location,
        minutes=entry.minutes,
        description=entry.description,
        outside_program=entry.outside_program,
        filed_by=by,
        filed_at=now,
    )
    file_revision(session, earlier, form, by, now, PdVerification.status.in_({PdStatus.FILED}))
    _event(session, team, PD_FORM, number, "revised" if earlier else "filed", by, now)
    return form


def sign_pd_form(
    session: Session, team: Team, form_id: int, comments: str, by: str, now: datetime
) -> PdVerification:
    """The mentor adds comments and signs: both signed, the form is done."""
    _must_be(by, team.mentor.slack_id, "Only the mentor adds the Mentor Comments and signs.")
    form = session.get(PdVerification, form_id)
    if form is None or form.team_id != team.id:
        raise Refusal("That form is not one of your team's.")
    if form.superseded_at is not None:
        raise Refusal(
            f"<@{team.protege.slack_id}> sent a new version of form #{form.number} while you "
            "were writing. Please open it again to see it."
        )
    if form.status is PdStatus.SIGNED:
        raise Refusal(f"You already signed form #{form.number}.")
    _set(
        session,
        PdVerification,
        form,
        {PdStatus.FILED},
        status=PdStatus.SIGNED,
        mentor_comments=comments,
        signed_by=by,
        signed_at=now,
    )
    _event(session, team, PD_FORM, form.number, "signed", by, now)
    return form


# --- Assessment Activity (year two) ----------------------------------------------------------


def has_assessment(program: Program, track: str) -> bool:
    return program.has_step(track, ASSESSMENT)


def current_assessment(session: Session, team: Team) -> AssessmentActivity | None:
    return current(session, AssessmentActivity, team_id=team.id)


def submit_assessment(
    session: Session,
    program: Program,
    team: Team,
    entry: AssessmentEntry,
    by: str,
    now: datetime,
) -> AssessmentActivity:
    _must_be(by, team.protege.slack_id, "Only the protégé submits the Assessment Activity.")
    if not has_assessment(program, team.track):
        raise Refusal("The Assessment Activity is part of year two; your track has none.")
    earlier = current_assessment(session, team)
    activity = AssessmentActivity(
        team_id=team.id, link=entry.link, summary=entry.summary, submitted_by=by, submitted_at=now
    )
    file_revision(session, earlier, activity, by, now)
    _event(
        session, team, ASSESSMENT_FORM, activity.id, "revised" if earlier else "submitted", by, now
    )
    return activity


# --- internals --------------------------------------------------------------------------------


_Signed = TypeVar("_Signed", VisitReport, PdVerification)  # the forms both members sign


def _must_be(by: str, expected: str, message: str) -> None:
    if by != expected:
        raise Refusal(message)


def _set(
    session: Session,
    model: type[_Signed],
    row: _Signed,
    allowed: set[VisitStatus] | set[PdStatus],
    **values: object,
) -> None:
    if not update_if(
        session, row, model.status.in_(allowed), model.superseded_at.is_(None), **values
    ):
        raise Refusal(CHANGED_MEANWHILE)


def _event(
    session: Session,
    team: Team,
    form: str,
    form_id: int,
    event: str,
    by: str,
    now: datetime,
    note: str | None = None,
) -> None:
    record_event(session, team.id, form, form_id, event, by, now, note)


def pd_hours(minutes: int) -> str:
    """The form's "Hours": 90 -> "1.5", 60 -> "1", 80 -> "1.33"."""
    text = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    return text or "0"
