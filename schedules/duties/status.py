"""Deadline nudges: before each calendar deadline of a team's track whose step is not done,
the person holding it up gets a reminder at each of the program's lead times and on the day;
the school day after, the content advisor gets one notice naming the step. The reminders of a
form due at one of the program's meetings (its track, its date) travel in the meeting's
reminder instead (`schedules.duties.meetings`).

The step's state comes from `bot.status.deliverables`, so a step done early stops generating its
notices (its nudges are simply never due). A step waiting on the one before it (a Mentor
Comment Form before the experience is in) is not nudged: the earlier step's holder is. When
the earlier step came in late, the later one's date moves with it (its effective due date).
Communication Logs (issue 4) and the survey (issue 6) have their own nudges; deadlines that
fell before a team started are not nudged.

A paused team hears nothing about its steps (its dates wait). Once it resumes, a step the
pause moved is reminded before its moved date as before its calendar one, even far past the
calendar date; the keys of those reminders name the move, so one sent before the pause does
not stand in for them. Reminders whose moment fell before the team resumed are not sent.

For a large program only deadlines near today are computed: a few queries per track a tick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.accounts.direct import reminder_key
from bot.advisor.rules import alert_day, late_item, late_line, quiet_teams
from bot.advisor.views import struck
from bot.pace.views import reminder_buttons
from bot.program import Deadline, Program, StepKind
from bot.slack.dates import human_date, local_instant, zone
from bot.status.deliverables import (
    DeliverableStatus,
    attendees,
    deliverables_for,
    member_deadlines,
    member_meetings,
    next_school_day_on_or_after,
    predecessor,
)
from bot.status.progress import (
    TeamHeading,
    opener_for,
    overdue_message,
    reminder_message,
    step_name,
)
from bot.teams.pauses import Pause, current_pause, longest_shift, program_pauses
from schedules.duties.meetings import meeting_key, meeting_moment
from schedules.notice import Message, Notice, composed
from storage import ledger
from storage.models import Person, Team, TeamStatus
from storage.pace import StepPace, StepPaceKind, step_paces

REMINDER_KIND = "deadline_nudge"
OVERDUE_KIND = "deadline_overdue"
DONE_KIND = "step_done"  # an overdue notice's line struck through in place once it is done
# Their own features nudge them.
NOT_NUDGED = frozenset({StepKind.COMMUNICATION_LOG, StepKind.SURVEY})
OVERDUE_USEFUL = timedelta(days=10)  # an overdue notice the bot could not send by then is skipped


def deadline_nudges(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    today = now.astimezone(program.tz).date()
    leads = lead_days(program)
    paused = program_pauses(session, program)
    reach = longest_shift(paused, today)  # a step moved by a pause is still to come
    for track in program.tracks:
        deadlines = [
            d
            for d in nudged_deadlines(program, track.id)
            if _near(program, d, today, leads[0], reach)
        ]
        if not deadlines:
            continue
        wanted = {d.id for d in deadlines} | {
            p.id for d in deadlines if (p := predecessor(program, d))
        }
        teams = _active_teams(session, program.id, track.id)
        by_team = deliverables_for(session, program, teams, today, only=wanted)
        # What the advisors heard already, and which teams they asked to hear less about.
        told = ledger.sent_of_kinds(session, (OVERDUE_KIND,))
        advised = [t.id for t in teams if t.advisor is not None]
        advisors = _Advisors(told, quiet_teams(session, advised), _paces(session, teams))
        meetings: dict[date, Deadline] = {}
        for meeting in member_meetings(program, track.id):
            meetings.setdefault(meeting.due, meeting)
        for team in teams:
            statuses = {s.id: s for s in by_team[team.id]}
            pauses = paused.get(team.id, [])
            for deadline in deadlines:
                status = statuses[deadline.id]
                at = meetings.get(status.due) if status.effective_due == status.due else None
                yield from _notices(
                    program, team, status, statuses, now, today, leads, at, advisors, pauses
                )


def nudged_deadlines(program: Program, track: str) -> tuple[Deadline, ...]:
    return tuple(d for d in member_deadlines(program, track) if d.step.kind not in NOT_NUDGED)


def lead_days(program: Program) -> tuple[int, ...]:
    """The reminder days before a deadline, longest first, always ending with the day itself."""
    return tuple(sorted(set(program.settings.reminder_lead_days) | {0}, reverse=True))


def _near(
    program: Program, deadline: Deadline, today: date, longest_lead: int, reach: timedelta
) -> bool:
    """Worth computing today. A later step of a chain stays in view after its date: the step
    before it may come in late and move it; so does any step within `reach` of it (the
    longest a pause has moved a team's dates)."""
    first = program.reminder_day(deadline.due - timedelta(days=longest_lead))
    if today < first - timedelta(days=1):
        return False
    return predecessor(program, deadline) is not None or today <= last_useful_day(
        program, deadline.due + reach
    )


def last_useful_day(program: Program, due: date) -> date:
    """After this day nothing about a deadline due on `due` is worth sending any more."""
    return overdue_day(program, due) + OVERDUE_USEFUL


def overdue_day(program: Program, due: date) -> date:
    return next_school_day_on_or_after(program, due + timedelta(days=1))


def _active_teams(session: Session, program_id: str, track: str) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .where(
                Team.status == TeamStatus.ACTIVE,
                Team.program_id == program_id,
                Team.track == track,
            )
            .options(joinedload(Team.mentor), joinedload(Team.protege), joinedload(Team.advisor))
            .order_by(Team.id)
        )
    )


