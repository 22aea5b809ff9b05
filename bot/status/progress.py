"""Where a team stands, and the deadline nudges: step names, the `/mentor progress` checklist
(also the Home tab's section and the advisor's modal), reminders and overdue notices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.program import Deadline, Program
from bot.program.text import with_upload
from bot.slack.blocks import (
    SECTION_TEXT_MAX,
    Block,
    actions,
    button,
    context,
    divider,
    header,
    links_blocks,
    modal,
    section,
)
from bot.slack.dates import human_date
from bot.status.deliverables import DONE, DUE, OVERDUE, DeliverableStatus
from bot.status.step_handlers import NextAction, handler_for

PROGRESS_OPEN = "progress_open"  # value: team id
ICONS = {DONE: "✅", DUE: "⏰", OVERDUE: "⚠️", "upcoming": "◻️"}
MEETING_ICON = "🤝"
ROLE_WORDS = {"mentor": "mentor", "protege": "protégé"}

Message = tuple[str, list[Block]]


@dataclass(frozen=True)
class TeamHeading:
    """Who the team is, as the checklist names it."""

    team_id: int
    mentor: str
    protege: str
    advisor: str | None
    area_name: str
    track_name: str


# --- names ---------------------------------------------------------------------------------


def step_name(program: Program, deadline: Deadline) -> str:
    """The bot's name for what is due at this step, in every message, view and file people
    read: the manual's form names ("Mentor/Protégé Visit Report"), never the calendar line
    that says how the manual files it ("Protégé uploads … to Google"); and where the program
    file says the upload is still required, where (`with_upload`). The calendar's own line
    stays `deadline.title`, for `mentorbot program check`."""
    return with_upload(_own_name(program, deadline), deadline.step)


def step_names(program: Program, deadlines: Iterable[Deadline]) -> dict[str, str]:
    """Deadline id -> `step_name`: what a pure view that lists deadlines calls them."""
    return {d.id: step_name(program, d) for d in deadlines}


def _own_name(program: Program, deadline: Deadline) -> str:
    handler = handler_for(deadline.step.kind)
    if handler is not None and handler.name is not None:
        return handler.name(deadline)
    if deadline.form:
        try:
            return program.form_name(deadline.form)
        except KeyError:
            pass
    return deadline.title


def meeting_name(meeting: Deadline) -> str:
    """A meeting's name without the place its title may repeat ("Mentor & Protégé Initial
    Meeting, Jefferson City, MO – Mandatory in-person meeting"): `meeting_text` says where
    and how from the step's own fields, in the same words for every meeting."""
    place = meeting.step.place
    head = meeting.title.partition(place)[0].rstrip(" ,–-") if place else ""
    return head or meeting.title


def meeting_text(meeting: Deadline) -> str:
    """ "Mentor & Protégé Initial Meeting, Jefferson City, MO, in person"."""
    return ", ".join([meeting_name(meeting), *_where(meeting)])


def _where(meeting: Deadline) -> list[str]:
    where = [meeting.step.place] if meeting.step.place else []
    if meeting.step.in_person is not None:
        where.append("in person" if meeting.step.in_person else "online")
    return where


COUNTS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def forms_count(n: int) -> str:
    """ "four forms"."""
    return f"{COUNTS.get(n, str(n))} form{'s' if n != 1 else ''}"


def when_text(status: DeliverableStatus, today: date) -> str:
    if status.done_at is not None:
        return "done"
    due = status.effective_due
    late = (today - due).days
    if late > 0:
        return f"due {human_date(due, today)}, {late} day{'s' if late != 1 else ''} late"
    return f"due {human_date(due, today)}"


def with_whom(status: DeliverableStatus, heading: TeamHeading) -> str:
    if status.waiting_on or status.done_at is not None or not status.holders:
        return ""
    people = {"mentor": heading.mentor, "protege": heading.protege}
    return "with " + " and ".join(f"<@{people[role]}>" for role in status.holders)


# --- the checklist -------------------------------------------------------------------------


def checklist_lines(
    program: Program,
    statuses: Sequence[DeliverableStatus],
    heading: TeamHeading,
    today: date,
    meetings: Sequence[Deadline] = (),
) -> list[str]:
    """A line per deliverable, in calendar order; each meeting (in date order) on a line of
    its own before the forms of its day, with no state: it is a date, not a deliverable."""
    names = {status.id: step_name(program, status.deadline) for status in statuses}
    lines = []
    later = list(meetings)
    for status in statuses:
        while later and later[0].due <= status.due:
            lines.append(_meeting_line(later.pop(0), today))
        icon = ICONS.get(status.state, "◻️")
        if status.outside is not None:
            detail = status.outside.words()
        elif status.done_at is not None:
            done_day = status.done_at.astimezone(program.tz).date()
            detail = f"done {human_date(done_day, today)}"
            if done_day > status.effective_due:
                detail += f" (due {human_date(status.effective_due, today)})"
        elif not status.holders and not status.waiting_on:
            # Nobody on the team holds it: someone else records it (a meeting's attendance).
            detail = human_date(status.due, today)
        elif not status.tracked:
            # Another feature will report this step; until then it is a date, not a verdict.
            icon = "◻️"
            detail = f"due {human_date(status.effective_due, today)} (not tracked in Slack yet)"
        else:
            detail = when_text(status, today)
            whom = with_whom(status, heading)
            if status.waiting_on:
                detail += f", after “{names.get(status.waiting_on, 'the step before it')}”"
            elif whom:
                detail += f", {whom}"
        if status.note:  # on a done step, what the advisor should know (a late visit)
            detail += f" ({status.note})"
        lines.append(f"{icon} *{names[status.id]}*: {detail}")
    return lines + [_meeting_line(meeting, today) for meeting in later]


