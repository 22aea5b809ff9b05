"""One reconciling tick: send what should have gone out by `now` and has not."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.dates import zone
from bot.program import Program
from schedules.delivery import deliver, skip
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

    outcomes: list[Outcome] = []
    waiting = 0
    for notice in sorted(notices, key=lambda n: (n.due_at, n.key)):
        if notice.key in settled or now < notice.due_at:
            continue
        if now >= notice.expires_at:
            outcome = skip(factory, notice, now, "its moment passed before it could be sent")
        elif not may_send_now(program, notice, now):
            waiting += 1
            continue
        else:
            outcome = deliver(factory, client, notice, now)
        if outcome is not None:
            outcomes.append(outcome)
    if outcomes:
        log.info("tick %s: %s", now.isoformat(), _summary(outcomes))
    return TickResult(outcomes, waiting)


def may_send_now(program: Program, notice: Notice, now: datetime) -> bool:
    """Inside quiet-hours rules, on a school day, outside breaks, in the recipient's zone."""
    local = now.astimezone(zone(notice.tz, program.tz))
    return program.is_school_day(local.date()) and program.settings.quiet_hours.allows(local.time())


def _summary(outcomes: list[Outcome]) -> str:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
