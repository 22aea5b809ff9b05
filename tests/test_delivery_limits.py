"""Outgoing delivery under Slack's rate limits, and sends whose answer was lost.

Against the Slack stand-in with its simulated limits (tests/slack_standin.py `Limits`):
every notice ends up sent once, none failed, none doubled. A connection that ends after
Slack took a message is never retried blindly: the next attempt looks in the DM first. A
listener's deliver() takes over a dead sender's claim the way the tick does.
"""

from __future__ import annotations

import dataclasses
import socket
import time
from collections import Counter
from datetime import datetime, timedelta
from http.client import RemoteDisconnected
from urllib.error import URLError

import pytest
from sqlalchemy import select

import schedules.digest as digest_module
import schedules.tick as tick_module
from bot.platform.slack_client import (
    REAL_TIME,
    Clock,
    PacedClient,
    RateLimited,
    listener_client,
    never_reached_slack,
)
from schedules.delivery import METADATA_EVENT, deliver
from schedules.duties.topic_prompts import topic_prompts
from schedules.tick import tick
from storage import ledger
from storage.db import make_engine, make_session_factory, transaction
from storage.models import Delivery, DeliveryStatus
from tests.conftest import BOT_TOKEN, SkippingClock, make_settings
from tests.slack_standin import Limits
from tests.test_faults import FIRST_DAY_0800_CDT, landed, mentor, protege, seed

LATER = ledger.backoff(1) + timedelta(minutes=1)  # a retry's time has come


@pytest.fixture
def world(database_url, standin, program):
    fake, api_url = standin
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    yield fake, api_url, factory, program
    engine.dispose()


def client_for(api_url: str, timeout: float = 2.0, clock: Clock = REAL_TIME) -> PacedClient:
    """The scheduler's client (bot.platform.slack_client.scheduler_client), with a test timeout.
    Real time by default: the stand-in's simulated limits keep real time."""
    return PacedClient(token=BOT_TOKEN, base_url=api_url, timeout=timeout, clock=clock)


def ledger_rows(factory) -> dict[str, tuple[DeliveryStatus, str | None]]:
    with factory() as session:
        rows = session.execute(
            select(Delivery.key, Delivery.status, Delivery.error).where(
                Delivery.kind != ledger.INBOUND
            )
        )
        return {key: (status, error) for key, status, error in rows}


def posted_per_channel(fake) -> Counter:
    return Counter(message["channel"] for message in fake.posted)


# -- rate limits --------------------------------------------------------------------------


def test_a_fan_out_at_slacks_rate_limit_sends_every_notice_once_in_one_tick(world) -> None:
    fake, api_url, factory, program = world
    teams = 40
    seed(factory, program, teams)
    # A workspace ceiling of 20 a second with a small burst: four threads at a 20 ms round
    # trip try far more, so the limit is met and answered with 429s.
    fake.limits = Limits(post_per_minute=1200, post_burst=5, latency=0.02)
    result = tick(factory, client_for(api_url), program, FIRST_DAY_0800_CDT, (topic_prompts,))
    everyone = [mentor(n) for n in range(teams)] + [protege(n) for n in range(teams)]
    assert fake.limited > 0, "the simulated limit must be reached for this test to mean much"
    assert Counter(o.status for o in result.outcomes) == {"sent": 2 * teams}
    assert posted_per_channel(fake) == Counter(everyone)
    assert {status for status, _ in ledger_rows(factory).values()} == {DeliveryStatus.SENT}


def test_one_recipients_many_notices_go_in_order_within_the_per_channel_limit(
    sqlite_url, standin, program, monkeypatch
) -> None:
    fake, api_url = standin
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    seed(factory, program, 3)
    fake.limits = Limits(post_per_channel=1, post_channel_burst=3, latency=0.01)
    busy = mentor(0)
    started = time.monotonic()
    # More notices than one message lists (shrunk to one here): six messages.
    monkeypatch.setattr(digest_module, "MAX_NOTICES", 1)
    duty = six_for(busy)
    result = tick(factory, client_for(api_url), program, FIRST_DAY_0800_CDT, (duty,))
    elapsed = time.monotonic() - started
    assert fake.limited == 0  # the sender kept to the channel's pace: Slack never refused
    assert Counter(o.status for o in result.outcomes) == {"sent": 6 + 5}
    to_busy = [keys_of(m) for m in fake.posted if m["channel"] == busy]
    assert all(len(keys) == 1 for keys in to_busy)
    to_busy = [keys[0] for keys in to_busy]
    assert to_busy == sorted(to_busy) and len(to_busy) == 6
    assert elapsed >= 3  # three at once, then one a second
    engine.dispose()


