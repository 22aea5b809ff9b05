"""What Slack told us about accounts: the app's own (is its token refused?) and each
person's (deactivated or not, and when Slack was last asked).

Both are read by every process, so that the web tier's /healthz, which runs no tick, reports
a token Slack refused, and a listener and the tick agree on who is deactivated.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import conflict_insert, updated
from storage.models import Base, Person, UtcDateTime

_CHUNK = 500  # keeps IN (…) lists well inside every backend's parameter limit
ACCESS_ROW = 1  # slack_access holds one row, written by the migration that made the table


class SlackAccess(Base):
    """The app's standing with Slack: the token error that stopped sending, if any."""

    __tablename__ = "slack_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    error: Mapped[str | None] = mapped_column(String(64))  # e.g. token_revoked, app_uninstalled
    since: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SlackAccount(Base):
    """A person's Slack account as Slack last described it (users.info, user_change), and
    the error Slack gave when a DM to them could not be delivered."""

    __tablename__ = "slack_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_id: Mapped[str] = mapped_column(String(32), unique=True)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # None: active
    # e.g. channel_not_found: a DM to them fails, until Slack tells us their account changed
    unreachable: Mapped[str | None] = mapped_column(String(64))
    unreachable_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# -- the app's token ------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenRefusal:
    error: str
    since: datetime


def token_refusal(session: Session) -> TokenRefusal | None:
    """The token error sending stopped on, or None while Slack takes the app's token."""
    row = session.get(SlackAccess, ACCESS_ROW)
    if row is None or row.error is None or row.since is None:
        return None
    return TokenRefusal(row.error, row.since)


def record_refusal(session: Session, error: str, now: datetime) -> bool:
    """Record that Slack refused the token; False when a refusal was already recorded (the
    first error names the state until it ends)."""
    return (
        updated(
            session,
            update(SlackAccess)
            .where(SlackAccess.id == ACCESS_ROW, SlackAccess.error.is_(None))
            .values(error=error[:64], since=now)
            .execution_options(synchronize_session=False),
        )
        == 1
    )


def end_refusal(session: Session) -> bool:
    """Slack takes the token again; False when no refusal was recorded."""
    return (
        updated(
            session,
            update(SlackAccess)
            .where(SlackAccess.id == ACCESS_ROW, SlackAccess.error.is_not(None))
            .values(error=None, since=None)
            .execution_options(synchronize_session=False),
        )
        == 1
    )


# -- people's accounts ----------------------------------------------------------------------


class Change(enum.Enum):
    NONE = "none"
    DEACTIVATED = "deactivated"
    REACTIVATED = "reactivated"


def record(session: Session, slack_id: str, deleted: bool | None, now: datetime) -> Change:
    """Store what Slack just said of a person the bot knows (`deleted` None: Slack does not
    know the id, so only the asking is kept). Others are not kept: Slack sends user_change for
    every member of the workspace. The writes are conditional, so that an event and a tick's
    users.info that cross report a change once."""
    if not _known(session, slack_id):
        return Change.NONE
    if _insert(session, slack_id, now, deactivated_at=now if deleted else None):
        return Change.DEACTIVATED if deleted else Change.NONE
    mine = SlackAccount.slack_id == slack_id
    if deleted is not None:
        if deleted:
            turned = SlackAccount.deactivated_at.is_(None)
            change, since = Change.DEACTIVATED, now
        else:
            turned = SlackAccount.deactivated_at.is_not(None)
            change, since = Change.REACTIVATED, None
        if updated(
            session,
            update(SlackAccount)
            .where(mine, turned)
            .values(deactivated_at=since, checked_at=now)
            .execution_options(synchronize_session=False),
        ):
            return change
    updated(
        session,
        update(SlackAccount)
        .where(mine, SlackAccount.checked_at < now)
        .values(checked_at=now)
        .execution_options(synchronize_session=False),
    )
    return Change.NONE


def record_unreachable(session: Session, slack_id: str, error: str, now: datetime) -> bool:
    """Store that Slack refused a DM to a person the bot knows with an error about them;
    False when it was known already (a person is news once until their account changes)."""
    if not _known(session, slack_id):
        return False
    if _insert(session, slack_id, now, unreachable=error[:64], unreachable_at=now):
        return True
    return bool(
        updated(
            session,
            update(SlackAccount)
            .where(SlackAccount.slack_id == slack_id, SlackAccount.unreachable.is_(None))
            .values(unreachable=error[:64], unreachable_at=now)
            .execution_options(synchronize_session=False),
        )
    )


def _known(session: Session, slack_id: str) -> bool:
    """Whether the bot knows the person (only they are kept)."""
    return session.scalar(select(Person.id).where(Person.slack_id == slack_id)) is not None


def _insert(session: Session, slack_id: str, now: datetime, **values: object) -> bool:
    """Keep a first word from Slack about a person; False when one was kept already."""
    inserted = session.execute(
        conflict_insert(session, SlackAccount)
        .values(slack_id=slack_id, checked_at=now, **values)
        .on_conflict_do_nothing(index_elements=["slack_id"])
        .returning(SlackAccount.id)
    ).first()
    return inserted is not None


def record_reachable(session: Session, slack_id: str) -> bool:
    """Slack told us the person's account changed: try DMs to them again. False when no
    error was recorded."""
    return bool(
        updated(
            session,
            update(SlackAccount)
            .where(SlackAccount.slack_id == slack_id, SlackAccount.unreachable.is_not(None))
            .values(unreachable=None, unreachable_at=None)
            .execution_options(synchronize_session=False),
        )
    )


@dataclass(frozen=True)
class Hold:
    """Why a person's notices are held, and since when: `error` is None for a deactivated
    account, else the Slack error a DM to them met."""

    since: datetime
    error: str | None = None


def held(session: Session) -> dict[str, Hold]:
    """Slack id -> why, for every person whose notices are held (deactivated, or a DM to
    them failed with an error about them; deactivation wins): a handful, read whole rather
    than filtered by a long list of ids."""
    rows = session.execute(
        select(
            SlackAccount.slack_id,
            SlackAccount.deactivated_at,
            SlackAccount.unreachable,
            SlackAccount.unreachable_at,
        ).where(
            (SlackAccount.deactivated_at.is_not(None)) | (SlackAccount.unreachable.is_not(None))
        )
    )
    found: dict[str, Hold] = {}
    for slack_id, deactivated_at, error, unreachable_at in rows:
        if deactivated_at is not None:
            found[slack_id] = Hold(deactivated_at)
        elif unreachable_at is not None:
            found[slack_id] = Hold(unreachable_at, error)
    return found


def unchecked(session: Session, slack_ids: Iterable[str], since: datetime, limit: int) -> list[str]:
    """Up to `limit` of `slack_ids` Slack has not described since `since`: never asked
    first, then the longest ago."""
    wanted = set(slack_ids)
    checked: dict[str, datetime] = {}
    ordered = sorted(wanted)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        rows = session.execute(
            select(SlackAccount.slack_id, SlackAccount.checked_at).where(
                SlackAccount.slack_id.in_(chunk)
            )
        )
        checked.update((slack_id, at) for slack_id, at in rows)
    never = sorted(wanted - set(checked))
    longest_ago = sorted((at, slack_id) for slack_id, at in checked.items() if at < since)
    return (never + [slack_id for _, slack_id in longest_ago])[:limit]
