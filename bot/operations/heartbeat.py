"""The tick's heartbeat: recorded after every tick, read by /healthz of every process.

Each notice a tick handled is logged once, by its ledger row id, kind and outcome: never its
key (keys name Slack ids) or its words.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from storage import operations
from storage.db import transaction
from storage.operations import Heartbeat

if TYPE_CHECKING:  # the web tier reads health without loading the scheduler
    from schedules.notice import Outcome

log = logging.getLogger(__name__)

TICK_INTERVAL = timedelta(minutes=5)  # how often the scheduler ticks
STALE_AFTER = 3 * TICK_INTERVAL  # /healthz says unhealthy after three intervals without one

Clock = Callable[[], datetime]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def record(
    factory: sessionmaker[Session],
    judged: datetime,
    outcomes: Sequence[Outcome],
    waiting: int,
    refused: str | None,
    clock: Clock = _wall_clock,
) -> None:
    """A tick that finished (a refused token finishes it early, and says so)."""
    counts = dict(Counter(outcome.status for outcome in outcomes), waiting=waiting)
    outcome = "ok" if refused is None else f"refused: {refused}"
    with transaction(factory) as session:
        operations.record_heartbeat(session, clock(), judged, outcome, counts, completed=True)
        ids = operations.delivery_ids(session, (o.notice.key for o in outcomes))
    for handled in outcomes:
        row = ids.get(handled.notice.key)
        log.info(
            "notice #%s %s (%s)",
            row,
            handled.status,
            handled.notice.kind,
            extra={
                "delivery": row,
                "outcome": handled.status,
                "kind": handled.notice.kind,
                "reason": handled.detail or None,
            },
        )


def record_error(
    factory: sessionmaker[Session],
    judged: datetime,
    error: BaseException,
    clock: Clock = _wall_clock,
) -> None:
    """A tick that raised: recorded, though the next one catches up. Only the error's type:
    its message may quote data."""
    outcome = f"error: {type(error).__name__}"
    try:
        with transaction(factory) as session:
            operations.record_heartbeat(session, clock(), judged, outcome, {}, completed=False)
    except Exception:  # the database itself may be what failed; the error is logged anyway
        log.warning("cannot record the tick's heartbeat", exc_info=True)


@dataclass(frozen=True)
class TickHealth:
    healthy: bool
    line: str


def tick_health(heartbeat: Heartbeat | None, now: datetime) -> TickHealth:
    """What /healthz says of the scheduler: unhealthy when no tick has finished for
    STALE_AFTER. Before the first tick nothing is wrong yet (a fresh install)."""
    if heartbeat is None:
        return TickHealth(True, "last tick: none recorded yet")
    counts = ", ".join(f"{count} {name}" for name, count in heartbeat.counts.items() if count)
    line = f"last tick: {_instant(heartbeat.ticked_at)} {heartbeat.outcome}"
    if counts:
        line += f" ({counts})"
    finished = heartbeat.completed_at
    if finished is None:
        return TickHealth(False, f"no tick has finished yet\n{line}")
    if now - finished > STALE_AFTER:
        minutes = int(STALE_AFTER.total_seconds() // 60)
        stale = f"no tick has finished since {_instant(finished)} (over {minutes} minutes)"
        return TickHealth(False, f"{stale}\n{line}")
    return TickHealth(True, line)


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")
