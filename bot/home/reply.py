"""The answer to a DM typed to the bot (pure builder).

The Messages tab stays writable so a teacher can answer a reminder the way Slack invites
them to; nobody reads those messages, so the bot says so at once, with the person's next
step and who to ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.slack.blocks import Block, actions, button, context, section
from bot.status.progress import NextAction

Message = tuple[str, list[Block]]


@dataclass(frozen=True)
class TeamNext:
    """For one of the person's teams: their next step (if any) and the team's advisor."""

    team_id: int
    partner: str  # the other member's Slack id
    next_action: NextAction | None
    advisor: str | None


def dm_reply_message(teams: Sequence[TeamNext], staff: Sequence[str]) -> Message:
    intro = "Thanks for writing. I'm a bot and nobody reads messages sent here."
    blocks: list[Block] = [section(intro)]
    if not teams:
        ask = f"<@{staff[0]}>" if staff else "your program staff"
        text = f"You are not on a mentoring team yet. Ask {ask} to add you."
        blocks.append(section(text))
        return f"{intro} {text}", blocks
    for team in teams:
        if team.next_action is None:
            blocks.append(section(f"With <@{team.partner}>: nothing is waiting on you now."))
        else:
            step = team.next_action
            blocks.append(section(f"With <@{team.partner}>, your next step: {step.text}."))
            blocks.append(actions(button(step.label, step.action_id, step.value, style="primary")))
    advisors = sorted({t.advisor for t in teams if t.advisor})
    if advisors:
        who = " or ".join(f"<@{a}>" for a in advisors)
        ask = f"Questions about the program? Write to your content advisor, {who}."
        blocks.append(section(ask))
    blocks.append(context("Type `/mentor help` for everything you can do, or open my Home tab."))
    return intro, blocks
