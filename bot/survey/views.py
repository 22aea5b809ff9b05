"""The spring program evaluation survey: its DM (invitation and reminders) and its modal."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.slack.blocks import Block, actions, button, context, input_block, modal, option, section
from bot.slack.dates import human_date
from bot.slack.metadata import Metadata
from bot.survey.rules import COMMENTS_MAX, RATING_QUESTIONS

SURVEY_OPEN = "survey_open"  # value: team id
SURVEY_CALLBACK = "survey_submit"
COMMENTS = "comments"
RATING_WORDS = {1: "Poor", 2: "Fair", 3: "Good", 4: "Very good", 5: "Excellent"}
PRIVACY = (
    "Your answers are confidential: results are reported only in aggregate, never per "
    "person, and only when at least five people have answered."
)


def survey_message(
    team_id: int, partner: str, due: date, today: date, reminder: bool
) -> tuple[str, list[Block]]:
    when = human_date(due, today)
    if reminder:
        text = f"A reminder: the program evaluation survey is due {when}."
    else:
        text = f"The program evaluation survey for your year with <@{partner}> is open, due {when}."
    blocks = [
        section(
            f"*{text}*\nFive minutes on your year with <@{partner}>: three ratings and a "
            "comment if you like. Thank you: it shapes next year's program."
        ),
        actions(button("Take the survey", SURVEY_OPEN, str(team_id), "primary"), block_id="survey"),
        context(PRIVACY),
    ]
    return text, blocks


def survey_modal(team_id: int, partner: str) -> dict[str, Any]:
    ratings = [option(f"{n} · {RATING_WORDS[n]}", str(n)) for n in range(1, 6)]
    blocks: list[Block] = [
        section(f"*Program evaluation survey* about your year with <@{partner}>."),
        context(PRIVACY),
    ]
    for name, question in RATING_QUESTIONS.items():
        blocks.append(
            input_block(
                name,
                question,
                {"type": "radio_buttons", "action_id": name, "options": ratings},
            )
        )
    blocks.append(
        input_block(
            COMMENTS,
            "Comments",
            {
                "type": "plain_text_input",
                "action_id": COMMENTS,
                "multiline": True,
                "max_length": COMMENTS_MAX,
            },
            optional=True,
            hint="What helped most, and what would you change?",
        )
    )
    return modal(
        SURVEY_CALLBACK,
        "Program survey",
        blocks,
        submit="Send",
        private_metadata=Metadata(team=team_id).dump(),
    )


def thanks_view() -> dict[str, Any]:
    return modal(
        SURVEY_CALLBACK + "_done",
        "Program survey",
        [section("*Thank you.* Your answers are in, and they count only in the totals.")],
        submit=None,
        close="Close",
    )


def already_answered_text() -> str:
    return "You have already answered the program survey for this team. Thank you!"
