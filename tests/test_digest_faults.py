"""Digests under Slack's faults: each person gets one message holding all their notices,
and every notice's key is still settled exactly once, with the digest's ts.

The same faults as tests/test_faults.py (rate limits, server errors, read timeouts, answers
lost after Slack posted, a sender that died mid-digest), with three notices per person.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.slack.blocks import actions, button, section
from schedules.delivery import METADATA_EVENT, claim_of
from schedules.digest import MAX_NOTICES, compose
from schedules.duties.topic_prompts import topic_prompts
from schedules.notice import composed
from schedules.tick import tick
from storage import ledger
from storage.db import make_engine, make_session_factory, transaction
from storage.models import Delivery, DeliveryStatus
from tests.conftest import SkippingClock
from tests.test_faults import (
    FIRST_DAY_0800_CDT,
    delivered,
    landed,
    mentor,
    protege,
    scheduler_client_for,
    seed,
)

TEAMS = 12


def three_each(session, program, now):
    """The topic prompts, and two more notices for everyone (a reminder and a nudge)."""
    prompts = list(topic_prompts(session, program, now))
    more = [
        dataclasses.replace(notice, key=f"{notice.key}:{kind}", kind=kind)
        for notice in prompts
        for kind in ("deadline_nudge", "log_nudge")
    ]
    return prompts + more


def rows(factory) -> dict[str, tuple[str, DeliveryStatus, str | None]]:
    with factory() as session:
        found = session.execute(
            select(Delivery.key, Delivery.recipient, Delivery.status, Delivery.ts).where(
                Delivery.kind != ledger.INBOUND
            )
        )
        return {key: (recipient, status, ts) for key, recipient, status, ts in found}


def keys_in(message: dict) -> list[str]:
    return message["metadata"]["event_payload"]["keys"]


@pytest.fixture
def world(database_url, standin, program):
    fake, api_url = standin
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    seed(factory, program, TEAMS)
    yield fake, api_url, factory, program
    engine.dispose()


def everyone() -> list[str]:
    return [mentor(n) for n in range(TEAMS)] + [protege(n) for n in range(TEAMS)]


def test_each_digest_lands_once_through_rate_limits_errors_and_lost_answers(world) -> None:
    fake, api_url, factory, program = world
    fake.fail("chat.postMessage", status=429, retry_after=1, times=3)
    fake.fail("chat.postMessage", status=500, channel=mentor(1), times=2)
    fake.forget(protege(4))  # Slack no longer knows the id: channel_not_found
    fake.fail("chat.postMessage", delay=1.6, channel=mentor(6), times=1)  # a read timeout
    fake.fail("chat.postMessage", error="internal_error", channel=mentor(7), times=1)
    fake.fail("chat.postMessage", disconnect="reset", channel=mentor(8), times=1)
    fake.fail("chat.postMessage", disconnect="close", acted=False, channel=mentor(9), times=1)
    late_answer = landed(fake, mentor(6))
    client = scheduler_client_for(api_url, clock=SkippingClock())
    tick(factory, client, program, FIRST_DAY_0800_CDT, (three_each,))
    assert late_answer.wait(10)
    now = FIRST_DAY_0800_CDT
    for _ in range(6):  # later ticks pick up the retries
        now += timedelta(hours=1)
        tick(factory, client, program, now, (three_each,))
    final = rows(factory)
    assert len(final) == 3 * len(everyone())
    got = delivered(fake)
    for person in everyone():
        mine = {key: row for key, row in final.items() if row[0] == person}
        assert len(mine) == 3
        if person == protege(4):  # Slack refuses the recipient: all three held, none sent
            assert {status for _, status, _ in mine.values()} == {DeliveryStatus.HELD}
            assert got[person] == 0
            continue
        assert got[person] == 1, (person, got[person])  # one message, never two
        (message,) = [m for m in fake.posted if m["channel"] == person]
        assert sorted(keys_in(message)) == sorted(mine)
        assert {(status, ts) for _, status, ts in mine.values()} == {
            (DeliveryStatus.SENT, message["ts"])
        }


@pytest.mark.parametrize("posted", [True, False], ids=["died-after-posting", "died-before"])
def test_a_sender_that_died_mid_digest_is_taken_over_once(world, posted) -> None:
    fake, api_url, factory, program = world
    client = scheduler_client_for(api_url)
    # A sender claimed one person's three notices and died: after posting the digest, or
    # before Slack heard of it. Its claims hold the lease; nothing else touched them.
    died_at = FIRST_DAY_0800_CDT - timedelta(minutes=1)
    with factory() as session:
        theirs = [n for n in three_each(session, program, died_at) if n.recipient == mentor(0)]
    with transaction(factory) as session:
        won = ledger.claim_many(session, [claim_of(n) for n in theirs], died_at)
        assert set(won) == {n.key for n in theirs}
    if posted:
        client.chat_postMessage(
            channel=mentor(0),
            text="3 things from Mentor bot today",
            metadata={
                "event_type": METADATA_EVENT,
                "event_payload": {"keys": [n.key for n in theirs]},
            },
        )
    inside = tick(factory, client, program, FIRST_DAY_0800_CDT, (three_each,))
    assert mentor(0) not in {o.notice.recipient for o in inside.outcomes}  # its lease holds
    after = died_at + ledger.LEASE + timedelta(seconds=1)
    taken = tick(factory, client, program, after, (three_each,))
    mine = [o for o in taken.outcomes if o.notice.recipient == mentor(0)]
    assert Counter(o.status for o in mine) == {"sent": 3}
    expected = "found in Slack after a restart" if posted else ""
    assert {o.detail for o in mine} == {expected}
    assert delivered(fake)[mentor(0)] == 1
    (message,) = [m for m in fake.posted if m["channel"] == mentor(0)]
    assert sorted(keys_in(message)) == sorted(n.key for n in theirs)
    final = rows(factory)
    assert {final[n.key][1:] for n in theirs} == {(DeliveryStatus.SENT, message["ts"])}
    assert {got for got in delivered(fake).values()} == {1}


def test_a_notice_due_after_the_days_digest_waits_for_the_next_school_day(world) -> None:
    fake, api_url, factory, program = world
    client = scheduler_client_for(api_url)
    tick(factory, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    assert delivered(fake)[mentor(0)] == 1

    def afternoon(session, program, now):
        [prompt] = [n for n in topic_prompts(session, program, now) if n.recipient == mentor(0)]
        due = FIRST_DAY_0800_CDT + timedelta(hours=6)
        nudge = dataclasses.replace(prompt, key=f"{prompt.key}:late", kind="log_nudge", due_at=due)
        welcome = dataclasses.replace(prompt, key=f"{prompt.key}:hello", kind="welcome", due_at=due)
        return [nudge, welcome]

    later = tick(factory, client, program, FIRST_DAY_0800_CDT + timedelta(hours=7), (afternoon,))
    # The welcome cannot wait; the nudge joins tomorrow's message.
    assert [(o.notice.kind, o.status) for o in later.outcomes] == [("welcome", "sent")]
    assert later.waiting == 1
    tomorrow = tick(factory, client, program, FIRST_DAY_0800_CDT + timedelta(days=1), (afternoon,))
    assert [(o.notice.kind, o.status) for o in tomorrow.outcomes] == [("log_nudge", "sent")]
    assert delivered(fake)[mentor(0)] == 3


def test_sixty_alerts_for_one_person_go_in_one_message_within_slacks_limits(world) -> None:
    fake, api_url, factory, program = world
    client = scheduler_client_for(api_url)
    busy = mentor(0)

    def sixty(session, program, now):
        [prompt] = [n for n in topic_prompts(session, program, now) if n.recipient == busy]
        return [
            dataclasses.replace(
                prompt,
                key=f"{prompt.key}:alert{n:02d}",
                kind="silence_alert",
                compose=composed(
                    f"Team {n:02d} has gone quiet",
                    [section(f"Team {n:02d} has gone quiet, part {p}") for p in range(4)]
                    + [actions(button("I've reached out", f"reached_{n}", str(n)))],
                ),
            )
            for n in range(60)
        ]

    result = tick(factory, client, program, FIRST_DAY_0800_CDT, (sixty,))
    assert Counter(o.status for o in result.outcomes) == {"sent": 60}
    (message,) = fake.messages_to(busy)  # the stand-in checked it as Slack does
    assert len(message["blocks"]) <= 50
    shown = json.dumps(message["blocks"])
    # The first in full (with their buttons), every one of the sixty at least as a line.
    assert all(f"Team {n:02d} has gone quiet" in shown for n in range(60))
    assert '"reached_0"' in shown and "more:*" in shown
    (posted,) = [m for m in fake.posted if m["channel"] == busy]
    assert len(keys_in(posted)) == 60


def test_the_longest_listing_one_message_holds_stays_within_slacks_limits() -> None:
    # A line each at the longest, for as many notices as one message lists.
    long_line = "x" * 400
    messages = [(f"{long_line} {n}", [section(f"block of {n}")]) for n in range(MAX_NOTICES)]
    text, blocks = compose(messages)
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert len(text) <= 3000
