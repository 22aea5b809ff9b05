"""`/mentor help`: the caller's next step, then the subcommands they can use."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from bot.access import FORMS, LOOK_UPS, MANAGING
from bot.across.views import Message, each_named
from bot.program import Program
from bot.slack.blocks import button, context, section
from bot.slack.commands import Subcommand
from bot.slack.text import typed
from bot.status.step_handlers import NextAction

HEADINGS = {FORMS: "Forms you can file", LOOK_UPS: "Look-ups", MANAGING: "Running the program"}
NOTHING_DUE = "Nothing of yours is due now in this program."


def next_steps(steps: Sequence[tuple[Program, NextAction | None]]) -> Message:
    """The person's next step and its button (the Home tab's) in each of their programs,
    each under its program's name when they have several; nothing when none is due."""
    if not any(step for _, step in steps):
        return "", []
    return each_named([(program, _next_step(step)) for program, step in steps])


def _next_step(step: NextAction | None) -> Message:
    if step is None:
        return NOTHING_DUE, [context(NOTHING_DUE)]
    text = f"*Your next step:* {step.text}"
    button_ = button(step.label, step.action_id, step.value, "primary")
    return text.replace("*", ""), [section(text, accessory=button_)]


def help_message(
    program_name: str,
    subcommands: Mapping[str, Sequence[Subcommand]],
    steps: Message = ("", []),
    unknown: str | None = None,
) -> Message:
    """What this person can do: their next steps (`next_steps`) first, then the forms they
    can file, then look-ups (and, for staff, running the program). `subcommands` maps a
    heading of `bot.access.help_heading` to the commands under it."""
    if unknown is not None:
        shown = unknown if len(unknown) <= 40 else unknown[:39] + "…"
        intro = f"I don't know the command `{_in_code(shown)}`. Here is what you can use:"
    else:
        intro = f"*Mentor bot* runs the {program_name}. Here is what you can use:"
    steps_text, step_blocks = steps
    blocks: list[dict[str, Any]] = [section(intro), *step_blocks]
    lines = [intro.replace("*", ""), *([steps_text] if steps_text else [])]
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
