"""Faults during a month-start fan-out, against the Slack stand-in: rate limits, server
errors, timeouts, a deactivated account, a token Slack stops taking, a process killed
mid-send, a database that goes away.

Every notice must end up sent exactly once, recorded as permanently failed, or held for a
deactivated account or an id Slack does not know, and the rest must still go out. The
stand-in answers as Slack documents it: a DM to a deactivated member succeeds, one to an
unknown id is `channel_not_found`, a revoked token is refused on every call. Fewer teams
than the benchmarks' 5,000: the behaviour is the same.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.platform.slack_client import REAL_TIME, Clock, PacedClient
from schedules.duties.topic_prompts import topic_prompts
from schedules.tick import tick
from storage import accounts, ledger
from storage.db import make_engine, make_session_factory, transaction
from storage.models import Delivery, DeliveryStatus
from storage.people import add_team, get_or_create_person
from tests.conftest import BOT_TOKEN, SkippingClock

FIRST_DAY_0800_CDT = datetime(2024, 9, 3, 13, 0, tzinfo=UTC)
TEAMS = 40


def mentor(n: int) -> str:
    return f"U0M{n:07d}"


def protege(n: int) -> str:
    return f"U0P{n:07d}"


def seed(factory, program, count: int = TEAMS) -> None:
    now = datetime(2024, 8, 1, tzinfo=UTC)
    with transaction(factory) as session:
        for n in range(count):
            add_team(
                session,
                program_id=program.id,
                mentor=get_or_create_person(session, mentor(n), now, tz="America/Chicago"),
                protege=get_or_create_person(session, protege(n), now, tz="America/Chicago"),
                advisor=None,
                area="bmit",
                track="year1",
                start_date=date(2024, 8, 26),
                created_by=None,
                now=now,
            )


def scheduler_client_for(api_url: str, timeout: float = 1.0, clock: Clock = REAL_TIME) -> WebClient:
    """bot.platform.slack_client.scheduler_client, with a short timeout for tests."""
    return PacedClient(token=BOT_TOKEN, base_url=api_url, timeout=timeout, clock=clock)


def landed(fake, channel: str) -> threading.Event:
    """Set once Slack has taken a message to `channel`, however late its answer."""
    taken = threading.Event()
    answer = fake.answer

    def answer_and_tell(method, params, token):
        try:
            return answer(method, params, token)
        finally:
            if delivered(fake)[channel]:
                taken.set()

    fake.answer = answer_and_tell
    return taken


def delivered(fake) -> Counter:
    """Messages Slack accepted, per recipient, whether or not its answer came back."""
    return Counter(message["channel"] for message in fake.posted)


def statuses(factory) -> dict[str, tuple[DeliveryStatus, str | None]]:
    with factory() as session:
        rows = session.execute(
            select(Delivery.recipient, Delivery.status, Delivery.error).where(
                Delivery.kind != ledger.INBOUND
            )
        )
        return {recipient: (status, error) for recipient, status, error in rows}


@pytest.fixture
def fanout(database_url, standin, program):
    fake, api_url = standin
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    seed(factory, program)
    yield fake, api_url, factory, program
    engine.dispose()


def described(factory, people: list[str], at: datetime) -> None:
    """Slack described these people's accounts at `at` (users.info or user_change), active."""
    with transaction(factory) as session:
        for person in people:
            accounts.record(session, person, False, at)