def test_one_recipients_many_notices_go_as_one_digest_each_key_settled(
    sqlite_url, standin, program
) -> None:
    fake, api_url = standin
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    seed(factory, program, 1)
    busy = mentor(0)
    result = tick(factory, client_for(api_url), program, FIRST_DAY_0800_CDT, (six_for(busy),))
    assert Counter(o.status for o in result.outcomes) == {"sent": 6 + 1}
    to_busy = [m for m in fake.posted if m["channel"] == busy]
    assert len(to_busy) == 1
    keys = keys_of(to_busy[0])
    assert len(keys) == 6 and keys == sorted(keys)
    (sent,) = fake.messages_to(busy)
    assert sent["text"].startswith("6 things from Mentor bot today")
    with factory() as session:
        rows = session.execute(
            select(Delivery.ts, Delivery.status).where(Delivery.key.in_(keys))
        ).all()
    assert {(ts, status) for ts, status in rows} == {(to_busy[0]["ts"], DeliveryStatus.SENT)}
    engine.dispose()


def keys_of(message: dict) -> list[str]:
    return message["metadata"]["event_payload"]["keys"]


def six_for(recipient: str):
    """A duty: the topic prompts, plus five more for one recipient (an advisor's alerts)."""

    def duty(session, program, now):
        prompts = list(topic_prompts(session, program, now))
        mine = next(n for n in prompts if n.recipient == recipient)
        extra = [dataclasses.replace(mine, key=f"{mine.key}:extra{n}") for n in range(1, 6)]
        return prompts + extra

    return duty


def test_a_notice_whose_claim_runs_short_waits_for_a_later_tick(
    sqlite_url, standin, program, monkeypatch
) -> None:
    fake, api_url = standin
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    seed(factory, program, 1)
    # Half the lease, shrunk to a second: the fourth message to one channel comes later.
    monkeypatch.setattr(tick_module, "SEND_WITHIN", 1.0)
    busy = mentor(0)
    client = client_for(api_url)
    monkeypatch.setattr(digest_module, "MAX_NOTICES", 1)  # one message each
    duty = six_for(busy)
    first = tick(factory, client, program, FIRST_DAY_0800_CDT, (duty,))
    statuses = Counter(o.status for o in first.outcomes)
    assert statuses == {"sent": 4, "retry": 3}  # the protégé's and three of the mentor's
    assert {o.detail for o in first.outcomes if o.status == "retry"} == {"given back unsent"}
    later = tick(factory, client, program, FIRST_DAY_0800_CDT + LATER, (duty,))
    assert Counter(o.status for o in later.outcomes) == {"sent": 3}
    assert posted_per_channel(fake) == {busy: 6, protege(0): 1}
    assert {status for status, _ in ledger_rows(factory).values()} == {DeliveryStatus.SENT}
    engine.dispose()


# -- answers lost on the way back -----------------------------------------------------------


