"""Communication Log views: the log and check-in modals, the co-sign DM, the dispute modal,
the entry list and detail, and the reminders. Pure: data in, Block Kit out.

What people typed is shown as plain text, never as mrkdwn, so a typed "<!channel>" or
"*bold*" stays exactly what they wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.logs import form
from bot.logs.rules import ShownLog, changed_fields
from bot.program import Topic
from bot.slack.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    input_block,
    modal,
    option,
    plain,
    section,
)
from bot.slack.dates import human_date, when
from bot.slack.history import replaced_line
from bot.slack.text import TypedText, typed
from storage.logs import LogMode

# Action ids (buttons) and callback ids (modals), shared with handlers/logs.py.
OPEN_LOG = "log_open"  # value "team_id:YYYY-MM", or "" to pick the team in the modal
OPEN_CHECK_IN = "checkin_open"  # value "team_id:YYYY-MM" or ""
LAST_MONTH = "log_last_month"  # value "team_id:YYYY-MM" (the month whose previous one to show)
CONFIRM = "log_confirm"  # value "entry_id:version"
DISPUTE = "log_dispute"  # value "entry_id:version"
EDIT = "log_edit"  # value "entry_id"
VIEW = "log_view"  # value "entry_id"
PAGE = "logs_page"  # value "team_id:page" or "team_id:page:YYYY-MM"
LOG_CALLBACK = "log_submit"
CHECK_IN_CALLBACK = "checkin_submit"

# The log's two signatures come from the Missouri regulation, not the BMIT manual (whose log
# is "Completed by Mentor"): 5 CSR 20-400.380 (13), a log "signed by both the mentor and mentee".
STANDARD = "5 CSR 20-400.380 (13)"
TWO_SIGNATURES = f"two signatures, as {STANDARD} asks"
DISPUTE_CALLBACK = "log_dispute_submit"

PAGE_SIZE = 10
PREVIEW_MAX = 200

MODE_NAMES: dict[LogMode, str] = {
    LogMode.EMAIL: "E-mail",
    LogMode.PHONE: "Phone call",
    LogMode.TEXT: "Text messages",
    LogMode.VIDEO: "Video call",
    LogMode.IN_PERSON: "In person",
}
ROLE_NAMES = {"mentor": "mentor", "protege": "protégé"}


@dataclass(frozen=True)
class TeamChoice:
    """One of the viewer's teams, as the team select shows it."""

    team_id: int
    partner_id: str  # the other member's Slack id
    label: TypedText  # their Slack name and role, "Luis Ortega (your protégé)", as plain text


@dataclass(frozen=True)
class TeamHeader:
    """Who the list or entry belongs to."""

    team_id: int
    mentor_id: str
    protege_id: str


def month_name(month: str) -> str:
    return date(int(month[:4]), int(month[5:]), 1).strftime("%B")


def topic_label(topic: Topic) -> str:
    return f"{month_name(topic.month_id)}: {topic.title}"


def plain_section(text: TypedText) -> Block:
    """Typed text, shown exactly as typed (Slack's section limit is the form's limit)."""
    return {"type": "section", "text": plain(text.raw() or "—", 3000)}


# --- the log modal ---------------------------------------------------------------------------


