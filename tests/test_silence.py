"""Silent teams: thresholds in school days, the alert, reminder, escalation, back in touch,
the buttons and their access checks, and idempotency — with an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.logs import CheckIn, LogMode
from storage.models import Role
from storage.people import add_team, get_or_create_person, grant
from storage.silence import SilenceAction, SilenceActionKind
from tests.conftest import SIGNING_SECRET, STAFF
from tests.interactions import last_opened_view, press, submit, text_value
from tests.signing import slash_command

MENTOR, PROTEGE, ADVISOR = "U0MENTOR1", "U0PROTEGE1", "U0ADVISOR1"
SETUP = datetime(2024, 8, 1, tzinfo=UTC)


def at(day: date, hour_utc: int = 15) -> datetime:
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


def seed(factory, program, advisor: str | None = ADVISOR) -> int:
    with transaction(factory) as session:
        grant(session, get_or_create_person(session, STAFF, SETUP), Role.STAFF, "test", SETUP)
        team = add_team(
            session,
            program_id=program.id,
            mentor=get_or_create_person(session, MENTOR, SETUP, tz="America/Chicago"),
            protege=get_or_create_person(session, PROTEGE, SETUP, tz="America/Chicago"),
            advisor=get_or_create_person(session, advisor, SETUP, tz="America/Chicago")
            if advisor
            else None,
            area="bmit",
            track="year1",
            start_date=date(2024, 8, 26),
            created_by=None,
            now=SETUP,
        )
        return team.id


def talk(factory, team_id: int, day: date, mode: LogMode = LogMode.PHONE) -> None:
    with transaction(factory) as session:
        session.add(
            CheckIn(
                team_id=team_id,
                person=MENTOR,
                conversation_date=day,
                mode=mode,
                recorded_at=at(day),
            )
        )


def quiet_alerts(fake, channel: str) -> list[dict]:
    """The silence notices among a person's DMs (the log nudges go to advisors too)."""
    words = ("gone quiet", "still quiet", "back in touch")
    return [m for m in fake.messages_to(channel) if any(w in m["text"] for w in words)]


@pytest.fixture
def world(ticking, program):
    def run(now: datetime):
        outcomes = ticking.run(program, now).outcomes
        return [o for o in outcomes if o.notice.kind.startswith("silence")]

    return ticking.fake, ticking.factory, run


def test_a_team_turns_silent_after_the_threshold_in_school_days(world, program) -> None:
    fake, factory, run = world
    team = seed(factory, program)
    talk(factory, team, date(2024, 10, 28))
    assert run(at(date(2024, 11, 18))) == []  # 15 school days later: not yet
    [alert] = run(at(date(2024, 11, 19), 14))  # the 16th school day, 08:00 CST
    assert (alert.notice.recipient, alert.status) == (ADVISOR, "sent")
    [message] = quiet_alerts(fake, ADVISOR)
    body = str(message["blocks"])
    assert "16 school days" in body and "phone call (check-in) on Mon, Oct 28" in body
    assert "Communication Log for October" in body  # an overdue step, named plainly
    # The advisor digest's four buttons for the team (the old alert's three are still
    # answered, for messages sent before it).
    assert {"advisor_nudge", "progress_open", "advisor_reached_out", "advisor_snooze"} == set(
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    )
    assert run(at(date(2024, 11, 19), 14)) == []  # once per spell


def test_breaks_do_not_count_toward_silence(world, program) -> None:
    fake, factory, run = world
    team = seed(factory, program)
    talk(factory, team, date(2024, 11, 20))
    assert run(at(date(2024, 12, 16))) == []  # Thanksgiving break does not count
    assert [o.notice.recipient for o in run(at(date(2024, 12, 17)))] == [ADVISOR]


