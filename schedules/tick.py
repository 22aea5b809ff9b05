"""One reconciling tick: send what should have gone out by `now` and has not."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.accounts import rules as accounts
from bot.accounts.rules import TokenRefused
from bot.operations import heartbeat
from bot.program import Program
from bot.slack.dates import zone
from schedules.delivery import claim_of, edit_claimed, give_back, resume_claimed, send_claimed
from schedules.digest import EDITS, URGENT, Digest, digests
from schedules.duties import DUTIES, Duty
from schedules.notice import Notice, Outcome
from schedules.pace import paced
from storage import ledger
from storage.db import transaction
from storage.pace import pace_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickResult:
    outcomes: list[Outcome]
    # due but held back by quiet hours, a weekend or a break, or given back unsent when
    # Slack refused the app's token
    waiting: int
    refused: str | None = None  # the token error that stopped this tick, if one did


def tick(
    factory: sessionmaker[Session],
    client: WebClient,
    program: Program | Sequence[Program],
    now: datetime,
    duties: Iterable[Duty] = DUTIES,
) -> TickResult:
    """One tick over the program, or over every program the deployment runs side by side:
    each team's notices come from its own program, and a person's notices of all of them go
    out as one digest."""
    if now.tzinfo is None:
        raise ValueError("tick needs an aware datetime")
    programs = (program,) if isinstance(program, Program) else tuple(program)
    # Every tick, however it ends, leaves the heartbeat /healthz of every process reads.
    try:
        result = _tick(factory, client, programs, now, tuple(duties))
    except Exception as exc:
        heartbeat.record_error(factory, now, exc)
        raise
    heartbeat.record(factory, now, result.outcomes, result.waiting, result.refused)
    return result


def _tick(
    factory: sessionmaker[Session],
    client: WebClient,
    programs: Sequence[Program],
    now: datetime,
    duties: Sequence[Duty],
) -> TickResult:
    # While Slack refuses the app's token nothing is sent: auth.test says when it takes it.
    standing = accounts.standing_refusal(factory)
    if standing is not None and not accounts.takes_token(client):
        return TickResult([], 0, standing.error)
    with factory() as session:
        notices, program_of = _found(session, programs, now, duties)
        settled = ledger.final_keys(session, (notice.key for notice in notices))
        due = [
            notice
            for notice in sorted(notices, key=_order)
            if notice.key not in settled and now >= notice.due_at
        ]
        late = [notice for notice in due if now >= notice.expires_at]
        ready = [
            notice
            for notice in due
            if now < notice.expires_at and may_send_now(program_of[notice.key], notice, now)
        ]
        # People's pace: their time of day, their days away (an away advisor's cover).
        paces = pace_of(session, {n.recipient for n in ready})
        ready = sorted(
            (
                notice
                for program in programs
                for notice in paced(
                    program, [n for n in ready if program_of[n.key] is program], paces, now, URGENT
                )
            ),
            key=_order,
        )
        held = heard_today(session, lambda n: program_of[n.key], ready, now)
        ready = [notice for notice in ready if notice.key not in held]
    with transaction(factory) as session:
        ledger.expire_stale(session, now)

    waiting = len(due) - len(late) - len(ready)
    outcomes = _skip_all(factory, late, now)
    sent = _hold_or_send(factory, client, ready, now)
    outcomes += sent.outcomes
    if sent.refused is not None:
        accounts.refused(factory, sent.refused, now)
    elif standing is not None:
        accounts.accepted(factory)
    if outcomes:
        log.info("tick %s: %s", now.isoformat(), _summary(outcomes))
    return TickResult(outcomes, waiting + sent.given_back, sent.refused)


def _found(
    session: Session, programs: Sequence[Program], now: datetime, duties: Sequence[Duty]
) -> tuple[list[Notice], dict[str, Program]]:
    """Every program's notices by its duties, and the program each key came from. A key two
    programs both yield (a notice about a person, not a team) is the first program's."""
    notices: list[Notice] = []
    program_of: dict[str, Program] = {}
    for program in programs:
        for duty in duties:
            for notice in duty(session, program, now):
                if program_of.setdefault(notice.key, program) is program:
                    notices.append(notice)
    return notices, program_of


