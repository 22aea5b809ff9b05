"""What program staff are told when a team member's Slack account is deactivated, or when
Slack cannot deliver a DM to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.slack.blocks import Block, actions, button, context, section
from bot.teams.views import END_TEAM, REPLACE_ADVISOR, REPLACE_MENTOR

ROLE_NAMES = {"mentor": "mentor", "protege": "protégé", "advisor": "content advisor"}
# The team flows staff already have: a protégé is not replaced, their team is ended.
REPLACE = {
    "mentor": ("Replace mentor", REPLACE_MENTOR),
    "advisor": ("Replace advisor", REPLACE_ADVISOR),
}
MAX_TEAMS = 20  # two blocks a team, within a message's 50


@dataclass(frozen=True)
class Seat:
    """A deactivated person's place on one active team."""

    team_id: int
    role: str  # "mentor", "protege" or "advisor"
    mentor: str
    protege: str


def deactivated_message(
    member: str, seats: Sequence[Seat], error: str | None = None
) -> tuple[str, list[Block]]:
    """`error`: Slack's error when a DM to the member failed (None: deactivated)."""
    replaceable = any(seat.role in REPLACE for seat in seats)
    teams = "the team" if len(seats) == 1 else "their teams"
    todo = f"replace or end {teams}" if replaceable else f"end {teams}"
    if error is None:
        text = f"<@{member}>'s Slack account is deactivated: {todo}"
    else:
        text = f"Slack cannot deliver the bot's messages to <@{member}> (`{error}`): {todo}"
    blocks: list[Block] = [section(f"*{text}*")]
    for seat in seats[:MAX_TEAMS]:
        blocks.append(
            section(f"*<@{seat.mentor}> mentoring <@{seat.protege}>* · {ROLE_NAMES[seat.role]}")
        )
        blocks.append(actions(*_buttons(seat)))
    if len(seats) > MAX_TEAMS:
        blocks.append(context(f"…and {len(seats) - MAX_TEAMS} more: `/mentor team <@{member}>`."))
    until = "the account is reactivated" if error is None else "Slack says their account changed"
    held = f"Their notices are held until {until}"
    if any(seat.role == "advisor" for seat in seats):
        held += "; alerts about their silent teams come to program staff meanwhile"
    blocks.append(context(held + "."))
    return text, blocks


def _buttons(seat: Seat) -> list[dict[str, Any]]:
    value = str(seat.team_id)
    found = []
    if seat.role in REPLACE:
        label, action_id = REPLACE[seat.role]
        found.append(button(label, action_id, value, style="primary"))
    found.append(button("End team", END_TEAM, value, style="danger"))
    return found
