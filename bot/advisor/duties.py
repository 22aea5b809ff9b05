"""The content advisor's own steps for each team, as the program file declares them
(`bot.advisor.step`): introduce yourself to the building administrators, keep in touch each
month, review a plan within a week. Where each stands, and marking one done.

They are the advisor's, never the team's: a team is complete without them. A month's contact
is done when the advisor marked it, or answered the team from the digest ("I've reached out",
"Nudge the team") in that month; a plan's review when the current revision was approved or
returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from bot.access import Refusal
from bot.advisor.step import ADVISOR_CONTACT, ADVISOR_INTRODUCTION, KINDS, PLAN_REVIEW
from bot.advisor.views import StepRow
from bot.program import Deadline, Program
from bot.slack.dates import human_date
from storage.duties import current_plans, duties_done, mark_done
from storage.models import Team
from storage.plans import MentoringPlan, PlanStatus
from storage.silence import SilenceActionKind, actions_for

DONE, DUE, OVERDUE, UPCOMING, WAITING = "done", "due", "overdue", "upcoming", "waiting"
# A month's contact not made by the next month's date: past, no longer asked for.
MISSED = "missed"
# An advisor's answer from the digest is contact with the team.
CONTACTS = frozenset({SilenceActionKind.REACHED_OUT, SilenceActionKind.NUDGED})
# A team that starts after the introduction's date gets this long to be introduced.
LATE_START_GRACE = timedelta(days=14)
MARKABLE = frozenset({ADVISOR_INTRODUCTION, ADVISOR_CONTACT})


class TeamLike(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def track(self) -> str: ...

    @property
    def start_date(self) -> date: ...


@dataclass(frozen=True)
class DutyStatus:
    """One of the advisor's steps for one team."""

    deadline: Deadline
    name: str  # the bot's words: "Introduce yourself to the building administrator"
    due: date  # for a team that started late, or a plan sent late, later than the calendar's
    done_at: datetime | None
    state: str  # done / due / overdue / upcoming / waiting (no plan sent yet) / missed
    how: str = ""  # "marked done by <@U…>", "approved": what made it done

    @property
    def key(self) -> str:
        return self.deadline.key

    @property
    def markable(self) -> bool:
        """Marked done by the advisor (a plan's review is done by deciding the plan)."""
        return self.deadline.step.kind in MARKABLE

    @property
    def done(self) -> bool:
        return self.state == DONE


def advisor_steps(program: Program, track: str) -> tuple[Deadline, ...]:
    return tuple(d for d in program.deadlines(track) if d.step.kind in KINDS)


def duty_name(deadline: Deadline) -> str:
    kind = deadline.step.kind
    if kind == ADVISOR_INTRODUCTION:
        return "Introduce yourself to the building administrator"
    if kind == ADVISOR_CONTACT:
        return f"Monthly contact with the team, {deadline.due:%B}"
    return "Review the Individual Mentoring Plan"


def review_due(program: Program, sent: date) -> date:
    """The last school day of a plan's review week: `plan_review_school_days` after it came."""
    day, left = sent, program.settings.plan_review_school_days
    while left:
        day += timedelta(days=1)
        if program.is_school_day(day):
            left -= 1
    return day


def review_left(program: Program, due: date, today: date) -> str:
    """How much of the review week is left: "3 school days left of the review week"."""
    if today > due:
        late = program.school_days_between(due, today)
        return f"{late} school day{'s' if late != 1 else ''} past the review week"
    left = program.school_days_between(today - timedelta(days=1), due)
    if left <= 1:
        return "last school day of the review week"
    return f"{left} school days left of the review week"