def _meeting_line(meeting: Deadline, today: date) -> str:
    details = ", ".join([human_date(meeting.due, today), *_where(meeting)])
    return f"{MEETING_ICON} *{meeting_name(meeting)}*: {details}"


def checklist_blocks(
    program: Program,
    statuses: Sequence[DeliverableStatus],
    heading: TeamHeading,
    today: date,
    *,
    next_action: NextAction | None = None,
    coverage_text: str | None = None,
    meetings: Sequence[Deadline] = (),
) -> list[Block]:
    blocks = team_summary_blocks(statuses, heading)
    if next_action is not None:
        blocks.append(
            section(
                f"*Next for you:* {next_action.text}",
                accessory=button(
                    next_action.label, next_action.action_id, next_action.value, "primary"
                ),
            )
        )
    if coverage_text:
        blocks.append(section(coverage_text))
    for chunk in text_chunks(checklist_lines(program, statuses, heading, today, meetings)):
        blocks.append(section(chunk))
    return blocks


def step_count(statuses: Sequence[DeliverableStatus]) -> tuple[int, int, int]:
    """(done, of, late): the one count of a team's steps, wherever it is shown. A step no
    feature reports is not counted (it could never be done); the survey is, once the
    statuses come from `bot.status.rules.counted_statuses`."""
    tracked = [s for s in statuses if s.tracked]
    done = sum(1 for s in tracked if s.done)
    late = sum(1 for s in tracked if s.state == OVERDUE)
    return done, len(tracked), late


def count_text(statuses: Sequence[DeliverableStatus]) -> str:
    done, total, late = step_count(statuses)
    return f"{done} of {total} done" + (f", {late} past their date" if late else "")


def team_summary_blocks(statuses: Sequence[DeliverableStatus], heading: TeamHeading) -> list[Block]:
    """Who the team is and how far along: the first lines of a checklist and of the Home tab."""
    advisor = f", content advisor <@{heading.advisor}>" if heading.advisor else ""
    return [
        section(f"*<@{heading.mentor}> mentoring <@{heading.protege}>*: {count_text(statuses)}"),
        context(f"{heading.area_name}, {heading.track_name}{advisor}"),
    ]


def progress_message(
    program: Program,
    teams: Sequence[tuple[list[Block], TeamHeading]],
    today: date,
    not_shown: Sequence[TeamHeading] = (),
) -> Message:
    """`/mentor progress`: one checklist per team (a mentor may have several protégés)."""
    blocks: list[Block] = [header("Where things stand")]
    for index, (team_blocks, _) in enumerate(teams):
        if index:
            blocks.append(divider())
        blocks.extend(team_blocks)
    if not_shown:
        others = ", ".join(f"<@{h.protege}>" for h in not_shown)
        blocks.append(context(f"Also yours: {others}. Type `/mentor progress @name` for each."))
    blocks.append(context(f"As of {today:%a, %b} {today.day}. ✅ done ⏰ due soon ⚠️ past its date"))
    return "Where things stand", blocks[:50]


def team_list_message(rows: Sequence[tuple[TeamHeading, int, int, int]], today: date) -> Message:
    """The teams an advisor (or staff) may see: one line each, with a button to the detail."""
    if not rows:
        text = "You have no teams to follow yet."
        return text, [section(text)]
    blocks: list[Block] = [header("Your teams")]
    for heading, done, total, late in rows[:40]:
        status = f"{done} of {total} done" + (f", ⚠️ {late} past their date" if late else "")
        blocks.append(
            section(
                f"<@{heading.mentor}> mentoring <@{heading.protege}>: {status}",
                accessory=button("See checklist", PROGRESS_OPEN, str(heading.team_id)),
            )
        )
    if len(rows) > 40:
        shown = min(len(rows), 40)
        blocks.append(
            context(f"Showing {shown} teams. Type `/mentor progress @someone` for any other team.")
        )
    return "Your teams", blocks[:50]


def progress_modal(blocks: Sequence[Block]) -> dict[str, Any]:
    return modal(
        "progress_view", "Where things stand", list(blocks)[:100], submit=None, close="Close"
    )


