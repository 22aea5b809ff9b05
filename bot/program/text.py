"""`mentorbot program check`: a program file's content as plain text for staff to review."""

from __future__ import annotations

from datetime import date

from bot.home.calendar import ROLE_NAMES
from bot.program import Program


def program_summary(program: Program) -> str:
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
        lines += [
            f"  {d.due:%a %Y-%m-%d}  {d.title}  [{ROLE_NAMES.get(d.role, d.role)}]"
            + (f"  (the {d.rule})" if d.rule else "")
            for d in program.deadlines(track.id)
        ]
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
