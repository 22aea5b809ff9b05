"""Team views: the pair modal, the team card, replace and end modals, the import modal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.advisor.views import StepRow, card_steps_blocks
from bot.contact.form import EMAIL_CHECKED, PREFERRED
from bot.contact.views import program_contact_line
from bot.meetings.views import OPEN as ATTENDANCE_OPEN
from bot.program import Program, Track
from bot.program.model import Contact as ProgramContact
from bot.slack.blocks import (
    OPTION_TEXT_MAX,
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
from bot.slack.dates import human_date
from bot.slack.metadata import Metadata
from bot.slack.text import TypedText

PAIR_CALLBACK = "team_pair"
REPLACE_CALLBACK = "team_replace"
END_CALLBACK = "team_end"
IMPORT_CALLBACK = "team_import"
REPLACE_MENTOR = "team_replace_mentor"
REPLACE_ADVISOR = "team_replace_advisor"
END_TEAM = "team_end_open"
PAUSE_TEAM = "team_pause"
RESUME_TEAM = "team_resume"
IMPORT_MAX = 3000  # Slack's limit for one plain_text_input

IMPORT_HEADER = "mentor,protege,advisor,area,track,start_date"


def pair_modal(
    programs: Sequence[Program],
    today: date,
    mentor: str | None = None,
    protege: str | None = None,
    advisor: str | None = None,
) -> dict[str, Any]:
    """The register modal. With several programs its area list names each program's areas
    under the program's name: choosing the area chooses the program."""

    def picker(initial: str | None) -> dict[str, Any]:
        element: dict[str, Any] = {"type": "users_select", "action_id": "value"}
        if initial:
            element["initial_user"] = initial
        return element

    program = programs[0]
    start = min(max(today, program.start), program.end)
    # Every program's tracks, each id once (year one and two are alike across programs).
    by_id: dict[str, Track] = {}
    for each in programs:
        for track in each.tracks:
            by_id.setdefault(track.id, track)
    tracks = list(by_id.values())
    blocks = [
        input_block("mentor", "Mentor", picker(mentor)),
        input_block("protege", "Protégé", picker(protege)),
        input_block(
            "advisor",
            "Content advisor",
            picker(advisor),
            optional=True,
            hint="They approve the Individual Mentoring Plan and hear when the team goes quiet.",
        ),
        input_block(
            "area",
            "Program area",
            {"type": "static_select", "action_id": "value", **_areas(programs)},
        ),
        input_block(
            "track",
            "Track",
            {
                "type": "radio_buttons",
                "action_id": "value",
                "options": [option(track.name, track.id) for track in tracks],
                "initial_option": option(tracks[0].name, tracks[0].id),
            },
        ),
        input_block(
            "start",
            "Start date",
            {"type": "datepicker", "action_id": "value", "initial_date": start.isoformat()},
        ),
    ]
    return modal(PAIR_CALLBACK, "Register a team", blocks, submit="Register")


# A chosen area's value names its program too when there are several: "fcs-2024-25:fcs".
PROGRAM_AREA = ":"


def _areas(programs: Sequence[Program]) -> dict[str, Any]:
    if len(programs) == 1:
        return {"options": [option(area.name, area.id) for area in programs[0].areas]}
    groups = [
        {
            "label": plain(p.name, OPTION_TEXT_MAX),
            "options": [option(a.name, f"{p.id}{PROGRAM_AREA}{a.id}") for a in p.areas],
        }
        for p in programs
    ]
    return {"option_groups": groups}


@dataclass(frozen=True)
class MemberCard:
    slack_id: str
    role: str  # "Mentor", "Protégé", "Content advisor"
    email: TypedText  # the Contact Form, as the member typed it ('' when not given)
    email_checked: str | None
    cell_phone: TypedText
    school_phone: TypedText
    preferred_contact: str | None
    # The content advisor's block of the Contact Form adds a mailing address.
    mailing_address: TypedText = TypedText("")
    city_state_zip: TypedText = TypedText("")