def test_reminder_then_staff_escalation_when_nobody_acts(world, program) -> None:
    fake, factory, run = world
    team = seed(factory, program)
    talk(factory, team, date(2024, 10, 28))
    run(at(date(2024, 11, 19), 14))
    assert run(at(date(2024, 11, 25))) == []  # the reminder waits 7 days
    [reminder] = run(at(date(2024, 11, 26), 15))
    assert reminder.notice.kind == "silence_reminder" and reminder.notice.recipient == ADVISOR
    # In the advisor's morning message, beside their own step of the month (the November
    # contact, due in Thanksgiving break, is reminded on its last school day before).
    [said] = [m for m in fake.messages_to(ADVISOR) if reminder.notice.key in str(m["metadata"])]
    assert "after an alert a week ago" in str(said["blocks"])
    assert run(at(date(2024, 12, 2))) == []
    [escalation] = run(at(date(2024, 12, 3), 15))
    assert (escalation.notice.kind, escalation.notice.recipient) == ("silence_escalation", STAFF)
    assert f"<@{ADVISOR}>" in quiet_alerts(fake, STAFF)[-1]["text"]


def test_reaching_out_stops_the_follow_ups_and_activity_closes_the_spell(world, program) -> None:
    fake, factory, run = world
    team = seed(factory, program)
    talk(factory, team, date(2024, 10, 28))
    run(at(date(2024, 11, 19), 14))
    with transaction(factory) as session:
        session.add(
            SilenceAction(
                team_id=team,
                spell=date(2024, 10, 28),
                kind=SilenceActionKind.REACHED_OUT,
                by=ADVISOR,
                at=at(date(2024, 11, 20)),
            )
        )
    assert run(at(date(2024, 11, 26))) == [] and run(at(date(2024, 12, 4))) == []
    talk(factory, team, date(2024, 12, 4), LogMode.VIDEO)
    messages = len(fake.messages_to(ADVISOR))
    # The good news is no new message: the alert that showed the team is edited in place,
    # the same afternoon, with chat.update on the ts the ledger holds.
    [back] = run(at(date(2024, 12, 4), 16))
    assert back.notice.kind == "silence_back" and back.notice.recipient == ADVISOR
    assert len(fake.messages_to(ADVISOR)) == messages
    [alert] = [m for m in fake.posted if f"silent:team{team}:2024-10-28" in str(m["metadata"])]
    [update] = fake.calls_to("chat.update")
    assert update.params["ts"] == alert["ts"]
    edited = fake.message(ADVISOR, alert["ts"])
    assert "Back in touch: latest activity Wed, Dec 4" in str(edited["blocks"])
    assert "advisor_nudge" not in str(edited["blocks"])  # its buttons are gone
    assert f"silent:team{team}:2024-10-28" in edited["metadata"]["event_payload"]["keys"]
    assert run(at(date(2024, 12, 5))) == [] and run(at(date(2024, 12, 6))) == []


def test_a_snooze_holds_the_reminder(world, program) -> None:
    fake, factory, run = world
    team = seed(factory, program)
    talk(factory, team, date(2024, 10, 28))
    run(at(date(2024, 11, 19), 14))
    with transaction(factory) as session:
        session.add(
            SilenceAction(
                team_id=team,
                spell=date(2024, 10, 28),
                kind=SilenceActionKind.SNOOZED,
                by=ADVISOR,
                at=at(date(2024, 11, 20)),
                until=date(2024, 12, 4),
            )
        )
    assert run(at(date(2024, 11, 26))) == [] and run(at(date(2024, 12, 3))) == []
    [reminder] = run(at(date(2024, 12, 4), 15))
    assert reminder.notice.kind == "silence_reminder"


def test_staff_are_told_when_there_is_no_advisor_or_the_advisor_left(world, program) -> None:
    fake, factory, run = world
    alone = seed(factory, program, advisor=None)
    talk(factory, alone, date(2024, 10, 28))
    assert [o.notice.recipient for o in run(at(date(2024, 11, 19), 14))] == [STAFF]


