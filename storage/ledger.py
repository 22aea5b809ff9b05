"""The delivery ledger: claim a notice's key before sending it, record the outcome after.

A claim is an `INSERT … ON CONFLICT DO NOTHING` on the unique key, or a conditional
`UPDATE` of a row whose retry time has come or whose sender's lease ran out. Either succeeds
for exactly one caller, whichever process or instance it runs in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, any_, bindparam, func, or_, select, true, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from storage.db import conflict_insert, updated
from storage.models import Base, Delivery, DeliveryStatus

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
FINAL = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
_TABLE = Base.metadata.tables[Delivery.__tablename__]
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
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter: an IN list of thousands of keys costs more to build and
        # parse than the lookup itself.
        wanted = bindparam("keys", keys, type_=postgresql.ARRAY(String))
        return set(
            session.scalars(
                select(Delivery.key).where(Delivery.key == any_(wanted), Delivery.status.in_(FINAL))
            )
        )
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
    reclaimed = updated(
        session,
        update(Delivery)
        .where(
            Delivery.key == item.key,
            or_(
                and_(Delivery.status == DeliveryStatus.RETRY, Delivery.next_attempt_at <= now),
                and_(Delivery.status == DeliveryStatus.CLAIMED, Delivery.lease_until < now),
            ),
        )
        .values(status=DeliveryStatus.CLAIMED, claimed_at=now, lease_until=now + LEASE)
        .execution_options(synchronize_session=False),
    )
    return reclaimed == 1


def record_sent(session: Session, key: str, now: datetime, channel: str, ts: str) -> None:
    _finish(session, key, DeliveryStatus.SENT, now, channel=channel, ts=ts, error=None)


def record_failed(session: Session, key: str, now: datetime, error: str) -> None:
    _finish(session, key, DeliveryStatus.FAILED, now, error=error[:200])


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


# The error of a retry whose last attempt may have reached Slack (its answer was lost):
# claim_many reports it uncertain, so the next sender looks in Slack before sending again.
UNCERTAIN = "delivery unknown"


def record_uncertain(session: Session, key: str, now: datetime, what: str) -> DeliveryStatus:
    """A send whose answer was lost: retry later, after checking whether it went out."""
    return record_transient(session, key, now, f"{UNCERTAIN}: {what}")


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 60))


def expire_stale(session: Session, now: datetime) -> int:
    """Settle retries, abandoned claims and held notices that are no longer useful."""
    expired = updated(
        session,
        update(Delivery)
        .where(
            Delivery.expires_at < now,
            or_(
                Delivery.status == DeliveryStatus.RETRY,
                and_(Delivery.status == DeliveryStatus.CLAIMED, Delivery.lease_until < now),
            ),
        )
        .values(status=DeliveryStatus.SKIPPED, finished_at=now, error="expired before delivery")
        .execution_options(synchronize_session=False),
    )
    return expired + updated(
        session,
        update(Delivery)
        .where(Delivery.expires_at < now, Delivery.status == DeliveryStatus.HELD)
        .values(status=DeliveryStatus.SKIPPED, finished_at=now, error=EXPIRED_HELD)
        .execution_options(synchronize_session=False),
    )


def _insert_new(session: Session, values: dict[str, Any]) -> bool:
    """Insert a ledger row unless its key exists; True if this call inserted it."""
    statement = (
        conflict_insert(session, Delivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        # rowcount is not reliable for this statement on every driver; RETURNING is.
        .returning(Delivery.id)
    )
    return session.execute(statement).first() is not None


def _finish(
    session: Session, key: str, status: DeliveryStatus, now: datetime, **values: str | None
) -> None:
    # A Core statement on the table: the ORM's bulk-update path costs more than the write.
    session.execute(
        update(_TABLE)
        .where(_TABLE.c.key == key)
        .values(status=status, finished_at=now, lease_until=None, **values)
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
    # a sent notice always has its finished_at; the check tells the type checker so
    return {key: SentNotice(key, recipient, at) for key, recipient, at in rows if at is not None}


def last_sent(
    session: Session, recipients: Iterable[str], since: datetime, besides: Iterable[str] = ()
) -> dict[str, datetime]:
    """When each of `recipients` was last sent a notice, if since `since`; notices of the
    kinds `besides` (edits of a message already sent) do not count."""
    wanted = set(recipients)
    rows = session.execute(
        select(Delivery.recipient, func.max(Delivery.finished_at))
        .where(
            Delivery.status == DeliveryStatus.SENT,
            Delivery.finished_at >= since,
            Delivery.kind.not_in([INBOUND, THREAD, *besides]),
        )
        .group_by(Delivery.recipient)
    )
    return {who: at for who, at in rows if who in wanted and at is not None}


def messages_of(session: Session, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(channel, ts) of the message each of `keys` went out in, for those sent."""
    found: dict[str, tuple[str, str]] = {}
    wanted = list(keys)
    for start in range(0, len(wanted), _KEY_CHUNK):
        rows = session.execute(
            select(Delivery.key, Delivery.channel, Delivery.ts).where(
                Delivery.key.in_(wanted[start : start + _KEY_CHUNK]),
                Delivery.status == DeliveryStatus.SENT,
            )
        )
        found.update((key, (channel, ts)) for key, channel, ts in rows if channel and ts)
    return found


