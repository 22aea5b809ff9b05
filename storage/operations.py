"""What operators read: the scheduler's heartbeat, and the notices that did not go out.

The heartbeat is one row, written by whichever process ran the last tick, so that /healthz
of every process (the web tier runs no tick) reports it. It holds counts and an outcome,
never who was written to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.ledger import INBOUND
from storage.models import Base, Delivery, DeliveryStatus, UtcDateTime

HEARTBEAT_ROW = 1  # tick_heartbeat holds one row, written by the migration that made it
_CHUNK = 500


class TickHeartbeat(Base):
    """The last tick: when it ran (the real clock), what it judged, how it ended."""

    __tablename__ = "tick_heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # last tick, any outcome
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # last that finished
    judged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the tick's `now`
    outcome: Mapped[str | None] = mapped_column(String(64))  # ok, refused: …, error: …
    sent: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    retry: Mapped[int] = mapped_column(Integer, default=0)
    waiting: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class Heartbeat:
    ticked_at: datetime
    completed_at: datetime | None
    judged_at: datetime | None
    outcome: str
    counts: dict[str, int]


COUNTED = ("sent", "skipped", "failed", "held", "retry", "waiting")


def record_heartbeat(
    session: Session,
    at: datetime,
    judged: datetime,
    outcome: str,
    counts: dict[str, int],
    *,
    completed: bool,
) -> None:
    values: dict[str, object] = dict(
        ticked_at=at,
        judged_at=judged,
        outcome=outcome[:64],
        **{name: counts.get(name, 0) for name in COUNTED},
    )
    if completed:
        values["completed_at"] = at
    session.execute(
        update(TickHeartbeat)
        .where(TickHeartbeat.id == HEARTBEAT_ROW)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def last_heartbeat(session: Session) -> Heartbeat | None:
    row = session.get(TickHeartbeat, HEARTBEAT_ROW)
    if row is None or row.ticked_at is None or row.outcome is None:
        return None
    counts = {name: getattr(row, name) for name in COUNTED}
    return Heartbeat(row.ticked_at, row.completed_at, row.judged_at, row.outcome, counts)


def delivery_ids(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """The ledger row id of each key (what logs name a notice by)."""
    wanted = sorted(set(keys))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.execute(select(Delivery.key, Delivery.id).where(Delivery.key.in_(chunk)))
        found.update({key: row_id for key, row_id in rows})
    return found


UNSENT = (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED, DeliveryStatus.HELD)


def unsent_since(session: Session, since: datetime) -> list[Delivery]:
    """Notices that failed, were skipped or are held, settled (or due, for those held)
    since `since`, oldest first. The Slack requests the ledger keeps are not notices."""
    when = func.coalesce(Delivery.finished_at, Delivery.due_at)
    return list(
        session.scalars(
            select(Delivery)
            .where(
                Delivery.status.in_(UNSENT),
                Delivery.kind != INBOUND,
                when >= since,
            )
            .order_by(when, Delivery.id)
        )
    )
