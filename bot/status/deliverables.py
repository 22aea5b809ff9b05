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

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.experiences.rules import EXTRA_STEP, coverage
from bot.plans.rules import DECISION_STEP, FOCAL_STEP, PLAN_STEP
from bot.program import Deadline, Program
from bot.reports.rules import ASSESSMENT_STEP
from storage.experiences import (
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
_EXPERIENCE_STEP = re.compile(r"^experience-(\d+)-(send|comment|file)$")
_PD_STEP = re.compile(r"^pd-verification-(\d+)$")
_PLAN_STEPS = frozenset({"focal-points", "decision-points", "mentoring-plan"})
LOG_STEP = "communication-log"


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
    fetch: Callable[[Session, Program, Sequence[Team], set[str]], dict[int, Facts]]


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
        for team in members:
            result[team.id] = _statuses(program, team, deadlines, tracked, facts[team.id], today)
    return result


def state_on(effective_due: date, done_at: datetime | None, today: date, lead_days: int) -> str:
    if done_at is not None:
        return DONE
    if today > effective_due:
        return OVERDUE
    if (effective_due - today).days <= lead_days:
        return DUE
    return UPCOMING


def predecessor(deadline_id: str) -> str | None:
    """The step that must come first: no Mentor Comment Form before a submission, no
    agreement before the comment form."""
    match = _EXPERIENCE_STEP.match(deadline_id)
    if match is None:
        return None
    number, step = match.groups()
    before = {"comment": "send", "file": "comment"}.get(step)
    return f"experience-{number}-{before}" if before else None


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
        ids = {d.id for d in deadlines if source.covers(d)}
        if not ids:
            continue
        for team_id, facts in source.fetch(session, program, teams, ids).items():
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
    facts: Facts,
    today: date,
) -> list[DeliverableStatus]:
    by_id = {d.id: d for d in program.deadlines(team.track)}
    lead = max(program.settings.reminder_lead_days, default=0)
    dues: dict[str, date] = {}  # effective due dates so far: a chain's steps come in order
    out: list[DeliverableStatus] = []
    for deadline in deadlines:
        if deadline.step == LOG_STEP and deadline.due < team.start_date:
            continue  # no log is asked for a month before the team began
        done_at = facts.done.get(deadline.id)
        waiting = None if done_at else facts.waiting.get(deadline.id)
        effective = _effective_due(program, team, deadline, by_id, facts, dues)
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
    by_id: dict[str, Deadline],
    facts: Facts,
    dues: dict[str, date],
) -> date:
    """The calendar's date, moved by as much as the step before it moved (or came in late):
    the holder keeps the calendar's gap between the two steps."""
    due = max(deadline.due, team.start_date)
    before = predecessor(deadline.id)
    if before is None or before not in by_id:
        return due
    came_in = facts.done.get(before)
    if came_in is not None:
        anchor = came_in.astimezone(program.tz).date()
    else:
        anchor = dues.get(before) or _effective_due(
            program, team, by_id[before], by_id, facts, dues
        )
    shifted = anchor + (deadline.due - by_id[before].due)
    return max(due, next_school_day_on_or_after(program, shifted))


def _role_holders(role: str) -> tuple[str, ...]:
    return ("mentor", "protege") if role == "team" else (role,)


# --- sources ---------------------------------------------------------------------------------


def _contact_facts(
    session: Session, program: Program, teams: Sequence[Team], ids: set[str]
) -> dict[int, Facts]:
    out: dict[int, Facts] = {}
    for team in teams:
        facts = Facts()
        done = contact_form_completed(team)
        if done is not None:
            facts.done["contact-form"] = done
        else:
            # Each member files their own: only those who have not are holding it up.
            facts.holders["contact-form"] = tuple(
                role
                for role, person in (("mentor", team.mentor), ("protege", team.protege))
                if person.contact_filed_at is None
            )
        out[team.id] = facts
    return out


def _plan_facts(
    session: Session, program: Program, teams: Sequence[Team], ids: set[str]
) -> dict[int, Facts]:
    """When each initial-meeting step was first done (as `completed_steps`), three grouped
    queries per batch rather than three per team."""
    out = {team.id: Facts() for team in teams}
    program_of = {team.id: team.program_id for team in teams}
    team_ids = list(program_of)
    for step, model, column in (
        (FOCAL_STEP, FocalPointsFiling, FocalPointsFiling.filed_at),
        (DECISION_STEP, DecisionPointsFiling, DecisionPointsFiling.filed_at),
        (PLAN_STEP, MentoringPlan, MentoringPlan.submitted_at),
    ):
        for start in range(0, len(team_ids), 500):
            rows = session.execute(
                select(model.team_id, model.program_id, func.min(column))
                .where(model.team_id.in_(team_ids[start : start + 500]))
                .group_by(model.team_id, model.program_id)
            )
            for team_id, program_id, at in rows:
                if at is not None and program_of[team_id] == program_id:
                    out[team_id].done[step] = at
    return out


