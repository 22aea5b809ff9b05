"""`/mentor help`: the caller's next step, then the subcommands they can use."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from bot.access import FORMS, LOOK_UPS, MANAGING
from bot.slack.blocks import button, section
from bot.slack.commands import Subcommand
from bot.slack.text import typed
from bot.status.step_handlers import NextAction

HEADINGS = {FORMS: "Forms you can file", LOOK_UPS: "Look-ups", MANAGING: "Running the program"}


def help_message(
    program_name: str,
    subcommands: Mapping[str, Sequence[Subcommand]],
    next_step: NextAction | None = None,
    unknown: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """What this person can do: their next step and its button first, then the forms they
    can file, then look-ups (and, for staff, running the program). `subcommands` maps a
    heading of `bot.access.help_heading` to the commands under it."""
    if unknown is not None:
        shown = unknown if len(unknown) <= 40 else unknown[:39] + "…"
        intro = f"I don't know the command `{_in_code(shown)}`. Here is what you can use:"
    else:
        intro = f"*Mentor bot* runs the {program_name}. Here is what you can use:"
    blocks: list[dict[str, Any]] = [section(intro)]
    lines = [intro.replace("*", "")]
    if next_step is not None:
        step = f"*Your next step:* {next_step.text}"
        blocks.append(
            section(
                step,
                accessory=button(next_step.label, next_step.action_id, next_step.value, "primary"),
            )
        )
        lines.append(step.replace("*", ""))
    for heading, title in HEADINGS.items():
        found = subcommands.get(heading) or ()
        if not found:
            continue
        listed = "\n".join(f"`{sub.usage}`: {sub.summary}" for sub in found)
        blocks.append(section(f"*{title}*\n{listed}"))
        lines += [title, listed]
    return "\n".join(lines), blocks


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
