"""What the people affected by a team change are told."""

from __future__ import annotations

from datetime import date

from bot.slack.dates import human_date
from bot.slack.text import TypedText


def replacement_messages(
    role: str,
    new: str,
    old: str | None,
    mentor: str,
    protege: str,
    advisor: str | None,
) -> dict[str, str]:
    """Slack id -> message, for everyone the replacement concerns."""
    was = f", taking over from <@{old}>" if old else ""
    if role == "mentor":
        messages = {
            new: (
                f"You are now the mentor of <@{protege}>. Thank you! Please fill in your "
                "Contact Form (`/mentor contact`) so your protégé and advisor can reach you."
            ),
            protege: f"Your mentor is now <@{new}>. Everything your team filed stays with it.",
            advisor: f"<@{new}> now mentors <@{protege}>{was}.",
            old: f"Thank you for mentoring <@{protege}>. <@{new}> takes over from today.",
        }
    else:
        messages = {
            new: (f"You are now the content advisor of <@{mentor}> and <@{protege}>. Thank you!"),
            mentor: f"Your team's content advisor is now <@{new}>.",
            protege: f"Your team's content advisor is now <@{new}>.",
            old: (
                f"<@{new}> takes over as content advisor of <@{mentor}> and <@{protege}>. "
                "Thank you!"
            ),
        }
    return {user: text for user, text in messages.items() if user}


def ending_message(status: str, reason: TypedText, mentor: str, protege: str) -> str:
    word = (
        "has completed the program" if status == "completed" else "was withdrawn from the program"
    )
    return (
        f"The team of <@{mentor}> mentoring <@{protege}> {word}. "
        f"Note from program staff: {reason.mrkdwn()}\nEverything the team filed is kept."
    )


def pause_message(paused: bool, mentor: str, protege: str) -> str:
    if paused:
        return (
            f"The team of <@{mentor}> mentoring <@{protege}> is paused (a leave of absence). "
            "Its deadlines wait until program staff resume it, and everything the team "
            "filed is kept."
        )
    return (
        f"The team of <@{mentor}> mentoring <@{protege}> is back from its pause. Its deadlines "
        "have moved by the time it was paused: `/mentor progress` shows the new dates."
    )


def already_message(team: str, paused: bool, by: str | None, on: date | None) -> str:
    """For staff who paused (or resumed) a team someone had just paused (or resumed)."""
    word = "paused" if paused else "resumed"
    who = f" by <@{by}>" if by else ""
    when = f" on {human_date(on)}" if on is not None else ""
    return f"{team} was {word} already{who}{when}: nothing more changed."
