"""Where a team stands on each deliverable of its track: the one place that knows whether
step X is done, whose move it is, and whether it is upcoming, due, overdue or done.

Each feature reports the steps of its forms through its step handlers (`step_handlers`); this
module asks each handler once for a whole batch of teams (a few queries per batch, not per
team) and derives the rest:
- the people holding a step up (the calendar's responsible role, refined by the form's state:
  a Visit Report not yet filed is with the mentor, a Mentor Comment Form sent back to
  discuss is with the mentor again);
- steps waiting on the one before them (no Mentor Comment Form before a submission);
- an effective due date: when the step before came in late, the next keeps the calendar's
  gap from it instead of being late from the start; never before the team's start date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.program import Deadline, Program, StepKind
from bot.program.kinds import spec
from bot.slack.dates import human_date
from bot.status.step_handlers import Facts, FactsOf, handler_for
from bot.teams.pauses import Pause, pauses_of, shifted
from storage.models import Team
from storage.pace import confirmed_outside

MEMBER_ROLES = ("mentor", "protege", "team")
DONE, DUE, OVERDUE, UPCOMING = "done", "due", "overdue", "upcoming"


@dataclass(frozen=True, slots=True)
class OutsideSlack:
    """A step a member said was done outside Slack ("Done outside Slack" on a reminder), once
    the team's content advisor (or staff) confirmed it: done, like a step filed in Slack."""

    said_by: str  # Slack ids
    confirmed_by: str
    confirmed_on: date  # the program's local day

    def words(self, confirmer: str | None = None, year: bool = False) -> str:
        """ "done outside Slack, confirmed by <@U…> on Tue, Oct 22" (`confirmer`: a name
        instead of the mention, for a file; `year`: the date with its year)."""
        on = human_date(self.confirmed_on) + (f", {self.confirmed_on.year}" if year else "")
        return f"done outside Slack, confirmed by {confirmer or f'<@{self.confirmed_by}>'} on {on}"


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
    paused_days: int = 0  # how far the team's pauses moved effective_due
    outside: OutsideSlack | None = None  # done outside Slack, as confirmed

    @property
    def id(self) -> str:
        return self.deadline.id

    @property
    def title(self) -> str:
        return self.deadline.title

    @property
    def done(self) -> bool:
        return self.state == DONE


# --- the public questions -------------------------------------------------------------------


def member_deadlines(program: Program, track: str) -> tuple[Deadline, ...]:
    """The track's deadlines a team member is responsible for (meetings with no form to
    deliver, and staff's or advisors' own steps, are not the team's deliverables)."""
    return tuple(
        d for d in program.deadlines(track) if d.role in MEMBER_ROLES and d.form is not None
    )


def tracked_deadlines(program: Program, track: str) -> tuple[Deadline, ...]:
    """What a team's status is made of, in calendar order: its deliverables, and its meetings
    where attendance is recorded (`bot.meetings`)."""
    return tuple(
        d
        for d in program.deadlines(track)
        if (d.role in MEMBER_ROLES and d.form is not None)
        or (is_meeting(d) and _tracked(d.step.kind))
    )


def is_meeting(deadline: Deadline) -> bool:
    """A step the team takes part in with no form to deliver: the program's meetings."""
    return deadline.role in MEMBER_ROLES and deadline.form is None


def member_meetings(program: Program, track: str) -> tuple[Deadline, ...]:
    """The track's meetings: dated, shown and reminded; their attendance, where recorded, is
    a step of the team's status (`tracked_deadlines`)."""
    return tuple(d for d in program.deadlines(track) if is_meeting(d))


def upcoming_meetings(program: Program, team: Team, today: date) -> tuple[Deadline, ...]:
    """The team's meetings from today on (none from before the team began)."""
    first = max(today, team.start_date)
    return tuple(d for d in member_meetings(program, team.track) if d.due >= first)


def attendees(meeting: Deadline) -> tuple[str, ...]:
    """The members a meeting is for ("mentor", "protege")."""
    return _role_holders(meeting.role)


def forms_at(program: Program, meeting: Deadline) -> tuple[Deadline, ...]:
    """The deliverables due on a meeting's date in its track: filled in there, together."""
    return tuple(d for d in member_deadlines(program, meeting.track) if d.due == meeting.due)


