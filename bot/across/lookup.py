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


def member_programs(services: Services, person: str) -> tuple[Services, ...]:
    """The person's programs: each running program they have active teams in (of open years,
    as mentor, protégé or content advisor; a staff member's own teams count too), as that
    program's services alone, in the configured order. A deployment of one program is always
    that one. Someone on no team gets the services as they are: the first program's, with
    every program listed."""
    if len(services.programs) == 1:
        return (services,)
    with services.sessions() as session:
        ids = set(programs_of(session, person))
    mine = (services.only(p.id) for p in services.programs if p.id in ids)
    return tuple(one for one in mine if one is not None) or (services,)


def asker_services(services: Services, who: Viewer) -> Services:
    """The services a person's request runs in: their one program's alone when
    `member_programs` finds one; as they are for staff (their views go across every program)
    and for someone with teams in several programs (each answer is then per program)."""
    if who.is_staff:
        return services
    mine = member_programs(services, who.user_id)
    return mine[0] if len(mine) == 1 else services
