"""The advisor's morning message: teams that need them, late steps, quiet teams.

An advisor of sixty quiet teams used to get one DM per team per late step (240 on one
morning). Here each alert about a team is one line under that team's name, the teams are
grouped by what they need (*needs you*, *late*, *quiet*), the most in need first, each with
its four buttons; what does not fit Slack's 50 blocks waits behind one button.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.pace.views import CONFIRM
from bot.slack.blocks import actions, button, context, input_block, modal, section
from bot.slack.dates import human_date
from bot.slack.metadata import Metadata
from bot.slack.text import TypedText
from bot.status.progress import PROGRESS_OPEN

Block = dict[str, Any]
Message = tuple[str, list[Block]]

NUDGE = "advisor_nudge"
REACHED_OUT = "advisor_reached_out"
SNOOZE = "advisor_snooze"
MORE = "advisor_more_teams"
DUTY_DONE = "advisor_duty_done"  # value: "<team id>:<step key>"
NUDGE_CALLBACK = "advisor_nudge_send"
MESSAGE_BLOCKS = 50
MODAL_TEAMS = 30  # two blocks a team, inside a modal's 100
SNOOZE_DAYS = 7
EXTRA_BUTTONS = 6  # a team's lines' own buttons, beside its four (Slack allows 25)


class Part(enum.IntEnum):
    """What a line about a team asks of the advisor, most pressing first."""

    NEEDS_YOU = 0
    LATE = 1
    QUIET = 2


PART_TITLES = {Part.NEEDS_YOU: "Needs you", Part.LATE: "Late", Part.QUIET: "Quiet"}


@dataclass(frozen=True)
class TeamItem:
    """One alert about one team, as a line of the advisor's digest."""

    team_id: int
    mentor: str
    protege: str
    part: Part
    line: str  # "Mentor Comment Form, due Fri, Sep 20, with <@U…>": stable, so it can be edited
    school_days_quiet: int = 0
    confirm: int | None = None  # a step said done outside Slack: the advisor's confirm button
    # The line's own buttons, before the team's four: Mark done, Approve, Record attendance.
    buttons: tuple[Block, ...] = field(default=(), compare=False)


def block_id(team_id: int) -> str:
    """The team's section in a digest: found again to be edited in place."""
    return f"advisor-team{team_id}"


def actions_id(team_id: int) -> str:
    return f"advisor-team{team_id}-actions"


@dataclass(frozen=True)
class _Team:
    team_id: int
    mentor: str
    protege: str
    items: tuple[TeamItem, ...]

    @property
    def part(self) -> Part:
        return min(item.part for item in self.items)

    @property
    def need(self) -> tuple[int, int, int, int]:
        """Sorts the most in need first: needs you, then more lines, then longer quiet."""
        quiet = max(item.school_days_quiet for item in self.items)
        return (self.part, -len(self.items), -quiet, self.team_id)


def _teams(items: Sequence[TeamItem]) -> list[_Team]:
    by_team: dict[int, list[TeamItem]] = {}
    for item in items:
        by_team.setdefault(item.team_id, []).append(item)
    teams = []
    for team_id, mine in by_team.items():
        unique = tuple(dict.fromkeys(sorted(mine, key=lambda i: i.part)))
        teams.append(_Team(team_id, mine[0].mentor, mine[0].protege, unique))
    return sorted(teams, key=lambda t: t.need)


def team_blocks(team: _Team) -> list[Block]:
    lines = [f"*<@{team.mentor}> mentoring <@{team.protege}>*"]
    lines += [f"• {PART_TITLES[item.part]}: {item.line}" for item in team.items]
    value = str(team.team_id)
    confirms = [
        button("Confirm: done outside Slack", CONFIRM, str(item.confirm))
        for item in team.items
        if item.confirm is not None
    ]
    own = {(b["action_id"], b["value"]): b for item in team.items for b in item.buttons}
    return [
        section("\n".join(lines), block_id=block_id(team.team_id)),
        actions(
            *confirms[:3],
            *list(own.values())[:EXTRA_BUTTONS],
            button("Nudge the team", NUDGE, value, style="primary"),
            button("Open the checklist", PROGRESS_OPEN, value),
            button("I've reached out", REACHED_OUT, value),
            button(f"Snooze {SNOOZE_DAYS} days", SNOOZE, value),
            block_id=actions_id(team.team_id),
        ),
    ]


