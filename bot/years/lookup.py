"""`--year`: a look-up about an earlier program year, answered with that year's program.

`/mentor status --year 2024-25` (or the program id) reads the closed year's teams with the
program file kept when the year was closed, as of the year's last day: the same answers as
then, read-only. Filing never takes `--year`: a closed year's teams take no more forms.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from bot.access import Refusal
from bot.platform.services import Services
from bot.slack.commands import Parsed, split_flag
from bot.years.rules import YearError, stored_program
from storage.years import find_year, years

FLAG = "--year"


def only_look_ups(names: list[str]) -> str:
    """The polite no for `--year` on a command that files or changes something."""
    listed = ", ".join(f"`/mentor {name}`" for name in names)
    return (
        f"Only look-ups read an earlier year ({listed} take `--year 2024-25`): nothing is "
        "filed in a closed year."
    )


def split_year(parsed: Parsed) -> tuple[Parsed, str | None]:
    """The command without `--year X`, and X (None when not asked; "" when X is missing)."""
    return split_flag(parsed, FLAG)


def services_for_year(services: Services, name: str) -> Services:
    """The services of the year `name` (a school year or program id); the current year's own
    when it names that; a Refusal naming the years there are otherwise."""
    program = services.program
    if name in (program.id, program.school_year):
        return services
    with services.sessions() as session:
        row = find_year(session, name) if name else None
        known = [y.school_year for y in years(session)]
        source = row.source if row is not None else None
        program_id = row.program_id if row is not None else ""
    if source is None:
        listed = ", ".join(known) if known else program.school_year
        raise Refusal(f"There is no program year {name!r} to show. The years kept: {listed}.")
    try:
        earlier = stored_program(program_id, source)
    except YearError:
        raise Refusal(f"The {name} program file kept in the database no longer loads.") from None
    last = datetime.combine(earlier.end + timedelta(days=1), time(), earlier.tz)
    clock = services.clock
    return replace(services, program=earlier, every=(), clock=lambda: min(clock(), last))