def _order(notice: Notice) -> tuple[datetime, str]:
    return (notice.due_at, notice.key)


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


def _hold_all(
    factory: sessionmaker[Session], notices: list[Notice], reasons: dict[str, str]
) -> list[Outcome]:
    """Notices for deactivated accounts, or people no DM reaches, held in the ledger (once)
    until they come back; `reasons` by recipient."""
    if not notices:
        return []
    with transaction(factory) as session:
        held = ledger.record_held_many(session, [claim_of(n) for n in notices], reasons)
    return [Outcome(n, "held", reasons[n.recipient]) for n in notices if n.key in held]


@dataclass(frozen=True)
class _Sent:
    outcomes: list[Outcome]
    refused: str | None = None  # the token error that stopped the fan-out
    given_back: int = 0  # notices left pending (claims given back untouched) when it stopped


def _hold_or_send(
    factory: sessionmaker[Session], client: WebClient, ready: list[Notice], now: datetime
) -> _Sent:
    """Hold the notices of deactivated accounts (and of people no DM reaches), once
    users.info has been asked about recipients Slack has not described lately; send the
    rest. Outcomes in `ready`'s order."""
    if not ready:
        return _Sent([])
    try:
        accounts.check_accounts(factory, client, {n.recipient for n in ready}, now)
    except TokenRefused as refusal:
        return _Sent([], refusal.error, len(ready))
    gone = {who: accounts.hold_reason(why) for who, why in accounts.held(factory).items()}
    held = _hold_all(factory, [n for n in ready if n.recipient in gone], gone)
    sent = _send_all(factory, client, [n for n in ready if n.recipient not in gone], now)
    handled = {o.notice.key: o for o in held + sent.outcomes}
    outcomes = [handled[n.key] for n in ready if n.key in handled]
    return _Sent(outcomes, sent.refused, sent.given_back)


def _send_all(
    factory: sessionmaker[Session], client: WebClient, notices: list[Notice], now: datetime
) -> _Sent:
    """Claim a batch in one transaction, send it on a few threads, claim the next.

    A recipient's notices go out together as one digest (schedules.digest), never split
    across batches. Slack's round trip, not the bot, bounds a fan-out, so a few calls are
    in flight at once (the client paces them under Slack's rate limits).

    A batch's claims are stamped with the tick's `now` moved on by the real time this tick
    has run, so that a long fan-out never hands out a lease that has already run out; a
    notice whose turn comes after half its lease is given back to a later tick rather than
    sent late. Outcomes are recorded at `now`, the instant the duties judged, and returned
    in the order of `notices`.

    When Slack refuses the app's token, every lane stops before its next send and the
    batch's unsent claims are given back untouched (no attempt counted); no further batch
    is claimed.
    """
    outcomes: dict[str, Outcome] = {}
    channels = ChannelPace()
    refusal = _Refusal()
    given_back = 0
    started = time.monotonic()
    with ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="send") as pool:
        for batch in _batches(digests(notices)):
            claimed = time.monotonic()
            at = now + timedelta(seconds=claimed - started)
            with transaction(factory) as session:
                won = ledger.claim_many(
                    session, [claim_of(n) for d in batch for n in d.notices], at
                )
            lane = _Lane(
                factory, client, now, won.uncertain, channels, claimed + SEND_WITHIN, refusal
            )
            jobs = [pool.submit(lane.send, mine) for mine in _by_recipient(batch, won)]
            for job in jobs:
                outcomes.update((o.notice.key, o) for o in job.result())
            if refusal.error is not None:
                unsent = [
                    n.key
                    for d in batch
                    for n in d.notices
                    if n.key in won and n.key not in outcomes
                ]
                with transaction(factory) as session:
                    ledger.give_back_many(session, unsent, won.uncertain, now)
                given_back = len(notices) - len(outcomes)
                break
    ordered = [outcomes[n.key] for n in notices if n.key in outcomes]
    return _Sent(ordered, refusal.error, given_back)


