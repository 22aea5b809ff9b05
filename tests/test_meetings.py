"""Meetings are steps: one reminder before each of the program's meetings to each member of a
team, naming the forms filled in there together, with those forms' own reminders merged into
it (one message, every key settled with its ts, nothing on the meeting's morning); year two's
meeting too; and the welcome of a team registered from the command line names the meeting
first. Through the tick against the Slack stand-in, on every backend; the digest's merging
also on its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.platform.slack_client import scheduler_client
from bot.slack.blocks import section
from schedules.digest import MAX_NOTICES, Digest, digests
from schedules.duties import DUTIES
from schedules.duties.meetings import meeting_reminders
from schedules.duties.status import deadline_nudges
from schedules.duties.teams import welcomes
from schedules.notice import Notice, composed
from schedules.tick import SKIP_REASON, tick
from storage.db import make_engine, make_session_factory, transaction
from storage.models import Delivery, DeliveryStatus
from storage.people import add_team, find_person, get_or_create_person
from tests.conftest import SkippingClock, make_settings
from tests.test_experiences_domain import ADVISOR, MENTOR, PROTEGE, make_team

YEAR = "2024-25"
CHICAGO = ZoneInfo("America/Chicago")
FORMS = (
    "Mentor/Protégé Contact Form, Decision Points Checklist, Focal Points Checklist, "
    "Individual Mentoring Plan"
)
YEAR_ONE = "Wed, Sep 25 — Mentor & Protégé Initial Meeting, Jefferson City, MO, in person"
MEETING_DUTIES = (meeting_reminders, deadline_nudges)


def cdt(month: int, day: int, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=CHICAGO).astimezone(UTC)


@pytest.fixture
def world(database_url, standin, program):
    fake, api_url = standin
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    client = scheduler_client(make_settings(database_url, api_url), clock=SkippingClock())

    def run(now: datetime, duties=MEETING_DUTIES):
        return tick(factory, client, program, now, duties)

    yield fake, factory, run, program
    engine.dispose()


def ledger(factory) -> dict[str, tuple[DeliveryStatus, str | None]]:
    with factory() as session:
        found = session.execute(select(Delivery.key, Delivery.status, Delivery.ts))
        return {key: (status, ts) for key, status, ts in found}


def keys_in(message: dict) -> list[str]:
    return message["metadata"]["event_payload"]["keys"]


def meeting_key(team: int, person: str) -> str:
    return f"meeting:team{team}:{YEAR}:meeting:{person}"


def nudge_keys(team: int, person: str, steps: tuple[str, ...]) -> set[str]:
    return {f"nudge:team{team}:{YEAR}:{s}:{person}:{lead}" for s in steps for lead in ("d3", "d0")}


TEAM_STEPS = ("contact_form", "decision_points", "mentoring_plan")


def test_one_reminder_per_member_names_the_meeting_and_the_forms_done_there(world) -> None:
    fake, factory, run, program = world
    team = make_team(factory, program)
    assert run(cdt(9, 19)).outcomes == []  # Sep 22 is a Sunday: Friday the 20th
    result = run(cdt(9, 20))
    assert {o.status for o in result.outcomes} == {"sent"}
    settled = ledger(factory)
    for person, partner, steps in (
        (MENTOR, PROTEGE, TEAM_STEPS),
        (PROTEGE, MENTOR, (*TEAM_STEPS, "focal_points")),
    ):
        [message] = fake.messages_to(person)
        assert message["text"] == (
            f"{YEAR_ONE}; you'll complete four forms there with <@{partner}>: {FORMS}."
        )
        # The forms' own reminders went in this message, and added nothing to it.
        assert "Reminder:" not in str(message["blocks"])
        assert [b["type"] for b in message["blocks"]] == ["section", "actions", "context"]
        [button] = message["blocks"][1]["elements"]
        assert (button["action_id"], button["value"]) == ("progress_open", str(team))
        assert button["text"]["text"] == "Open my checklist"
        # Every key is settled as sent with the message's ts: the meeting's, and each form's
        # d3 and d0 reminder.
        keys = {meeting_key(team, person)} | nudge_keys(team, person, steps)
        assert set(keys_in(message)) == keys
        [posted] = [m for m in fake.posted if m["channel"] == person]
        assert {settled[key] for key in keys} == {(DeliveryStatus.SENT, posted["ts"])}
    # Nothing more about the meeting's forms, on its morning or before.
    for day in (23, 24, 25):
        assert run(cdt(9, day)).outcomes == []
    # They are still deliverables: the content advisor hears the next school day.
    overdue = run(cdt(9, 26)).outcomes
    assert {o.notice.recipient for o in overdue} == {ADVISOR}
    # One morning message of the team's late steps, each by the bot's own step name.
    [digest] = fake.messages_to(ADVISOR)
    assert digest["text"] == "Your team today: 1 late"
    assert "• Late: Mentor/Protégé Contact Form, due Wed, Sep 25" in str(digest["blocks"])


def test_in_the_days_digest_the_meeting_comes_first(world) -> None:
    fake, factory, run, program = world
    make_team(factory, program)
    run(cdt(9, 20), DUTIES)
    # With September's Communication Log reminder and topic: one message, the meeting first.
    [message] = fake.messages_to(MENTOR)
    assert message["text"].startswith(f"3 things from Mentor bot today: {YEAR_ONE};")
    first = message["blocks"][2]["text"]["text"]
    assert first.startswith(f"*{YEAR_ONE}*") and "Communication Log" in str(message["blocks"])


def test_year_twos_meeting_on_oct_1(world) -> None:
    fake, factory, run, program = world
    team = make_team(factory, program, track="year2", start=date(2024, 9, 30))
    assert run(cdt(9, 26)).outcomes == []
    run(cdt(9, 27))  # Sep 28 is a Saturday
    [message] = fake.messages_to(PROTEGE)
    assert message["text"] == (
        f"Tue, Oct 1 — Mentor & Protégé Meeting; you'll complete four forms there with "
        f"<@{MENTOR}>: {FORMS}."
    )
    assert len(fake.messages_to(MENTOR)) == 1
    assert set(keys_in(message)) == {meeting_key(team, PROTEGE)} | nudge_keys(
        team, PROTEGE, (*TEAM_STEPS, "focal_points")
    )
    assert run(cdt(10, 1)).outcomes == []


def test_a_form_already_in_is_not_named_or_reminded(world) -> None:
    fake, factory, run, program = world
    team = make_team(factory, program)
    with transaction(factory) as session:
        for person in (MENTOR, PROTEGE):
            found = find_person(session, person)
            assert found is not None
            found.contact_filed_at = cdt(9, 12)
    run(cdt(9, 20))
    [message] = fake.messages_to(MENTOR)
    assert message["text"].endswith(
        f"three forms there with <@{PROTEGE}>: Decision Points Checklist, Focal Points "
        "Checklist, Individual Mentoring Plan."
    )
    assert not [key for key in keys_in(message) if "contact_form" in key]
    assert meeting_key(team, MENTOR) in keys_in(message)


def test_held_over_to_the_meetings_morning_then_skipped_once_past(world) -> None:
    fake, factory, run, program = world
    team = make_team(factory, program)
    # The bot was down on Friday: the reminder goes out on the meeting's morning, worded so.
    run(cdt(9, 25))
    [message] = fake.messages_to(MENTOR)
    assert message["text"].startswith(
        "Today — Mentor & Protégé Initial Meeting, Jefferson City, MO, in person;"
    )
    # Down until after the meeting: the protégé's reminder and the forms' reminders merged
    # into it are recorded as skipped, each key on its own.
    other = make_team(factory, program, mentor="U0MENTOR2", protege="U0PROTEGE2", advisor=None)
    later = run(cdt(9, 26))
    skipped = {o.notice.key for o in later.outcomes if o.status == "skipped"}
    keys = {meeting_key(other, "U0PROTEGE2")} | nudge_keys(
        other, "U0PROTEGE2", (*TEAM_STEPS, "focal_points")
    )
    assert keys <= skipped
    assert {o.detail for o in later.outcomes if o.notice.key in keys} == {SKIP_REASON}
    assert fake.messages_to("U0PROTEGE2") == []
    assert meeting_key(team, PROTEGE) not in skipped  # sent on the morning


def test_a_member_in_another_zone_gets_it_at_their_morning(world) -> None:
    fake, factory, run, program = world
    make_team(factory, program, protege_tz="America/Los_Angeles")
    run(cdt(9, 20, 8))  # 06:00 in Los Angeles
    assert fake.messages_to(PROTEGE) == [] and len(fake.messages_to(MENTOR)) == 1
    run(cdt(9, 20, 9, 30))  # 07:30 there
    [message] = fake.messages_to(PROTEGE)
    assert message["text"].startswith(YEAR_ONE) and len(keys_in(message)) == 9


def test_the_welcome_of_an_imported_year_two_team_names_the_meeting_first(world) -> None:
    fake, factory, run, program = world
    now = cdt(9, 23, 9)
    with transaction(factory) as session:
        add_team(
            session,
            program_id=program.id,
            mentor=get_or_create_person(session, MENTOR, now, "M", "America/Chicago"),
            protege=get_or_create_person(session, PROTEGE, now, "P", "America/Chicago"),
            advisor=None,
            area="bmit",
            track="year2",
            start_date=date(2024, 9, 30),
            created_by=None,
            now=now,
        )
    run(now, (welcomes,))
    [message] = fake.messages_to(PROTEGE)
    [first] = [b["text"]["text"] for b in message["blocks"] if "First deadlines" in str(b)]
    assert first.splitlines()[1] == (
        f"• Tue, Oct 1: 🤝 *Mentor & Protégé Meeting* — four forms completed there together: "
        f"{FORMS}"
    )


# --- the digest's merging, on its own -----------------------------------------------------


def notice(key: str, kind: str, text: str, merged_into: str | None = None) -> Notice:
    at = cdt(9, 20)
    return Notice(
        key=key,
        kind=kind,
        recipient=MENTOR,
        due_at=at,
        expires_at=at + timedelta(days=5),
        compose=composed(text, [section(text)]),
        merged_into=merged_into,
    )


MEETING = notice("meeting", "meeting_reminder", "The meeting")
FORM = notice("form", "deadline_nudge", "A form", merged_into="meeting")


def test_a_merged_notice_adds_nothing_when_its_meeting_notice_is_there() -> None:
    [digest] = digests([FORM, MEETING])
    assert digest.keys == ["meeting", "form"]
    assert digest.message == MEETING.message  # one section: the meeting's message as it is
    alone = Digest(MENTOR, (FORM,))  # the meeting's went out before: said on its own
    assert alone.message == FORM.message
    prompt = notice("prompt", "topic_prompt", "The topic")
    text, _ = Digest(MENTOR, (MEETING, FORM, prompt)).message
    assert text == "2 things from Mentor bot today: The meeting · The topic"


def test_a_merged_notice_stays_with_its_meeting_notice_when_a_digest_is_split() -> None:
    alerts = [notice(f"alert{n:03d}", "silence_alert", f"alert {n}") for n in range(MAX_NOTICES)]
    parts = digests([*alerts, FORM, MEETING])
    # Not counted among a message's notices, and in its meeting's message: ranked after the
    # alerts, the form's reminder would otherwise open the second message on its own.
    assert [len(p.notices) for p in parts] == [MAX_NOTICES + 1, 1]
    assert parts[0].keys[:3] == ["meeting", "form", "alert000"]
    assert parts[1].keys == [f"alert{MAX_NOTICES - 1:03d}"]
