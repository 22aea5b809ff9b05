"""The program of the request being answered, when the deployment runs several.

Listeners are registered once, at start, with the deployment's services; a request is about
one team, and that team's program decides its checklists, selections, calendar and words.
The listener kit (`handlers.kit`) opens a scope around each request for the person asking,
and names the team's program once it has found the team (`about`); until then the request
is about the asker's program (when their teams are all in one). A handler reads it through
`program` (a handler object's `program`, see `Scoped`). Work handed to after the ack runs in
a copy of the request's scope (`handlers.after_ack`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from bot.across.lookup import member_programs
from bot.platform.services import Services
from bot.program import Program


@dataclass
class _Request:
    asker: str | None
    program_id: str | None = None  # the team's, once found; else the asker's, once looked up
    looked_up: bool = False


_REQUEST: ContextVar[_Request | None] = ContextVar("request_program", default=None)


@contextmanager
def answering(asker: str | None) -> Iterator[None]:
    """A request's scope: about the asker's program until a team is found."""
    token = _REQUEST.set(_Request(asker))
    try:
        yield
    finally:
        _REQUEST.reset(token)


def about(program_id: str) -> None:
    """The request is about a team of this program."""
    request = _REQUEST.get()
    if request is not None:
        request.program_id, request.looked_up = program_id, True


def program(services: Services) -> Program:
    """The program the request is about: its team's, else the asker's when their active teams
    are all in one running program; else services' own (also outside any request)."""
    request = _REQUEST.get()
    if request is None or len(services.programs) == 1:
        return services.program
    if not request.looked_up and request.asker is not None:
        mine = member_programs(services, request.asker)
        request.program_id = mine[0].program.id if len(mine) == 1 else None
        request.looked_up = True
    named = services.running(request.program_id) if request.program_id else None
    return named or services.program


class Scoped:
    """A listener object made once for the deployment, answering each request in the
    request's program (`program`)."""

    services: Services

    @property
    def program(self) -> Program:
        return program(self.services)
