"""Slack's account errors as Slack means them, over signed HTTP and the real tick.

A deactivated member still takes DMs, so the bot learns deactivation from `user_change`
events and users.info: their notices are held, staff are told once (with the team flows'
buttons), an advisor's silence alerts go to staff, and everything resumes on reactivation.
A token Slack refuses (or an `app_uninstalled` / `tokens_revoked` event) stops sending, and
/healthz of a process that runs no tick reports it until a tick runs with the token again.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.platform.slack_client import scheduler_client
from bot.teams.views import END_CALLBACK, END_TEAM, REPLACE_ADVISOR, REPLACE_CALLBACK
from handlers import after_ack
from schedules.delivery import deliver
from schedules.duties.accounts import deactivated_members
from schedules.duties.silence import silence
from schedules.duties.topic_prompts import topic_prompts
from schedules.notice import Notice, composed
from schedules.tick import tick
from storage import accounts, ledger
from storage.models import Delivery, DeliveryStatus
from tests.conftest import (
    BOT_TOKEN,
    SIGNING_SECRET,
    STAFF,
    SkippingClock,
    make_settings,
    serve_app,
)
from tests.interactions import last_opened_view, press, submit, text_value
from tests.signing import post_event, slash_command
from tests.test_access_matrix import fill
from tests.test_silence import ADVISOR, MENTOR, PROTEGE, seed, talk

FIRST_DAY_0800_CDT = datetime(2024, 9, 3, 13, 0, tzinfo=UTC)
LEARNED = datetime(2024, 9, 3, 12, 0, tzinfo=UTC)  # when listeners hear of a change
PROMPTS = (topic_prompts, deactivated_members)


@pytest.fixture
def world(database_url, standin, program):
    """The app as the web tier serves it (no scheduler), and ticks run beside it."""
    fake, api_url = standin
    for person in (MENTOR, PROTEGE, ADVISOR, STAFF):
        fake.add_user(person)
    with serve_app(database_url, standin, program) as (base, services):
        object.__setattr__(services, "clock", lambda: LEARNED)
        client = scheduler_client(make_settings(database_url, api_url), clock=SkippingClock())

        def run(now: datetime, duties=PROMPTS):
            return tick(services.sessions, client, program, now, duties)

        yield base, services, fake, run


def health(base: str) -> tuple[int, str]:
    """The status and the first line: the token's standing (the tick's line follows, see
    tests/test_operations.py)."""
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
            return response.status, response.read().decode().splitlines(keepends=True)[0]
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode().splitlines(keepends=True)[0]


def told_staff(fake) -> list[dict]:
    return [m for m in fake.messages_to(STAFF) if "Slack account is deactivated" in m["text"]]


def buttons(message: dict) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element.get("value", ""))
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def by_recipient(result) -> dict[str, str]:
    staff_notes = ("deactivated", "unreachable")
    return {
        o.notice.recipient: o.status for o in result.outcomes if o.notice.kind not in staff_notes
    }


# -- deactivated members ---------------------------------------------------------------------


def test_a_user_change_deactivation_holds_tells_staff_once_and_resumes(world, program) -> None:
    base, services, fake, run = world
    team = seed(services.sessions, program)
    assert post_event(base, SIGNING_SECRET, fake.deactivate(PROTEGE)) == 200
    first = run(FIRST_DAY_0800_CDT)
    assert by_recipient(first) == {MENTOR: "sent", PROTEGE: "held"}
    assert fake.messages_to(PROTEGE) == []
    [told] = told_staff(fake)
    assert told["text"] == f"<@{PROTEGE}>'s Slack account is deactivated: end the team"
    assert buttons(told) == [(END_TEAM, str(team))]  # a protégé is not replaced
    assert run(FIRST_DAY_0800_CDT + timedelta(hours=1)).outcomes == []
    assert len(told_staff(fake)) == 1  # once, not again on the next tick
    # The button opens the existing end-team flow.
    press(base, STAFF, END_TEAM, str(team))
    assert last_opened_view(fake)["callback_id"] == END_CALLBACK

    post_event(base, SIGNING_SECRET, fake.reactivate(PROTEGE))
    back = run(FIRST_DAY_0800_CDT + timedelta(hours=2))
    assert by_recipient(back) == {PROTEGE: "sent"}  # the held notice, still useful
    assert len(fake.messages_to(PROTEGE)) == 1 and len(told_staff(fake)) == 1
    with services.sessions() as session:
        held = session.scalars(
            select(Delivery).where(Delivery.recipient == PROTEGE, Delivery.kind != ledger.INBOUND)
        ).one()
    assert (held.status, held.attempts) == (DeliveryStatus.SENT, 0)


def test_a_deactivation_learned_from_users_info_holds_and_tells_staff_once(world, program) -> None:
    base, services, fake, run = world
    team = seed(services.sessions, program)
    fake.deactivate(MENTOR)  # no event reached the bot: the tick asks users.info first
    first = run(FIRST_DAY_0800_CDT)
    assert by_recipient(first) == {MENTOR: "held", PROTEGE: "sent"}
    assert {c.params["user"] for c in fake.calls_to("users.info")} >= {MENTOR, PROTEGE}
    second = run(FIRST_DAY_0800_CDT + timedelta(minutes=5))
    [told] = told_staff(fake)
    assert [o.notice.recipient for o in second.outcomes] == [STAFF]
    assert told["text"] == f"<@{MENTOR}>'s Slack account is deactivated: replace or end the team"
    assert [action for action, _ in buttons(told)] == ["team_replace_mentor", END_TEAM]
    assert {value for _, value in buttons(told)} == {str(team)}
    assert run(FIRST_DAY_0800_CDT + timedelta(hours=1)).outcomes == []
    assert len(told_staff(fake)) == 1 and fake.messages_to(MENTOR) == []


def test_a_deactivated_advisors_alerts_go_to_staff_until_reactivated(world, program) -> None:
    base, services, fake, run = world
    team = seed(services.sessions, program)
    talk(services.sessions, team, date(2024, 10, 28))
    alert_day = datetime(2024, 11, 19, 14, tzinfo=UTC)  # the 16th quiet school day, 08:00 CST
    object.__setattr__(services, "clock", lambda: alert_day - timedelta(hours=1))
    post_event(base, SIGNING_SECRET, fake.deactivate(ADVISOR))
    duties = (silence, deactivated_members)
    first = run(alert_day, duties)
    assert sorted((o.notice.kind, o.notice.recipient, o.status) for o in first.outcomes) == [
        ("deactivated", STAFF, "sent"),
        ("silence_alert", STAFF, "sent"),
    ]
    [told] = told_staff(fake)  # one digest: the silence alert, then the deactivation
    assert {(REPLACE_ADVISOR, str(team)), (END_TEAM, str(team))} <= set(buttons(told))
    assert "alerts about their silent teams come to program staff" in str(told["blocks"])
    press(base, STAFF, REPLACE_ADVISOR, str(team))
    assert last_opened_view(fake)["callback_id"] == REPLACE_CALLBACK
    assert fake.messages_to(ADVISOR) == []
    # Back in Slack: the advisor hears of the spell that is still going on.
    post_event(base, SIGNING_SECRET, fake.reactivate(ADVISOR))
    again = run(alert_day + timedelta(hours=1), duties)
    assert [(o.notice.recipient, o.status) for o in again.outcomes] == [(ADVISOR, "sent")]
    assert "gone quiet" in fake.messages_to(ADVISOR)[0]["text"]


def test_a_user_change_for_someone_the_bot_does_not_know_is_not_kept(world) -> None:
    base, services, fake, run = world
    fake.add_user("U0STRANGER")
    post_event(base, SIGNING_SECRET, fake.deactivate("U0STRANGER"))
    post_event(
        base, SIGNING_SECRET, {"type": "user_change", "user": "U0NOTADICT"}
    )  # malformed: dropped
    with services.sessions() as session:
        assert accounts.held(session) == {}
    assert health(base) == (200, "ok\n")


# -- the app's own token ---------------------------------------------------------------------


def test_a_refused_token_makes_healthz_unhealthy_on_a_process_without_the_tick(
    world, program
) -> None:
    base, services, fake, run = world
    seed(services.sessions, program)
    assert health(base) == (200, "ok\n")
    fake.revoke(BOT_TOKEN, "invalid_auth", after_posts=1)
    assert run(FIRST_DAY_0800_CDT).refused == "invalid_auth"
    # The web tier ran no tick: it reads the refusal the tick recorded.
    assert health(base) == (503, "Slack refuses the app's token: invalid_auth\n")
    assert run(FIRST_DAY_0800_CDT + timedelta(minutes=5)).refused == "invalid_auth"
    fake.restore(BOT_TOKEN)
    healthy = run(FIRST_DAY_0800_CDT + timedelta(minutes=10))
    assert healthy.refused is None and [o.status for o in healthy.outcomes] == ["sent"]
    assert health(base) == (200, "ok\n")


def test_app_uninstalled_stops_sending_until_slack_takes_the_token_again(world, program) -> None:
    base, services, fake, run = world
    seed(services.sessions, program)
    fake.revoke(BOT_TOKEN, "token_revoked")  # uninstalling revokes the token…
    assert post_event(base, SIGNING_SECRET, {"type": "app_uninstalled"}) == 200  # …and says so
    assert health(base) == (503, "Slack refuses the app's token: app_uninstalled\n")
    blocked = run(FIRST_DAY_0800_CDT)
    assert (blocked.outcomes, blocked.refused) == ([], "app_uninstalled")
    assert fake.calls_to("chat.postMessage") == [] and fake.calls_to("auth.test")
    fake.restore(BOT_TOKEN)  # installed again
    resumed = run(FIRST_DAY_0800_CDT + timedelta(minutes=5))
    assert sorted(by_recipient(resumed).values()) == ["sent", "sent"]
    assert health(base) == (200, "ok\n")


def test_the_apps_messages_tab_turned_off_stops_sending_and_loses_nothing(world, program) -> None:
    base, services, fake, run = world
    seed(services.sessions, program)
    fake.fail("chat.postMessage", error="messages_tab_disabled", times=1)
    stopped = run(FIRST_DAY_0800_CDT)
    assert stopped.refused == "messages_tab_disabled"
    assert health(base) == (503, "Slack refuses the app's token: messages_tab_disabled\n")
    resumed = run(FIRST_DAY_0800_CDT + timedelta(minutes=5))  # an admin turned it back on
    # Nothing failed or was given up: the one refused is sent with the next tick (the other
    # may have gone out beside it before the refusal stopped the fan-out).
    outcomes = stopped.outcomes + resumed.outcomes
    assert sorted((o.notice.recipient, o.status) for o in outcomes) == [
        (MENTOR, "sent"),
        (PROTEGE, "sent"),
    ]
    assert health(base) == (200, "ok\n")


def test_tokens_revoked_stops_sending_only_when_the_bot_token_is_among_them(world) -> None:
    base, services, fake, run = world
    post_event(base, SIGNING_SECRET, {"type": "tokens_revoked", "tokens": {"oauth": ["U0SOMEONE"]}})
    assert health(base) == (200, "ok\n")  # a user token: the app holds none
    post_event(base, SIGNING_SECRET, {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}})
    assert health(base) == (503, "Slack refuses the app's token: tokens_revoked\n")


# -- a listener's DMs, and DMs Slack cannot deliver -------------------------------------------


def held_dms(services, recipient: str) -> list[tuple[str, DeliveryStatus, str | None]]:
    with services.sessions() as session:
        rows = session.scalars(
            select(Delivery).where(Delivery.recipient == recipient, Delivery.kind == "direct")
        ).all()
        return [(row.kind, row.status, row.error) for row in rows]


def log_a_conversation(base: str, fake, team: int) -> None:
    """The mentor logs September's conversation: its co-sign request goes to the protégé."""
    press(base, MENTOR, "log_open", f"{team}:2024-09")
    view = last_opened_view(fake)
    values = fill(view, {"protege": PROTEGE})
    for value in values.values():  # talked the day before the listeners' clock (LEARNED)
        for slot in value.values():
            if slot["type"] == "datepicker":
                slot["selected_date"] = "2024-09-02"
    status, answer = submit(base, MENTOR, view, values)
    assert status == 200 and not (isinstance(answer, dict) and answer.get("errors")), answer
    after_ack.drain()


