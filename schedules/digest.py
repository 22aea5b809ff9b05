"""One message a person: the notices due for one recipient at a tick, as one digest.

A teacher who gets five DMs on one morning mutes the bot; one message with five sections
reads as a colleague's note. Each notice keeps its own key in the ledger (claimed, sent,
retried and settled on its own); the digest is only how they travel. A notice merged into
another (`Notice.merged_into`) travels with it and adds no section of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.advisor.views import advisor_digest
from schedules.notice import Message, Notice

# The order sections appear in, most pressing first; kinds not named come after, in the
# order the tick found them.
URGENCY = (
    "meeting_reminder",
    "partner_report",
    "done_outside",
    "plan_review",
    "attendance_to_record",
    "advisor_step",
    "silence_escalation",
    "silence_alert",
    "silence_reminder",
    "deactivated",  # staff: a team member's Slack account is deactivated
    "deadline_overdue",
    "advisor_step_late",
    "log_overdue",
    "deadline_nudge",
    "log_nudge",
    "semester_progress",
    "survey",
    "topic_prompt",
    "welcome",
)
_RANK = {kind: rank for rank, kind in enumerate(URGENCY)}

# Kinds that go out even when the person's digest of the day has gone already. A welcome is
# the first word the bot says to someone just added to a team: waiting a day helps nobody.
URGENT = frozenset({"welcome"})
# Kinds that edit a message already sent (schedules.notice.Notice.edits): never a message,
# so they neither wait for the next digest nor count as the person's message of the day.
EDITS = frozenset(
    {
        "silence_back",
        "step_done",
        "advisor_step_done",
        "plan_reviewed",
        "attendance_recorded",
    }
)
# Room an advisor's digest leaves for the person's other notices (a semester note...).
OTHERS_ROOM = 20

MESSAGE_BLOCKS = 50  # Slack's limit for a message
# One message lists at most this many notices (those beyond the full sections a line each,
# a line at most _LINE_MAX characters, about nine lines to a 3,000-character section, so the
# list alone stays inside 50 blocks): a second message only past that. An advisor of sixty
# quiet teams has 240 on the worst morning of the year.
MAX_NOTICES = 400
_LINE_MAX = 300
_SEPARATOR = {"type": "divider"}
_TEXT_MAX = 3000


@dataclass(frozen=True)
class Digest:
    """Notices for one recipient that go out as one message, most pressing first."""

    recipient: str
    notices: tuple[Notice, ...]

    @property
    def keys(self) -> list[str]:
        return [notice.key for notice in self.notices]

    @property
    def message(self) -> Message:
        """Composed anew on each call, like a notice's: take it once per send. A merged
        notice is left out when the notice it is merged into is here to say it."""
        keys = set(self.keys)
        own = [n for n in self.notices if n.merged_into not in keys]
        items = [n.item() for n in own if n.item is not None]
        others = [n.message for n in own if n.item is None]
        if not items:
            return compose(others)
        if not others:
            text, blocks = advisor_digest(items)
            if len(own) == 1:
                # One alert: its own words say more in a notification than a count.
                text = own[0].message[0]
            return text, blocks
        # The advisor's teams first, in one layout; anything else after, in less room.
        other_text, other_blocks = compose(others, OTHERS_ROOM)
        text, blocks = advisor_digest(items, MESSAGE_BLOCKS - len(other_blocks) - 1)
        return f"{text} · {other_text}"[:_TEXT_MAX], [*blocks, dict(_SEPARATOR), *other_blocks]


def digests(notices: Iterable[Notice]) -> list[Digest]:
    """Group by recipient, in the order recipients first appear, most pressing first."""
    by_recipient: dict[str, list[Notice]] = {}
    for notice in notices:
        by_recipient.setdefault(notice.recipient, []).append(notice)
    out: list[Digest] = []
    for recipient, mine in by_recipient.items():
        keys = {notice.key for notice in mine}
        riders: dict[str, list[Notice]] = {}
        own: list[Notice] = []
        for notice in mine:
            if notice.merged_into in keys:
                riders.setdefault(notice.merged_into, []).append(notice)
            else:
                own.append(notice)
        ordered = sorted(own, key=lambda n: _RANK.get(n.kind, len(URGENCY)))
        for start in range(0, len(ordered), MAX_NOTICES):
            # A notice merged into another goes in its message, and is not counted.
            part = ordered[start : start + MAX_NOTICES]
            with_riders = [n for notice in part for n in (notice, *riders.get(notice.key, ()))]
            out.append(Digest(recipient, tuple(with_riders)))
    return out


def compose(messages: Sequence[Message], limit: int = MESSAGE_BLOCKS) -> Message:
    """One message of several: a heading that counts them, then each, divided.

    A single message goes out as it is. A block that repeats one already shown (the month's
    topic for a mentor of two teams, two reminders of one step moved onto one day) is shown
    once; buttons that differ (a log button per team) stay. Block ids are made unique per
    section, as Slack requires within a message. What does not fit Slack's 50 blocks (an
    advisor's alerts about sixty quiet teams) is listed after the full sections, a line each,
    the most pressing shown in full first.
    """
    if len(messages) == 1:
        return messages[0]
    firsts = [_first_line(text) for text, _ in messages]
    heading = f"{len(messages)} things from Mentor bot today"
    text = (heading + ": " + " · ".join(firsts))[:_TEXT_MAX]
    sections = _sections(messages)
    shown = _how_many_fit(sections, firsts, limit)
    blocks: list[dict[str, Any]] = [_section(f"*{heading}*")]
    for section_blocks in sections[:shown]:
        if section_blocks:
            blocks.append(dict(_SEPARATOR))
            blocks.extend(section_blocks)
    if shown < len(messages):
        blocks.append(dict(_SEPARATOR))
        blocks.extend(_listed(firsts[shown:]))
    return text, blocks


def _sections(messages: Sequence[Message]) -> list[list[dict[str, Any]]]:
    """Each message's blocks, without those already shown, their block ids made unique."""
    seen: set[str] = set()
    return [
        [_renamed(block, index) for block in section_blocks if _fresh(block, seen)]
        for index, (_, section_blocks) in enumerate(messages)
    ]


