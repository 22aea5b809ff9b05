"""One reconciling tick: send what should have gone out by `now` and has not."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.dates import zone
from bot.program import Program
from schedules.delivery import claim_of, resume_claimed, send_claimed
from schedules.duties import DUTIES, Duty
from schedules.notice import Notice, Outcome
from storage import ledger
from storage.db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickResult:
    outcomes: list[Outcome]
    waiting: int  # due but held back by quiet hours, a weekend or a break


def tick(
    factory: sessionmaker[Session],
    client: WebClient,
    program: Program,
    now: datetime,
    duties: Iterable[Duty] = DUTIES,
) -> TickResult:
    if now.tzinfo is None:
        raise ValueError("tick needs an aware datetime")
    with factory() as session:
        notices = [notice for duty in duties for notice in duty(session, program, now)]
        settled = ledger.final_keys(session, (notice.key for notice in notices))
    with transaction(factory) as session:
        ledger.expire_stale(session, now)

    due = [
        notice
        for notice in sorted(notices, key=lambda n: (n.due_at, n.key))
        if notice.key not in settled and now >= notice.due_at
    ]
    late = [notice for notice in due if now >= notice.expires_at]
    ready = [
        notice for notice in due if now < notice.expires_at and may_send_now(program, notice, now)
    ]
    waiting = len(due) - len(late) - len(ready)
    outcomes = _skip_all(factory, late, now)
    outcomes += _send_all(factory, client, ready, now)
    if outcomes:
        log.info("tick %s: %s", now.isoformat(), _summary(outcomes))
    return TickResult(outcomes, waiting)


SKIP_REASON = "its moment passed before it could be sent"
CLAIM_BATCH = 100  # claimed together; sent well inside the claims' lease


def _skip_all(
    factory: sessionmaker[Session], notices: list[Notice], now: datetime
) -> list[Outcome]:
    if not notices:
        return []
    with transaction(factory) as session:
        recorded = ledger.record_skipped_many(
            session, [(claim_of(n), SKIP_REASON) for n in notices], now
        )
    return [Outcome(n, "skipped", SKIP_REASON) for n in notices if n.key in recorded]


def _send_all(
    factory: sessionmaker[Session], client: WebClient, notices: list[Notice], now: datetime
) -> list[Outcome]:
    """Claim a batch in one transaction, send it, claim the next.

    A batch's claims are stamped with the tick's `now` moved on by the real time this tick
    has run, so that a long fan-out never hands out a lease that has already run out;
    outcomes are recorded at `now`, the instant the duties judged.
    """
    outcomes: list[Outcome] = []
    started = time.monotonic()
    for start in range(0, len(notices), CLAIM_BATCH):
        batch = notices[start : start + CLAIM_BATCH]
        at = now + timedelta(seconds=time.monotonic() - started)
        with transaction(factory) as session:
            won = ledger.claim_many(session, [claim_of(n) for n in batch], at)
        for notice in batch:
            if notice.key in won:
                send = resume_claimed if notice.key in won.uncertain else send_claimed
                outcomes.append(send(factory, client, notice, now))
    return outcomes


def may_send_now(program: Program, notice: Notice, now: datetime) -> bool:
    """Inside quiet-hours rules, on a school day, outside breaks, in the recipient's zone."""
    local = now.astimezone(zone(notice.tz, program.tz))
    return program.is_school_day(local.date()) and program.settings.quiet_hours.allows(local.time())


def _summary(outcomes: list[Outcome]) -> str:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
