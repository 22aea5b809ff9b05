"""At start (`mentorbot run`, `scheduler`, `doctor`): a word when MENTORBOT_PROGRAM names, or
MENTORBOT_PROGRAMS lists, a year `mentorbot year open` has closed. The bot would run, but every
filing would be refused and no new year's reminder would go out, which a teacher would be the
first to notice."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.program import Program
from bot.years.text import closed_year_line
from storage.years import following_year, program_year


def closed_year_warnings(session: Session, programs: Sequence[Program]) -> list[str]:
    """A line saying what to do for each program run (in the configured order) that is a
    year already closed; none when every one is open."""
    listed = len(programs) > 1
    found = (_closed_year_warning(session, program, listed) for program in programs)
    return [line for line in found if line is not None]


def _closed_year_warning(session: Session, program: Program, listed: bool) -> str | None:
    row = program_year(session, program.id)
    if row is None or row.closed_at is None:
        return None
    after = following_year(session, program.id)
    onward = f"{after.school_year}, {after.program_id}" if after is not None else None
    closed = row.closed_at.astimezone(program.tz).date()
    return closed_year_line(program.id, program.school_year, closed, onward, listed)