def _how_many_fit(sections: list[list[dict[str, Any]]], firsts: list[str], limit: int) -> int:
    """How many sections go in full, the rest listed a line each, within `limit` blocks."""
    used = 1  # the heading
    for count, section_blocks in enumerate(sections):
        rest = firsts[count + 1 :]
        after = used + len(section_blocks) + 1
        if after + (1 + len(_listed(rest)) if rest else 0) > limit:
            return count
        used = after
    return len(sections)


def _listed(firsts: Sequence[str]) -> list[dict[str, Any]]:
    """A line each, in as few sections as Slack's 3,000 characters a section allow."""
    lines = [f"*And {len(firsts)} more:*"] + [f"• {line}" for line in firsts]
    blocks: list[dict[str, Any]] = []
    chunk = ""
    for line in lines:
        line = line[:_LINE_MAX]
        if chunk and len(chunk) + 1 + len(line) > _TEXT_MAX:
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    blocks.append(_section(chunk))
    return blocks


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].strip().rstrip(".")


def _fresh(block: dict[str, Any], seen: set[str]) -> bool:
    shape = json.dumps({k: v for k, v in block.items() if k != "block_id"}, sort_keys=True)
    if shape in seen:
        return False
    seen.add(shape)
    return True


def _renamed(block: dict[str, Any], index: int) -> dict[str, Any]:
    if "block_id" not in block:
        return block
    return {**block, "block_id": f"{block['block_id']}-{index}"[:255]}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


__all__ = ["EDITS", "URGENCY", "URGENT", "Digest", "compose", "digests"]
