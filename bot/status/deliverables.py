"""Where a team stands on each deliverable of its track: the one place that knows whether
step X is done, whose move it is, and whether it is upcoming, due, overdue or done.

Each feature reports its own steps through a source; this module asks every source once for
a whole batch of teams (a few queries per batch, not per team) and derives the rest:
- the people holding a step up (the calendar's responsible role, refined by the form's state:
  a Visit Report not yet filed is with the mentor, a Mentor Comment Form sent back to
  discuss is with the mentor again);
- steps waiting on the one before them (no Mentor Comment Form before a submission);
- an effective due date: when the step before came in late, the next keeps the calendar's
  gap from it instead of being late from the start; never before the team's start date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.experiences.rules import coverage
from bot.program import Deadline, Program, StepKind
from bot.program.steps import COMMENT, FILE, SEND
from storage.experiences import (
    Experience,
    ExperienceStatus,
    PdStatus,
    VisitStatus,
    assessment_activities,
    current_pd_forms,
    current_visit_reports,
    experiences_of,
)
from storage.logs import IS_CURRENT, CommunicationLog
from storage.models import Team
from storage.people import contact_form_completed
from storage.plans import DecisionPointsFiling, FocalPointsFiling, MentoringPlan

MEMBER_ROLES = ("mentor", "protege", "team")
DONE, DUE, OVERDUE, UPCOMING = "done", "due", "overdue", "upcoming"
# The part of an experience that must come first: no Mentor Comment Form before a
# submission, no sign-off before the comment form.
_BEFORE = {COMMENT: SEND, FILE: COMMENT}


@dataclass(frozen=True, slots=True)  # slots: a program-wide status holds 100,000 of them
class DeliverableStatus:
    deadline: Deadline
    due: date  # the calendar's date
    effective_due: date  # later when the step before came in late, or the team started late
    role: str  # responsible on the calendar: mentor, protege or team
    holders: tuple[str, ...]  # whose move it is now ("mentor", "protege"); () if done/waiting
    waiting_on: str | None  # the deadline id that has to come first
    done_at: datetime | None
    state: str  # done / due / overdue / upcoming
    tracked: bool  # False while no feature reports this step (it is then never "done")
    note: str = ""

    @property
    def id(self) -> str:
        return self.deadline.id

    @property
    def title(self) -> str:
        return self.deadline.title

    @property
    def done(self) -> bool:
        return self.state == DONE


@dataclass
class Facts:
    """What a source knows of one team: when steps were done, and who holds the others."""

    done: dict[str, datetime] = field(default_factory=dict)
    holders: dict[str, tuple[str, ...]] = field(default_factory=dict)
    waiting: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    covers: Callable[[Deadline], bool]
    # The teams of one track, and the deadlines of that track the source covers.
    fetch: Callable[[Session, Program, Sequence[Team], Sequence[Deadline]], dict[int, Facts]]


# --- the public questions -------------------------------------------------------------------


def member_deadlines(program: Program, track: str) -> tuple[Deadline, ...]:
    """The track's deadlines a team member is responsible for (meetings with no form to
    deliver, and staff's or advisors' own steps, are not the team's deliverables)."""
    return tuple(
        d for d in program.deadlines(track) if d.role in MEMBER_ROLES and d.form is not None
    )


def team_deliverables(
    session: Session, program: Program, team: Team, today: date
) -> list[DeliverableStatus]:
    """Every deliverable of the team's track, in calendar order."""
    return deliverables_for(session, program, [team], today)[team.id]


