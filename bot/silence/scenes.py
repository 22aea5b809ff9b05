"""Demo events: quick check-ins that keep the year-two team's contact record going.

With them and the other features' events, the demo shows the whole silent-team loop on
Omar and Jen after the winter break: the alert to their advisor (Jan 27), the reminder a
week later, the escalation to program staff the week after, and the "back in touch" note
to both when Omar logs a call on Feb 11.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from bot.demo.world import DemoEvent, DemoWorld
from bot.logs.rules import record_check_in
from storage.db import transaction
from storage.logs import LogMode

TEAM = "Omar Haddad/Jen Brooks"
CHECK_INS = (
    (date(2024, 10, 4), "Omar Haddad", LogMode.PHONE),
    (date(2024, 10, 15), "Jen Brooks", LogMode.TEXT),
    (date(2024, 10, 25), "Omar Haddad", LogMode.EMAIL),
    (date(2024, 12, 10), "Jen Brooks", LogMode.PHONE),
)


def events(world: DemoWorld) -> list[DemoEvent]:
    found = []
    for day, who, mode in CHECK_INS:
        at = datetime.combine(day, time(15, 30), world.program.tz)
        found.append(
            DemoEvent(
                at, f"{who} records a quick check-in ({mode.value})", _check_in(day, who, mode)
            )
        )
    return found


def _check_in(day: date, who: str, mode: LogMode) -> Callable[[DemoWorld], None]:
    def run(world: DemoWorld) -> None:
        now = datetime.combine(day, time(15, 30), world.program.tz)
        with transaction(world.factory) as session:
            team = world.team(session, TEAM)
            record_check_in(session, team, world.ids[who], day, mode, now)

    return run