def test_an_advisor_whose_account_is_deactivated_is_replaced_by_staff(world, program) -> None:
    fake, factory, run = world
    team = seed(factory, program)
    talk(factory, team, date(2024, 10, 28))
    fake.add_user(ADVISOR)
    fake.deactivate(ADVISOR)  # a DM would still go through: users.info tells the tick
    [held] = run(at(date(2024, 11, 19), 14))
    assert (held.notice.recipient, held.status) == (ADVISOR, "held")
    [to_staff] = run(at(date(2024, 11, 19), 15))
    assert (to_staff.notice.recipient, to_staff.status) == (STAFF, "sent")
    assert quiet_alerts(fake, ADVISOR) == []


# -- over HTTP --------------------------------------------------------------------------------


@pytest.fixture
def served(app_server, standin, program):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: datetime(2024, 11, 20, 16, tzinfo=UTC))
    team = seed(services.sessions, program)
    talk(services.sessions, team, date(2024, 10, 28))
    return base, services, fake, team


def actions_of(services) -> list[SilenceAction]:
    with services.sessions() as session:
        return list(session.scalars(select(SilenceAction).order_by(SilenceAction.id)))


def test_the_alert_buttons_check_access_and_record(served) -> None:
    base, services, fake, team = served
    value = f"{team}:2024-10-28"
    press(base, MENTOR, "silence_snooze", value)
    assert (
        "Only the team's content advisor" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    )
    assert actions_of(services) == []
    press(base, ADVISOR, "silence_snooze", value)
    assert "Snoozed" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    press(base, ADVISOR, "silence_snooze", value)  # a replayed press changes nothing
    assert "Already snoozed" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    assert [a.kind for a in actions_of(services)] == [SilenceActionKind.SNOOZED]
    press(base, ADVISOR, "silence_snooze", f"{team}:2024-09-02")  # a closed spell
    assert "back in touch already" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    press(base, ADVISOR, "silence_reached_out", value)
    view = last_opened_view(fake)
    status, body = submit(base, ADVISOR, view, {"note": {"value": text_value("x" * 2000)}})
    assert "under 1000" in body["errors"]["note"]
    status, body = submit(base, MENTOR, view, {"note": {"value": text_value("hi")}})
    assert body["response_action"] == "errors"
    submit(base, ADVISOR, view, {"note": {"value": text_value("Called Dana, back next week")}})
    assert actions_of(services)[-1].note == "Called Dana, back next week"
    press(base, ADVISOR, "silence_open_team", value)
    assert fake.messages_to(ADVISOR)[-1]["text"] == f"<@{MENTOR}> mentoring <@{PROTEGE}>"
    press(base, ADVISOR, "silence_open_team", "garbage")
    assert "can't see" in fake.calls_to("chat.postEphemeral")[-1].params["text"]


def test_my_partner_is_not_responding_tells_the_advisor_at_once(served) -> None:
    base, services, fake, team = served
    slash_command(base + "/slack/events", SIGNING_SECRET, PROTEGE, "noresponse")
    view = last_opened_view(fake)
    status, body = submit(base, ADVISOR, view, {"note": {"value": text_value("")}})
    assert body["response_action"] == "errors"  # not a member of the team
    submit(base, PROTEGE, view, {"note": {"value": text_value("No answer since October")}})
    messages = fake.wait_for("chat.postMessage", 2)
    to_advisor = [m.params for m in messages if m.params["channel"] == ADVISOR]
    assert "isn't responding" in to_advisor[0]["text"]
    assert "No answer since October" in str(to_advisor[0]["blocks"])
    assert actions_of(services)[-1].kind == SilenceActionKind.PARTNER_REPORT


def test_the_silent_list_is_for_advisors_and_staff(served) -> None:
    base, services, fake, team = served
    _, body = slash_command(base + "/slack/events", SIGNING_SECRET, MENTOR, "silent")
    assert body["text"].startswith("`/mentor silent` is for program staff and content advisors")
    _, body = slash_command(base + "/slack/events", SIGNING_SECRET, ADVISOR, "silent")
    assert body["text"].startswith("1 silent and 0 at-risk teams among your teams")
    assert "17 school days" in str(body["blocks"]) and "phone call on Mon, Oct 28" in str(body)
    _, body = slash_command(base + "/slack/events", SIGNING_SECRET, STAFF, "silent")
    assert "among all teams" in body["text"]