def duties_for(
    session: Session, program: Program, teams: Sequence[TeamLike], today: date
) -> dict[int, list[DutyStatus]]:
    """Every advisor step of each team's track, in calendar order: a few queries a batch."""
    ids = [team.id for team in teams]
    marked = duties_done(session, ids, program.id)
    answers = actions_for(session, ids)
    plans = current_plans(session, ids, program.id)
    found: dict[int, list[DutyStatus]] = {}
    for team in teams:
        steps = advisor_steps(program, team.track)
        contacts = [a.at for a in answers.get(team.id, []) if a.kind in CONTACTS]
        out: list[DutyStatus] = []
        previous_contact: date | None = None
        for deadline in steps:
            kind = deadline.step.kind
            if kind == PLAN_REVIEW:
                out.append(_review(program, deadline, plans.get(team.id), today))
                continue
            window_start = previous_contact
            if kind == ADVISOR_CONTACT:
                previous_contact = deadline.due
                if deadline.due < team.start_date:
                    continue  # a month before the team began
            due = deadline.due
            if kind == ADVISOR_INTRODUCTION:
                due = max(due, team.start_date + LATE_START_GRACE)
            row = marked.get((team.id, deadline.key))
            done_at, how = (row.done_at, f"marked done by <@{row.done_by}>") if row else (None, "")
            if done_at is None and kind == ADVISOR_CONTACT:
                done_at = _contact_in(contacts, program, window_start, deadline.due)
                how = "answered from the digest" if done_at else ""
            state = _state(due, done_at, today, program)
            out.append(DutyStatus(deadline, duty_name(deadline), due, done_at, state, how))
        found[team.id] = _missed(out, today)
    return found


def _missed(statuses: list[DutyStatus], today: date) -> list[DutyStatus]:
    """A month's contact still open once the next month's date passed is missed: the
    advisor is asked about this month's, not reminded of every month before it."""
    contacts = [s for s in statuses if s.deadline.step.kind == ADVISOR_CONTACT]
    gone = {
        earlier.key
        for earlier, later in zip(contacts, contacts[1:], strict=False)
        if earlier.state == OVERDUE and later.due < today
    }
    return [replace(s, state=MISSED) if s.key in gone else s for s in statuses]


def _contact_in(
    contacts: Iterable[datetime], program: Program, after: date | None, through: date
) -> datetime | None:
    for at in contacts:
        day = at.astimezone(program.tz).date()
        if (after is None or day > after) and day <= through:
            return at
    return None


def _review(
    program: Program, deadline: Deadline, plan: MentoringPlan | None, today: date
) -> DutyStatus:
    name = duty_name(deadline)
    if plan is None:
        return DutyStatus(deadline, name, deadline.due, None, WAITING)
    due = review_due(program, plan.submitted_at.astimezone(program.tz).date())
    if plan.status == PlanStatus.APPROVED:
        return DutyStatus(deadline, name, due, plan.approved_at, DONE, "approved")
    if plan.status == PlanStatus.RETURNED:
        return DutyStatus(deadline, name, due, plan.returned_at, DONE, "returned with comment")
    return DutyStatus(deadline, name, due, None, _state(due, None, today, program))


def _state(due: date, done_at: datetime | None, today: date, program: Program) -> str:
    if done_at is not None:
        return DONE
    if today > due:
        return OVERDUE
    if (due - today).days <= max(program.settings.advisor_reminder_lead_days, default=0):
        return DUE
    return UPCOMING


def duty_line(status: DutyStatus) -> str:
    """A step's line in the digest and on the team card, without "today": the same words
    are found again to strike through once it is done."""
    return f"Your step: {status.name}, due {human_date(status.due)}"


def mark_duty(
    session: Session, program: Program, team: TeamLike, step: str, by: str, now: datetime
) -> bool:
    """Mark one of the advisor's steps for the team done (access is the caller's:
    ADVISOR_DUTY); False when it already was."""
    markable = {d.key for d in advisor_steps(program, team.track) if d.step.kind in MARKABLE}
    if step not in markable:
        raise Refusal("That step is not one of this team's advisor steps.")
    return mark_done(session, team.id, program.id, step, by, now)


def due_now(statuses: Iterable[DutyStatus]) -> list[DutyStatus]:
    """The steps to show as waiting on the advisor: due or late, not done."""
    return [s for s in statuses if s.state in (DUE, OVERDUE)]


def step_rows(
    session: Session, program: Program, teams: Sequence[Team], today: date
) -> dict[int, list[StepRow]]:
    """Each team's advisor steps as the team card and the Home tab show them."""
    found = duties_for(session, program, teams, today)
    return {
        team.id: [
            StepRow(
                team.id,
                team.mentor.slack_id,
                team.protege.slack_id,
                status.key,
                status.name,
                status.due,
                status.state,
                status.done_at.astimezone(program.tz).date() if status.done_at else None,
                status.markable,
            )
            for status in found[team.id]
        ]
        for team in teams
    }