def advisor_digest(items: Sequence[TeamItem], room: int = MESSAGE_BLOCKS) -> Message:
    """The teams of `items`, grouped by part, the most in need first, in at most `room`
    blocks; the rest behind one button that lists them."""
    teams = _teams(items)
    counts = {part: sum(1 for t in teams if t.part == part) for part in Part}
    said = [f"{counts[p]} {PART_TITLES[p].lower()}" for p in Part if counts[p]]
    people = "team" if len(teams) == 1 else "teams"
    text = f"Your {people} today: " + ", ".join(said)
    blocks: list[Block] = [section(f"*{text}*")]
    shown = 0
    part: Part | None = None
    for team in teams:
        heading = [] if team.part == part else [context(f"*{PART_TITLES[team.part]}*")]
        more_after = 1 if shown + 1 < len(teams) else 0
        if len(blocks) + len(heading) + 2 + more_after > room:
            break
        blocks += heading + team_blocks(team)
        part = team.part
        shown += 1
    rest = teams[shown:]
    if rest:
        ids = ",".join(str(t.team_id) for t in rest)
        blocks.append(
            actions(button(f"See {len(rest)} more team{'s' if len(rest) > 1 else ''}", MORE, ids))
        )
    return text, blocks


def resolved(blocks: Sequence[Block], team_id: int, closing: str) -> list[Block]:
    """The digest's blocks with one team's alert closed: its section says `closing` and its
    buttons are gone. Another team's blocks are untouched."""
    out: list[Block] = []
    for block in blocks:
        if block.get("block_id") == actions_id(team_id):
            continue
        if block.get("block_id") == block_id(team_id):
            first = block["text"]["text"].split("\n", 1)[0]
            block = section(f"{first}\n✓ {closing}", block_id=block_id(team_id))
        out.append(block)
    return out


def struck(
    blocks: Sequence[Block],
    team_id: int,
    line: str,
    closing: str,
    drop: tuple[str, str] | None = None,
) -> list[Block]:
    """The digest's blocks with the team's lines that begin with `line` struck through (a
    late step now done); the team's buttons stay for its other lines, but for `drop` (an
    action id and value: the struck line's own button)."""
    out: list[Block] = []
    for block in blocks:
        if block.get("block_id") == block_id(team_id):
            text = "\n".join(
                _strike(row, line, closing) for row in block["text"]["text"].split("\n")
            )
            block = section(text, block_id=block_id(team_id))
        elif drop is not None and block.get("block_id") == actions_id(team_id):
            kept = [e for e in block["elements"] if _pair(e) != drop]
            block = {**block, "elements": kept}
        out.append(block)
    return out


def _pair(element: Block) -> tuple[str, str]:
    """A button's action id (without the number `actions` gives a repeat) and value."""
    return str(element.get("action_id", "")).split("#")[0], str(element.get("value", ""))


def _strike(row: str, line: str, closing: str) -> str:
    for title in PART_TITLES.values():
        if row.startswith(f"• {title}: {line}"):
            return f"• ~{row.removeprefix('• ')}~ ✓ {closing}"
    return row


# --- the advisor's own steps, on the team card and the Home tab -----------------------------


@dataclass(frozen=True)
class StepRow:
    """One of the advisor's own steps for one team, as the card and the Home tab show it."""

    team_id: int
    mentor: str
    protege: str
    key: str  # the step's key: what "Mark done" names
    name: str
    due: date
    state: str  # done / due / overdue / upcoming / waiting
    done_on: date | None = None
    markable: bool = True  # a plan's review is done by deciding the plan, not by a button

    @property
    def waiting(self) -> bool:
        return self.state in ("due", "overdue")


def mark_button(row: StepRow) -> Block:
    return button(f"Mark done: {row.name}"[:75], DUTY_DONE, f"{row.team_id}:{row.key}")


def _step_text(row: StepRow, today: date) -> str:
    if row.state == "overdue":
        return f"{row.name}: was due {human_date(row.due, today)}"
    return f"{row.name}: due {human_date(row.due, today)}"