def test_every_notice_once_or_failed_through_rate_limits_errors_and_timeouts(fanout) -> None:
    fake, api_url, factory, program = fanout
    everyone = [mentor(n) for n in range(TEAMS)] + [protege(n) for n in range(TEAMS)]
    # Everyone but protégé 3 was described lately; protégé 3's account was deactivated since
    # (a DM would still succeed), and the tick asks users.info before sending to them.
    described(factory, [p for p in everyone if p != protege(3)], FIRST_DAY_0800_CDT)
    fake.add_user(protege(3))
    fake.deactivate(protege(3))
    fake.fail("chat.postMessage", status=429, retry_after=1, times=3)
    fake.fail("chat.postMessage", status=500, channel=mentor(1), times=2)  # checked, resent
    fake.fail("chat.postMessage", status=500, channel=mentor(2), times=None)  # never works
    fake.forget(protege(4))  # Slack no longer knows the id: channel_not_found, as documented
    fake.fail("chat.postMessage", error="ratelimited", channel=mentor(5), times=1)
    fake.fail("chat.postMessage", delay=1.6, channel=mentor(6), times=1)  # a read timeout
    fake.fail("chat.postMessage", error="internal_error", channel=mentor(7), times=1)
    # The connection ends before the answer: after Slack posted, and before it did.
    fake.fail("chat.postMessage", disconnect="reset", channel=mentor(8), times=1)
    fake.fail("chat.postMessage", disconnect="close", acted=False, channel=mentor(9), times=1)
    late_answer = landed(fake, mentor(6))
    # Retry-After and back-off pass at once: the stand-in's failures are scripted, not timed.
    client = scheduler_client_for(api_url, clock=SkippingClock())
    tick(factory, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    # The message whose answer timed out still lands in the DM; in production the retry
    # comes minutes later, here the next tick would come before it.
    assert late_answer.wait(10)
    now = FIRST_DAY_0800_CDT
    for _ in range(11):  # later ticks pick up the retries
        now += timedelta(hours=1)
        tick(factory, client, program, now, (topic_prompts,))
    final = statuses(factory)
    got = delivered(fake)
    assert set(final) == set(everyone)
    for person in everyone:
        status, error = final[person]
        if status is DeliveryStatus.SENT:
            assert got[person] == 1, (person, got[person])
        elif status is DeliveryStatus.HELD:
            assert got[person] == 0, (person, got[person])
        else:
            assert status is DeliveryStatus.FAILED, (person, status, error)
            assert got[person] == 0 or "unknown" in (error or ""), (person, error)
    failed = {p for p, (s, _) in final.items() if s is DeliveryStatus.FAILED}
    # A lost answer (timeout, reset, close) is looked up in the DM before any retry.
    assert failed == {mentor(2)}
    assert final[protege(3)] == (DeliveryStatus.HELD, ledger.HELD_REASON)
    # An error about the recipient holds the notice, with the error, until their account
    # changes (staff are told: tests/test_accounts.py).
    assert final[protege(4)] == (
        DeliveryStatus.HELD,
        ledger.unreachable_reason("channel_not_found"),
    )
    assert final[mentor(2)][1].startswith("gave up")
    assert max(got.values()) == 1


def test_a_token_refused_mid_fan_out_gives_every_claim_back_and_loses_nothing(fanout) -> None:
    fake, api_url, factory, program = fanout
    everyone = [mentor(n) for n in range(TEAMS)] + [protege(n) for n in range(TEAMS)]
    client = scheduler_client_for(api_url)
    fake.revoke(BOT_TOKEN, "token_revoked", after_posts=TEAMS // 4)
    first = tick(factory, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    assert first.refused == "token_revoked"
    sent = {o.notice.recipient for o in first.outcomes}
    assert {o.status for o in first.outcomes} == {"sent"} and len(sent) == TEAMS // 4
    assert first.waiting == 2 * TEAMS - len(sent)
    with factory() as session:
        rows = session.execute(
            select(Delivery.recipient, Delivery.status, Delivery.attempts, Delivery.error)
        ).all()
    given_back = {r.recipient: r for r in rows if r.status is not DeliveryStatus.SENT}
    assert set(given_back) | sent == set(everyone)
    # Pending, as they were: no attempt counted, nothing marked uncertain or failed.
    assert {(r.status, r.attempts, r.error) for r in given_back.values()} == {
        (DeliveryStatus.RETRY, 0, None)
    }
    # While Slack still refuses the token, a tick asks auth.test and sends nothing.
    posts = len(fake.calls_to("chat.postMessage"))
    later = FIRST_DAY_0800_CDT + timedelta(minutes=5)
    blocked = tick(factory, client, program, later, (topic_prompts,))
    assert (blocked.outcomes, blocked.refused) == ([], "token_revoked")
    assert len(fake.calls_to("chat.postMessage")) == posts
    assert fake.calls_to("auth.test")
    fake.restore(BOT_TOKEN)
    healthy = tick(factory, client, program, later + timedelta(minutes=5), (topic_prompts,))
    assert healthy.refused is None
    assert {o.notice.recipient for o in healthy.outcomes if o.status == "sent"} == set(given_back)
    assert delivered(fake) == Counter(everyone)  # each notice exactly once
    assert {s for s, _ in statuses(factory).values()} == {DeliveryStatus.SENT}


def test_a_process_killed_mid_fan_out_loses_and_doubles_nothing(
    fanout, tmp_path, database_url
) -> None:
    fake, api_url, factory, program = fanout
    # Slow answers, so that the kill lands with notices claimed but not yet sent.
    for n in range(TEAMS):
        fake.fail("chat.postMessage", delay=0.05, channel=protege(n), times=1)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "x",
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
    }
    env.pop("SLACK_APP_TOKEN", None)
    argv = [sys.executable, "-m", "bot", "tick", "--now", FIRST_DAY_0800_CDT.isoformat()]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    fake.wait_for("chat.postMessage", TEAMS // 2, timeout=30)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    # Requests the dead process had in flight still land at Slack. Here the lease's five
    # minutes pass in milliseconds, so wait for them as the real lease would.
    time.sleep(0.5)
    sent_before = sum(delivered(fake).values())
    assert 0 < sent_before < 2 * TEAMS, "the kill must land mid fan-out"
    # Restarted: inside the lease nothing is taken over; after it, the rest goes out.
    client = scheduler_client_for(api_url)
    tick(factory, client, program, FIRST_DAY_0800_CDT + timedelta(minutes=1), (topic_prompts,))
    later = FIRST_DAY_0800_CDT + ledger.LEASE + timedelta(minutes=2)
    tick(factory, client, program, later, (topic_prompts,))
    tick(factory, client, program, later + timedelta(hours=1), (topic_prompts,))
    got = delivered(fake)
    everyone = [mentor(n) for n in range(TEAMS)] + [protege(n) for n in range(TEAMS)]
    assert {p: got[p] for p in everyone} == {p: 1 for p in everyone}
    assert {s for s, _ in statuses(factory).values()} == {DeliveryStatus.SENT}


def test_database_unavailable_at_start_is_one_clear_line(tmp_path) -> None:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "x",
        "DATABASE_URL": "postgresql+psycopg://nobody:secret@127.0.0.1:9/none",
    }
    env.pop("SLACK_APP_TOKEN", None)
    commands = (["tick"], ["run", "--no-scheduler"], ["scheduler"])
    # Started together: each spends its second or so importing the app.
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", *command],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    for command, process in zip(commands, processes, strict=True):
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 2, (command, stderr)
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1, (command, stderr)
        assert "database" in lines[0] and "secret" not in lines[0]
        assert "Traceback" not in stderr


def test_a_tick_during_a_database_outage_fails_cleanly_and_the_next_catches_up(
    fanout, tmp_path
) -> None:
    fake, api_url, factory, program = fanout
    client = scheduler_client_for(api_url)
    broken_engine = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'gone.db'}")
    broken = make_session_factory(broken_engine)
    with pytest.raises(Exception) as failure:
        tick(broken, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    assert "unable to open database" in str(failure.value)
    assert fake.calls_to("chat.postMessage") == []
    result = tick(factory, client, program, FIRST_DAY_0800_CDT, (topic_prompts,))
    assert len([o for o in result.outcomes if o.status == "sent"]) == 2 * TEAMS
    broken_engine.dispose()
