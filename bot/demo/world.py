"""Scripted things people do during the demo year (file a log, submit a form, …).

Each feature contributes its scenes, a function `events(world) -> list[DemoEvent]` in its
own `scenes` module; the demo year (bot.demo.year) lists them. This module imports no feature,
so any feature's scenes may import it.
The demo runs every event whose moment has come before each tick, printing its description,
so the notices that follow show the bot reacting to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.platform.slack_client import RecordingClient
from bot.program import Program
from storage.models import Team
from storage.people import get_team

T = TypeVar("T")


@dataclass(frozen=True)
class DemoWorld:
    factory: sessionmaker[Session]
    program: Program
    client: RecordingClient  # what a listener would send goes here, recorded
    names: dict[str, str]  # Slack id -> display name
    ids: dict[str, str]  # display name -> Slack id
    teams: dict[str, int]  # "Dana Whitfield/Luis Ortega" (mentor/protégé) -> team id

    def team(self, session: Session, key: str) -> Team:
        """A demo team by its "mentor/protégé" key: the demo registered it, so it is there."""
        return present(get_team(session, self.teams[key]), key)


@dataclass(frozen=True)
class DemoEvent:
    at: datetime  # aware
    describe: str  # one line, printed when it happens
    run: Callable[[DemoWorld], None]


class Absent(LookupError):
    """What a scene builds on is not there: a bug in the demo over the shipped program, or,
    over another program file, the sequel of an earlier event that program refused."""


def present(found: T | None, what: str) -> T:
    """What a scene filed a moment ago: its absence is said plainly."""
    if found is None:
        raise Absent(f"the demo expected {what} to exist")
    return found