def log_modal(
    *,
    topics: Sequence[Topic],
    today: date,
    metadata: str,
    teams: Sequence[TeamChoice] = (),
    partner_id: str | None = None,
    viewer_role: str | None = None,
    entry: ShownLog | None = None,
    mentor_closes: bool = False,
) -> dict[str, Any]:
    """New entry (or, with `entry`, an edit). `teams` with more than one team adds a select;
    otherwise `partner_id` names the one person who will be asked to confirm. `mentor_closes`:
    a protégé's entry closes the month only once the mentor confirms it."""
    hint = _cosign_hint(teams, partner_id, viewer_role, entry, mentor_closes)
    blocks: list[Block] = [context(hint)]
    if len(teams) > 1:
        blocks.append(
            input_block(
                form.TEAM,
                "Conversation with",
                {
                    "type": "static_select",
                    "action_id": "value",
                    "placeholder": plain("Pick the protégé"),
                    "options": [option(t.label, str(t.team_id)) for t in teams],
                },
            )
        )
    initial_date = entry.conversation_date if entry else today
    blocks += [
        input_block(
            form.DATE,
            "Date of the conversation",
            {"type": "datepicker", "action_id": "value", "initial_date": initial_date.isoformat()},
        ),
        input_block(
            form.MODE, "Mode of communication", _mode_element(entry.mode if entry else None)
        ),
        input_block(
            form.TOPIC,
            "Monthly topic",
            {
                "type": "static_select",
                "action_id": "value",
                "options": [option(topic_label(t), t.month_id) for t in topics],
                **(
                    {"initial_option": option(topic_label(topics[0]), topics[0].month_id)}
                    if topics
                    else {}
                ),
            },
        ),
        input_block(
            form.HELP,
            "What help is needed",
            _long_text_element(entry.help_needed if entry else None),
            optional=True,
        ),
        input_block(
            form.IDEAS,
            "Information and ideas discussed",
            _long_text_element(entry.ideas_discussed if entry else None),
        ),
        input_block(
            form.MINUTES,
            "Minutes spent",
            {
                "type": "number_input",
                "action_id": "value",
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": str(form.MINUTES_MAX),
                "placeholder": plain("e.g. 30"),
                **({"initial_value": str(entry.minutes)} if entry else {}),
            },
        ),
    ]
    return modal(
        LOG_CALLBACK,
        "Edit log entry" if entry else "Communication Log",
        blocks,
        submit="Save" if entry else "Log it",
        private_metadata=metadata,
    )


def _cosign_hint(
    teams: Sequence[TeamChoice],
    partner_id: str | None,
    viewer_role: str | None,
    entry: ShownLog | None,
    mentor_closes: bool = False,
) -> str:
    if entry is not None:
        return (
            f"Editing your entry of {human_date(entry.conversation_date)}. The earlier version "
            "is kept, and the other member is asked to confirm the new one."
        )
    if len(teams) > 1 or partner_id is None:
        return f"The protégé you pick is asked to confirm the entry ({TWO_SIGNATURES})."
    if viewer_role == "protege":
        return (
            f"Your mentor <@{partner_id}> usually files the log; an entry you file is marked as "
            "yours, and they are asked to confirm it."
            + (" The month's log is done once they do." if mentor_closes else "")
        )
    return f"Your protégé <@{partner_id}> is asked to confirm the entry ({TWO_SIGNATURES})."


def _mode_element(initial: LogMode | None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": "value",
        "options": [option(name, mode.value) for mode, name in MODE_NAMES.items()],
    }
    if initial is not None:
        element["initial_option"] = option(MODE_NAMES[initial], initial.value)
    return element


def _long_text_element(initial: TypedText | None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": form.TEXT_MAX,
    }
    if initial:
        element["initial_value"] = initial.raw()
    return element


def saved_view(
    entry: ShownLog, partner_id: str, changed: Sequence[str], *, edited: bool
) -> dict[str, Any]:
    """What the modal turns into once the entry is stored."""
    day = human_date(entry.conversation_date)
    if edited and not changed:
        text = f"Nothing changed in your entry of {day}, so nothing was sent."
    elif edited:
        text = (
            f":white_check_mark: Saved your changes to the entry of {day} "
            f"({', '.join(changed)}). <@{partner_id}> is asked to confirm the new version."
        )
    else:
        text = (
            f":white_check_mark: Your Communication Log entry of {day} is saved. "
            f"<@{partner_id}> is asked to confirm it. Thank you!"
        )
    blocks = [
        section(text),
        actions(button("See the team's log", PAGE, f"{entry.team_id}:0")),
    ]
    return modal(LOG_CALLBACK + "_done", "Communication Log", blocks, submit=None, close="Done")


# --- co-signing ------------------------------------------------------------------------------


def entry_summary(entry: ShownLog, topics: Mapping[str, str], author: str | None = None) -> str:
    """The entry's facts in one mrkdwn paragraph (typed text is shown separately)."""
    topic = topics.get(entry.topic_month, entry.topic_month)
    line = (
        f"*{human_date(entry.conversation_date)}* · {MODE_NAMES[entry.mode]} · "
        f"{entry.minutes} min\n*Monthly topic:* {topic}"
    )
    if author:
        line += f"\n*Filed by* <@{author}>"
    return line


def typed_text(entry: ShownLog) -> list[Block]:
    return [
        section("*What help is needed*"),
        plain_section(entry.help_needed),
        section("*Information and ideas discussed*"),
        plain_section(entry.ideas_discussed),
    ]