# The ledger's kind for a listener's DM about one step of a team (a co-sign request, "your
# Mentor Comment Form is next"): kept, with where it went, so that news about the step can
# edit it rather than arrive as another message. Not a scheduled notice: it never counts as
# the recipient's message of the day.
THREAD = "thread"


def record_thread(
    session: Session, key: str, recipient: str, now: datetime, channel: str, ts: str
) -> None:
    """Record a listener's DM that went out, under its own unique key."""
    _insert_new(
        session,
        dict(
            key=key,
            kind=THREAD,
            recipient=recipient,
            status=DeliveryStatus.SENT,
            attempts=1,
            due_at=now,
            expires_at=now,
            finished_at=now,
            channel=channel,
            ts=ts,
        ),
    )


def latest_message(
    session: Session,
    recipient: str,
    prefixes: Iterable[str],
    keys: Iterable[str],
    since: datetime,
) -> tuple[str, str] | None:
    """(channel, ts) of the latest message sent to `recipient` since `since` under one of
    `keys` or a key with one of `prefixes` (a merged notice counts with the message that
    said it)."""
    matches = [Delivery.key.startswith(prefix, autoescape=True) for prefix in prefixes]
    row = session.execute(
        select(Delivery.channel, Delivery.ts)
        .where(
            Delivery.status == DeliveryStatus.SENT,
            Delivery.finished_at >= since,
            Delivery.recipient == recipient,
            or_(*matches, Delivery.key.in_(list(keys))),
            Delivery.channel.is_not(None),
            Delivery.ts.is_not(None),
        )
        .order_by(Delivery.finished_at.desc(), Delivery.id.desc())
        .limit(1)
    ).first()
    return (str(row[0]), str(row[1])) if row is not None else None


INBOUND = "inbound"  # the ledger's kind for Slack requests whose side effects run once


def claim_inbound(session: Session, key: str, user: str, now: datetime, hold: timedelta) -> bool:
    """Take the right to act on one Slack request; False when it was seen before.

    A request whose listener failed was released, so Slack's retry of it claims again.
    """
    values = dict(
        key=key,
        kind=INBOUND,
        recipient=user,
        status=DeliveryStatus.CLAIMED,
        attempts=0,
        due_at=now,
        expires_at=now + hold,
        claimed_at=now,
        lease_until=now + hold,
    )
    if _insert_new(session, values):
        return True
    retaken = updated(
        session,
        update(Delivery)
        .where(
            Delivery.key == key,
            Delivery.status == DeliveryStatus.CLAIMED,
            Delivery.lease_until < now,
        )
        .values(claimed_at=now, lease_until=now + hold)
        .execution_options(synchronize_session=False),
    )
    return retaken == 1


def release_inbound(session: Session, key: str, now: datetime) -> None:
    """Give a failed request's claim back, so that a retry of it runs."""
    session.execute(
        update(Delivery)
        .where(Delivery.key == key, Delivery.status == DeliveryStatus.CLAIMED)
        .values(lease_until=now - timedelta(microseconds=1))
        .execution_options(synchronize_session=False)
    )


class Won(set[str]):
    """Keys a call claimed; `uncertain` are those taken over from a sender that died,
    which may have sent before it died, and retries of a send whose answer was lost."""

    def __init__(self) -> None:
        super().__init__()
        self.uncertain: set[str] = set()


