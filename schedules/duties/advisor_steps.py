"""What waits on the content advisor, in their morning message and nowhere else:

- their own steps (`bot.advisor.duties`): introduce yourself to the building administrator,
  the month's contact with the team; a reminder at each of the program's advisor lead days
  under *needs you*, the school day after its date under *late*, each with "Mark done";
- plans to review: each school day a plan waits, under *needs you*, with the school days
  left of the review week and the Approve / Return buttons;
- meetings whose attendance is not recorded: the school day after the meeting and a week
  later, with "Record attendance" (the team card's modal).

Each line is struck through in the messages that showed it once the step is done, the plan
decided or the attendance recorded (`chat.update`, never a new message).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy.orm import Session

from bot.advisor.duties import MISSED, DutyStatus, duties_for, duty_line, review_due, review_left
from bot.advisor.rules import alert_day, quiet_teams
from bot.advisor.views import DUTY_DONE, Part, TeamItem, advisor_digest, struck
from bot.meetings.rules import LABELS
from bot.meetings.views import OPEN as ATTENDANCE_OPEN
from bot.plans.views import REVIEW_APPROVE, REVIEW_RETURN
from bot.program import Deadline, Program
from bot.slack.blocks import button
from bot.slack.dates import human_date, local_instant, zone
from bot.status.deliverables import member_meetings, next_school_day_on_or_after
from bot.status.progress import meeting_name
from schedules.notice import Message, Notice
from storage import ledger
from storage.meetings import attendance_of
from storage.models import Role
from storage.people import RosterTeam, granted_holders, roster
from storage.plans import MentoringPlan, PlanStatus, get_plan, pending_plans

DUTY_KIND = "advisor_step"
DUTY_LATE_KIND = "advisor_step_late"
DUTY_DONE_KIND = "advisor_step_done"
REVIEW_KIND = "plan_review"
REVIEWED_KIND = "plan_reviewed"
ATTENDANCE_KIND = "attendance_to_record"
RECORDED_KIND = "attendance_recorded"
USEFUL_FOR = timedelta(days=10)  # a late line the bot could not send by then is skipped
REMINDER_USEFUL = timedelta(days=2)
# The attendance line comes the school day after the meeting, and again a week later.
ATTENDANCE_AGAIN = timedelta(days=7)
# A line whose moment passed is recorded as skipped by the ticks of these days, then no
# longer computed: the year's past months are not recomputed every few minutes.
SETTLED_WITHIN = timedelta(days=2)


def _recent(now: datetime, notices: Iterator[Notice]) -> Iterator[Notice]:
    return (notice for notice in notices if now <= notice.expires_at + SETTLED_WITHIN)


def advisor_steps(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    return _recent(now, _advisor_steps(session, program, now))


def _advisor_steps(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    teams = [team for team in roster(session, program.id) if team.advisor is not None]
    if not teams:
        return
    today = now.astimezone(program.tz).date()
    statuses = duties_for(session, program, teams, today)
    sent = ledger.sent_of_kinds(session, (DUTY_KIND, DUTY_LATE_KIND))
    quiet = quiet_teams(session, [team.id for team in teams])
    for team in teams:
        assert team.advisor is not None
        for status in statuses[team.id]:
            if not status.markable:
                continue  # a plan's review: plans_to_review says it
            if status.done:
                yield from _step_done(program, team, status, sent)
            elif status.state != MISSED:
                yield from _step_notices(program, team, status, quiet.get(team.id), now)


def _step_item(team: RosterTeam, status: DutyStatus, part: Part) -> TeamItem:
    value = f"{team.id}:{status.key}"
    return TeamItem(
        team.id,
        team.mentor.slack_id,
        team.protege.slack_id,
        part,
        duty_line(status),
        buttons=(button("Mark done", DUTY_DONE, value),),
    )


def _step_notices(
    program: Program,
    team: RosterTeam,
    status: DutyStatus,
    quiet_until: date | None,
    now: datetime,
) -> Iterator[Notice]:
    """The step's reminders, then its late line; a team the advisor snoozed or reached out
    to holds them too, as its other alerts (two held onto one day make one line)."""
    advisor = team.advisor
    assert advisor is not None
    tz = zone(advisor.tz, program.tz)
    start = program.settings.quiet_hours.end
    step = program.step_key(status.deadline)
    leads = program.settings.advisor_reminder_lead_days
    days = [program.reminder_day(status.due - timedelta(days=lead)) for lead in leads]
    moments = [
        local_instant(alert_day(program, max(day, team.start_date), quiet_until), start, tz)
        for day in days
    ]
    end_of_day = local_instant(status.due + timedelta(days=1), time(0), tz)
    for index, lead in enumerate(leads):
        later = [m for m in moments[index + 1 :] if m > moments[index]]
        if now < moments[index]:
            continue
        yield _notice(
            f"advisorstep:team{team.id}:{step}:d{lead}",
            DUTY_KIND,
            advisor.slack_id,
            advisor.tz,
            moments[index],
            # A reminder of the advisor's own step is of use for a couple of days: on a
            # morning that has all the teams' late steps it would only crowd them.
            min(later[0] if later else end_of_day, moments[index] + REMINDER_USEFUL),
            partial(_step_item, team, status, Part.NEEDS_YOU),
        )
    late_day = alert_day(
        program,
        next_school_day_on_or_after(program, status.due + timedelta(days=1)),
        quiet_until,
    )
    late_at = local_instant(late_day, start, tz)
    if now >= late_at:
        yield _notice(
            f"advisorstep:team{team.id}:{step}:late",
            DUTY_LATE_KIND,
            advisor.slack_id,
            advisor.tz,
            late_at,
            late_at + USEFUL_FOR,
            partial(_step_item, team, status, Part.LATE),
        )


def _step_done(
    program: Program, team: RosterTeam, status: DutyStatus, sent: dict[str, ledger.SentNotice]
) -> Iterator[Notice]:
    """A step done after the advisor heard of it: struck through where it was said."""
    prefix = f"advisorstep:team{team.id}:{program.step_key(status.deadline)}:"
    told = sorted(key for key in sent if key.startswith(prefix))
    if not told or status.done_at is None:
        return
    advisor = team.advisor
    assert advisor is not None
    closing = f"done {human_date(status.done_at.astimezone(program.tz).date())}"
    yield _edit(
        f"{prefix}done",
        DUTY_DONE_KIND,
        (advisor.slack_id, advisor.tz),
        status.done_at,
        f"Done: {status.name}.",
        {key: sent[key] for key in told},
        partial(
            struck,
            team_id=team.id,
            line=duty_line(status),
            closing=closing,
            drop=(DUTY_DONE, f"{team.id}:{status.key}"),
        ),
    )


# --- plans to review ------------------------------------------------------------------------


def plans_to_review(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    return _recent(now, _plans_to_review(session, program, now))


def _plans_to_review(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    teams = {team.id: team for team in roster(session, program.id)}
    staff: list[str] | None = None
    for plan in pending_plans(session, program.id):
        team = teams.get(plan.team_id)
        if team is None:
            continue  # ended since
        if team.advisor is None and staff is None:
            staff = sorted(granted_holders(session, Role.STAFF))
        for slack_id, tz_name in _reviewers(team, staff or []):
            tz = zone(tz_name, program.tz)
            today = now.astimezone(tz).date()
            sent = plan.submitted_at.astimezone(tz).date()
            if today <= sent:
                continue  # the review DM reached them at once
            due = review_due(program, sent)
            item = partial(_review_item, program, team, plan.id, plan.revision, sent, due, today)
            yield _notice(
                f"planreview:plan{plan.id}:{today.isoformat()}:{slack_id}",
                REVIEW_KIND,
                slack_id,
                tz_name,
                local_instant(today, program.settings.quiet_hours.end, tz),
                local_instant(today + timedelta(days=1), time(0), tz),
                item,
            )
    yield from _reviewed(session, program, teams)


def _reviewers(team: RosterTeam, staff: list[str]) -> list[tuple[str, str | None]]:
    """Who decides the team's plan: its advisor, or program staff while it has none."""
    if team.advisor is not None:
        return [(team.advisor.slack_id, team.advisor.tz)]
    return [(slack_id, None) for slack_id in staff]


