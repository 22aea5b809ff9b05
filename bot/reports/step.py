"""The reports as steps of the program: the Visit Report (the mentor files, the protégé
confirms), the numbered PD Verification Forms (the protégé files, the mentor signs) and year
two's Assessment Activity (the protégé submits)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.program import Deadline, Program, Step
from bot.program.kinds import Spec
from bot.reports import views
from bot.reports.rules import ASSESSMENT, PD_VERIFICATION, VISIT_REPORT
from bot.status.step_handlers import Facts, NextAction, StepHandler
from storage.experiences import (
    PdStatus,
    VisitReport,
    VisitStatus,
    assessment_activities,
    current_pd_forms,
    current_visit_reports,
)
from storage.models import Team


def _visit_facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    out = {team.id: Facts() for team in teams}
    reports: defaultdict[int, list[VisitReport]] = defaultdict(list)
    for report in current_visit_reports(session, list(out)):
        reports[report.team_id].append(report)
    for deadline in deadlines:
        step_id = deadline.id
        for team_id, facts in out.items():
            confirmed = [r for r in reports[team_id] if r.confirmed_at is not None]
            if confirmed:
                facts.done[step_id] = min(r.confirmed_at for r in confirmed if r.confirmed_at)
                if not any(program.in_first_semester(r.visit_date) for r in confirmed):
                    # Filed under the program's "flag" reading: the advisor sees it here.
                    facts.notes[step_id] = "visited after the first semester"
                continue
            pending = next(iter(reports[team_id]), None)
            if pending is None:
                facts.holders[step_id] = ("mentor",)
                facts.notes[step_id] = "the mentor files it after the visit"
            elif pending.status is VisitStatus.FILED:
                facts.holders[step_id] = ("protege",)
                facts.notes[step_id] = "filed; waiting for the protégé to confirm"
            else:
                facts.holders[step_id] = ("mentor",)
                facts.notes[step_id] = "the protégé asked the mentor for a change"
    return out


def _open_visit(step: Step, role: str, team_id: int) -> NextAction | None:
    if role == "mentor":
        return NextAction("", "File the Visit Report", views.VISIT_OPEN, str(team_id))
    if role == "protege":
        return NextAction("", "Review the Visit Report", views.VISIT_REVIEW_OPEN, str(team_id))
    return None


def _ask_visit(step: Step, role: str, partner: str, soon: str) -> str:
    if role == "mentor":
        return (
            "After your visit, please file the Mentor/Protégé Visit Report (one visit is "
            "required in the first semester)."
        )
    return f"Please look over <@{partner}>'s Visit Report and confirm it."


def _pd_facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    out = {team.id: Facts() for team in teams}
    forms = {(f.team_id, f.number): f for f in current_pd_forms(session, list(out))}
    for team_id, facts in out.items():
        for deadline in deadlines:
            number = deadline.step.number
            assert number is not None  # the loader requires it
            form = forms.get((team_id, number))
            if form is None:
                continue
            if form.status is PdStatus.SIGNED and form.signed_at is not None:
                facts.done[deadline.id] = form.signed_at
            else:
                facts.holders[deadline.id] = ("mentor",)
                facts.notes[deadline.id] = "filed; waiting for the mentor's comments"
    return out


def _open_pd(step: Step, role: str, team_id: int) -> NextAction | None:
    label = "Add comments and sign" if role == "mentor" else f"File form #{step.number}"
    return NextAction("", label, views.PD_OPEN, f"{team_id}:{step.number}")


def _pd_name(deadline: Deadline) -> str:
    return f"Networking and Professional Development Verification Form #{deadline.step.number}"


def _ask_pd(step: Step, role: str, partner: str, soon: str) -> str:
    if role == "mentor":
        return f"<@{partner}> filed the form: please add your comments and sign it."
    return "Please file it after your networking or professional development opportunity."


def _assessment_facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    out = {team.id: Facts() for team in teams}
    activities = assessment_activities(session, list(out))
    for deadline in deadlines:
        for activity in activities:
            out[activity.team_id].done.setdefault(deadline.id, activity.submitted_at)
    return out


def _open_assessment(step: Step, role: str, team_id: int) -> NextAction | None:
    if role != "protege":
        return None
    return NextAction("", "Submit the Assessment Activity", views.ASSESSMENT_OPEN, str(team_id))


KINDS = {VISIT_REPORT: Spec(), ASSESSMENT: Spec(), PD_VERIFICATION: Spec(numbered=True)}
HANDLERS = (
    StepHandler(VISIT_REPORT, facts=_visit_facts, opener=_open_visit, ask=_ask_visit),
    StepHandler(PD_VERIFICATION, facts=_pd_facts, opener=_open_pd, name=_pd_name, ask=_ask_pd),
    StepHandler(ASSESSMENT, facts=_assessment_facts, opener=_open_assessment),
)
