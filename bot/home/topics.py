"""The monthly Communication Topic message."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.logs.views import LAST_MONTH, OPEN_CHECK_IN, OPEN_LOG
from bot.program import Topic
from bot.slack.blocks import actions, button
from bot.slack.dates import human_date


def topic_prompt(
    topic: Topic,
    role: str,
    partner_id: str,
    log_due: date,
    today: date,
    team_id: int | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The DM that opens each topic month, for a mentor or a protégé.

    With `team_id` it carries the Communication Log buttons; their value "team_id:YYYY-MM"
    names the team and month, and the listener re-checks the presser's access to that team.
    """
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
    ]
    if team_id is not None:
        value = f"{team_id}:{topic.month_id}"
        blocks.append(
            actions(
                button("Log a conversation", OPEN_LOG, value, style="primary"),
                button("We talked", OPEN_CHECK_IN, value),
                button("See last month's log", LAST_MONTH, value),
                block_id="topic_log",
            )
        )
    blocks += [
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "From the mentoring manual's topic list."}],
        },
    ]
    return text, blocks
