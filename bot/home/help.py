"""`/mentor help`: the subcommands the caller may use."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from bot.slack.commands import Subcommand
from bot.slack.text import typed


def help_message(
    program_name: str, subcommands: Sequence[Subcommand], unknown: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    lines = "\n".join(f"`{sub.usage}`: {sub.summary}" for sub in subcommands)
    blocks: list[dict[str, Any]] = []
    if unknown is not None:
        shown = unknown if len(unknown) <= 40 else unknown[:39] + "…"
        intro = f"I don't know the command `{_in_code(shown)}`. Here is what you can use:"
    else:
        intro = f"*Mentor bot* runs the {program_name}. Here is what you can use:"
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": intro}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": lines}})
    text = intro.replace("*", "") + "\n" + lines
    return text, blocks


ROLE_WORDS = {
    "staff": "program staff",
    "advisor": "content advisors",
    "mentor": "mentors",
    "protege": "protégés",
}


def refusal_message(
    sub: Subcommand, allowed_roles: Collection[str], staff_ids: Sequence[str]
) -> tuple[str, list[dict[str, Any]]]:
    """A polite no that names who may, and says what to do instead."""
    words = [ROLE_WORDS[r] for r in ROLE_WORDS if r in allowed_roles]
    who = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    ask = f"Ask <@{staff_ids[0]}> or type" if staff_ids else "Ask your program staff, or type"
    text = (
        f"`{sub.usage}` is for {who}. {ask} `/mentor help` for what you can do."
        if len(words) > 1
        else f"Only {who} can use `{sub.usage}`. {ask} `/mentor help` for what you can do."
    )
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def _in_code(text: str) -> str:
    """Typed text inside a code span: escaped, and no backtick to end the span early."""
    return typed(text).mrkdwn().replace("`", "'")
