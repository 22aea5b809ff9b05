"""How a person's pace changes what the tick sends them, and when (schedules/pace.py).

- A personal delivery time: a person's scheduled message waits until their chosen time of
  the school day. Before school is the program file's end of quiet hours (the default).
- Away until a date: everything but urgent kinds waits (and what expires meanwhile is
  recorded as skipped); an away advisor's team alerts go to the person they named instead,
  under the same key, so each is settled once, with whoever got it.
"""

from __future__ import annotations

from datetime import date, time

from bot.program import Program
from bot.status.progress import step_name
from storage.pace import DeliveryTime, Pace

# The other two times of a school day; before school is the program's end of quiet hours.
PLANNING = time(11, 30)
AFTER_SCHOOL = time(15, 30)
LABELS = {
    DeliveryTime.BEFORE_SCHOOL: "Before school",
    DeliveryTime.PLANNING: "Planning period (11:30)",
    DeliveryTime.AFTER_SCHOOL: "After school (15:30)",
}


def send_from(program: Program, delivery: DeliveryTime | None) -> time:
    if delivery == DeliveryTime.PLANNING:
        return PLANNING
    if delivery == DeliveryTime.AFTER_SCHOOL:
        return AFTER_SCHOOL
    return program.settings.quiet_hours.end


def is_away(pace: Pace | None, today: date) -> bool:
    return pace is not None and pace.away_until is not None and today <= pace.away_until


def step_named(program: Program, track: str, step: str) -> str | None:
    """The bot's name of the step a pace row or a reminder's button names by its key."""
    for deadline in program.deadlines(track):
        if program.step_key(deadline) == step:
            return step_name(program, deadline)
    return None
