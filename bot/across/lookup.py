"""Which program a request is about when the deployment runs several.

A mentor, protégé or content advisor whose active teams are all in one program is answered
in that program (its topic, calendar, checklists and forms). Staff are answered across every
program, with a part for each, unless they ask for one with `--program KEY` (its id).
"""

from __future__ import annotations

from bot.access import Refusal, Viewer
from bot.platform.services import Services
from storage.teams import programs_of

FLAG = "--program"


def look_ups_only(names: list[str]) -> str:
    """The polite no for `--program` on a command that files something."""
    listed = ", ".join(f"`/mentor {name}`" for name in names)
    return f"Only look-ups take `--program KEY` ({listed}): a team's forms are its program's."


def services_for_program(services: Services, key: str) -> Services:
    """The services of the one running program `key` names; a Refusal naming them otherwise."""
    one = services.only(key) if key else None
    if one is None:
        listed = ", ".join(f"`{p.id}`" for p in services.programs)
        raise Refusal(f"There is no program {key!r} running. The programs: {listed}.")
    return one


def member_programs(services: Services, who: Viewer) -> tuple[Services, ...]:
    """Each running program the person has active teams in, as its services, in the
    configured order; the services as they are when that is none (staff, no team)."""
    if len(services.programs) == 1:
        return (services,)
    with services.sessions() as session:
        ids = set(programs_of(session, who.user_id))
    mine = tuple(services.for_program(p.id) for p in services.programs if p.id in ids)
    return mine or (services,)


def asker_services(services: Services, who: Viewer) -> Services:
    """The services of the person's program when all their active teams are in one running
    program; else (staff, someone on no team or in teams of several programs) unchanged."""
    if len(services.programs) == 1 or who.is_staff:
        return services
    with services.sessions() as session:
        ids = programs_of(session, who.user_id)
    one = services.only(ids[0]) if len(ids) == 1 else None
    return one or services