@dataclass(frozen=True)
class TeamCard:
    team_id: int
    area_name: str
    track_name: str
    start: date
    status: str
    end_reason: TypedText  # as staff typed it; '' for an active team
    members: Sequence[MemberCard]
    history: Sequence[str]  # already phrased, oldest first
    paused_since: date | None = None  # on leave of absence since that day
    records_attendance: bool = False  # the viewer may record the team's meeting attendance
    contacts: Sequence[ProgramContact] = ()  # the program's staff contacts (the program file)
    advisor_steps: Sequence[StepRow] = ()  # the content advisor's own steps for the team
    marks_advisor_steps: bool = False  # the viewer may mark them done
    # Steps done outside Slack, as confirmed: "Experience 1: done outside Slack, confirmed by…"
    done_outside: Sequence[str] = ()


def team_card(card: TeamCard, today: date, manage: bool) -> list[dict[str, Any]]:
    """The blocks of one team card; `manage` adds the staff buttons."""
    status = "" if card.status == "active" else f" · *{card.status}*"
    if card.paused_since is not None:
        status += f" · *paused since {human_date(card.paused_since, today)}*"
    blocks: list[dict[str, Any]] = [
        section(
            f"*{team_pair(card)}* · {card.area_name} · {card.track_name} · "
            f"started {human_date(card.start, today)}{status}"
        )
    ]
    for member in card.members:
        blocks.append(section(f"*{member.role}:* <@{member.slack_id}>\n{_contact_line(member)}"))
    if card.contacts:
        blocks.append(context(" · ".join(program_contact_line(c) for c in card.contacts)))
    if card.end_reason:
        blocks.append(context(f"Ended: {card.end_reason.clip(300).mrkdwn()}"))
    if card.history:
        blocks.append(context("History: " + " · ".join(card.history[-5:])))
    if card.done_outside:
        text = "✅ " + " · ".join(card.done_outside)
        blocks.append(context(text if len(text) <= 2900 else text[:2899] + "…"))
    if card.records_attendance and card.status == "active":
        blocks.append(
            actions(button("Record meeting attendance", ATTENDANCE_OPEN, str(card.team_id)))
        )
    if card.status == "active":
        blocks += card_steps_blocks(card.advisor_steps, today, card.marks_advisor_steps)
    if manage and card.status == "active":
        value = str(card.team_id)
        blocks.append(
            actions(
                button("Replace mentor", REPLACE_MENTOR, value),
                button("Replace advisor", REPLACE_ADVISOR, value),
                _pause_button(card),
                button("End team", END_TEAM, value, style="danger"),
            )
        )
    return blocks


def _pause_button(card: TeamCard) -> dict[str, Any]:
    value = str(card.team_id)
    if card.paused_since is not None:
        return button("Resume team", RESUME_TEAM, value)
    return {
        **button("Pause team", PAUSE_TEAM, value),
        "confirm": {
            "title": plain("Pause this team?"),
            "text": plain(
                "For a leave of absence: its deadlines wait and its silence count stops "
                "until you resume it. Nothing it filed is lost; its members are told."
            ),
            "confirm": plain("Pause"),
            "deny": plain("Cancel"),
        },
    }


def team_cards_message(
    cards: Sequence[TeamCard], today: date, manage: bool
) -> tuple[str, list[dict[str, Any]]]:
    blocks: list[dict[str, Any]] = []
    for index, card in enumerate(cards[:6]):
        if index:
            blocks.append(divider())
        blocks.extend(team_card(card, today, manage))
    if len(cards) > 6:
        blocks.append(context(f"…and {len(cards) - 6} more teams. Name a person to narrow it."))
    text = team_pair(cards[0]) if len(cards) == 1 else f"{len(cards)} teams"
    return text, blocks


def team_pair(card: TeamCard) -> str:
    """A team as people know it, "<@mentor> mentoring <@protégé>": never its internal number."""
    seat = {member.role: member.slack_id for member in card.members}
    mentor, protege = seat.get("Mentor"), seat.get("Protégé")
    if mentor and protege:
        return f"<@{mentor}> mentoring <@{protege}>"
    return " and ".join(f"<@{m.slack_id}>" for m in card.members) or "A team"


