"""Demo events: the content advisor records each team at its track's meeting, from the team
card: year one's initial meeting (Sep 25), year two's (Oct 1), and the late team, paired after
its meeting, excused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from bot.demo.world import DemoEvent, DemoWorld
from bot.meetings.rules import record_attendance
from bot.program import StepKind
from storage.db import transaction
from storage.meetings import Attendance

ADVISOR = "Grace Kim"
RECORDS = (
    (date(2024, 9, 26), "Dana Whitfield/Luis Ortega", Attendance.ATTENDED),
    (date(2024, 9, 26), "Ruth Adler/Sam Patel", Attendance.ATTENDED),
    (date(2024, 10, 2), "Omar Haddad/Jen Brooks", Attendance.ATTENDED),
    (date(2024, 11, 5), "Dana Whitfield/Avery Cole", Attendance.EXCUSED),
)


def events(world: DemoWorld) -> list[DemoEvent]:
    return [
        DemoEvent(
            datetime.combine(day, time(9), world.program.tz),
            f"{ADVISOR} records {team.replace('/', ' and ')} at their meeting: {state.value}",
            _record(day, team, state),
        )
        for day, team, state in RECORDS
    ]


def _record(day: date, key: str, state: Attendance) -> Callable[[DemoWorld], None]:
    def run(world: DemoWorld) -> None:
        now = datetime.combine(day, time(9), world.program.tz)
        with transaction(world.factory) as session:
            team = world.team(session, key)
            meeting = world.program.step(team.track, StepKind.MEETING)
            assert meeting is not None  # every demo track has its meeting
            record_attendance(
                session, world.program, team, meeting.key, state, world.ids[ADVISOR], now
            )

    return run