def claim_many(session: Session, items: list[Claim], now: datetime) -> Won:
    """Claim several notices in one statement per chunk; returns the keys this call won.

    The same rules as `claim`: a new key is inserted; a retry whose time has come, or a
    claim whose sender's lease ran out, is taken over; so is a notice held while its
    recipient's account was deactivated (the tick claims it once the account is back);
    anything else is someone else's.
    """
    won = Won()
    for start in range(0, len(items), _KEY_CHUNK // 5):
        chunk = items[start : start + _KEY_CHUNK // 5]
        rows = [
            dict(
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
            for item in chunk
        ]
        # executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs and
        # caches the statement (a literal multi-row VALUES would be compiled every time).
        inserted = session.scalars(
            conflict_insert(session, _TABLE)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(_TABLE.c.key),
            rows,
        )
        won.update(inserted)
        rest = [item.key for item in chunk if item.key not in won]
        if rest:
            retried = _retake(session, rest, now, DeliveryStatus.RETRY)
            won.update(retried)
            won.uncertain.update(k for k, error in retried.items() if _uncertain(error))
            taken_over = _retake(session, rest, now, DeliveryStatus.CLAIMED)
            won.update(taken_over)
            won.uncertain.update(taken_over)
            # Held for a deactivated account and never tried: sent like a new notice.
            won.update(_retake(session, rest, now, HELD))
    return won


def _uncertain(error: str | None) -> bool:
    return (error or "").startswith(UNCERTAIN)


def _retake(
    session: Session, keys: list[str], now: datetime, status: DeliveryStatus
) -> dict[str, str | None]:
    """The keys taken, with the error their last attempt left."""
    ready = {
        DeliveryStatus.RETRY: _TABLE.c.next_attempt_at <= now,
        DeliveryStatus.CLAIMED: _TABLE.c.lease_until < now,
        HELD: true(),
    }[status]
    rows = session.execute(
        update(_TABLE)
        .where(_TABLE.c.key.in_(keys), _TABLE.c.status == status, ready)
        .values(status=DeliveryStatus.CLAIMED, claimed_at=now, lease_until=now + LEASE)
        .returning(_TABLE.c.key, _TABLE.c.error)
    )
    return {key: error for key, error in rows}


def give_back_many(session: Session, keys: list[str], uncertain: set[str], now: datetime) -> None:
    """Claims this sender will not send, given back as they were: due again at once, with no
    attempt counted. One a dead sender may have sent (`uncertain`) stays uncertain, so
    the next sender looks in the DM first."""
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        for doubtful in (True, False):
            mine = [key for key in chunk if (key in uncertain) == doubtful]
            if not mine:
                continue
            values: dict[str, Any] = dict(
                status=DeliveryStatus.RETRY, next_attempt_at=now, lease_until=None
            )
            if doubtful:
                values["error"] = f"{UNCERTAIN}: given back unsent"
            session.execute(
                update(_TABLE)
                .where(_TABLE.c.key.in_(mine), _TABLE.c.status == DeliveryStatus.CLAIMED)
                .values(**values)
            )


def record_skipped_many(
    session: Session, items: list[tuple[Claim, str]], now: datetime
) -> set[str]:
    """Settle notices whose moment passed, in one statement per chunk; the keys recorded."""
    return _insert_many(
        session,
        [
            dict(_row(item), status=DeliveryStatus.SKIPPED, finished_at=now, error=reason[:200])
            for item, reason in items
        ],
    )


# A notice for a deactivated account, or for someone a DM cannot reach: not sent, not
# settled. Taken again (claim_many) once the account is back; settled as skipped if it
# expires first.
HELD = DeliveryStatus.HELD
HELD_REASON = "held: the recipient's Slack account is deactivated"
EXPIRED_HELD = "expired while held: the recipient's Slack account is deactivated or takes no DM"


def unreachable_reason(error: str) -> str:
    """Why a notice is held when a DM to its recipient failed with `error`."""
    return f"held: Slack cannot deliver a DM to the recipient ({error})"


def record_held_many(
    session: Session, items: list[Claim], reasons: dict[str, str] | None = None
) -> set[str]:
    """Hold notices, in one statement per chunk; the keys held by this call (a notice held
    already, or tried before, is left as it is). `reasons` by recipient; HELD_REASON else."""
    why = reasons or {}
    return _insert_many(
        session,
        [
            dict(_row(item), status=HELD, error=why.get(item.recipient, HELD_REASON)[:200])
            for item in items
        ],
    )


def record_held(session: Session, key: str, now: datetime, reason: str) -> None:
    """Hold a claimed notice whose send failed because of its recipient (not settled: it
    goes out once the recipient can be reached, or is skipped when it expires)."""
    session.execute(
        update(_TABLE)
        .where(_TABLE.c.key == key)
        .values(status=HELD, lease_until=None, error=reason[:200])
    )


def _row(item: Claim) -> dict[str, Any]:
    return dict(
        key=item.key,
        kind=item.kind,
        recipient=item.recipient,
        attempts=0,
        due_at=item.due_at,
        expires_at=item.expires_at,
    )


def _insert_many(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert rows whose keys are new, in one statement per chunk; the keys inserted."""
    recorded: set[str] = set()
    for start in range(0, len(rows), _KEY_CHUNK // 5):
        recorded.update(
            session.scalars(
                conflict_insert(session, _TABLE)
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(_TABLE.c.key),
                rows[start : start + _KEY_CHUNK // 5],
            )
        )
    return recorded