def _contact_line(member: MemberCard) -> str:
    if not (member.email or member.cell_phone or member.school_phone):
        return "_No Contact Form yet._"
    parts = []
    if member.preferred_contact:
        parts.append(f"prefers {PREFERRED.get(member.preferred_contact, member.preferred_contact)}")
    if member.email:
        checked = EMAIL_CHECKED.get(member.email_checked or "", "")
        email = member.email.mrkdwn()
        parts.append(email + (f" (checked {checked.lower()})" if checked else ""))
    if member.cell_phone:
        parts.append(f"cell {member.cell_phone.mrkdwn()}")
    if member.school_phone:
        parts.append(f"school {member.school_phone.mrkdwn()}")
    if member.mailing_address or member.city_state_zip:
        where = (member.mailing_address, member.city_state_zip)
        parts.append("mail " + ", ".join(part.mrkdwn() for part in where if part))
    return " · ".join(parts)


def replace_modal(team_id: int, role: str, current: str | None) -> dict[str, Any]:
    role_name = "mentor" if role == "mentor" else "content advisor"
    now_text = f"Now: <@{current}>." if current else "The team has no content advisor now."
    blocks = [
        section(
            f"{now_text} Logs and forms stay with the team; "
            f"the history keeps who was {role_name} when."
        ),
        input_block("person", f"New {role_name}", {"type": "users_select", "action_id": "value"}),
        input_block(
            "reason",
            "Reason (kept in the team's history)",
            {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": 1000,
            },
            optional=True,
        ),
    ]
    metadata = Metadata(team=team_id, role=role).dump()
    title = "Replace mentor" if role == "mentor" else "Replace advisor"
    return modal(REPLACE_CALLBACK, title, blocks, submit="Replace", private_metadata=metadata)


def end_modal(team_id: int) -> dict[str, Any]:
    blocks = [
        section("Ending a team keeps everything it filed. Its members and advisor are told."),
        input_block(
            "status",
            "How did it end?",
            {
                "type": "radio_buttons",
                "action_id": "value",
                "options": [
                    option("Completed the program", "completed"),
                    option("Withdrawn", "withdrawn"),
                ],
            },
        ),
        input_block(
            "reason",
            "Reason",
            {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": 1000,
            },
        ),
    ]
    return modal(
        END_CALLBACK,
        "End team",
        blocks,
        submit="End team",
        private_metadata=Metadata(team=team_id).dump(),
    )


def import_modal(csv_text: str = "", report: Sequence[TypedText] = ()) -> dict[str, Any]:
    """The paste-a-CSV modal; with `report`, the same modal showing what to fix. A report
    line quotes the pasted cells it is about, so each is shown escaped."""
    blocks: list[dict[str, Any]] = []
    if report:
        lines = "\n".join(f"• {line.mrkdwn()}" for line in report[:40])
        more = f"\n…and {len(report) - 40} more." if len(report) > 40 else ""
        blocks.append(
            section(f"*Nothing was imported.* Fix these rows and submit again:\n{lines}{more}")
        )
    else:
        blocks.append(
            section(
                "Paste a CSV with the header line "
                f"`{IMPORT_HEADER}`. People are Slack member ids (U…) or e-mail addresses; "
                "`advisor` may be empty; `start_date` is YYYY-MM-DD. The import is all or "
                "nothing, and running the same file again changes nothing."
            )
        )
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": IMPORT_MAX,
        "placeholder": {"type": "plain_text", "text": IMPORT_HEADER},
    }
    if csv_text:
        element["initial_value"] = csv_text[:IMPORT_MAX]
    blocks.append(input_block("csv", "Teams (CSV)", element))
    blocks.append(context("For more than ~40 teams, use `mentorbot import-teams FILE.csv`."))
    return modal(IMPORT_CALLBACK, "Import teams", blocks, submit="Import")


def import_done_view(created: int, unchanged: int) -> dict[str, Any]:
    text = f"*Imported {created} new team{'s' if created != 1 else ''}.*"
    if unchanged:
        text += f" {unchanged} row{'s were' if unchanged != 1 else ' was'} already registered."
    if created:
        text += " Each new team's members and advisor are getting their welcome message."
    return modal(
        IMPORT_CALLBACK + "_done", "Import teams", [section(text)], submit=None, close="Done"
    )