def cosign_message(
    entry: ShownLog, topics: Mapping[str, str], changed: Sequence[str] = ()
) -> tuple[str, list[Block]]:
    """The DM asking the other member to confirm (co-sign) an entry."""
    day = human_date(entry.conversation_date)
    if changed:
        text = (
            f"<@{entry.author}> edited the Communication Log entry of {day} "
            f"({', '.join(changed)}). Please confirm the new version."
        )
    else:
        text = f"<@{entry.author}> logged your conversation of {day}. Please confirm it."
    value = f"{entry.id}:{entry.version}"
    blocks = [
        section(f"*Communication Log: please confirm*\n{text}"),
        section(entry_summary(entry, topics)),
        *typed_text(entry),
        actions(
            button("Confirm", CONFIRM, value, style="primary"),
            button("Something's not right", DISPUTE, value),
            block_id=f"cosign_{entry.id}",
        ),
        context(
            "Confirming is your signature on the log: Missouri's mentoring standard "
            f"({STANDARD}) asks for a log signed by both the mentor and the protégé."
        ),
    ]
    return text, blocks


def cosign_answered_message(
    entry: ShownLog, topics: Mapping[str, str], tz: ZoneInfo
) -> tuple[str, list[Block]]:
    """The co-sign DM once answered: the buttons give way to what was done."""
    if entry.confirmed_at is not None:
        outcome = f":white_check_mark: You confirmed this entry {when(entry.confirmed_at, tz)}."
    else:
        assert entry.disputed_at is not None
        outcome = (
            f":speech_balloon: You said something's not right {when(entry.disputed_at, tz)}; "
            f"<@{entry.author}> has your comment."
        )
    text = f"Communication Log entry of {human_date(entry.conversation_date)}"
    return text, [
        section(f"*{text}* from <@{entry.author}>"),
        section(entry_summary(entry, topics)),
        context(outcome),
    ]


def dispute_modal(entry: ShownLog, topics: Mapping[str, str], metadata: str) -> dict[str, Any]:
    blocks = [
        section(entry_summary(entry, topics, author=entry.author)),
        input_block(
            form.COMMENT,
            "What isn't right?",
            {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": form.TEXT_MAX,
            },
            hint=f"<@{entry.author}> gets your comment and can edit the entry.",
        ),
    ]
    return modal(
        DISPUTE_CALLBACK, "Something's not right", blocks, submit="Send", private_metadata=metadata
    )


def disputed_message(entry: ShownLog, topics: Mapping[str, str]) -> tuple[str, list[Block]]:
    """The DM to the author when the other member says something isn't right."""
    text = (
        f"<@{entry.disputed_by}> says something isn't right in your Communication Log entry "
        f"of {human_date(entry.conversation_date)}."
    )
    return text, [
        section(f"*Communication Log: a comment on your entry*\n{text}"),
        plain_section(entry.dispute_comment or typed("")),
        section(entry_summary(entry, topics)),
        actions(button("Edit the entry", EDIT, str(entry.id), style="primary")),
        context("When you save the entry, they are asked to confirm the new version."),
    ]


def refusal_view(message: str) -> dict[str, Any]:
    return modal("log_refused", "Communication Log", [section(message)], submit=None, close="OK")


# --- quick check-in --------------------------------------------------------------------------


def check_in_modal(
    *, today: date, metadata: str, teams: Sequence[TeamChoice] = (), partner_id: str | None = None
) -> dict[str, Any]:
    who = f" with <@{partner_id}>" if partner_id and len(teams) <= 1 else ""
    blocks: list[Block] = [
        context(
            f"A quick note that you talked{who}. It counts toward the two contacts a month; "
            "the monthly Communication Log is still filed on its own."
        )
    ]
    if len(teams) > 1:
        blocks.append(
            input_block(
                form.CHECKIN_TEAM,
                "Who did you talk with?",
                {
                    "type": "static_select",
                    "action_id": "value",
                    "placeholder": plain("Pick the person"),
                    "options": [option(t.label, str(t.team_id)) for t in teams],
                },
            )
        )
    blocks += [
        input_block(
            form.CHECKIN_DATE,
            "When",
            {"type": "datepicker", "action_id": "value", "initial_date": today.isoformat()},
        ),
        input_block(form.CHECKIN_MODE, "How", _mode_element(None)),
    ]
    return modal(CHECK_IN_CALLBACK, "We talked", blocks, submit="Save", private_metadata=metadata)


