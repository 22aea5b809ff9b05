"""The welcome DM each member of a new team gets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.program import Deadline
from bot.slack.blocks import actions, button, context, section
from bot.slack.dates import human_date
from bot.status.deliverables import is_meeting
from bot.status.progress import MEETING_ICON, forms_count, meeting_text

CONTACT_OPEN = "contact_open"


def welcome_message(
    role: str,
    *,
    mentor: str,
    protege: str,
    advisor: str | None,
    program_name: str,
    area_name: str,
    track_name: str,
    first_deadlines: Sequence[Deadline],
    names: Mapping[str, str],
    today: date,
    forms_at_meetings: Mapping[str, Sequence[str]] | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """`names`: the bot's name of each first deadline, by id (`step_names`);
    `forms_at_meetings`: for a meeting among them, the names of the forms completed there,
    which then need no line of their own."""
    advisor_text = f"<@{advisor}>" if advisor else "program staff (no content advisor yet)"
    if role == "mentor":
        text = f"Welcome to the {program_name}! You are mentoring <@{protege}>."
        detail = f"Your content advisor is {advisor_text}."
    elif role == "protege":
        text = f"Welcome to the {program_name}! Your mentor is <@{mentor}>."
        detail = f"Your content advisor is {advisor_text}."
    else:
        text = f"You are the content advisor of a new team: <@{mentor}> mentoring <@{protege}>."
        detail = "You will hear from me when the team needs you."
    blocks: list[dict[str, Any]] = [
        section(f"*{text}*\n{area_name}, {track_name}. {detail}"),
    ]
    if first_deadlines:
        blocks.append(first_deadlines_block(first_deadlines, names, forms_at_meetings or {}, today))
    if role in ("mentor", "protege"):
        blocks.append(
            section(
                "*What to do first:* fill in your Mentor/Protégé Contact Form, so your "
                "partner and your content advisor know how to reach you."
            )
        )
        blocks.append(actions(button("Fill in the Contact Form", CONTACT_OPEN, style="primary")))
    else:
        # The advisor's block of each team's Contact Form: filled in once, for all their teams.
        blocks.append(
            section(
                "*Your contact details:* the Contact Form's content advisor block (cell phone, "
                "e-mail, mailing address) is yours, filled in once for all your teams."
            )
        )
        blocks.append(actions(button("Fill in your contact details", CONTACT_OPEN)))
    blocks.append(context("Type `/mentor help` to see everything you can do."))
    return text, blocks


def first_deadlines_block(
    first_deadlines: Sequence[Deadline],
    names: Mapping[str, str],
    forms: Mapping[str, Sequence[str]],
    today: date,
) -> dict[str, Any]:
    lines = "\n".join(
        _first_line(d, names[d.id], forms.get(d.id, ()), today) for d in first_deadlines
    )
    return section(f"*First deadlines*\n{lines}")


def _first_line(deadline: Deadline, name: str, forms: Sequence[str], today: date) -> str:
    when = human_date(deadline.due, today)
    if not is_meeting(deadline):
        return f"• {when}: {name}"
    line = f"• {when}: {MEETING_ICON} *{meeting_text(deadline)}*"
    if forms:
        line += f" — {forms_count(len(forms))} completed there together: {', '.join(forms)}"
    return line