def pick_someone_message(usage: str) -> Message:
    text = (
        f"Whose team? Type `{usage} @someone` with the mentor or protégé of the team "
        "you want to see."
    )
    return text, [section(text)]


# --- what to open --------------------------------------------------------------------------


def opener_for(status: DeliverableStatus, role: str, team_id: int) -> NextAction | None:
    """The button that lets `role` take this step now, if the step is theirs."""
    if status.done_at is not None or status.waiting_on or role not in status.holders:
        return None
    handler = handler_for(status.deadline.step.kind)
    if handler is None or handler.opener is None:
        return None
    return handler.opener(status.deadline.step, role, team_id)


def next_action(
    program: Program,
    statuses: Sequence[DeliverableStatus],
    role: str | None,
    team_id: int,
    today: date,
) -> NextAction | None:
    """The first step, by date, that `role` can take now, with its button."""
    if role is None:
        return None
    for status in sorted(statuses, key=lambda s: s.effective_due):
        opener = opener_for(status, role, team_id)
        if opener is not None:
            text = f"{step_name(program, status.deadline)}, {when_text(status, today)}"
            return NextAction(text, opener.label, opener.action_id, opener.value)
    return None


# --- nudges --------------------------------------------------------------------------------


def reminder_message(
    program: Program,
    status: DeliverableStatus,
    role: str,
    heading: TeamHeading,
    today: date,
    opener: NextAction | None,
) -> Message:
    """A reminder to the person holding a step: what, by when, and one button to do it."""
    name = step_name(program, status.deadline)
    due = status.effective_due
    when = human_date(due, today)
    partner = heading.protege if role == "mentor" else heading.mentor
    days = (due - today).days
    soon = "today" if days == 0 else when
    text = f"Reminder: {name}, due {'today' if days == 0 else when}."
    handler = handler_for(status.deadline.step.kind)
    ask = "Thank you for keeping the year on track."
    if handler is not None and handler.ask is not None:
        ask = handler.ask(status.deadline.step, role, partner, soon)
    blocks: list[Block] = [section(f"*{text}*\n{ask}")]
    if status.note and handler is not None and handler.note_in_reminder:
        blocks.append(section(status.note[0].upper() + status.note[1:] + "."))
    blocks += links_blocks(program.form_links(status.deadline.form))
    if opener is not None:
        blocks.append(actions(button(opener.label, opener.action_id, opener.value, "primary")))
    blocks.append(context("Thank you! Already done? Then this reminder crossed your work."))
    return text, blocks


def meeting_reminder_message(
    program: Program,
    meeting: Deadline,
    forms: Sequence[DeliverableStatus],
    partner: str,
    team_id: int,
    today: date,
) -> Message:
    """The one reminder before a meeting, to each member: when, where, and the forms of its
    day still to fill in, which they complete there together (their own reminders travel in
    this one). The button opens the checklist, where each form has its own."""
    when = human_date(meeting.due, today)
    title = f"{when[0].upper()}{when[1:]} — {meeting_text(meeting)}"
    to_do = [step_name(program, s.deadline) for s in forms if s.done_at is None]
    if to_do:
        detail = f"{forms_count(len(to_do))} there with <@{partner}>: {', '.join(to_do)}."
        text = f"{title}; you'll complete {detail}"
        blocks = [section(f"*{title}*\nYou'll complete {detail}")]
        thanks = "Thank you for making the time. Ready before the day? Fill them in any time."
    else:
        text = f"{title}."
        blocks = [section(f"*{title}*\nYou'll meet <@{partner}> there.")]
        thanks = "Thank you for making the time: the forms of the day are all in."
    blocks.append(actions(button("Open my checklist", PROGRESS_OPEN, str(team_id), "primary")))
    blocks.append(context(thanks))
    return text, blocks


def overdue_message(
    program: Program, status: DeliverableStatus, heading: TeamHeading, today: date
) -> Message:
    """To the content advisor, the school day after: which step, for whom. Never a verdict."""
    name = step_name(program, status.deadline)
    late = (today - status.effective_due).days
    text = (
        f"Past its date: {name}, for <@{heading.mentor}> and <@{heading.protege}> "
        f"(due {human_date(status.effective_due, today)})."
    )
    whom = with_whom(status, heading)
    detail = f"It is {whom} now." if whom else ""
    blocks: list[Block] = [
        section(f"*{text}*\n{detail}".strip()),
        context(
            f"{late} day{'s' if late != 1 else ''} past the calendar's date. A friendly "
            "check-in often helps; the team sees the same checklist."
        ),
        actions(button("See where they stand", PROGRESS_OPEN, str(heading.team_id))),
    ]
    return text, blocks


def text_chunks(lines: Sequence[str]) -> list[str]:
    """Lines packed into as few section texts as fit."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_TEXT_MAX - 100:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