def checked_in_view(
    team_id: int, partner_id: str, day: date, mode: LogMode, contacts: int, minimum: int
) -> dict[str, Any]:
    month = f"{day.year:04d}-{day.month:02d}"
    count = f"{contacts} contact{'s' if contacts != 1 else ''}"
    progress = f"That makes {count} in {month_name(month)}" + (
        f" (the program asks for at least {minimum})." if contacts < minimum else ". 🎉"
    )
    blocks = [
        section(
            f":white_check_mark: Noted: you talked with <@{partner_id}> on {human_date(day)} "
            f"({MODE_NAMES[mode].lower()}). {progress}"
        ),
        actions(button("Log it in full", OPEN_LOG, f"{team_id}:{month}")),
    ]
    return modal(CHECK_IN_CALLBACK + "_done", "We talked", blocks, submit=None, close="Done")


# --- the entry list and one entry ------------------------------------------------------------


def status_line(entry: ShownLog, partner_id: str, tz: ZoneInfo, today: date) -> str:
    """Who filed the entry and when, and where its co-signing stands (both names, both times)."""
    role = ROLE_NAMES.get(entry.author_role, "")
    filed = f"Filed by <@{entry.author}> ({role}) {when(entry.filed_at, tz, today)}"
    if entry.edited_at is not None:
        filed += f", edited {when(entry.edited_at, tz, today)}"
    if entry.confirmed_at is not None:
        confirmed = when(entry.confirmed_at, tz, today)
        state = f":white_check_mark: Confirmed by <@{entry.confirmed_by}> {confirmed}"
    elif entry.disputed_at is not None:
        disputed = when(entry.disputed_at, tz, today)
        state = f":speech_balloon: <@{entry.disputed_by}> said something's not right {disputed}"
    else:
        state = f":hourglass_flowing_sand: Waiting for <@{partner_id}> to confirm"
    return f"{filed}\n{state}"


