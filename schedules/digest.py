"""One message a person: the notices due for one recipient at a tick, as one digest.

A teacher who gets five DMs on one morning mutes the bot; one message with five sections
reads as a colleague's note. Each notice keeps its own key in the ledger (claimed, sent,
retried and settled on its own); the digest is only how they travel.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from schedules.notice import Message, Notice

# The order sections appear in, most pressing first; kinds not named come after, in the
# order the tick found them.
URGENCY = (
    "silence_escalation",
    "silence_alert",
    "silence_reminder",
    "deactivated",  # staff: a team member's Slack account is deactivated
    "deadline_overdue",
    "log_overdue",
    "deadline_nudge",
    "log_nudge",
    "semester_progress",
    "survey",
    "topic_prompt",
    "silence_back",
    "welcome",
)
_RANK = {kind: rank for rank, kind in enumerate(URGENCY)}

# Kinds that go out even when the person's digest of the day has gone already. A welcome is
# the first word the bot says to someone just added to a team: waiting a day helps nobody.
URGENT = frozenset({"welcome"})

MESSAGE_BLOCKS = 50  # Slack's limit for a message
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
        """Composed anew on each call, like a notice's: take it once per send."""
        return compose([notice.message for notice in self.notices])


def digests(notices: Iterable[Notice]) -> list[Digest]:
    """Group by recipient, in the order recipients first appear; each within Slack's limit."""
    by_recipient: dict[str, list[Notice]] = {}
    for notice in notices:
        by_recipient.setdefault(notice.recipient, []).append(notice)
    out: list[Digest] = []
    for recipient, mine in by_recipient.items():
        ordered = sorted(mine, key=lambda n: _RANK.get(n.kind, len(URGENCY)))
        out.extend(Digest(recipient, tuple(part)) for part in _fitting(ordered))
    return out


def _fitting(notices: list[Notice]) -> list[list[Notice]]:
    """Split only when one message cannot hold them all (Slack's 50 blocks): rare for a
    teacher, and the sections keep their order across the parts."""
    parts: list[list[Notice]] = [[]]
    used = 1  # the digest's heading
    for notice in notices:
        size = len(notice.blocks) + 1  # its blocks and a divider
        if parts[-1] and used + size > MESSAGE_BLOCKS:
            parts.append([])
            used = 1
        parts[-1].append(notice)
        used += size
    return parts


def compose(messages: Sequence[Message]) -> Message:
    """One message of several: a heading that counts them, then each, divided.

    A single message goes out as it is. A block that repeats one already shown (the month's
    topic for a mentor of two teams, two reminders of one step moved onto one day) is shown
    once; buttons that differ (a log button per team) stay. Block ids are made unique per
    section, as Slack requires within a message.
    """
    if len(messages) == 1:
        return messages[0]
    firsts = [_first_line(text) for text, _ in messages]
    heading = f"{len(messages)} things from Mentor bot today"
    text = (heading + ": " + " · ".join(firsts))[:_TEXT_MAX]
    blocks: list[dict[str, Any]] = [_section(f"*{heading}*")]
    seen: set[str] = set()
    for index, (_, section_blocks) in enumerate(messages):
        shown = [b for b in section_blocks if _fresh(b, seen)]
        if not shown:
            continue
        blocks.append(dict(_SEPARATOR))
        blocks.extend(_renamed(block, index) for block in shown)
    return text, blocks


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


__all__ = ["URGENCY", "URGENT", "Digest", "compose", "digests"]