def review_line(revision: int, sent: date) -> str:
    """The stable start of a plan's line, found again to strike once it is decided."""
    return f"Individual Mentoring Plan to review, revision {revision}, sent {human_date(sent)}"


def _review_item(
    program: Program,
    team: RosterTeam,
    plan_id: int,
    revision: int,
    sent: date,
    due: date,
    today: date,
) -> TeamItem:
    value = str(plan_id)
    line = f"{review_line(revision, sent)}: {review_left(program, due, today)}"
    return TeamItem(
        team.id,
        team.mentor.slack_id,
        team.protege.slack_id,
        Part.NEEDS_YOU,
        line,
        buttons=(
            button("Approve the plan", REVIEW_APPROVE, value, "primary"),
            button("Return with comment", REVIEW_RETURN, value),
        ),
    )


def _reviewed(session: Session, program: Program, teams: dict[int, RosterTeam]) -> Iterator[Notice]:
    """A plan decided (or replaced) after it was in a morning message: struck there."""
    sent = ledger.sent_of_kinds(session, (REVIEW_KIND,))
    by_plan: dict[tuple[int, str], list[str]] = {}
    for key, notice in sent.items():
        plan_id = int(key.split(":")[1].removeprefix("plan"))
        by_plan.setdefault((plan_id, notice.recipient), []).append(key)
    for (plan_id, recipient), keys in sorted(by_plan.items()):
        plan = get_plan(session, plan_id)
        if plan is None or plan.team_id not in teams:
            continue
        closing, at = _decision(plan, program)
        if closing is None or at is None:
            continue  # still waiting
        team = teams[plan.team_id]
        tz_name = team.advisor.tz if team.advisor is not None else None
        sent_day = plan.submitted_at.astimezone(zone(tz_name, program.tz)).date()
        yield _edit(
            f"planreviewed:plan{plan_id}:{recipient}",
            REVIEWED_KIND,
            (recipient, tz_name),
            at,
            f"Individual Mentoring Plan, revision {plan.revision}: {closing}.",
            {key: sent[key] for key in keys},
            partial(
                struck,
                team_id=plan.team_id,
                line=review_line(plan.revision, sent_day),
                closing=closing,
                drop=(REVIEW_APPROVE, str(plan_id)),
            ),
        )