def deliverables_for(
    session: Session,
    program: Program,
    teams: Sequence[Team],
    today: date,
    only: Iterable[str] | None = None,
) -> dict[int, list[DeliverableStatus]]:
    """The deliverables of many teams at once (`only`: just these deadline ids)."""
    wanted = set(only) if only is not None else None
    by_track: dict[str, list[Team]] = defaultdict(list)
    for team in teams:
        by_track[team.track].append(team)
    result: dict[int, list[DeliverableStatus]] = {}
    for track, members in by_track.items():
        deadlines = [
            d for d in member_deadlines(program, track) if wanted is None or d.id in wanted
        ]
        facts = _gather(session, program, members, deadlines)
        tracked = {d.id for d in deadlines if any(source.covers(d) for source in SOURCES)}
        # Asked once per track, not per team and step.
        before_of = {
            d.id: before for d in program.deadlines(track) if (before := predecessor(program, d))
        }
        for team in members:
            result[team.id] = _statuses(
                program, team, deadlines, tracked, before_of, facts[team.id], today
            )
    return result


def state_on(effective_due: date, done_at: datetime | None, today: date, lead_days: int) -> str:
    if done_at is not None:
        return DONE
    if today > effective_due:
        return OVERDUE
    if (effective_due - today).days <= lead_days:
        return DUE
    return UPCOMING


def predecessor(program: Program, deadline: Deadline) -> Deadline | None:
    """The step that must come first: no Mentor Comment Form before a submission, no
    agreement before the comment form."""
    step = deadline.step
    before = _BEFORE.get(step.part or "") if step.kind is StepKind.EXPERIENCE else None
    if before is None:
        return None
    return program.step(deadline.track, StepKind.EXPERIENCE, step.number, before)


def next_school_day_on_or_after(program: Program, day: date) -> date:
    for _ in range(60):
        if program.is_school_day(day):
            return day
        day += timedelta(days=1)
    return day


# --- assembling ------------------------------------------------------------------------------