def entry_list_modal(
    *,
    header: TeamHeader,
    entries: Sequence[ShownLog],
    topics: Mapping[str, str],
    page: int,
    total: int,
    contacts: Mapping[str, int],
    minimum: int,
    tz: ZoneInfo,
    today: date,
    month: str | None = None,
    can_file: bool = False,
) -> dict[str, Any]:
    """A team's entries, newest first, PAGE_SIZE a page, with the contacts per month."""
    scope = f" for {month_name(month)}" if month else ""
    blocks: list[Block] = [
        section(
            f"*Communication Log{scope}* of <@{header.mentor_id}> (mentor) and "
            f"<@{header.protege_id}> (protégé)"
        ),
    ]
    if contacts:
        per_month = " · ".join(f"{month_name(m)[:3]} {n}" for m, n in sorted(contacts.items())[-9:])
        blocks.append(
            context(
                f"Contacts a month (log entries and “We talked”; at least {minimum}): {per_month}"
            )
        )
    if can_file:
        value = f"{header.team_id}:{month or ''}".rstrip(":")
        blocks.append(
            actions(
                button("Log a conversation", OPEN_LOG, value, style="primary"),
                button("We talked", OPEN_CHECK_IN, value),
            )
        )
    blocks.append(divider())
    if not entries:
        blocks.append(section(f"No entries{scope} yet."))
    for entry in entries:
        partner_id = header.protege_id if entry.author == header.mentor_id else header.mentor_id
        preview = entry.ideas_discussed
        if len(preview) > PREVIEW_MAX:
            preview = preview[: PREVIEW_MAX - 1] + "…"
        blocks.append(
            section(
                entry_summary(entry, topics),
                accessory=button("Open", VIEW, str(entry.id)),
            )
        )
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": status_line(entry, partner_id, tz, today)},
                    plain(preview or "—"),
                ],
            }
        )
    pages = max(1, -(-total // PAGE_SIZE))
    if pages > 1:
        suffix = f":{month}" if month else ""
        nav = []
        if page > 0:
            nav.append(button("◀ Newer", PAGE, f"{header.team_id}:{page - 1}{suffix}"))
        if page < pages - 1:
            nav.append(button("Older ▶", PAGE, f"{header.team_id}:{page + 1}{suffix}"))
        blocks.append(context(f"Page {page + 1} of {pages} · {total} entries"))
        blocks.append(actions(*nav, block_id="logs_nav"))
    return modal(PAGE + "_view", "Communication Log", blocks, submit=None, close="Close")


def entry_detail_modal(
    *,
    entry: ShownLog,
    revisions: Sequence[ShownLog],
    header: TeamHeader,
    topics: Mapping[str, str],
    tz: ZoneInfo,
    today: date,
    can_edit: bool,
    can_cosign: bool,
) -> dict[str, Any]:
    partner_id = header.protege_id if entry.author == header.mentor_id else header.mentor_id
    blocks: list[Block] = [
        section(entry_summary(entry, topics)),
        context(status_line(entry, partner_id, tz, today)),
    ]
    if entry.disputed_at is not None and entry.confirmed_at is None:
        blocks += [section("*Their comment*"), plain_section(entry.dispute_comment or typed(""))]
    blocks += typed_text(entry)
    buttons = []
    if can_edit:
        buttons.append(button("Edit", EDIT, str(entry.id)))
    if can_cosign and entry.confirmed_at is None:
        value = f"{entry.id}:{entry.version}"
        buttons.append(button("Confirm", CONFIRM, value, style="primary"))
        if entry.disputed_at is None:
            buttons.append(button("Something's not right", DISPUTE, value))
    if buttons:
        blocks.append(actions(*buttons))
    earlier = list(zip(revisions[:-1], revisions[1:], strict=True))[-10:]
    if earlier:
        blocks.append(divider())
        blocks.append(section("*Earlier versions*"))
        for version, successor in reversed(earlier):
            signed = (
                f"; it had been confirmed by <@{version.confirmed_by}>"
                if version.confirmed_by
                else ""
            )
            changed = ", ".join(changed_fields(version, successor))
            blocks.append(
                context(
                    f"{replaced_line(version, tz, today)} (changed: {changed}){signed}.\n"
                    + entry_summary(version, topics)
                )
            )
    return modal(VIEW + "_view", "Log entry", blocks, submit=None, close="Back")


# --- reminders -------------------------------------------------------------------------------


def nudge_message(
    *, month: str, topic: Topic | None, due: date, today: date, team_id: int, protege_id: str
) -> tuple[str, list[Block]]:
    """The mentor's reminder before (or on) the month's Communication Log due date."""
    days = (due - today).days
    if days < 0:
        due_text = f"was due {human_date(due)}"
    elif days == 0:
        due_text = "today"
    elif days == 1:
        due_text = f"tomorrow, {human_date(due)}"
    else:
        due_text = f"{human_date(due)} (in {days} days)"
    verb = "" if days < 0 else "is due "
    text = f"A reminder: {month_name(month)}'s Communication Log {verb}{due_text}."
    about = f" about {topic.title}" if topic else ""
    body = (
        f"*{text}*\nWhen you and <@{protege_id}> have talked{about}, logging it takes a "
        "minute. Thank you!"
    )
    value = f"{team_id}:{month}"
    return text, [
        section(body),
        actions(
            button("Log a conversation", OPEN_LOG, value, style="primary"),
            button("We talked", OPEN_CHECK_IN, value),
        ),
    ]


def overdue_message(
    *, month: str, due: date, today: date, team_id: int, mentor_id: str, protege_id: str
) -> tuple[str, list[Block]]:
    """The content advisor's one notice per team and month: names the step, judges no one."""
    text = (
        f"{month_name(month)}'s Communication Log for <@{mentor_id}> and <@{protege_id}> "
        f"was due {human_date(due, today)} and isn't filed yet."
    )
    return text, [
        section(f"*Communication Log not filed yet*\n{text}"),
        context(
            "A check-in from you may help; mentoring is not evaluation. "
            "The mentor got reminders before the due date."
        ),
        actions(button("See the team's log", PAGE, f"{team_id}:0")),
    ]


# --- the Home tab's section ------------------------------------------------------------------


def home_section(
    *, team_id: int, partner_id: str, month: str, logged: bool, contacts: int, minimum: int
) -> list[Block]:
    """Blocks for one team on a member's Home tab: this month's log and contacts."""
    state = ":white_check_mark: logged" if logged else "not logged yet"
    value = f"{team_id}:{month}"
    return [
        section(
            f"*Communication Log with <@{partner_id}>*\n{month_name(month)}: {state} · "
            f"{contacts} of {minimum} contacts"
        ),
        actions(
            button("Log a conversation", OPEN_LOG, value, style="primary"),
            button("We talked", OPEN_CHECK_IN, value),
            button("See entries", PAGE, f"{team_id}:0"),
        ),
    ]