def _log_facts(
    session: Session, program: Program, teams: Sequence[Team], ids: set[str]
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
        for deadline in program.deadlines(team.track):
            if deadline.id in ids:
                month = f"{deadline.due.year:04d}-{deadline.due.month:02d}"
                if (team.id, month) in filed:
                    facts.done[deadline.id] = filed[(team.id, month)]
        out[team.id] = facts
    return out


def _form_facts(
    session: Session, program: Program, teams: Sequence[Team], ids: set[str]
) -> dict[int, Facts]:
    team_ids = [team.id for team in teams]
    out = {team.id: Facts() for team in teams}
    tracks = {team.id: team.track for team in teams}
    if any(_EXPERIENCE_STEP.match(i) for i in ids) or EXTRA_STEP in ids:
        _experience_facts(session, program, team_ids, tracks, ids, out)
    if "visit-report" in ids:
        _visit_facts(session, team_ids, out)
    if any(_PD_STEP.match(i) for i in ids):
        _pd_facts(session, team_ids, ids, out)
    if ASSESSMENT_STEP in ids:
        for activity in assessment_activities(session, team_ids):
            out[activity.team_id].done.setdefault(ASSESSMENT_STEP, activity.submitted_at)
    return out


def _experience_facts(
    session: Session,
    program: Program,
    team_ids: list[int],
    tracks: dict[int, str],
    ids: set[str],
    out: dict[int, Facts],
) -> None:
    records = defaultdict(dict)
    for record in experiences_of(session, team_ids):
        records[record.team_id][record.number] = record
    for team_id in team_ids:
        facts = out[team_id]
        numbers = {int(m.group(1)) for i in ids if (m := _EXPERIENCE_STEP.match(i))}
        for number in numbers:
            _one_experience(facts, number, records[team_id].get(number))
        if EXTRA_STEP in ids:
            covered = coverage(program, records[team_id].values())
            if covered.complete_at is not None:
                facts.done[EXTRA_STEP] = covered.complete_at
            elif covered.missing:
                facts.notes[EXTRA_STEP] = "still missing: " + ", ".join(covered.missing)


def _one_experience(facts: Facts, number: int, record) -> None:
    send, comment, file = (f"experience-{number}-{step}" for step in ("send", "comment", "file"))
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


def _visit_facts(session: Session, team_ids: list[int], out: dict[int, Facts]) -> None:
    reports = defaultdict(list)
    for report in current_visit_reports(session, team_ids):
        reports[report.team_id].append(report)
    for team_id in team_ids:
        facts = out[team_id]
        confirmed = [r.confirmed_at for r in reports[team_id] if r.confirmed_at is not None]
        if confirmed:
            facts.done["visit-report"] = min(confirmed)
            continue
        pending = next(iter(reports[team_id]), None)
        if pending is None:
            facts.holders["visit-report"] = ("mentor",)
            facts.notes["visit-report"] = "the mentor files it after the visit"
        elif pending.status is VisitStatus.FILED:
            facts.holders["visit-report"] = ("protege",)
            facts.notes["visit-report"] = "filed; waiting for the protégé to confirm"
        else:
            facts.holders["visit-report"] = ("mentor",)
            facts.notes["visit-report"] = "the protégé asked the mentor for a change"


def _pd_facts(session: Session, team_ids: list[int], ids: set[str], out: dict[int, Facts]):
    forms = {(f.team_id, f.number): f for f in current_pd_forms(session, team_ids)}
    for team_id in team_ids:
        for deadline_id in ids:
            match = _PD_STEP.match(deadline_id)
            if match is None:
                continue
            form = forms.get((team_id, int(match.group(1))))
            facts = out[team_id]
            if form is None:
                continue
            if form.status is PdStatus.SIGNED and form.signed_at is not None:
                facts.done[deadline_id] = form.signed_at
            else:
                facts.holders[deadline_id] = ("mentor",)
                facts.notes[deadline_id] = "filed; waiting for the mentor's comments"


def _is_form_step(deadline: Deadline) -> bool:
    return bool(
        _EXPERIENCE_STEP.match(deadline.id)
        or _PD_STEP.match(deadline.id)
        or deadline.step in (EXTRA_STEP, "visit-report", ASSESSMENT_STEP)
    )


SOURCES: tuple[Source, ...] = (
    Source(lambda d: d.step == "contact-form", _contact_facts),
    Source(lambda d: d.step in _PLAN_STEPS, _plan_facts),
    Source(lambda d: d.step == LOG_STEP, _log_facts),
    Source(_is_form_step, _form_facts),
)
