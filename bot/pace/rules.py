"""How a person's pace changes what the tick sends them, and when (schedules/pace.py).

- A personal delivery time: a person's scheduled message waits until their chosen time of
  the school day, one of the program file's `delivery_times` (before school is the default).
- Away until a date: everything but urgent kinds waits (and what expires meanwhile is
  recorded as skipped); an away advisor's team alerts go to the person they named instead,
  under the same key, so each is settled once, with whoever got it.
"""

from __future__ import annotations

from datetime import date, time

from bot.program import Program
from bot.status.progress import step_name
from storage.pace import DeliveryTime, Pace

NAMES = {
    DeliveryTime.BEFORE_SCHOOL: "Before school",
    DeliveryTime.PLANNING: "Planning period",
    DeliveryTime.AFTER_SCHOOL: "After school",
}


def send_from(program: Program, delivery: DeliveryTime | None) -> time:
    """The local time a person's message of the day waits for: the program file's
    `delivery_times` (before school, the default, is its end of quiet hours unless set)."""
    return getattr(program.settings.delivery_times, (delivery or DeliveryTime.BEFORE_SCHOOL).value)


def labels(program: Program) -> dict[DeliveryTime, str]:
    """ "Planning period (11:30 AM)", for each time a person may choose."""
    return {
        choice: f"{name} ({clock(send_from(program, choice))})" for choice, name in NAMES.items()
    }


def clock(moment: time) -> str:
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def is_away(pace: Pace | None, today: date) -> bool:
    return pace is not None and pace.away_until is not None and today <= pace.away_until


def step_named(program: Program, track: str, step: str) -> str | None:
    """The bot's name of the step a pace row or a reminder's button names by its key."""
    for deadline in program.deadlines(track):
        if program.step_key(deadline) == step:
            return step_name(program, deadline)
    return None