@dataclass(frozen=True)
class _Advisors:
    told: dict[str, ledger.SentNotice]  # overdue notices sent, by key
    quiet: dict[int, date | None]  # a team's alerts wait until then (reached out, snoozed)
    # What members said of a step (team, step key): put off a day, or done outside Slack.
    paces: dict[tuple[int, str], list[StepPace]]


def _paces(session: Session, teams: Sequence[Team]) -> dict[tuple[int, str], list[StepPace]]:
    found: dict[tuple[int, str], list[StepPace]] = {}
    for row in step_paces(session, [team.id for team in teams]):
        found.setdefault((row.team_id, row.step), []).append(row)
    return found


def _notices(
    program: Program,
    team: Team,
    status: DeliverableStatus,
    statuses: dict[str, DeliverableStatus],
    now: datetime,
    today: date,
    leads: Sequence[int],
    meeting: Deadline | None,
    advisors: _Advisors,
    pauses: Sequence[Pause],
) -> Iterator[Notice]:
    """`meeting`: the meeting the step is due at (the track's meeting of its date, while the
    step has not moved from that date); `pauses`: the team's."""
    if status.done_at is not None:
        yield from _done(program, team, status, advisors, now)
        return
    if status.waiting_on is not None or current_pause(pauses) is not None:
        return
    resumed = pauses[-1].end if pauses else None
    said = advisors.paces.get((team.id, program.step_key(status.deadline)), [])
    if any(row.kind == StepPaceKind.OUTSIDE for row in said):
        return  # done outside Slack: no more reminders; the advisor is asked to confirm
    if status.due < team.start_date or today > last_useful_day(program, status.effective_due):
        return
    heading = _heading(team)
    # A reminder from before the step could be taken (its predecessor came in late) would
    # only repeat the DM that handed it over.
    step_before = predecessor(program, status.deadline)
    before = statuses.get(step_before.id) if step_before is not None else None
    ready_at = before.done_at if before is not None else None
    for role in status.holders:
        person = team.mentor if role == "mentor" else team.protege
        at = meeting if meeting is not None and role in attendees(meeting) else None
        later = max(
            (r for r in said if r.kind == StepPaceKind.LATER and r.slack_id == person.slack_id),
            key=lambda r: r.id,
            default=None,
        )
        yield from _reminders(
            program, team, status, heading, role, person, now, leads, ready_at, at, later, resumed
        )
    if team.advisor is not None:
        yield from _overdue(program, team, status, heading, now, advisors.quiet.get(team.id))


