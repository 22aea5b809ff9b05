"""A team's pauses (leave of absence): the spans it was paused, and what they move.

While a team is paused its deadlines wait: a date on or after a pause's first day moves by
the pause's length (up to today while it lasts), so nothing falls overdue during it, and
after it the team has the time it had before. Its silence count stops too: paused school
days are not quiet days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.program import Program
from storage.models import TeamChange
from storage.teams import PAUSED, pause_changes, program_pause_changes


@dataclass(frozen=True)
class Pause:
    start: date  # the first paused day (local)
    end: date | None  # the day it resumed; None while it lasts

    def until(self, today: date) -> date:
        """The first day not paused: while it lasts, tomorrow (today is paused too)."""
        return self.end if self.end is not None else max(today, self.start) + timedelta(days=1)


def pauses_from(changes: Sequence[TeamChange], tz: ZoneInfo) -> list[Pause]:
    pauses: list[Pause] = []
    for change in changes:
        day = change.changed_at.astimezone(tz).date()
        if change.new_value == PAUSED:
            pauses.append(Pause(day, None))
        elif pauses and pauses[-1].end is None:
            pauses[-1] = Pause(pauses[-1].start, day)
    return pauses


def pauses_of(session: Session, program: Program, team_ids: list[int]) -> dict[int, list[Pause]]:
    """Each team's pauses (teams never paused are not in it)."""
    return {
        team_id: pauses_from(changes, program.tz)
        for team_id, changes in pause_changes(session, team_ids).items()
    }


def program_pauses(session: Session, program: Program) -> dict[int, list[Pause]]:
    """The pauses of every active team of the program (teams never paused are not in it)."""
    return {
        team_id: pauses_from(changes, program.tz)
        for team_id, changes in program_pause_changes(session, program.id).items()
    }


def longest_shift(pauses_by_team: dict[int, list[Pause]], today: date) -> timedelta:
    """The most any team's pauses moved its dates: how far past its calendar date a step
    may still be to come."""
    return max(
        (
            sum(((p.until(today) - p.start) for p in pauses), timedelta())
            for pauses in pauses_by_team.values()
        ),
        default=timedelta(),
    )


def shifted(day: date, pauses: Sequence[Pause], today: date) -> date:
    """`day` moved by every pause that began on or before it."""
    moved = sum(((p.until(today) - p.start).days for p in pauses if p.start <= day), 0)
    return day + timedelta(days=moved)


def paused_school_days(
    program: Program, pauses: Sequence[Pause], after: date, through: date, today: date
) -> int:
    """School days in (after, through] on which the team was paused."""
    total = 0
    for pause in pauses:
        lo = max(after, pause.start - timedelta(days=1))
        hi = min(through, pause.until(today) - timedelta(days=1))
        total += program.school_days_between(lo, hi)
    return total


def current_pause(pauses: Sequence[Pause]) -> Pause | None:
    return pauses[-1] if pauses and pauses[-1].end is None else None


def paused_on(pauses: Sequence[Pause], day: date, today: date) -> bool:
    return any(p.start <= day < p.until(today) for p in pauses)