def test_a_co_sign_request_to_a_deactivated_protege_is_held_not_sent(world, program) -> None:
    base, services, fake, run = world
    team = seed(services.sessions, program)
    assert post_event(base, SIGNING_SECRET, fake.deactivate(PROTEGE)) == 200
    log_a_conversation(base, fake, team)
    assert fake.messages_to(PROTEGE) == []  # Slack would take it, unread
    assert held_dms(services, PROTEGE) == [("direct", DeliveryStatus.HELD, ledger.HELD_REASON)]


def test_noresponse_about_a_team_whose_advisor_is_deactivated_goes_to_staff(world, program) -> None:
    base, services, fake, run = world
    seed(services.sessions, program)
    assert post_event(base, SIGNING_SECRET, fake.deactivate(ADVISOR)) == 200
    slash_command(base + "/slack/events", SIGNING_SECRET, PROTEGE, "noresponse")
    view = last_opened_view(fake)
    submit(base, PROTEGE, view, {"note": {"value": text_value("No answer since October")}})
    after_ack.drain()
    assert fake.messages_to(ADVISOR) == []
    assert held_dms(services, ADVISOR) == [("direct", DeliveryStatus.HELD, ledger.HELD_REASON)]
    [to_staff] = [m for m in fake.messages_to(STAFF) if "isn't responding" in m["text"]]
    assert "No answer since October" in str(to_staff["blocks"])
    [thanks] = fake.messages_to(PROTEGE)
    assert f"<@{STAFF}> will reach out" in thanks["text"]


