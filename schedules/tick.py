"""One reconciling tick: send what should have gone out by `now` and has not."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.program import Program
from bot.slack.dates import zone
from schedules.delivery import claim_of, give_back, resume_claimed, send_claimed
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
        due = [
            notice
            for notice in sorted(notices, key=lambda n: (n.due_at, n.key))
            if notice.key not in settled and now >= notice.due_at
        ]
        late = [notice for notice in due if now >= notice.expires_at]
        ready = [
            notice
            for notice in due
            if now < notice.expires_at and may_send_now(program, notice, now)
        ]
    with transaction(factory) as session:
        ledger.expire_stale(session, now)

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
    """Claim a batch in one transaction, send it on a few threads, claim the next.

    Slack's round trip, not the bot, bounds a fan-out, so a few calls are in flight at once
    (the client paces them under Slack's rate limits). Notices go out in rounds, everyone's
    first before anyone's second, so that one recipient's many notices (an advisor's
    alerts) do not hold up everyone else; one recipient's go out in order, from one thread,
    within chat.postMessage's per-channel limit.

    A batch's claims are stamped with the tick's `now` moved on by the real time this tick
    has run, so that a long fan-out never hands out a lease that has already run out; a
    notice whose turn comes after half its lease is given back to a later tick rather than
    sent late. Outcomes are recorded at `now`, the instant the duties judged, and returned
    in the order of `notices`.
    """
    outcomes: dict[str, Outcome] = {}
    channels = ChannelPace()
    started = time.monotonic()
    queue = _in_rounds(notices)
    with ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="send") as pool:
        for start in range(0, len(queue), CLAIM_BATCH):
            batch = queue[start : start + CLAIM_BATCH]
            claimed = time.monotonic()
            at = now + timedelta(seconds=claimed - started)
            with transaction(factory) as session:
                won = ledger.claim_many(session, [claim_of(n) for n in batch], at)
            lane = _Lane(factory, client, now, won.uncertain, channels, claimed + SEND_WITHIN)
            jobs = [pool.submit(lane.send, mine) for mine in _by_recipient(batch, won)]
            for job in jobs:
                outcomes.update((o.notice.key, o) for o in job.result())
    return [outcomes[n.key] for n in notices if n.key in outcomes]


SEND_THREADS = 4  # in flight at once: enough for Slack's pace at a 100-200 ms round trip
SEND_WITHIN = ledger.LEASE.total_seconds() / 2  # after this a claimed notice waits a tick


def _in_rounds(notices: list[Notice]) -> list[Notice]:
    """Every recipient's first notice, then every recipient's second, …, in tick order."""
    rounds: dict[int, list[Notice]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for notice in notices:
        rounds[counts[notice.recipient]].append(notice)
        counts[notice.recipient] += 1
    return [notice for n in sorted(rounds) for notice in rounds[n]]


def _by_recipient(batch: list[Notice], won: set[str]) -> list[list[Notice]]:
    lanes: dict[str, list[Notice]] = defaultdict(list)
    for notice in batch:
        if notice.key in won:
            lanes[notice.recipient].append(notice)
    return list(lanes.values())


@dataclass(frozen=True)
class _Lane:
    """Sends one recipient's claimed notices of a batch, in order."""

    factory: sessionmaker[Session]
    client: WebClient
    now: datetime
    uncertain: set[str]
    channels: ChannelPace
    deadline: float  # monotonic: a notice not begun by then goes back to the ledger

    def send(self, notices: list[Notice]) -> list[Outcome]:
        outcomes = []
        for notice in notices:
            uncertain = notice.key in self.uncertain
            if not self.channels.wait(notice.recipient, self.deadline):
                outcomes.append(give_back(self.factory, notice, self.now, uncertain))
                continue
            send = resume_claimed if uncertain else send_claimed
            outcomes.append(send(self.factory, self.client, notice, self.now))
        return outcomes


class ChannelPace:
    """chat.postMessage's per-channel limit, kept on the sending side.

    Slack takes about one message a second per channel with short bursts; a refusal (429)
    would pause every sender (the client cannot tell it from the workspace-wide limit), so
    a recipient's messages are held to CHANNEL_BURST in any CHANNEL_BURST seconds here.
    """

    CHANNEL_BURST = 3

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}

    def wait(self, channel: str, deadline: float) -> bool:
        """Sleep until `channel` may take a message; False, at once, if not by `deadline`."""
        with self._lock:
            recent = self._recent.setdefault(channel, deque(maxlen=self.CHANNEL_BURST))
            now = time.monotonic()
            start = now
            if len(recent) == self.CHANNEL_BURST:
                start = max(now, recent[0] + self.CHANNEL_BURST)
            if start > deadline:
                return False
            recent.append(start)
        time.sleep(start - now)
        return True


def may_send_now(program: Program, notice: Notice, now: datetime) -> bool:
    """Inside quiet-hours rules, on a school day, outside breaks, in the recipient's zone."""
    local = now.astimezone(zone(notice.tz, program.tz))
    return program.is_school_day(local.date()) and program.settings.quiet_hours.allows(local.time())


def _summary(outcomes: list[Outcome]) -> str:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
