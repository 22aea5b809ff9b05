"""`/mentor topic` and `/mentor calendar`: the program's data, as a reader wants it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.program import Deadline, Topic
from bot.program.text import ROLE_NAMES
from bot.slack.dates import human_date
from bot.status.deliverables import is_meeting
from bot.status.progress import MEETING_ICON, meeting_text


def topic_message(
    topic: Topic | None, next_topic: Topic | None
) -> tuple[str, list[dict[str, Any]]]:
    if topic is None:
        text = "There is no communication topic this month."
        if next_topic is not None:
            text += f" The next one, {_month(next_topic)}, is {next_topic.title}."
        return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    title = f"{_month(topic)}'s communication topic: {topic.title}"
    bullets = "\n".join(f"• {bullet}" for bullet in topic.bullets)
    return title, [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{bullets}"}}]


def calendar_message(
    track_name: str,
    deadlines: Sequence[Deadline],
    names: Mapping[str, str],
    today: date,
    program_end: date,
) -> tuple[str, list[dict[str, Any]]]:
    """`names`: the bot's name of each deadline, by id (`step_names`)."""
    if not deadlines:
        text = (
            f"No more deadlines for {track_name}: the program year ended "
            f"{human_date(program_end, today)}."
            if today > program_end
            else f"No more deadlines for {track_name} this year."
        )
        return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    title = f"Next deadlines, {track_name}"
    lines = "\n".join(
        f"*{human_date(d.due, today)}*: {_what(d, names[d.id])} ({ROLE_NAMES.get(d.role, d.role)})"
        for d in deadlines
    )
    return title, [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{lines}"}}]


def _what(deadline: Deadline, name: str) -> str:
    if is_meeting(deadline):
        return f"{MEETING_ICON} {meeting_text(deadline)}"
    return name


def _month(topic: Topic) -> str:
    return date(topic.year, topic.month, 1).strftime("%B")
