"""News about a step, which asks nothing of its reader, is shown in the reader's latest message
about that step, edited in place, rather than arriving as another message (issue 13): the
meeting's reminder that named the form, or the DM that asked them for it. A request (a plan
returned to revise) is still a message of its own; a reader with no recent message about the
step, or one whose message cannot take the edit, gets the news as a DM. Over signed HTTP,
with the tick's meeting reminder sent to the Slack stand-in first, on a real SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.accounts import direct, rules
from bot.platform.slack_client import scheduler_client
from schedules.duties.meetings import meeting_reminders
from schedules.duties.status import deadline_nudges
from schedules.tick import tick
from storage import ledger
from storage.db import make_engine, make_session_factory, transaction
from storage.models import Delivery
from tests.conftest import SkippingClock, make_settings
from tests.interactions import last_opened_view, press, submit, text_value
from tests.test_plans_http import (  # noqa: F401  (served: the fixture)
    ADVISOR,
    MENTOR,
    NOW,
    PROTEGE,
    buttons,
    open_form,
    plan_values,
    review_dm,
    send_plan,
    served,
)

MEETING_REMINDER = datetime(2024, 9, 20, 13, tzinfo=UTC)  # Fri Sep 20, 08:00 in Missouri


@pytest.fixture
def reminded(served, sqlite_url, standin, program):  # noqa: F811
    """The plans' served app, after the tick's reminder of the initial meeting to both
    members; with their reminders' ts."""
    base, services, fake, _ = served
    client = scheduler_client(make_settings(sqlite_url, standin[1]), clock=SkippingClock())
    tick(services.sessions, client, program, MEETING_REMINDER, (meeting_reminders, deadline_nudges))
    sent = {m["channel"]: m["ts"] for m in fake.posted if m["channel"] in (MENTOR, PROTEGE)}
    assert set(sent) == {MENTOR, PROTEGE}
    return base, services, fake, sent


def posts_since(fake, before: int) -> list[str]:
    return [c.params["channel"] for c in fake.calls_to("chat.postMessage")[before:]]


def reads(fake, channel: str, ts: str) -> str:
    return json.dumps(fake.message(channel, ts), ensure_ascii=False)


def approve(base, fake) -> None:
    press(base, ADVISOR, "plans_review_approve", buttons(review_dm(fake))["plans_review_approve"])


def test_the_plan_news_is_told_in_each_members_meeting_reminder(reminded) -> None:
    base, services, fake, reminder = reminded
    before = len(fake.calls_to("chat.postMessage"))
    send_plan(base, fake)  # the protégé sends it, at the meeting
    # The advisor gets the plan to review; the mentor no message: their reminder says it.
    assert posts_since(fake, before) == [ADVISOR]
    mentor_reads = reads(fake, MENTOR, reminder[MENTOR])
    assert "Initial Meeting" in mentor_reads
    assert f"<@{PROTEGE}> sent revision 1 of your Individual Mentoring Plan" in mentor_reads
    # The approval takes the place of that news, in both members' reminders.
    before = len(fake.calls_to("chat.postMessage"))
    approve(base, fake)
    assert posts_since(fake, before) == []
    for member in (MENTOR, PROTEGE):
        now_reads = reads(fake, member, reminder[member])
        assert "Your Individual Mentoring Plan is approved" in now_reads
        assert "sent revision 1" not in now_reads
        assert now_reads.count('"block_id": "news:') >= 2  # a divider and the news
    fake.assert_valid()


def test_a_plan_returned_to_revise_is_a_message_of_its_own(reminded) -> None:
    base, _, fake, _ = reminded
    send_plan(base, fake)
    press(base, ADVISOR, "plans_review_return", buttons(review_dm(fake))["plans_review_return"])
    view = last_opened_view(fake)
    before = len(fake.calls_to("chat.postMessage"))
    submit(base, ADVISOR, view, {"return_comment": {"comment": text_value("Dates, please.")}})
    assert sorted(posts_since(fake, before)) == sorted([MENTOR, PROTEGE])
    for member in (MENTOR, PROTEGE):
        assert "returned" in fake.messages_to(member)[-1]["text"]
    # The revision that answers it is news again: it goes into the returned plan's message.
    before = len(fake.calls_to("chat.postMessage"))
    view = open_form(base, fake, PROTEGE, "plan")
    submit(base, PROTEGE, view, plan_values())
    assert posts_since(fake, before) == [ADVISOR]
    [returned] = [m for m in fake.posted if m["channel"] == MENTOR and "returned" in m["text"]]
    assert "sent revision 2" in reads(fake, MENTOR, returned["ts"])


