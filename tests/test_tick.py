"""The reconciling tick and the delivery ledger, with an injected clock, on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.platform.slack_client import scheduler_client
from schedules.duties.topic_prompts import topic_prompts
from schedules.notice import Notice, composed
from schedules.tick import may_send_now, tick
from storage import ledger
from storage.db import make_engine, make_session_factory, transaction
from storage.models import Delivery, DeliveryStatus
from storage.people import add_team, get_or_create_person
from tests.conftest import BOT_TOKEN, SkippingClock, make_settings

MENTOR, PROTEGE, ADVISOR = "U0MENTOR1", "U0PROTEGE1", "U0ADVISOR1"
# Tue Sep 3 2024 is the first school day of September (Mon Sep 2 is Labor Day).
FIRST_DAY_0800_CDT = datetime(2024, 9, 3, 13, 0, tzinfo=UTC)


def at(day: date, hour_utc: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour_utc, minute, tzinfo=UTC)


@pytest.fixture
def world(database_url, standin, program):
    fake, api_url = standin
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    # Retry-After and back-off pass at once: the stand-in's failures are scripted, not timed.
    client = scheduler_client(make_settings(database_url, api_url), clock=SkippingClock())

    def add(mentor=MENTOR, protege=PROTEGE, start=date(2024, 8, 26), protege_tz="America/Chicago"):
        # Registered in early August: the welcome DMs are long past and stay out of the way.
        now = datetime(2024, 8, 1, tzinfo=UTC)
        with transaction(factory) as session:
            team = add_team(
                session,
                program_id=program.id,
                mentor=get_or_create_person(session, mentor, now, "M", "America/Chicago"),
                protege=get_or_create_person(session, protege, now, "P", protege_tz),
                advisor=get_or_create_person(session, ADVISOR, now, "A", "America/Chicago"),
                area="bmit",
                track="year1",
                start_date=start,
                created_by=None,
                now=now,
            )
            return team.id

    def run(now: datetime):
        # The topic prompt alone: other duties (log reminders, …) have tests of their own.
        return tick(factory, client, program, now, (topic_prompts,))

    yield fake, add, run, factory, database_url
    engine.dispose()


def statuses(factory) -> dict[str, DeliveryStatus]:
    with factory() as session:
        return dict(session.execute(select(Delivery.key, Delivery.status)).all())


def test_the_topic_prompt_goes_to_both_members_on_the_first_school_day(world) -> None:
    fake, add, run, factory, _ = world
    team = add()
    assert run(at(date(2024, 9, 2), 15)).outcomes == []  # Labor Day: not a school day, not due
    assert run(at(date(2024, 9, 3), 12)).outcomes == []  # 07:00 CDT: before 07:30
    result = run(FIRST_DAY_0800_CDT)
    assert sorted((o.notice.recipient, o.status) for o in result.outcomes) == [
        (MENTOR, "sent"),
        (PROTEGE, "sent"),
    ]
    [message] = fake.messages_to(MENTOR)
    assert message["text"] == "September's communication topic: Classroom Management"
    body = str(message["blocks"])
    assert "Strategies for disruptions or lab issues" in body
    assert f"<@{PROTEGE}>" in body and "Fri, Sep 20" in body
    assert statuses(factory) == {
        f"prompt:team{team}:{MENTOR}:2024-09": DeliveryStatus.SENT,
        f"prompt:team{team}:{PROTEGE}:2024-09": DeliveryStatus.SENT,
    }


def test_twice_at_the_same_instant_sends_once(world) -> None:
    fake, add, run, *_ = world
    add()
    first = run(FIRST_DAY_0800_CDT)
    second = run(FIRST_DAY_0800_CDT)
    assert len(first.outcomes) == 2 and second.outcomes == []
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_a_recorded_send_is_never_repeated_after_a_restart(world, program, standin) -> None:
    fake, add, run, _, database_url = world
    add()
    run(FIRST_DAY_0800_CDT)
    # A new process: its own engine and client against the same database.
    engine = make_engine(database_url)
    restarted = make_session_factory(engine)
    client = scheduler_client(make_settings(database_url, standin[1]))
    for hours in (0, 1, 30):
        later = FIRST_DAY_0800_CDT + timedelta(hours=hours)
        outcomes = tick(restarted, client, program, later).outcomes
        # Only the advisor's own step of August, late the next school day, is new by then.
        assert [o for o in outcomes if o.notice.kind != "advisor_step_late"] == []
    engine.dispose()
    posts = [c for c in fake.calls_to("chat.postMessage") if "advisorstep:" not in str(c.params)]
    assert len(posts) == 2


def test_a_claim_left_by_a_crash_is_retried_once_its_lease_expires(world) -> None:
    fake, add, run, factory, _ = world
    team = add()
    key = f"prompt:team{team}:{MENTOR}:2024-09"
    crashed_at = FIRST_DAY_0800_CDT - timedelta(minutes=1)
    with transaction(factory) as session:
        claim = ledger.Claim(
            key, "topic_prompt", MENTOR, crashed_at, crashed_at + timedelta(days=9)
        )
        assert ledger.claim(session, claim, crashed_at)
    # Inside the lease the crashed sender might still be at work: leave it alone.
    inside = run(FIRST_DAY_0800_CDT)
    assert [o.notice.recipient for o in inside.outcomes] == [PROTEGE]
    assert statuses(factory)[key] == DeliveryStatus.CLAIMED
    after = run(crashed_at + ledger.LEASE + timedelta(seconds=1))
    assert [(o.notice.recipient, o.status) for o in after.outcomes] == [(MENTOR, "sent")]
    assert len(fake.messages_to(MENTOR)) == 1


def test_a_deactivated_recipients_notice_is_held_and_others_still_get_theirs(world) -> None:
    fake, add, run, factory, _ = world
    team = add()
    add(mentor="U0MENTOR2", protege="U0PROTEGE2")
    for person in (MENTOR, PROTEGE, "U0MENTOR2", "U0PROTEGE2"):
        fake.add_user(person)
    fake.deactivate(PROTEGE)  # Slack would still take a DM: the bot learns it from users.info
    result = run(FIRST_DAY_0800_CDT)
    by_recipient = {o.notice.recipient: o for o in result.outcomes}
    assert by_recipient[PROTEGE].status == "held"
    assert by_recipient[PROTEGE].detail == ledger.HELD_REASON
    assert {by_recipient[r].status for r in (MENTOR, "U0MENTOR2", "U0PROTEGE2")} == {"sent"}
    assert statuses(factory)[f"prompt:team{team}:{PROTEGE}:2024-09"] == DeliveryStatus.HELD
    assert fake.messages_to(PROTEGE) == []
    calls = len(fake.calls_to("chat.postMessage"))
    assert run(FIRST_DAY_0800_CDT + timedelta(hours=2)).outcomes == []  # held once, not again
    assert len(fake.calls_to("chat.postMessage")) == calls


def test_a_token_error_is_about_the_app_not_the_recipient(world) -> None:
    fake, add, run, factory, _ = world
    team = add()
    # Slack answers account_inactive when the app's bot user or workspace is deactivated.
    fake.revoke(BOT_TOKEN, "account_inactive", after_posts=1)
    first = run(FIRST_DAY_0800_CDT)
    assert first.refused == "account_inactive"
    # The two DMs go out on two threads: whichever reached Slack first went.
    [(went, status)] = [(o.notice.recipient, o.status) for o in first.outcomes]
    [waits] = {MENTOR, PROTEGE} - {went}
    assert status == "sent" and first.waiting == 1
    key = f"prompt:team{team}:{waits}:2024-09"
    with factory() as session:
        row = session.scalars(select(Delivery).where(Delivery.key == key)).one()
    assert (row.status, row.attempts) == (DeliveryStatus.RETRY, 0)  # pending, nothing counted
    assert run(FIRST_DAY_0800_CDT + timedelta(hours=1)).outcomes == []  # still refused
    fake.restore(BOT_TOKEN)
    later = run(FIRST_DAY_0800_CDT + timedelta(hours=2))
    assert [(o.notice.recipient, o.status) for o in later.outcomes] == [(waits, "sent")]
    assert later.refused is None
    assert sorted(m["channel"] for m in fake.posted) == [MENTOR, PROTEGE]  # each once


def test_a_transient_error_is_retried_on_a_later_tick(world) -> None:
    fake, add, run, factory, _ = world
    team = add()
    fake.fail("chat.postMessage", error="internal_error", channel=MENTOR, times=1)
    first = run(FIRST_DAY_0800_CDT)
    assert {o.notice.recipient: o.status for o in first.outcomes} == {
        MENTOR: "retry",
        PROTEGE: "sent",
    }
    key = f"prompt:team{team}:{MENTOR}:2024-09"
    assert statuses(factory)[key] == DeliveryStatus.RETRY
    assert run(FIRST_DAY_0800_CDT + timedelta(seconds=30)).outcomes == []  # backing off
    later = run(FIRST_DAY_0800_CDT + timedelta(minutes=5))
    assert [(o.notice.recipient, o.status) for o in later.outcomes] == [(MENTOR, "sent")]
    assert len(fake.messages_to(MENTOR)) == 2  # the failed call and the good one


def test_rate_limits_and_server_errors_are_retried_by_the_client(world) -> None:
    fake, add, run, *_ = world
    add()
    fake.fail("chat.postMessage", status=429, retry_after=1, channel=MENTOR, times=1)
    fake.fail("chat.postMessage", status=503, channel=PROTEGE, times=1)
    result = run(FIRST_DAY_0800_CDT)
    assert {o.status for o in result.outcomes} == {"sent"}
    assert len(fake.messages_to(MENTOR)) == 2 and len(fake.messages_to(PROTEGE)) == 2


def test_quiet_hours_weekends_and_recipient_timezones_hold_notices(world) -> None:
    fake, add, run, *_ = world
    add(protege_tz="America/Los_Angeles")
    evening = run(at(date(2024, 9, 4), 2))  # Tue 21:00 CDT, 19:00 PDT: quiet
    assert evening.outcomes == [] and evening.waiting == 2
    morning = run(at(date(2024, 9, 4), 13))  # 08:00 CDT but 06:00 PDT
    assert [o.notice.recipient for o in morning.outcomes] == [MENTOR]
    assert morning.waiting == 1
    late = run(at(date(2024, 9, 4), 15))  # 08:00 PDT
    assert [o.notice.recipient for o in late.outcomes] == [PROTEGE]


def test_nothing_goes_out_on_a_weekend(world) -> None:
    fake, add, run, *_ = world
    add(start=date(2024, 9, 6))  # due Fri Sep 6 07:30 CDT
    assert run(at(date(2024, 9, 6), 23, 30)).waiting == 2  # Fri 18:30: quiet hours
    assert run(at(date(2024, 9, 7), 15)).waiting == 2  # Saturday
    assert run(at(date(2024, 9, 8), 15)).waiting == 2  # Sunday
    monday = run(at(date(2024, 9, 9), 13))
    assert [o.status for o in monday.outcomes] == ["sent", "sent"]


def test_nothing_goes_out_during_a_break(program) -> None:
    notice = Notice(
        key="k",
        kind="topic_prompt",
        recipient=MENTOR,
        due_at=at(date(2024, 11, 1), 12),
        expires_at=at(date(2024, 12, 1), 0),
        compose=composed("t"),
        tz="America/Chicago",
    )
    assert may_send_now(program, notice, at(date(2024, 11, 26), 16))  # Tue: a school day
    assert not may_send_now(program, notice, at(date(2024, 11, 27), 16))  # Thanksgiving break
    assert not may_send_now(program, notice, at(date(2024, 12, 30), 16))  # winter break


def test_a_prompt_whose_moment_passed_is_recorded_as_skipped(world) -> None:
    fake, add, run, factory, _ = world
    add()
    result = run(at(date(2024, 9, 23), 15))  # Monday after the log due date (Fri Sep 20)
    assert {o.status for o in result.outcomes} == {"skipped"}
    assert set(statuses(factory).values()) == {DeliveryStatus.SKIPPED}
    assert fake.calls_to("chat.postMessage") == []
    assert run(at(date(2024, 9, 24), 15)).outcomes == []


def test_a_team_gets_prompts_from_the_month_it_starts(world) -> None:
    fake, add, run, *_ = world
    add(start=date(2024, 10, 1))
    assert run(FIRST_DAY_0800_CDT).outcomes == []
    october = run(at(date(2024, 10, 1), 13))
    assert {o.notice.key.rsplit(":", 1)[1] for o in october.outcomes} == {"2024-10"}
    [message] = fake.messages_to(PROTEGE)
    assert (
        message["text"] == "October's communication topic: CTSO Affiliation/Leadership Conference"
    )


def test_a_tick_needs_an_aware_instant(world) -> None:
    *_, run, _factory, _url = world
    with pytest.raises(ValueError):
        run(datetime(2024, 9, 3, 13))