class _Refusal:
    """The first token error any lane met; once set, no lane sends again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.error: str | None = None

    def set(self, error: str) -> None:
        with self._lock:
            if self.error is None:
                self.error = error


SEND_THREADS = 4  # in flight at once: enough for Slack's pace at a 100-200 ms round trip
SEND_WITHIN = ledger.LEASE.total_seconds() / 2  # after this a claimed notice waits a tick


def _batches(queue: list[Digest]) -> list[list[Digest]]:
    """Whole digests, up to CLAIM_BATCH notices a batch (a bigger digest alone)."""
    batches: list[list[Digest]] = []
    size = CLAIM_BATCH
    for digest in queue:
        if size + len(digest.notices) > CLAIM_BATCH:
            batches.append([])
            size = 0
        batches[-1].append(digest)
        size += len(digest.notices)
    return batches


def _by_recipient(batch: list[Digest], won: set[str]) -> list[list[list[Notice]]]:
    """Each recipient's digests of the batch, only the notices this sender won."""
    lanes: dict[str, list[list[Notice]]] = defaultdict(list)
    for digest in batch:
        mine = [notice for notice in digest.notices if notice.key in won]
        if mine:
            lanes[digest.recipient].append(mine)
    return list(lanes.values())


@dataclass(frozen=True)
class _Lane:
    """Sends one recipient's claimed digests of a batch, in order."""

    factory: sessionmaker[Session]
    client: WebClient
    now: datetime
    uncertain: set[str]
    channels: ChannelPace
    deadline: float  # monotonic: a digest not begun by then goes back to the ledger
    refusal: _Refusal  # set when Slack refuses the token: the rest is given back unsent

    def send(self, digests: list[list[Notice]]) -> list[Outcome]:
        outcomes = []
        for notices in digests:
            if self.refusal.error is not None:
                break
            if not self.channels.wait(notices[0].recipient, self.deadline):
                outcomes += [
                    give_back(self.factory, n, self.now, n.key in self.uncertain) for n in notices
                ]
                continue
            edits = [notice for notice in notices if notice.edits]
            posts = [notice for notice in notices if not notice.edits]
            # One claim an earlier sender may have sent: look in the DM before sending.
            maybe_sent = any(notice.key in self.uncertain for notice in posts)
            send = resume_claimed if maybe_sent else send_claimed
            try:
                for notice in edits:
                    outcomes.append(edit_claimed(self.factory, self.client, notice, self.now))
                if posts:
                    outcomes += send(self.factory, self.client, posts, self.now)
            except TokenRefused as refused:
                self.refusal.set(refused.error)
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


def heard_today(
    session: Session,
    program_of: Callable[[Notice], Program],
    notices: list[Notice],
    now: datetime,
) -> set[str]:
    """Keys of notices that came due after their recipient's message of the day (local) went
    out: they wait for the next school day's digest, unless their kind cannot wait. A notice
    due before it (a retry, the rest of a long digest) is still today's."""
    waiting = [n for n in notices if n.kind not in URGENT and not n.edits]
    if not waiting:
        return set()
    recipients = {notice.recipient for notice in waiting}
    last = ledger.last_sent(session, recipients, since=now - timedelta(days=1), besides=EDITS)
    return {
        notice.key
        for notice in waiting
        if notice.recipient in last
        and notice.due_at > last[notice.recipient]
        and _same_day(last[notice.recipient], now, notice, program_of(notice))
    }


def _same_day(then: datetime, now: datetime, notice: Notice, program: Program) -> bool:
    tz = zone(notice.tz, program.tz)
    return then.astimezone(tz).date() == now.astimezone(tz).date()


def may_send_now(program: Program, notice: Notice, now: datetime) -> bool:
    """Inside quiet-hours rules, on a school day, outside breaks, in the recipient's zone."""
    local = now.astimezone(zone(notice.tz, program.tz))
    return program.is_school_day(local.date()) and program.settings.quiet_hours.allows(local.time())


def _summary(outcomes: list[Outcome]) -> str:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