def card_steps_blocks(rows: Sequence[StepRow], today: date, may_mark: bool) -> list[Block]:
    """The team card's line of the content advisor's steps (theirs, not the team's: the
    team's completion never waits on them), with Mark done for the advisor and staff."""
    if not rows:
        return []
    done = [row for row in rows if row.state == "done"]
    waiting = [row for row in rows if row.waiting]
    parts = [f"{len(done)} done so far"] + [_step_text(row, today) for row in waiting[:4]]
    blocks: list[Block] = [context("*Content advisor's steps:* " + " · ".join(parts))]
    buttons = [mark_button(row) for row in waiting if row.markable][:EXTRA_BUTTONS]
    if may_mark and buttons:
        blocks.append(actions(*buttons))
    return blocks


HOME_STEPS = 8  # lines with a button on the Home tab; the rest counted


def home_steps_blocks(rows: Sequence[StepRow], today: date) -> list[Block]:
    """The advisor's Home tab: their own steps due now, across their teams, latest first."""
    waiting = sorted((row for row in rows if row.waiting), key=lambda r: (r.due, r.team_id))
    if not waiting:
        return []
    blocks: list[Block] = [section(f"*Your own steps* ({len(waiting)} waiting on you)")]
    for row in waiting[:HOME_STEPS]:
        text = f"<@{row.mentor}> & <@{row.protege}>: {_step_text(row, today)}"
        blocks.append(section(text, accessory=mark_button(row) if row.markable else None))
    if len(waiting) > HOME_STEPS:
        blocks.append(context(f"…and {len(waiting) - HOME_STEPS} more in your morning message."))
    return blocks


# --- the team list behind "See more" ------------------------------------------------------


@dataclass(frozen=True)
class TeamRow:
    team_id: int
    mentor: str
    protege: str
    lines: tuple[tuple[Part, str], ...]  # what is late or quiet now


def more_teams_modal(rows: Sequence[TeamRow], total: int) -> dict[str, Any]:
    """The teams behind the digest's "See more" button as they stand now, each with the
    digest's buttons; `total` counts those the presser may answer for."""
    blocks: list[Block] = []
    for row in rows[:MODAL_TEAMS]:
        items = tuple(
            TeamItem(row.team_id, row.mentor, row.protege, part, line) for part, line in row.lines
        )
        if items:
            blocks += team_blocks(_Team(row.team_id, row.mentor, row.protege, items))
    if total > len(rows):
        blocks.append(context(f"…and {total - len(rows)} more: `/mentor silent` lists them."))
    if not blocks:
        blocks.append(section("Nothing is waiting on these teams now. Thank you!"))
    return modal("advisor_more", "More of your teams", blocks, submit=None, close="Close")


# --- Nudge the team -----------------------------------------------------------------------


def prepared_nudge(mentor: str, protege: str, steps: Sequence[str]) -> str:
    """The advisor's words, ready to edit: a reminder, never a judgement."""
    ask = (
        "Could you look at " + "; ".join(steps[:4]) + " when you have a moment?"
        if steps
        else "Could you log your next conversation when you have a moment?"
    )
    return (
        "Hi both! Just checking in on how the mentoring is going. "
        f"{ask} If something is in the way, tell me and we will sort it out together."
    )


def nudge_modal(team_id: int, prepared: str) -> dict[str, Any]:
    blocks = [
        section("The bot sends this to the mentor and the protégé, headed with your name."),
        input_block(
            "message",
            "Your message",
            {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": 1500,
                "initial_value": prepared,
            },
        ),
    ]
    return modal(
        NUDGE_CALLBACK,
        "Nudge the team",
        blocks,
        submit="Send",
        private_metadata=Metadata(team=team_id).dump(),
    )


def nudge_message(advisor: str, words: TypedText) -> Message:
    text = f"A note from your content advisor <@{advisor}>"
    return text, [section(f"*{text}*\n" + words.clip(1500).mrkdwn())]


def told(verb: str, until: date, today: date) -> str:
    return f"{verb}: no alerts about this team until {human_date(until, today)}."


__all__ = [
    "DUTY_DONE",
    "MORE",
    "NUDGE",
    "NUDGE_CALLBACK",
    "REACHED_OUT",
    "SNOOZE",
    "Part",
    "StepRow",
    "TeamItem",
    "TeamRow",
    "advisor_digest",
    "card_steps_blocks",
    "home_steps_blocks",
    "more_teams_modal",
    "nudge_message",
    "nudge_modal",
    "prepared_nudge",
    "resolved",
    "struck",
]