def test_a_reader_whose_message_cannot_take_it_or_is_weeks_old_gets_a_dm(reminded) -> None:
    base, services, fake, reminder = reminded
    # The mentor's reminder can no longer be edited: the news comes as a DM.
    fake.fail("chat.update", error="cant_update_message", channel=MENTOR)
    before = len(fake.calls_to("chat.postMessage"))
    send_plan(base, fake)
    assert sorted(posts_since(fake, before)) == sorted([ADVISOR, MENTOR])
    assert "went for approval" in fake.messages_to(MENTOR)[-1]["text"]
    assert "sent revision 1" not in reads(fake, MENTOR, reminder[MENTOR])
    # Five weeks on, the approval is news in the DM the mentor had (the latest about the
    # plan, still recent), and a DM of its own for the protégé, whose reminder is too old.
    later = NOW + timedelta(days=35)
    object.__setattr__(services, "clock", lambda: later)
    with transaction(services.sessions) as session:  # the mentor's DM went out last week
        session.execute(
            update(Delivery)
            .where(Delivery.kind == ledger.THREAD)
            .values(finished_at=later - timedelta(days=7))
        )
    before = len(fake.calls_to("chat.postMessage"))
    approve(base, fake)
    assert posts_since(fake, before) == [PROTEGE]
    assert "is approved" in fake.latest(MENTOR) and "is approved" in fake.latest(PROTEGE)
    assert "is approved" not in reads(fake, PROTEGE, reminder[PROTEGE])


def test_a_message_out_of_view_is_not_edited(reminded, sqlite_url, standin) -> None:
    base, _, fake, reminder = reminded
    # Two later messages below the mentor's reminder: news edited into it would go unseen.
    client = scheduler_client(make_settings(sqlite_url, standin[1]), clock=SkippingClock())
    for text in ("A later message", "And another"):
        client.chat_postMessage(channel=MENTOR, text=text)
    before = len(fake.calls_to("chat.postMessage"))
    send_plan(base, fake)
    assert sorted(posts_since(fake, before)) == sorted([ADVISOR, MENTOR])
    assert "went for approval" in fake.messages_to(MENTOR)[-1]["text"]
    assert "sent revision 1" not in reads(fake, MENTOR, reminder[MENTOR])


def test_an_edit_whose_answer_was_lost_is_looked_for_not_told_twice(reminded) -> None:
    base, services, fake, reminder = reminded
    # Slack made the edit and the connection dropped before its answer: the news is there.
    fake.fail("chat.update", disconnect="reset", acted=True, channel=MENTOR)
    before = len(fake.calls_to("chat.postMessage"))
    send_plan(base, fake)
    assert posts_since(fake, before) == [ADVISOR]
    assert reads(fake, MENTOR, reminder[MENTOR]).count("sent revision 1") == 1
    # Slack answered 500 without making it: the news goes as a DM.
    fake.fail("chat.update", status=500, channel=PROTEGE)
    before = len(fake.calls_to("chat.postMessage"))
    approve(base, fake)
    assert posts_since(fake, before) == [PROTEGE]
    assert "is approved" in fake.messages_to(PROTEGE)[-1]["text"]
    assert "is approved" not in reads(fake, PROTEGE, reminder[PROTEGE])
    assert "is approved" in reads(fake, MENTOR, reminder[MENTOR])


def test_a_message_that_cannot_be_read_sends_the_news_and_blames_no_token(reminded) -> None:
    base, services, fake, _ = reminded
    # An install without im:history: reading fails, posting works.
    fake.fail("conversations.history", error="missing_scope", times=None)
    before = len(fake.calls_to("chat.postMessage"))
    send_plan(base, fake)
    assert sorted(posts_since(fake, before)) == sorted([ADVISOR, MENTOR])
    assert rules.standing_refusal(services.sessions) is None


def test_a_listeners_dm_is_not_the_readers_message_of_the_day(sqlite_url) -> None:
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    about = direct.About(7, "2024-25:mentoring_plan")
    with transaction(factory) as session:
        ledger.record_thread(session, about.thread_prefix(MENTOR) + "1", MENTOR, NOW, "D1", "1.1")
    with factory() as session:
        # Kept for news to find, by its step and reader only ...
        assert ledger.latest_message(
            session, MENTOR, about.prefixes(MENTOR), (), NOW - direct.RECENT
        ) == ("D1", "1.1")
        other = direct.About(7, "2024-25:focal_points")
        assert ledger.latest_message(session, MENTOR, other.prefixes(MENTOR), (), NOW) is None
        assert ledger.latest_message(session, PROTEGE, about.prefixes(PROTEGE), (), NOW) is None
        # ... and not a scheduled message: the day's digest still goes out.
        assert ledger.last_sent(session, [MENTOR], since=NOW - timedelta(days=1)) == {}
    engine.dispose()


def test_news_replaces_earlier_news_about_its_step_and_leaves_the_rest() -> None:
    about = direct.About(3, "2024-25:mentoring_plan")
    other = direct.About(3, "2024-25:focal_points")
    message = [{"type": "section", "text": {"type": "mrkdwn", "text": "Meeting Wed"}}]
    first = direct.with_news(message, about, ("sent", [{"type": "section", "text": {}}]), "a")
    both = direct.with_news(first, other, ("focal filed", []), "b")
    again = direct.with_news(both, about, ("approved", []), "c")
    ids = [block.get("block_id", "") for block in again]
    assert again[0] == message[0]
    # Each edit's news blocks have new ids, as Slack asks of an updated message.
    assert ids[1:] == [
        "news:team3:2024-25:focal_points:b:0",
        "news:team3:2024-25:focal_points:b:1",
        "news:team3:2024-25:mentoring_plan:c:0",
        "news:team3:2024-25:mentoring_plan:c:1",
    ]
    assert again[-1]["text"]["text"] == "approved"
    assert "sent" not in json.dumps(again)
