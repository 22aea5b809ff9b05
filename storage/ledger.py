"""The delivery ledger: claim a notice's key before sending it, record the outcome after.

A claim is an `INSERT … ON CONFLICT DO NOTHING` on the unique key, or a conditional
`UPDATE` of a row whose retry time has come or whose sender's lease ran out. Either succeeds
for exactly one caller, whichever process or instance it runs in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Delivery, DeliveryStatus

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
FINAL = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
_KEY_CHUNK = 500  # keeps IN (…) lists well inside every backend's parameter limit


@dataclass(frozen=True)
class Claim:
    key: str
    kind: str
    recipient: str
    due_at: datetime
    expires_at: datetime


def final_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """The keys among `keys` that are settled: sent, given up or skipped."""
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        found.update(
            session.scalars(
                select(Delivery.key).where(Delivery.key.in_(chunk), Delivery.status.in_(FINAL))
            )
        )
    return found


def claim(session: Session, item: Claim, now: datetime) -> bool:
    """Take the right to send `item` now; False when someone else has it or it is settled."""
    values = dict(
        key=item.key,
        kind=item.kind,
        recipient=item.recipient,
        status=DeliveryStatus.CLAIMED,
        attempts=0,
        due_at=item.due_at,
        expires_at=item.expires_at,
        claimed_at=now,
        lease_until=now + LEASE,
    )
    if _insert_new(session, values):
        return True
    reclaimed = session.execute(
        update(Delivery)
        .where(
            Delivery.key == item.key,
            or_(
                and_(Delivery.status == DeliveryStatus.RETRY, Delivery.next_attempt_at <= now),
                and_(Delivery.status == DeliveryStatus.CLAIMED, Delivery.lease_until < now),
            ),
        )
        .values(status=DeliveryStatus.CLAIMED, claimed_at=now, lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return reclaimed.rowcount == 1


def record_sent(session: Session, key: str, now: datetime, channel: str, ts: str) -> None:
    _finish(session, key, DeliveryStatus.SENT, now, channel=channel, ts=ts, error=None)


def record_failed(session: Session, key: str, now: datetime, error: str) -> None:
    _finish(session, key, DeliveryStatus.FAILED, now, error=error[:200])


def record_skipped(session: Session, item: Claim, now: datetime, reason: str) -> bool:
    """Settle a notice whose moment passed; False if it was already in the ledger."""
    return _insert_new(
        session,
        dict(
            key=item.key,
            kind=item.kind,
            recipient=item.recipient,
            status=DeliveryStatus.SKIPPED,
            attempts=0,
            due_at=item.due_at,
            expires_at=item.expires_at,
            finished_at=now,
            error=reason[:200],
        ),
    )


def record_transient(session: Session, key: str, now: datetime, error: str) -> DeliveryStatus:
    """Schedule a retry with backoff, or give up after MAX_ATTEMPTS; returns the new status."""
    row = session.scalars(select(Delivery).where(Delivery.key == key)).one()
    attempts = row.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        _finish(session, key, DeliveryStatus.FAILED, now, error=f"gave up: {error}"[:200])
        return DeliveryStatus.FAILED
    session.execute(
        update(Delivery)
        .where(Delivery.key == key)
        .values(
            status=DeliveryStatus.RETRY,
            attempts=attempts,
            next_attempt_at=now + backoff(attempts),
            lease_until=None,
            error=error[:200],
        )
        .execution_options(synchronize_session=False)
    )
    return DeliveryStatus.RETRY


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 60))


def expire_stale(session: Session, now: datetime) -> int:
    """Settle retries and abandoned claims whose notice is no longer useful."""
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.expires_at < now,
            or_(
                Delivery.status == DeliveryStatus.RETRY,
                and_(Delivery.status == DeliveryStatus.CLAIMED, Delivery.lease_until < now),
            ),
        )
        .values(status=DeliveryStatus.SKIPPED, finished_at=now, error="expired before delivery")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _insert_new(session: Session, values: dict) -> bool:
    """Insert a ledger row unless its key exists; True if this call inserted it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Delivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        # rowcount is not reliable for this statement on every driver; RETURNING is.
        .returning(Delivery.id)
    )
    return session.execute(statement).first() is not None


def _finish(session: Session, key: str, status: DeliveryStatus, now: datetime, **values) -> None:
    session.execute(
        update(Delivery)
        .where(Delivery.key == key)
        .values(status=status, finished_at=now, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class SentNotice:
    key: str
    recipient: str
    sent_at: datetime


def sent_of_kinds(session: Session, kinds: Iterable[str]) -> dict[str, SentNotice]:
    """Every notice of these kinds that went out, by key (for duties that follow up)."""
    rows = session.execute(
        select(Delivery.key, Delivery.recipient, Delivery.finished_at).where(
            Delivery.kind.in_(list(kinds)), Delivery.status == DeliveryStatus.SENT
        )
    )
    return {key: SentNotice(key, recipient, at) for key, recipient, at in rows}


GONE_ERRORS = ("account_inactive", "user_not_found", "user_disabled")


def unreachable(session: Session, recipients: Iterable[str]) -> set[str]:
    """Recipients Slack told us have left: a permanent failure naming their account."""
    wanted = list(set(recipients))
    found: set[str] = set()
    for start in range(0, len(wanted), _KEY_CHUNK):
        chunk = wanted[start : start + _KEY_CHUNK]
        found.update(
            session.scalars(
                select(Delivery.recipient).where(
                    Delivery.recipient.in_(chunk),
                    Delivery.status == DeliveryStatus.FAILED,
                    Delivery.error.in_(GONE_ERRORS),
                )
            )
        )
    return found
