"""The Mentor/Protégé Contact Form modal, pre-filled with what is stored, and the form's
blocks that others fill in: the content advisor's and the program staff's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.contact.form import ADVISOR_FIELDS, EMAIL_CHECKED, MEMBER_FIELDS, PREFERRED
from bot.program.model import Contact as ProgramContact
from bot.slack.blocks import Block, context, divider, input_block, modal, option, section
from bot.slack.text import TypedText, typed

CONTACT_CALLBACK = "contact_form"
ADVISOR_HEADING = "Content Advisor Contact Information"


@dataclass(frozen=True)
class AdvisorContact:
    """A content advisor's block of the Contact Form, as they typed it ('' when not given)."""

    slack_id: str
    name: TypedText
    cell_phone: TypedText
    email: TypedText
    mailing_address: TypedText
    city_state_zip: TypedText
    filed: bool  # they filed their Contact Form (an e-mail may come from a team import)


def advisor_lines(advisor: AdvisorContact) -> str:
    """The advisor's block as lines of mrkdwn: the form's fields, in its order."""
    if not advisor.filed:
        return f"<@{advisor.slack_id}> _has not filled in their contact details yet._"
    name = f"{advisor.name.mrkdwn()} (<@{advisor.slack_id}>)" if advisor.name else ""
    lines = [name or f"<@{advisor.slack_id}>"]
    if advisor.cell_phone:
        lines.append(f"Cell phone: {advisor.cell_phone.mrkdwn()}")
    if advisor.email:
        lines.append(f"E-mail: {advisor.email.mailto()}")
    if advisor.mailing_address or advisor.city_state_zip:
        where = ", ".join(
            part.mrkdwn() for part in (advisor.mailing_address, advisor.city_state_zip) if part
        )
        lines.append(f"Mailing address: {where}")
    return "\n".join(lines)


def program_contact_line(contact: ProgramContact) -> str:
    """One program contact (the DESE staff contact), from the program file."""
    parts = [contact.name, contact.email, contact.phone]
    return f"*{contact.title}:* " + " · ".join(part for part in parts if part)


def others_blocks(
    advisors: Sequence[AdvisorContact], contacts: Sequence[ProgramContact]
) -> list[Block]:
    """The form's blocks the person does not fill in: their teams' content advisors' (each
    advisor fills theirs in once, for all their teams) and the program's staff contacts."""
    blocks: list[Block] = []
    if advisors:
        # One section each: a block's text holds 3,000 characters, an advisor's under 900.
        blocks.append(section(f"*{ADVISOR_HEADING}*\n{advisor_lines(advisors[0])}"))
        blocks += [section(advisor_lines(advisor)) for advisor in advisors[1:6]]
    if contacts:
        blocks.append(section("\n".join(program_contact_line(c) for c in contacts)))
    return [divider(), *blocks] if blocks else []


def contact_modal(
    stored: dict[str, str | None],
    from_slack: frozenset[str] = frozenset(),
    *,
    asked: tuple[str, ...] = MEMBER_FIELDS,
    advisors: Sequence[AdvisorContact] = (),
    contacts: Sequence[ProgramContact] = (),
) -> dict[str, Any]:
    """`stored`: what the person filed (or, for the fields in `from_slack`, what their
    Slack profile says, until they file their own). `asked`: the fields of their blocks
    (`bot.contact.form.fields_for`); `advisors` and `contacts`: the blocks others fill in."""

    def text_input(
        block_id: str,
        label: str,
        *,
        multiline: bool = False,
        max_length: int = 254,
        optional: bool = True,
        hint: str | None = None,
    ) -> dict[str, Any]:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": multiline,
            "max_length": max_length,
        }
        if stored.get(block_id):
            element["initial_value"] = typed(stored[block_id]).raw()
        return input_block(block_id, label, element, optional=optional, hint=hint)

    def radio(block_id: str, label: str, choices: dict[str, str]) -> dict[str, Any]:
        element: dict[str, Any] = {
            "type": "radio_buttons",
            "action_id": "value",
            "options": [option(name, value) for value, name in choices.items()],
        }
        current = stored.get(block_id)
        if current is not None and current in choices:
            element["initial_option"] = option(choices[current], current)
        return input_block(block_id, label, element, optional=True)

    fields: dict[str, Block] = {
        "name": text_input("name", "Name", max_length=200),
        "school_name_address": text_input(
            "school_name_address", "School name & mailing address", multiline=True, max_length=500
        ),
        "email": text_input("email", "E-mail", optional=False),
        "email_checked": radio("email_checked", "When do you check this e-mail?", EMAIL_CHECKED),
        "school_phone": text_input("school_phone", "School phone", max_length=40),
        "cell_phone": text_input("cell_phone", "Cell phone", max_length=40),
        "preferred_contact": radio("preferred_contact", "Preferred method of contact", PREFERRED),
        "admin_name": text_input("admin_name", "Building administrator name", max_length=200),
        "admin_email": text_input("admin_email", "Building administrator e-mail"),
        "admin_phone": text_input(
            "admin_phone", "Building administrator school phone", max_length=40
        ),
        "mailing_address": text_input("mailing_address", "Mailing address", max_length=300),
        "city_state_zip": text_input("city_state_zip", "City/State/Zip", max_length=120),
    }
    blocks: list[Block] = []
    if asked == ADVISOR_FIELDS:
        blocks.append(
            section(
                f"*{ADVISOR_HEADING}*\nFilled in once: every team you advise sees it on its "
                "Contact Form and team card."
            )
        )
    for name in asked:
        blocks.append(fields[name])
        if name == "email" and from_slack:
            blocks.append(
                context(
                    "Name and e-mail come from your Slack profile: change them if the program "
                    "should use others."
                )
            )
    blocks.append(
        context(
            "Your team and your content advisor see these details; program staff too. "
            "Your building administrator only ever hears about completion, never content."
            if asked != ADVISOR_FIELDS
            else "Your teams and program staff see these details."
        )
    )
    blocks += others_blocks(advisors, contacts)
    return modal(CONTACT_CALLBACK, "Contact Form", blocks, submit="Save")