def _decision(plan: MentoringPlan, program: Program) -> tuple[str | None, datetime | None]:
    def on(at: datetime) -> str:
        return human_date(at.astimezone(program.tz).date())

    if plan.status == PlanStatus.APPROVED and plan.approved_at is not None:
        return f"approved {on(plan.approved_at)}", plan.approved_at
    if plan.status == PlanStatus.RETURNED and plan.returned_at is not None:
        return f"returned {on(plan.returned_at)}", plan.returned_at
    if plan.superseded_at is not None:
        return "a newer revision came", plan.superseded_at
    return None, None


# --- meetings whose attendance is not recorded ----------------------------------------------


def attendance_to_record(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    return _recent(now, _attendance_to_record(session, program, now))


def _attendance_to_record(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    today = now.astimezone(program.tz).date()
    past = {
        track.id: [m for m in member_meetings(program, track.id) if m.due < today]
        for track in program.tracks
    }
    if not any(past.values()):
        return
    teams = [t for t in roster(session, program.id) if past.get(t.track)]
    records = attendance_of(session, [t.id for t in teams], program.id)
    quiet = quiet_teams(session, [t.id for t in teams])
    staff: list[str] | None = None
    sent: dict[str, ledger.SentNotice] | None = None
    for team in teams:
        if team.advisor is None and staff is None:
            staff = sorted(granted_holders(session, Role.STAFF))
        for meeting in past[team.track]:
            if meeting.due < team.start_date:
                continue  # paired after it: nothing to record
            record = records.get((team.id, meeting.key))
            if record is None:
                held = quiet.get(team.id)
                yield from _attendance_notices(program, team, meeting, staff or [], held, now)
                continue
            if sent is None:
                sent = ledger.sent_of_kinds(session, (ATTENDANCE_KIND,))
            yield from _recorded(
                program, team, meeting, LABELS[record.state], record.recorded_at, sent
            )


def attendance_line(meeting: Deadline) -> str:
    return f"{meeting_name(meeting)}, {human_date(meeting.due)}: attendance not recorded yet"


def _attendance_item(team: RosterTeam, meeting: Deadline) -> TeamItem:
    return TeamItem(
        team.id,
        team.mentor.slack_id,
        team.protege.slack_id,
        Part.NEEDS_YOU,
        attendance_line(meeting),
        buttons=(button("Record attendance", ATTENDANCE_OPEN, str(team.id)),),
    )


def _attendance_notices(
    program: Program,
    team: RosterTeam,
    meeting: Deadline,
    staff: list[str],
    quiet_until: date | None,
    now: datetime,
) -> Iterator[Notice]:
    first = next_school_day_on_or_after(program, meeting.due + timedelta(days=1))
    again = next_school_day_on_or_after(program, first + ATTENDANCE_AGAIN)
    first, again = (alert_day(program, day, quiet_until) for day in (first, again))
    for slack_id, tz_name in _reviewers(team, staff):
        tz = zone(tz_name, program.tz)
        for n, day in enumerate((first, again), start=1):
            due_at = local_instant(day, program.settings.quiet_hours.end, tz)
            if now < due_at:
                continue
            yield _notice(
                f"attendance:team{team.id}:{program.step_key(meeting)}:{slack_id}:{n}",
                ATTENDANCE_KIND,
                slack_id,
                tz_name,
                due_at,
                due_at + timedelta(days=3),
                partial(_attendance_item, team, meeting),
            )


def _recorded(
    program: Program,
    team: RosterTeam,
    meeting: Deadline,
    label: str,
    at: datetime,
    sent: dict[str, ledger.SentNotice],
) -> Iterator[Notice]:
    prefix = f"attendance:team{team.id}:{program.step_key(meeting)}:"
    by_recipient: dict[str, list[str]] = {}
    for key, notice in sent.items():
        if key.startswith(prefix):
            by_recipient.setdefault(notice.recipient, []).append(key)
    for recipient, keys in sorted(by_recipient.items()):
        tz_name = team.advisor.tz if team.advisor and team.advisor.slack_id == recipient else None
        yield _edit(
            f"attendancerecorded:team{team.id}:{program.step_key(meeting)}:{recipient}",
            RECORDED_KIND,
            (recipient, tz_name),
            at,
            f"Recorded: {meeting_name(meeting)}, {label.lower()}.",
            {key: sent[key] for key in keys},
            partial(
                struck,
                team_id=team.id,
                line=attendance_line(meeting),
                closing=f"recorded: {label.lower()}",
                drop=(ATTENDANCE_OPEN, str(team.id)),
            ),
        )


# --- notices --------------------------------------------------------------------------------


def _notice(
    key: str,
    kind: str,
    recipient: str,
    tz: str | None,
    due_at: datetime,
    expires_at: datetime,
    item: Callable[[], TeamItem],
) -> Notice:
    """A line of the advisor's morning message: never a message of its own."""
    return Notice(
        key=key,
        kind=kind,
        recipient=recipient,
        due_at=due_at,
        expires_at=expires_at,
        compose=partial(_alone, item),
        tz=tz,
        item=item,
    )


def _alone(item: Callable[[], TeamItem]) -> Message:
    line = item()
    return line.line, advisor_digest([line])[1]


def _edit(
    key: str,
    kind: str,
    recipient: tuple[str, str | None],
    at: datetime,
    text: str,
    told: dict[str, ledger.SentNotice],
    edit: Callable[[list[dict]], list[dict]],
) -> Notice:
    """An edit of the morning messages that said a line (`told`, by key): from when the
    line was done, or the last of them went out."""
    due_at = max(at, *(notice.sent_at for notice in told.values()))
    return Notice(
        key=key,
        kind=kind,
        recipient=recipient[0],
        due_at=due_at,
        expires_at=due_at + USEFUL_FOR,
        compose=lambda: (text, []),
        tz=recipient[1],
        edits=tuple(sorted(told)),
        edit=edit,
    )
