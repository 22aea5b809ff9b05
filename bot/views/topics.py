"""The monthly Communication Topic message."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.dates import human_date
from bot.program import Topic


def topic_prompt(
    topic: Topic, role: str, partner_id: str, log_due: date, today: date
) -> tuple[str, list[dict[str, Any]]]:
    """The DM that opens each topic month, for a mentor or a protégé."""
    month = date(topic.year, topic.month, 1).strftime("%B")
    text = f"{month}'s communication topic: {topic.title}"
    bullets = "\n".join(f"• {bullet}" for bullet in topic.bullets)
    if role == "mentor":
        ask = (
            f"Talk it over with your protégé <@{partner_id}> (at least twice this month) "
            f"and file the Communication Log by {human_date(log_due, today)}."
        )
    else:
        ask = (
            f"Bring your questions to your mentor <@{partner_id}>: you two talk at least "
            f"twice this month, and your mentor logs it by {human_date(log_due, today)}."
        )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": text[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": bullets[:3000]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": ask}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "From the mentoring manual's topic list."}],
        },
    ]
    return text, blocks
