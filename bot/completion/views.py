"""The completion summary: as a DM (with a button for the file) and as the file."""

from __future__ import annotations

from typing import Any

from bot.completion.rules import CompletionSummary, Step
from bot.slack.blocks import actions, button, context, section
from bot.slack.dates import human_date

DOWNLOAD = "completion_file"


def summary_message(completion: CompletionSummary) -> tuple[str, list[dict[str, Any]]]:
    text = (
        f"Congratulations: your team completed the {completion.program_name} "
        f"({completion.track_name}, {completion.school_year})"
    )
    steps = "\n".join(
        f"• {step.title}: {_done(step)} (due {human_date(step.due)})" for step in completion.steps
    )
    blocks = [
        section(
            f"*{text}.* <@{completion.mentor}> mentoring <@{completion.protege}>, "
            f"{completion.area_name}, from {human_date(completion.started)} "
            f"to {human_date(completion.completed)}."
        ),
        section(_clip(steps)),
        context("Your record of it: keep the file, Slack may not keep this message."),
        actions(button("Send me this as a file", DOWNLOAD, str(completion.team_id), "primary")),
    ]
    return text, blocks


def summary_file(completion: CompletionSummary, names: dict[str, str]) -> str:
    """Plain text to keep: people by name (`names`: Slack id -> name) where known."""
    mentor = names.get(completion.mentor) or completion.mentor
    protege = names.get(completion.protege) or completion.protege
    lines = [
        f"{completion.program_name}, {completion.school_year}: completion summary",
        "",
        f"Track: {completion.track_name}",
        f"Program area: {completion.area_name}",
        f"Mentor: {mentor}",
        f"Protégé: {protege}",
        f"Started: {completion.started.isoformat()}",
        f"Completed: {completion.completed.isoformat()}",
        "",
        "Steps (done, due):",
        *(_file_line(step, names) for step in completion.steps),
        "",
        "From the program's own records, kept by the Mentor bot.",
    ]
    return "\n".join(lines) + "\n"


def _file_line(step: Step, names: dict[str, str]) -> str:
    line = f"- {step.title}: {step.done.isoformat()} (due {step.due.isoformat()})"
    if step.outside is None:
        return line
    by = step.outside.confirmed_by
    return f"{line}, {step.outside.words(names.get(by, by), year=True)}"


def _done(step: Step) -> str:
    return step.outside.words() if step.outside else f"done {human_date(step.done)}"


def _clip(text: str) -> str:
    return text if len(text) <= 3000 else text[:2999] + "…"