def told_unreachable(fake) -> list[dict]:
    return [m for m in fake.messages_to(STAFF) if "cannot deliver" in m["text"]]


def test_a_dm_slack_cannot_deliver_holds_the_persons_notices_and_tells_staff_once(
    world, program
) -> None:
    base, services, fake, run = world
    team = seed(services.sessions, program)
    fake.forget(PROTEGE)  # the id Slack no longer knows: channel_not_found, as documented
    log_a_conversation(base, fake, team)
    reason = ledger.unreachable_reason("channel_not_found")
    assert held_dms(services, PROTEGE) == [("direct", DeliveryStatus.HELD, reason)]
    # The tick holds the protégé's own notices without trying, and staff hear once, with
    # the buttons of a deactivation.
    first = run(FIRST_DAY_0800_CDT)
    assert by_recipient(first) == {MENTOR: "sent", PROTEGE: "held"}
    assert [o.detail for o in first.outcomes if o.notice.recipient == PROTEGE] == [reason]
    [told] = told_unreachable(fake)
    assert told["text"] == (
        f"Slack cannot deliver the bot's messages to <@{PROTEGE}> (`channel_not_found`): "
        "end the team"
    )
    assert buttons(told) == [(END_TEAM, str(team))]
    assert run(FIRST_DAY_0800_CDT + timedelta(hours=1)).outcomes == []
    log_a_conversation(base, fake, team)  # another DM that cannot be delivered: no new note
    assert run(FIRST_DAY_0800_CDT + timedelta(hours=2)).outcomes == []
    assert len(told_unreachable(fake)) == 1
    tried = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == PROTEGE]
    assert len(tried) == 1  # only the first DM was tried
    # Slack tells the bot the account changed (it is back in the workspace): sending resumes.
    fake.unknown.discard(PROTEGE)
    fake.add_user(PROTEGE)
    assert post_event(base, SIGNING_SECRET, fake.reactivate(PROTEGE)) == 200
    back = run(FIRST_DAY_0800_CDT + timedelta(hours=3))
    assert by_recipient(back) == {PROTEGE: "sent"}
    assert len(told_unreachable(fake)) == 1


def test_a_welcome_to_someone_whose_notices_are_held_is_held(world, program) -> None:
    base, services, fake, run = world
    seed(services.sessions, program)
    post_event(base, SIGNING_SECRET, fake.deactivate(MENTOR))
    notice = Notice(
        key="welcome:test",
        kind="welcome",
        recipient=MENTOR,
        due_at=LEARNED,
        expires_at=LEARNED + timedelta(days=7),
        compose=composed("Welcome"),
    )
    client = scheduler_client(services.settings, clock=SkippingClock())
    outcome = deliver(services.sessions, client, notice, LEARNED)
    assert outcome is not None and (outcome.status, outcome.detail) == ("held", ledger.HELD_REASON)
    assert fake.messages_to(MENTOR) == []
    assert deliver(services.sessions, client, notice, LEARNED) is None  # held once