def meetings_first(deadlines: Iterable[Deadline]) -> list[Deadline]:
    """In date order, a day's meetings before its forms: what happens there matters more."""
    return sorted(deadlines, key=lambda d: (d.due, not is_meeting(d)))


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
            d for d in tracked_deadlines(program, track) if wanted is None or d.id in wanted
        ]
        facts = _gather(session, program, members, deadlines)
        outside = _done_outside(session, program, members, deadlines, facts)
        paused = pauses_of(session, program, [team.id for team in members])
        tracked = {d.id for d in deadlines if _tracked(d.step.kind)}
        # Asked once per track, not per team and step.
        before_of = {
            d.id: before for d in program.deadlines(track) if (before := predecessor(program, d))
        }
        for team in members:
            result[team.id] = _statuses(
                program, team, deadlines, tracked, before_of, facts[team.id], today
            )
            if team.id in outside:
                result[team.id] = [
                    replace(s, outside=outside[team.id].get(s.id)) for s in result[team.id]
                ]
            if team.id in paused:  # a pause moves what was still to come
                result[team.id] = _after_pauses(result[team.id], paused[team.id], program, today)
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
    """The step that must come first, where a kind's parts are taken in order: no Mentor
    Comment Form before a submission, no agreement before the comment form."""
    step = deadline.step
    rules = spec(step.kind)
    if not rules.in_order or step.part not in rules.parts[1:]:
        return None
    before = rules.parts[rules.parts.index(step.part) - 1]
    return program.step(deadline.track, step.kind, step.number, before)


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
    # Kinds whose handlers share a facts function are asked together, in one call.
    asked: dict[FactsOf, list[Deadline]] = defaultdict(list)
    for deadline in deadlines:
        handler = handler_for(deadline.step.kind)
        if handler is not None and handler.facts is not None:
            asked[handler.facts].append(deadline)
    for facts_of, covered in asked.items():
        for team_id, facts in facts_of(session, program, teams, covered).items():
            target = merged[team_id]
            # Kept whole: a step's effective due date needs the step before it too.
            target.done.update(facts.done)
            target.holders.update(facts.holders)
            target.waiting.update(facts.waiting)
            target.notes.update(facts.notes)
            target.pending.update(facts.pending)
    return merged


def _done_outside(
    session: Session,
    program: Program,
    teams: Sequence[Team],
    deadlines: Sequence[Deadline],
    facts: dict[int, Facts],
) -> dict[int, dict[str, OutsideSlack]]:
    """Steps done outside Slack, as confirmed, made done in `facts` (by deadline id, per team)
    so that every answer built on these statuses counts them: standings, progress, the Home
    tab, completion, reports. Unconfirmed, a member's word only stops the reminders
    (`schedules.duties.status`). A step filed in Slack as well keeps Slack's record."""
    by_key = {program.step_key(d): d for d in deadlines}
    found: dict[int, dict[str, OutsideSlack]] = defaultdict(dict)
    for row in confirmed_outside(session, [team.id for team in teams]):
        deadline = by_key.get(row.step)
        if deadline is None or row.confirmed_at is None or row.confirmed_by is None:
            continue  # another year's step, or one this question does not ask about
        team_facts = facts[row.team_id]
        if deadline.id in team_facts.done:
            continue
        team_facts.done[deadline.id] = row.at  # when the member said it was done
        # A step that waited on it (a Mentor Comment Form on an experience sent by e-mail) is
        # its holder's now, and taken the same way: nothing of it is in Slack to open.
        for later in [d for d, on in team_facts.waiting.items() if on == deadline.id]:
            del team_facts.waiting[later]
            team_facts.notes.setdefault(later, "the step before it was done outside Slack")
        found[row.team_id][deadline.id] = OutsideSlack(
            row.slack_id, row.confirmed_by, row.confirmed_at.astimezone(program.tz).date()
        )
    return found


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
        if done_at is None and deadline.id in facts.pending:
            effective = max(effective, today)
        dues[deadline.id] = effective
        if done_at is not None or waiting is not None or deadline.id in facts.pending:
            holders: tuple[str, ...] = ()  # done, waiting, or someone else's to record
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


def _after_pauses(
    statuses: list[DeliverableStatus], pauses: list[Pause], program: Program, today: date
) -> list[DeliverableStatus]:
    lead = max(program.settings.reminder_lead_days, default=0)
    moved = []
    for status in statuses:
        due = shifted(status.effective_due, pauses, today)
        moved.append(
            replace(
                status,
                effective_due=due,
                state=state_on(due, status.done_at, today, lead),
                paused_days=(due - status.effective_due).days,
            )
        )
    return moved


def _role_holders(role: str) -> tuple[str, ...]:
    return ("mentor", "protege") if role == "team" else (role,)


def _tracked(kind: StepKind) -> bool:
    """Whether a feature reports when the steps of this kind are done."""
    handler = handler_for(kind)
    return handler is not None and handler.facts is not None
