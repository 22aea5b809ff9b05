"""What listeners and the scheduler need, handed to them explicitly rather than imported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.platform.config import Settings
from bot.program import Program


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    settings: Settings
    program: Program
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime] = field(default=utc_now)
    # Every program the deployment runs (MENTORBOT_PROGRAMS), in the configured order, each
    # for its own teams; empty when it runs `program` alone. `program` is the one a request
    # or a duty is about: the first, or a team's (`for_program`).
    every: tuple[Program, ...] = ()

    def today(self) -> date:
        """Today's date in the program's timezone."""
        return self.clock().astimezone(self.program.tz).date()

    @property
    def programs(self) -> tuple[Program, ...]:
        """Every program the deployment runs, in the configured order."""
        return self.every or (self.program,)

    def running(self, program_id: str) -> Program | None:
        """The running program with that id (None: a closed year's, or none)."""
        return next((p for p in self.programs if p.id == program_id), None)

    def for_program(self, program_id: str) -> Services:
        """These services about one running program: a team's, whose calendar, topics and
        forms are its program's. Unknown ids (a closed year's team) keep the first."""
        program = self.running(program_id)
        if program is None or program is self.program:
            return self
        return replace(self, program=program, every=self.programs)

    def only(self, program_id: str) -> Services | None:
        """These services about one running program alone (`--program KEY`: staff views of
        one program); None when no running program has that id."""
        program = self.running(program_id)
        return None if program is None else replace(self, program=program, every=())
