"""The program's own words: role names, what a step still asks outside Slack, and
`mentorbot program check`'s plain-text summary for staff to review.

Nothing here knows a feature: the bot's name of a step comes from `bot.status.progress
.step_name` (which ends in `with_upload`), handed to the summary by the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.program.calendar import Deadline
from bot.program.model import Program
from bot.program.steps import Step

ROLE_NAMES = {
    "mentor": "mentor",
    "protege": "protégé",
    "advisor": "content advisor",
    "staff": "program staff",
    "team": "mentor and protégé",
}


def with_upload(name: str, step: Step) -> str:
    """The bot's name of a step, and where it must still be uploaded when the program file
    says the upload is required ("…, then upload it at https://…"). A step whose upload the
    bot's filing replaces says nothing of an upload: its name is the step."""
    link = step.upload_link
    return f"{name}, then upload it at {link}" if link else name


def upload_setting(step: Step) -> str:
    """How `program check` shows a step's upload setting."""
    if step.upload is None:
        return ""
    if step.upload.required:
        return f"upload still required at {step.upload.link}"
    kept = f" ({step.upload.link})" if step.upload.link else ""
    return f"filed in Slack instead of the manual's upload{kept}"


def program_summary(program: Program, name: Callable[[Deadline], str] | None = None) -> str:
    """Each deadline under the manual's title (as the file has it) and, where `name` is
    given and says otherwise, the bot's name for it and its upload setting: the map between
    the manual's calendar and what people read in Slack."""
    lines = [
        f"{program.name} ({program.id}), school year {program.school_year}",
        f"timezone {program.timezone_name}, {program.start:%Y-%m-%d} to {program.end:%Y-%m-%d}",
        "program areas: " + "; ".join(area.name for area in program.areas),
        "",
        "Communication topics:",
    ]
    lines += [
        f"  {date(t.year, t.month, 1):%b %Y}  {t.title} ({len(t.bullets)} points)"
        for t in program.topics
    ]
    for track in program.tracks:
        lines += ["", f"{track.name} calendar:"]
        for d in program.deadlines(track.id):
            lines.append(
                f"  {d.due:%a %Y-%m-%d}  {d.title}  [{ROLE_NAMES.get(d.role, d.role)}]"
                + (f"  (the {d.rule})" if d.rule else "")
            )
            said = name(d) if name is not None else d.title
            notes = [f"the bot says “{said}”"] if said != d.title else []
            notes += [upload_setting(d.step)] if d.step.upload is not None else []
            if notes:
                lines.append("                  " + "; ".join(notes))
    if program.breaks:
        lines += ["", "Breaks (no notices):"]
        lines += [
            f"  {b.start:%Y-%m-%d} to {b.end:%Y-%m-%d}  {b.name}"
            + (f" (set by the {b.rule})" if b.rule else "")
            for b in program.breaks
        ]
    lines += [
        "",
        f"{len(program.experience_selections)} experience selections, "
        f"{sum(len(c.items) for c in program.focal_points)} Focal Points items, "
        f"{sum(len(c.items) for c in program.decision_points)} Decision Points items",
    ]
    return "\n".join(lines)
