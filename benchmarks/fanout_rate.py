"""Fan-out throughput against the Slack stand-in with Slack's rate limits simulated.

A month start's topic prompts (two per team, each to its own DM) go out through the
production tick and the scheduler's client (bot.platform.slack_client.PacedClient) to the stand-in,
which enforces `tests.slack_standin.Limits`:

- chat.postMessage, workspace-wide: Slack documents only "several hundred messages per
  minute" with "generous burst behavior" (the method's reference page). We take 600 a
  minute (10 a second), the figure Slack's own Java SDK uses for methods documented as
  "hundreds of requests per minute", with a burst of 20 (two seconds' worth: more than a
  one-second Retry-After refills). Rows at 1,200 a minute show the bot where a workspace
  grants more (and PostgreSQL's row runs there, where the ledger writes come fastest).
- chat.postMessage, per channel: "1 message per second per channel, short bursts allowed":
  1 a second, burst 3. Every prompt goes to a different DM, so it hardly binds here; the
  tick keeps one recipient's messages to it on its own side (schedules/tick.py ChannelPace).
- conversations.open and conversations.history: Tier 3, 50 a minute (only used to look in a
  DM after a lost answer; internal and Marketplace apps: non-Marketplace apps created since
  May 2025 get far less for conversations.history).
- Every call takes Slack's round trip: 80 ms ± 30 ms, uniformly. Refusals are HTTP 429 with
  Retry-After in whole seconds (at least 1), as Slack sends them.

Rows compare the tick's threads (schedules/tick.py SEND_THREADS) with a single sender. A
notice still unsent after the first tick (a retry) is picked up by later ticks; the table
counts how many took more than one. Sent, failed and duplicated come from the ledger and the
stand-in's record of messages it posted (by idempotency key). Nothing is asserted: this
measures; tests/test_delivery_limits.py proves no drop and no duplicate.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

import schedules.tick as tick_module
from benchmarks.seeding import fresh_database, seed_teams
from bot.platform.slack_client import PacedClient
from bot.program import load_program
from schedules.duties.topic_prompts import topic_prompts
from storage import ledger
from storage.db import make_engine, make_session_factory
from storage.models import Delivery, DeliveryStatus
from tests.slack_standin import Limits, Server, SlackStandIn

FIRST_SCHOOL_DAY_0800 = datetime(2024, 9, 3, 13, 0, tzinfo=UTC)
LATENCY, JITTER = 0.080, 0.030


@dataclass(frozen=True)
class Case:
    teams: int
    per_minute: float  # the workspace-wide chat.postMessage ceiling
    threads: int  # the tick's sending threads


def cases(postgres: bool) -> list[Case]:
    """A few minutes in all: the ceiling, not the bot, sets each row's time."""
    threads = tick_module.SEND_THREADS
    if postgres:
        return [Case(1000, 1200, threads)]
    return [
        Case(600, 600, threads),
        Case(150, 600, 1),
        Case(1000, 1200, threads),
        Case(150, 1200, 1),
    ]


def run(database_urls: list[str | None]) -> str:
    """One table; None in `database_urls` is a fresh SQLite file, else a database to empty."""
    rows = [
        "| backend | threads | notices | simulated limits | wall time | notices/s "
        "| of ceiling | 429s | sent (1st tick) | failed | duplicated |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for url in database_urls:
        rows += [_one(case, url) for case in cases(url is not None)]
    title = (
        "Fan-out under simulated Slack rate limits (month-start topic prompts, "
        f"{LATENCY * 1000:.0f} ± {JITTER * 1000:.0f} ms round trip)"
    )
    return title + "\n\n" + "\n".join(rows)


def _one(case: Case, database_url: str | None) -> str:
    program = load_program()
    fake = SlackStandIn()
    fake.limits = Limits(
        post_per_channel=1,
        post_channel_burst=3,
        post_per_minute=case.per_minute,
        post_burst=20,
        latency=LATENCY,
        jitter=JITTER,
    )
    server = Server(fake)
    threads = tick_module.SEND_THREADS
    tick_module.SEND_THREADS = case.threads
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
            backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
            fresh_database(url)
            seed_teams(url, case.teams)
            engine = make_engine(url)
            factory = make_session_factory(engine)
            client = PacedClient(token="xoxb-bench", base_url=server.url, timeout=15)
            started = time.perf_counter()
            first = tick_module.tick(
                factory, client, program, FIRST_SCHOOL_DAY_0800, (topic_prompts,)
            )
            wall = time.perf_counter() - started
            later = _settle(factory, client, program)
            statuses = _statuses(factory)
            engine.dispose()
    finally:
        tick_module.SEND_THREADS = threads
        server.close()
    notices = len(first.outcomes)
    sent_first = sum(1 for o in first.outcomes if o.status == "sent")
    per_key = Counter(_key_of(message) for message in fake.posted)
    duplicated = sum(count - 1 for count in per_key.values() if count > 1)
    failed = statuses.get(DeliveryStatus.FAILED, 0)
    unsettled = notices - statuses.get(DeliveryStatus.SENT, 0) - failed
    ceiling = case.per_minute / 60
    rate = sent_first / wall
    limits = f"{case.per_minute:,.0f}/min (burst 20), 1/s per DM (burst 3)"
    sent = f"{sent_first:,}" + (f" (+{later} later)" if later else "")
    if unsettled:
        sent += f", {unsettled} unsettled"
    return (
        f"| {backend} | {case.threads} | {notices:,} | {limits} | {wall:.1f} s | {rate:.1f} "
        f"| {rate / ceiling:.0%} | {fake.limited} | {sent} | {failed} | {duplicated} |"
    )


def _key_of(message: dict) -> str | None:
    return ((message.get("metadata") or {}).get("event_payload") or {}).get("key")


def _settle(factory, client, program, ticks: int = 5) -> int:
    """Later ticks (after the retry backoff) send what the first left; how many they sent."""
    sent = 0
    now = FIRST_SCHOOL_DAY_0800
    for attempt in range(1, ticks + 1):
        now += ledger.backoff(attempt) + timedelta(minutes=1)
        result = tick_module.tick(factory, client, program, now, (topic_prompts,))
        sent += sum(1 for o in result.outcomes if o.status == "sent")
        if not result.outcomes:
            break
    return sent


def _statuses(factory) -> Counter:
    with factory() as session:
        query = select(Delivery.status).where(Delivery.kind != ledger.INBOUND)
        return Counter(session.scalars(query))
