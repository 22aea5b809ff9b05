"""What listeners and the scheduler need, handed to them explicitly rather than imported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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

    def today(self) -> date:
        """Today's date in the program's timezone."""
        return self.clock().astimezone(self.program.tz).date()
