"""The Mentor/Protégé Contact Form modal, pre-filled with what is stored."""

from __future__ import annotations

from typing import Any

from bot.contact.form import EMAIL_CHECKED, PREFERRED
from bot.slack.blocks import context, input_block, modal, option
from bot.slack.text import typed

CONTACT_CALLBACK = "contact_form"


def contact_modal(
    stored: dict[str, str | None], from_slack: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """`stored`: what the person filed (or, for the fields in `from_slack`, what their
    Slack profile says, until they file their own)."""

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

    blocks = [
        text_input("name", "Name", max_length=200),
        text_input(
            "school_name_address", "School name & mailing address", multiline=True, max_length=500
        ),
        text_input("email", "E-mail", optional=False),
        *(
            [
                context(
                    "Name and e-mail come from your Slack profile: change them if the program "
                    "should use others."
                )
            ]
            if from_slack
            else []
        ),
        radio("email_checked", "When do you check this e-mail?", EMAIL_CHECKED),
        text_input("school_phone", "School phone", max_length=40),
        text_input("cell_phone", "Cell phone", max_length=40),
        radio("preferred_contact", "Preferred method of contact", PREFERRED),
        text_input("admin_name", "Building administrator name", max_length=200),
        text_input("admin_email", "Building administrator e-mail"),
        text_input("admin_phone", "Building administrator school phone", max_length=40),
        context(
            "Your team and your content advisor see these details; program staff too. "
            "Your building administrator only ever hears about completion, never content."
        ),
    ]
    return modal(CONTACT_CALLBACK, "Contact Form", blocks, submit="Save")