def _reminders(
    program: Program,
    team: Team,
    status: DeliverableStatus,
    heading: TeamHeading,
    role: str,
    person: Person,
    now: datetime,
    leads: Sequence[int],
    ready_at: datetime | None,
    meeting: Deadline | None,
    asked: StepPace | None,
    resumed: date | None,
) -> Iterator[Notice]:
    tz = zone(person.tz, program.tz)
    step = program.step_key(status.deadline)
    # Reminders meant for the time the team was paused are not sent once it is back.
    back = local_instant(resumed, time(0), tz) if resumed is not None else None
    moved = f":moved{status.paused_days}" if status.paused_days else ""

    def compose(today: date) -> Callable[[], Message]:
        message = partial(
            reminder_message,
            program,
            status,
            role,
            heading,
            today,
            opener_for(status, role, team.id),
        )
        return partial(_with_pace, message, team.id, step)

    put_off = None
    if asked is not None and asked.until is not None:
        # "Remind me next school day": the reminders due meanwhile give way to one then.
        put_off = local_instant(asked.until, program.settings.quiet_hours.end, tz)
        if now >= put_off and asked.until <= status.effective_due + timedelta(days=1):
            yield Notice(
                key=reminder_key(team.id, step, person.slack_id, f"later{asked.id}"),
                kind=REMINDER_KIND,
                recipient=person.slack_id,
                due_at=put_off,
                expires_at=local_instant(asked.until + timedelta(days=1), time(0), tz),
                compose=compose(min(now.astimezone(tz).date(), status.effective_due)),
                tz=person.tz,
            )
    start = program.settings.quiet_hours.end
    # A day that is no school day moves to the school day before it: moved, not lost.
    days = [program.reminder_day(status.effective_due - timedelta(days=n)) for n in leads]
    moments = [local_instant(day, start, tz) for day in days]
    end_of_day = local_instant(status.effective_due + timedelta(days=1), time(0), tz)
    for index, lead in enumerate(leads):
        due_at = moments[index]
        # Each reminder gives way to the next one on a later day rather than arriving with
        # it; two moved onto one day go out together, in one digest.
        later = [m for m in moments[index + 1 :] if m > due_at]
        expires_at = later[0] if later else end_of_day
        merged_into = None
        if meeting is not None:
            # A form filled in at a meeting is named in the meeting's reminder: each of its
            # own reminders goes out with that one, merged into it, and adds no section.
            # The day's own one too, rather than on the meeting's morning, when the members
            # are on their way to fill it in together: it would only repeat the meeting's
            # reminder. Merged rather than dropped, its key is settled as sent with the
            # message that said it, by the one path every notice takes.
            due_at, expires_at = meeting_moment(program, meeting, person.tz)
            merged_into = meeting_key(program, team.id, meeting, person.slack_id)
        if now < due_at or (ready_at is not None and due_at < ready_at):
            continue
        if back is not None and due_at < back:
            continue
        if put_off is not None and asked is not None and asked.at <= due_at <= put_off:
            continue
        # Worded for its own day: a reminder held over a weekend, or recorded as skipped, still
        # names the right date.
        today = min(now.astimezone(tz).date(), status.effective_due - timedelta(days=lead))
        yield Notice(
            key=reminder_key(team.id, step, person.slack_id, f"d{lead}{moved}"),
            kind=REMINDER_KIND,
            recipient=person.slack_id,
            due_at=due_at,
            expires_at=expires_at,
            compose=compose(today),
            tz=person.tz,
            merged_into=merged_into,
        )


def _with_pace(compose: Callable[[], Message], team_id: int, step: str) -> Message:
    """A reminder with its two pace buttons: later, or done outside Slack."""
    text, blocks = compose()
    return text, [*blocks, reminder_buttons(team_id, step)]


def _overdue(
    program: Program,
    team: Team,
    status: DeliverableStatus,
    heading: TeamHeading,
    now: datetime,
    quiet_until: date | None,
) -> Iterator[Notice]:
    advisor = team.advisor
    assert advisor is not None
    tz = zone(advisor.tz, program.tz)
    # The advisor reached out or snoozed the team: the step waits with its other alerts.
    day = alert_day(program, overdue_day(program, status.effective_due), quiet_until)
    due_at = local_instant(day, program.settings.quiet_hours.end, tz)
    if now < due_at:
        return
    name = step_name(program, status.deadline)
    yield Notice(
        key=_overdue_key(program, team, status),
        kind=OVERDUE_KIND,
        recipient=advisor.slack_id,
        due_at=due_at,
        expires_at=due_at + OVERDUE_USEFUL,
        compose=partial(overdue_message, program, status, heading, now.astimezone(tz).date()),
        tz=advisor.tz,
        item=partial(
            late_item,
            team.id,
            team.mentor.slack_id,
            team.protege.slack_id,
            name,
            status.effective_due,
        ),
    )


def _overdue_key(program: Program, team: Team, status: DeliverableStatus) -> str:
    return f"overdue:team{team.id}:{program.step_key(status.deadline)}"


def _done(
    program: Program, team: Team, status: DeliverableStatus, advisors: _Advisors, now: datetime
) -> Iterator[Notice]:
    """A step done after the advisor was told it was late: that line is struck through in
    the message that said it, not followed by another message."""
    overdue = _overdue_key(program, team, status)
    told = advisors.told.get(overdue)
    if told is None:
        return
    name = step_name(program, status.deadline)
    line = late_line(name, status.effective_due)
    done_at = status.done_at or now
    yield Notice(
        key=f"done:team{team.id}:{program.step_key(status.deadline)}",
        kind=DONE_KIND,
        recipient=told.recipient,
        due_at=max(done_at, told.sent_at),
        expires_at=max(done_at, told.sent_at) + OVERDUE_USEFUL,
        compose=composed(
            f"Done: {name}, for <@{team.mentor.slack_id}> and <@{team.protege.slack_id}>."
        ),
        tz=team.advisor.tz if team.advisor else None,
        edits=(overdue,),
        edit=partial(
            struck,
            team_id=team.id,
            line=line,
            closing=f"done {human_date(done_at.astimezone(program.tz).date())}",
        ),
    )


def _heading(team: Team) -> TeamHeading:
    return TeamHeading(
        team.id,
        team.mentor.slack_id,
        team.protege.slack_id,
        team.advisor.slack_id if team.advisor else None,
        team.area,
        team.track,
    )