def _gather(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    merged: dict[int, Facts] = {team.id: Facts() for team in teams}
    for source in SOURCES:
        covered = [d for d in deadlines if source.covers(d)]
        if not covered:
            continue
        for team_id, facts in source.fetch(session, program, teams, covered).items():
            target = merged[team_id]
            # Kept whole: a step's effective due date needs the step before it too.
            target.done.update(facts.done)
            target.holders.update(facts.holders)
            target.waiting.update(facts.waiting)
            target.notes.update(facts.notes)
    return merged


def _statuses(
    program: Program,
    team: Team,
    deadlines: Sequence[Deadline],
    tracked: set[str],
    before_of: dict[str, Deadline],
    facts: Facts,
    today: date,
) -> list[DeliverableStatus]:
    lead = max(program.settings.reminder_lead_days, default=0)
    dues: dict[str, date] = {}  # effective due dates so far: a chain's steps come in order
    out: list[DeliverableStatus] = []
    for deadline in deadlines:
        if deadline.is_(StepKind.COMMUNICATION_LOG) and deadline.due < team.start_date:
            continue  # no log is asked for a month before the team began
        done_at = facts.done.get(deadline.id)
        waiting = None if done_at else facts.waiting.get(deadline.id)
        effective = _effective_due(program, team, deadline, before_of, facts, dues)
        dues[deadline.id] = effective
        if done_at is not None or waiting is not None:
            holders: tuple[str, ...] = ()
        else:
            holders = facts.holders.get(deadline.id) or _role_holders(deadline.role)
        out.append(
            DeliverableStatus(
                deadline=deadline,
                due=deadline.due,
                effective_due=effective,
                role=deadline.role,
                holders=holders,
                waiting_on=waiting,
                done_at=done_at,
                state=state_on(effective, done_at, today, lead),
                tracked=deadline.id in tracked,
                note=facts.notes.get(deadline.id, ""),
            )
        )
    return out


def _effective_due(
    program: Program,
    team: Team,
    deadline: Deadline,
    before_of: dict[str, Deadline],
    facts: Facts,
    dues: dict[str, date],
) -> date:
    """The calendar's date, moved by as much as the step before it moved (or came in late):
    the holder keeps the calendar's gap between the two steps."""
    due = max(deadline.due, team.start_date)
    before = before_of.get(deadline.id)
    if before is None:
        return due
    came_in = facts.done.get(before.id)
    if came_in is not None:
        anchor = came_in.astimezone(program.tz).date()
    else:
        anchor = dues.get(before.id) or _effective_due(
            program, team, before, before_of, facts, dues
        )
    shifted = anchor + (deadline.due - before.due)
    return max(due, next_school_day_on_or_after(program, shifted))


def _role_holders(role: str) -> tuple[str, ...]:
    return ("mentor", "protege") if role == "team" else (role,)


# --- sources ---------------------------------------------------------------------------------


def _contact_facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    out: dict[int, Facts] = {}
    for team in teams:
        facts = Facts()
        done = contact_form_completed(team)
        for deadline in deadlines:
            if done is not None:
                facts.done[deadline.id] = done
            else:
                # Each member files their own: only those who have not are holding it up.
                facts.holders[deadline.id] = tuple(
                    role
                    for role, person in (("mentor", team.mentor), ("protege", team.protege))
                    if person.contact_filed_at is None
                )
        out[team.id] = facts
    return out


_PlanFiling = type[FocalPointsFiling] | type[DecisionPointsFiling] | type[MentoringPlan]
_PLAN_FILINGS: dict[StepKind, tuple[_PlanFiling, InstrumentedAttribute[datetime | None]]] = {
    StepKind.FOCAL_POINTS: (FocalPointsFiling, FocalPointsFiling.filed_at),
    StepKind.DECISION_POINTS: (DecisionPointsFiling, DecisionPointsFiling.filed_at),
    StepKind.MENTORING_PLAN: (MentoringPlan, MentoringPlan.submitted_at),
}


def _plan_facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    """When each initial-meeting step was first done (as `completed_steps`), three grouped
    queries per batch rather than three per team."""
    out = {team.id: Facts() for team in teams}
    program_of = {team.id: team.program_id for team in teams}
    team_ids = list(program_of)
    for deadline in deadlines:
        model, column = _PLAN_FILINGS[deadline.step.kind]
        for start in range(0, len(team_ids), 500):
            rows = session.execute(
                select(model.team_id, model.program_id, func.min(column))
                .where(model.team_id.in_(team_ids[start : start + 500]))
                .group_by(model.team_id, model.program_id)
            )
            for team_id, program_id, at in rows:
                if at is not None and program_of[team_id] == program_id:
                    out[team_id].done[deadline.id] = at
    return out


def _log_facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    """A month's Communication Log step is done when the team has a log for that topic month."""
    rows = session.execute(
        select(
            CommunicationLog.team_id,
            CommunicationLog.topic_month,
            func.min(CommunicationLog.filed_at),
        )
        .where(CommunicationLog.team_id.in_([t.id for t in teams]), IS_CURRENT)
        .group_by(CommunicationLog.team_id, CommunicationLog.topic_month)
    ).all()
    filed = {(team_id, month): at for team_id, month, at in rows}
    out: dict[int, Facts] = {}
    for team in teams:
        facts = Facts()
        for deadline in deadlines:
            month = f"{deadline.due.year:04d}-{deadline.due.month:02d}"
            if (team.id, month) in filed:
                facts.done[deadline.id] = filed[(team.id, month)]
        out[team.id] = facts
    return out


def _form_facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    team_ids = [team.id for team in teams]
    out = {team.id: Facts() for team in teams}

    def of(kind: StepKind) -> list[Deadline]:
        return [d for d in deadlines if d.is_(kind)]

    experiences, extras = of(StepKind.EXPERIENCE), of(StepKind.EXTRA_EXPERIENCES)
    if experiences or extras:
        _experience_facts(session, program, team_ids, experiences, extras, out)
    for deadline in of(StepKind.VISIT_REPORT):
        _visit_facts(session, team_ids, deadline.id, out)
    if pd_forms := of(StepKind.PD_VERIFICATION):
        _pd_facts(session, team_ids, pd_forms, out)
    for deadline in of(StepKind.ASSESSMENT):
        for activity in assessment_activities(session, team_ids):
            out[activity.team_id].done.setdefault(deadline.id, activity.submitted_at)
    return out


def _experience_facts(
    session: Session,
    program: Program,
    team_ids: list[int],
    experiences: Sequence[Deadline],
    extras: Sequence[Deadline],
    out: dict[int, Facts],
) -> None:
    records: defaultdict[int, dict[int, Experience]] = defaultdict(dict)
    for record in experiences_of(session, team_ids):
        records[record.team_id][record.number] = record
    # Every part of each experience asked about, the ones before it included: a step waits on
    # the one before it by that one's id.
    chains: dict[int, dict[str, str]] = {}
    for deadline in experiences:
        number = deadline.step.number
        assert number is not None  # the loader requires it
        chains[number] = {
            d.step.part or "": d.id
            for d in program.steps(deadline.track, StepKind.EXPERIENCE, number)
        }
    for team_id in team_ids:
        facts = out[team_id]
        for number, parts in chains.items():
            _one_experience(facts, parts, records[team_id].get(number))
        for deadline in extras:
            covered = coverage(program, records[team_id].values())
            if covered.complete_at is not None:
                facts.done[deadline.id] = covered.complete_at
            elif covered.missing:
                facts.notes[deadline.id] = "still missing: " + ", ".join(covered.missing)


def _one_experience(facts: Facts, parts: dict[str, str], record: Experience | None) -> None:
    """`parts`: the deadline id of each part of this experience in the track."""
    send, comment, file = (parts.get(part, "") for part in (SEND, COMMENT, FILE))
    if record is None:
        facts.waiting[comment] = send
        facts.waiting[file] = send
        return
    facts.done[send] = record.submitted_at
    if record.commented_at is not None:
        facts.done[comment] = record.commented_at
    else:
        facts.waiting[file] = comment
    if record.status is ExperienceStatus.AGREED and record.agreed_at is not None:
        facts.done[file] = record.agreed_at
    elif record.status is ExperienceStatus.DISCUSS:
        facts.holders[file] = ("mentor",)
        facts.notes[file] = "back with the mentor to talk over the comments"


def _visit_facts(
    session: Session, team_ids: list[int], step_id: str, out: dict[int, Facts]
) -> None:
    reports = defaultdict(list)
    for report in current_visit_reports(session, team_ids):
        reports[report.team_id].append(report)
    for team_id in team_ids:
        facts = out[team_id]
        confirmed = [r.confirmed_at for r in reports[team_id] if r.confirmed_at is not None]
        if confirmed:
            facts.done[step_id] = min(confirmed)
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


def _pd_facts(
    session: Session, team_ids: list[int], deadlines: Sequence[Deadline], out: dict[int, Facts]
) -> None:
    forms = {(f.team_id, f.number): f for f in current_pd_forms(session, team_ids)}
    for team_id in team_ids:
        for deadline in deadlines:
            number = deadline.step.number
            assert number is not None  # the loader requires it
            form = forms.get((team_id, number))
            facts = out[team_id]
            if form is None:
                continue
            if form.status is PdStatus.SIGNED and form.signed_at is not None:
                facts.done[deadline.id] = form.signed_at
            else:
                facts.holders[deadline.id] = ("mentor",)
                facts.notes[deadline.id] = "filed; waiting for the mentor's comments"


_FORM_STEPS = frozenset(
    {
        StepKind.EXPERIENCE,
        StepKind.EXTRA_EXPERIENCES,
        StepKind.VISIT_REPORT,
        StepKind.PD_VERIFICATION,
        StepKind.ASSESSMENT,
    }
)

SOURCES: tuple[Source, ...] = (
    Source(lambda d: d.is_(StepKind.CONTACT_FORM), _contact_facts),
    Source(lambda d: d.step.kind in _PLAN_FILINGS, _plan_facts),
    Source(lambda d: d.is_(StepKind.COMMUNICATION_LOG), _log_facts),
    Source(lambda d: d.step.kind in _FORM_STEPS, _form_facts),
)
