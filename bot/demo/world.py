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

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.program import Program


@dataclass(frozen=True)
class DemoWorld:
    factory: sessionmaker[Session]
    program: Program
    client: WebClient  # the recording client: what a listener would send goes here
    names: dict[str, str]  # Slack id -> display name
    ids: dict[str, str]  # display name -> Slack id
    teams: dict[str, int]  # "Dana Whitfield/Luis Ortega" (mentor/protégé) -> team id


@dataclass(frozen=True)
class DemoEvent:
    at: datetime  # aware
    describe: str  # one line, printed when it happens
    run: Callable[[DemoWorld], None]
