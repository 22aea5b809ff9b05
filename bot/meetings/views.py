"""The meeting attendance modal (pure builder)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.meetings.rules import LABELS, MeetingRecord
from bot.slack.blocks import Block, context, input_block, modal, option
from bot.slack.dates import human_date
from bot.slack.metadata import Metadata

OPEN = "meeting_attendance_open"  # value: team id
CALLBACK = "meeting_attendance"


def block_id(step: str) -> str:
    return f"attendance_{step}"


def attendance_modal(team_id: int, meetings: Sequence[MeetingRecord], today: date) -> dict:
    choices = [option(label, state.value) for state, label in LABELS.items()]
    blocks: list[Block] = [
        context(
            "Record each meeting for this team. “Excused or made up” counts as attended: a "
            "team paired after the meeting, absent for cause, or that made it up."
        )
    ]
    for record in meetings:
        element: dict[str, Any] = {
            "type": "radio_buttons",
            "action_id": "state",
            "options": choices,
        }
        if record.state is not None:
            element["initial_option"] = next(c for c in choices if c["value"] == record.state)
        blocks.append(
            input_block(
                block_id(record.meeting.key),
                f"{record.meeting.title[:120]} ({human_date(record.meeting.due, today)})",
                element,
                optional=True,
            )
        )
    return modal(
        CALLBACK,
        "Meeting attendance",
        blocks,
        submit="Record",
        private_metadata=Metadata(team=team_id).dump(),
    )
