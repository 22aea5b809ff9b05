"""The year-two welcome: what a continuing team reads when its second year opens (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.program import Deadline
from bot.slack.blocks import Block, button, context, section
from bot.status.progress import PROGRESS_OPEN
from bot.teams.welcome import first_deadlines_block


def year_two_welcome(
    role: str,
    *,
    mentor: str,
    protege: str,
    program_name: str,
    school_year: str,
    track_name: str,
    new_steps: Sequence[str],
    first_deadlines: Sequence[Deadline],
    names: Mapping[str, str],
    forms_at_meetings: Mapping[str, Sequence[str]],
    today: date,
) -> tuple[str, list[dict[str, Any]]]:
    """`new_steps`: the names of the steps the track asks for that the year before did not;
    `names`: the bot's name of each first deadline, by id."""
    if role == "mentor":
        text = f"Welcome back to the {program_name}! You continue mentoring <@{protege}>."
    elif role == "protege":
        text = f"Welcome back to the {program_name}! <@{mentor}> continues as your mentor."
    else:
        text = f"<@{mentor}> and <@{protege}> continue into {track_name}, with you as advisor."
    blocks: list[dict[str, Any]] = [
        section(
            f"*{text}*\n{school_year}: {track_name}. Last year's records stay readable: add "
            "`--year` to `/mentor logs`, `team` or `status`."
        )
    ]
    if new_steps:
        lines = "\n".join(f"• {name}" for name in new_steps)
        blocks.append(section(f"*New in {track_name}*\n{lines}"))
    if first_deadlines:
        blocks.append(first_deadlines_block(first_deadlines, names, forms_at_meetings, today))
    blocks.append(
        context("Type `/mentor progress` for this year's steps, `/mentor help` for the rest.")
    )
    return text, blocks


@dataclass(frozen=True)
class EarlierTeam:
    school_year: str
    team_id: int
    mentor: str  # Slack ids
    protege: str


def earlier_years_blocks(teams: Sequence[EarlierTeam]) -> list[Block]:
    """The Home tab's way back to closed years: each earlier team's checklist, one click."""
    if not teams:
        return []
    blocks: list[Block] = [context("*Earlier years*: records stay, read-only.")]
    for team in teams:
        blocks.append(
            section(
                f"{team.school_year}: <@{team.mentor}> mentoring <@{team.protege}>",
                accessory=button(f"See {team.school_year}", PROGRESS_OPEN, str(team.team_id)),
            )
        )
    return blocks