@pytest.mark.parametrize("how", ["reset", "close"])
def test_a_connection_lost_after_slack_posted_is_not_sent_again(world, how) -> None:
    fake, api_url, factory, program = world
    seed(factory, program, 1)
    fake.fail("chat.postMessage", disconnect=how, channel=mentor(0), times=1)
    client = client_for(api_url)
    first = tick(factory, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    lost = next(o for o in first.outcomes if o.notice.recipient == mentor(0))
    assert lost.status == "retry" and lost.detail.startswith(ledger.UNCERTAIN)
    # slack_sdk's own ConnectionErrorRetryHandler would have posted it a second time here.
    assert len(fake.messages_to(mentor(0))) == 1
    assert posted_per_channel(fake)[mentor(0)] == 1
    later = tick(factory, client, program, FIRST_DAY_0800_CDT + LATER, (topic_prompts,))
    [found] = later.outcomes
    assert (found.status, found.detail) == ("sent", "found in Slack after a restart")
    assert len(fake.calls_to("conversations.history")) == 1
    assert posted_per_channel(fake) == {mentor(0): 1, protege(0): 1}
    assert {status for status, _ in ledger_rows(factory).values()} == {DeliveryStatus.SENT}


@pytest.mark.parametrize("forgotten", [False, True], ids=["sent", "id-gone-meanwhile"])
def test_a_connection_lost_before_slack_posted_is_sent_on_the_retry(world, forgotten) -> None:
    fake, api_url, factory, program = world
    seed(factory, program, 1)
    fake.fail("chat.postMessage", disconnect="reset", acted=False, channel=mentor(0), times=1)
    client = client_for(api_url)
    tick(factory, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    assert posted_per_channel(fake)[mentor(0)] == 0
    if forgotten:  # meanwhile the id left the workspace: conversations.open says so
        fake.forget(mentor(0))
    later = tick(factory, client, program, FIRST_DAY_0800_CDT + LATER, (topic_prompts,))
    outcome = ("held", ledger.unreachable_reason("user_not_found")) if forgotten else ("sent", "")
    assert [(o.notice.recipient, o.status, o.detail) for o in later.outcomes] == [
        (mentor(0), *outcome)
    ]
    sent = {protege(0): 1} if forgotten else {mentor(0): 1, protege(0): 1}
    assert posted_per_channel(fake) == sent


def test_a_read_timeout_is_checked_before_a_retry_not_given_up(world) -> None:
    fake, api_url, factory, program = world
    seed(factory, program, 1)
    fake.fail("chat.postMessage", delay=1.5, channel=mentor(0), times=1)  # posted, late
    late_answer = landed(fake, mentor(0))
    client = client_for(api_url, timeout=1.0)
    first = tick(factory, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    timed_out = next(o for o in first.outcomes if o.notice.recipient == mentor(0))
    assert (timed_out.status, timed_out.detail) == ("retry", f"{ledger.UNCERTAIN}: timeout")
    # In production the retry comes minutes later, once the late message is in the DM.
    assert late_answer.wait(10)
    later = tick(factory, client, program, FIRST_DAY_0800_CDT + LATER, (topic_prompts,))
    assert [o.status for o in later.outcomes] == ["sent"]
    assert posted_per_channel(fake) == {mentor(0): 1, protege(0): 1}


@pytest.mark.parametrize("failure", [{"status": 500}, {"error": "internal_error"}])
def test_a_server_error_that_may_have_posted_is_checked_before_a_retry(world, failure) -> None:
    fake, api_url, factory, program = world
    seed(factory, program, 1)
    fake.fail("chat.postMessage", channel=mentor(0), times=1, **failure)
    client = client_for(api_url)
    first = tick(factory, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    failed = next(o for o in first.outcomes if o.notice.recipient == mentor(0))
    assert failed.status == "retry" and failed.detail.startswith(ledger.UNCERTAIN)
    assert len(fake.messages_to(mentor(0))) == 1  # not retried inside the call
    later = tick(factory, client, program, FIRST_DAY_0800_CDT + LATER, (topic_prompts,))
    assert [o.status for o in later.outcomes] == ["sent"]
    assert len(fake.calls_to("conversations.history")) == 1
    assert posted_per_channel(fake) == {mentor(0): 1, protege(0): 1}


def test_a_check_slack_cannot_answer_now_is_tried_again_never_guessed(world) -> None:
    fake, api_url, factory, program = world
    seed(factory, program, 1)
    fake.fail("chat.postMessage", disconnect="reset", channel=mentor(0), times=1)
    fake.fail("conversations.history", error="internal_error", times=1)
    client = client_for(api_url)
    tick(factory, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    second = tick(factory, client, program, FIRST_DAY_0800_CDT + LATER, (topic_prompts,))
    [unchecked] = second.outcomes
    assert unchecked.status == "retry"
    assert unchecked.detail == f"{ledger.UNCERTAIN}: cannot check: internal_error"
    third_at = FIRST_DAY_0800_CDT + LATER + ledger.backoff(2) + timedelta(minutes=1)
    third = tick(factory, client, program, third_at, (topic_prompts,))
    assert [(o.status, o.detail) for o in third.outcomes] == [
        ("sent", "found in Slack after a restart")
    ]
    assert posted_per_channel(fake) == {mentor(0): 1, protege(0): 1}


def test_a_refused_connection_is_retried_and_recorded_as_nothing_sent(world) -> None:
    _, _, factory, program = world
    seed(factory, program, 1)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    # Nothing listens on the port: every attempt is refused, so nothing reached Slack.
    # The back-off between attempts passes at once: nothing here depends on time.
    client = client_for(f"http://127.0.0.1:{port}/api/", clock=SkippingClock())
    result = tick(factory, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    assert [(o.status, o.detail) for o in result.outcomes] == [("retry", "URLError")] * 2
    assert not any(ledger.UNCERTAIN in (error or "") for _, error in ledger_rows(factory).values())


def test_only_errors_that_cannot_have_reached_slack_count_as_unsent() -> None:
    assert never_reached_slack(URLError(ConnectionRefusedError()))
    assert never_reached_slack(URLError(socket.gaierror(-2, "Name or service not known")))
    assert never_reached_slack(URLError(TimeoutError("timed out")))  # while connecting
    assert not never_reached_slack(ConnectionResetError())  # while waiting for the answer
    assert not never_reached_slack(RemoteDisconnected("closed"))
    assert not never_reached_slack(TimeoutError("timed out"))  # a read timeout
    assert not never_reached_slack(URLError(ConnectionResetError()))  # while sending


def test_the_listener_client_retries_a_lost_answer_only_for_calls_that_change_nothing(
    standin,
) -> None:
    fake, api_url = standin
    client = listener_client(make_settings("sqlite://", api_url))
    fake.fail("conversations.open", disconnect="reset", times=1)
    assert client.conversations_open(users=mentor(0))["channel"]["id"] == mentor(0)
    assert len(fake.calls_to("conversations.open")) == 2
    fake.fail("chat.postMessage", disconnect="reset", times=1)
    with pytest.raises(ConnectionResetError):
        client.chat_postMessage(channel=mentor(0), text="hello")
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert len(fake.posted) == 1


# -- a listener's deliver() and a dead sender's claim -----------------------------------------


def a_prompt(factory, program):
    with factory() as session:
        return next(iter(topic_prompts(session, program, FIRST_DAY_0800_CDT)))


def claimed_by_a_sender_that_died(factory, notice, at: datetime) -> None:
    with transaction(factory) as session:
        claim = ledger.Claim(
            notice.key, notice.kind, notice.recipient, notice.due_at, notice.expires_at
        )
        assert ledger.claim(session, claim, at)


def test_deliver_takes_over_a_dead_senders_claim_only_if_it_is_not_in_the_dm(world) -> None:
    fake, api_url, factory, program = world
    seed(factory, program, 1)
    notice = a_prompt(factory, program)
    died_at = FIRST_DAY_0800_CDT
    claimed_by_a_sender_that_died(factory, notice, died_at)
    # It died after Slack posted the message, before the ledger heard.
    client = listener_client(make_settings("sqlite://", api_url))
    client.chat_postMessage(
        channel=notice.recipient,
        text=notice.text,
        metadata={"event_type": METADATA_EVENT, "event_payload": {"key": notice.key}},
    )
    assert deliver(factory, client, notice, died_at + timedelta(minutes=1)) is None  # leased
    outcome = deliver(factory, client, notice, died_at + ledger.LEASE + timedelta(seconds=1))
    assert outcome is not None
    assert (outcome.status, outcome.detail) == ("sent", "found in Slack after a restart")
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert ledger_rows(factory)[notice.key][0] is DeliveryStatus.SENT


def test_deliver_sends_a_dead_senders_claim_that_never_went_out(world) -> None:
    fake, api_url, factory, program = world
    seed(factory, program, 1)
    notice = a_prompt(factory, program)
    claimed_by_a_sender_that_died(factory, notice, FIRST_DAY_0800_CDT)
    client = listener_client(make_settings("sqlite://", api_url))
    outcome = deliver(factory, client, notice, FIRST_DAY_0800_CDT + ledger.LEASE + LATER)
    assert outcome is not None and (outcome.status, outcome.detail) == ("sent", "")
    assert len(fake.calls_to("conversations.history")) == 1  # it looked first
    assert posted_per_channel(fake) == {notice.recipient: 1}
    assert deliver(factory, client, notice, FIRST_DAY_0800_CDT + 2 * LATER) is None


def test_a_429_the_client_cannot_wait_out_is_left_for_a_later_tick(world) -> None:
    fake, api_url, factory, program = world
    seed(factory, program, 1)
    fake.fail("chat.postMessage", status=429, retry_after=120, channel=mentor(0), times=1)
    client = client_for(api_url)
    started = time.monotonic()
    result = tick(factory, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    assert time.monotonic() - started < 10  # it did not sleep two minutes
    by_recipient = {o.notice.recipient: (o.status, o.detail) for o in result.outcomes}
    assert by_recipient[mentor(0)] == ("retry", "RateLimited")
    assert posted_per_channel(fake)[mentor(0)] == 0
    # Slack's pause holds for every thread of this client, not only the refused call's.
    with pytest.raises(RateLimited):
        client.chat_postMessage(channel=protege(0), text="another")
