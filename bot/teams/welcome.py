"""The welcome DM each member of a new team gets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.program import Deadline
from bot.slack.blocks import actions, button, context, section
from bot.slack.dates import human_date

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
    today: date,
) -> tuple[str, list[dict[str, Any]]]:
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
        lines = "\n".join(f"• {human_date(d.due, today)}: {d.title}" for d in first_deadlines)
        blocks.append(section(f"*First deadlines*\n{lines}"))
    if role in ("mentor", "protege"):
        blocks.append(
            section(
                "*What to do first:* fill in your Mentor/Protégé Contact Form, so your "
                "partner and your content advisor know how to reach you."
            )
        )
        blocks.append(actions(button("Fill in the Contact Form", CONTACT_OPEN, style="primary")))
    blocks.append(context("Type `/mentor help` to see everything you can do."))
    return text, blocks
