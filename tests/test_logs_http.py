"""Communication Logs over signed HTTP: the modal round trips, co-signing, edits, the list,
check-ins and every refusal, against the served app and the Slack stand-in."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.logs import form, views
from bot.logs.rules import changed_fields
from storage import logs as store
from storage.db import transaction
from storage.ledger import INBOUND
from storage.logs import CheckIn, CommunicationLog
from storage.models import Delivery
from storage.people import add_team, get_or_create_person
from tests.conftest import SIGNING_SECRET, STAFF
from tests.interactions import (
    date_value,
    last_opened_view,
    press,
    radio_value,
    select_value,
    submission,
    submit,
    text_value,
)
from tests.signing import post, slash_command
from tests.test_home import HOME, open_home, text

MENTOR, PROTEGE, ADVISOR = "U0MENTOR1", "U0PROTEGE1", "U0ADVISOR1"
MENTOR_B, PROTEGE_B, ADVISOR_B = "U0MENTOR2", "U0PROTEGE2", "U0ADVISOR2"
PROTEGE_C = "U0PROTEGE3"
STRANGER = "U0STRANGE1"
# Mon Oct 7 2024, 10:00 in Chicago.
MONDAY_OCT_7 = datetime(2024, 10, 7, 15, tzinfo=UTC)


@pytest.fixture
def world(app_server, standin, program):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: MONDAY_OCT_7)
    ids = {}
    with transaction(services.sessions) as session:
        now = datetime(2024, 8, 1, tzinfo=UTC)

        def person(slack_id: str, name: str):
            return get_or_create_person(session, slack_id, now, name, "America/Chicago")

        for key, mentor, protege, advisor in (
            ("a", (MENTOR, "Dana Whitfield"), (PROTEGE, "Luis Ortega"), (ADVISOR, "Grace Kim")),
            ("b", (MENTOR_B, "Ruth Adler"), (PROTEGE_B, "Sam Patel"), (ADVISOR_B, "Ann Lee")),
        ):
            team = add_team(
                session,
                program_id=program.id,
                mentor=person(*mentor),
                protege=person(*protege),
                advisor=person(*advisor),
                area="bmit",
                track="year1",
                start_date=date(2024, 8, 26),
                created_by=STAFF,
                now=now,
            )
            ids[key] = team.id
    return base, services, fake, ids


def command(base: str, user: str, text: str):
    return slash_command(base + "/slack/events", SIGNING_SECRET, user, text)


def log_values(
    *,
    day: str = "2024-10-03",
    mode: str | None = "phone",
    topic: str | None = "2024-10",
    help_needed: str = "Registering members for the leadership conference",
    ideas: str = "Walked through the FBLA site; set up the chapter's program of work.",
    minutes: str = "30",
    team: str | None = None,
) -> dict:
    values = {
        form.DATE: {"value": date_value(day)},
        form.MODE: {"value": radio_value(mode) if mode else {"selected_option": None}},
        form.TOPIC: {"value": select_value(topic) if topic else {"selected_option": None}},
        form.HELP: {"value": text_value(help_needed)},
        form.IDEAS: {"value": text_value(ideas)},
        form.MINUTES: {"value": {"type": "number_input", "value": minutes}},
    }
    if team is not None:
        values[form.TEAM] = {"value": select_value(team)}
    return values


_view_ids = iter(range(1, 10_000))


def opened(fake) -> dict:
    """The modal the app opened last, with a fresh view id as Slack gives each modal."""
    return {**last_opened_view(fake), "id": f"V{next(_view_ids):05d}"}


def entries(services) -> list[CommunicationLog]:
    with services.sessions() as session:
        current = CommunicationLog.superseded_at.is_(None)
        return list(
            session.scalars(
                select(CommunicationLog).where(current).order_by(CommunicationLog.entry_id)
            )
        )


def file_entry(base, fake, user=MENTOR, **values) -> dict:
    command(base, user, "log")
    status, body = submit(base, user, opened(fake), log_values(**values))
    assert status == 200, body
    return body


def buttons(blocks: list[dict]) -> dict[str, str]:
    """action_id -> value of every button in `blocks`."""
    found = {}
    for block in blocks:
        elements = block.get("elements", []) + (
            [block["accessory"]] if "accessory" in block else []
        )
        for element in elements:
            if element.get("type") == "button":
                found[element["action_id"]] = element.get("value", "")
    return found


# --- filing ----------------------------------------------------------------------------------


def test_the_log_modal_opens_with_this_months_topic_first(world) -> None:
    base, _, fake, ids = world
    status, body = command(base, MENTOR, "log")
    assert status == 200 and body in ("", {})
    view = last_opened_view(fake)
    assert view["callback_id"] == views.LOG_CALLBACK
    assert json.loads(view["private_metadata"])["team"] == ids["a"]
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert form.TEAM not in blocks  # one team: nothing to pick
    topic = blocks[form.TOPIC]["element"]
    assert topic["initial_option"]["value"] == "2024-10"
    assert [o["value"] for o in topic["options"]][:3] == ["2024-10", "2024-09", "2024-11"]
    assert blocks[form.DATE]["element"]["initial_date"] == "2024-10-07"
    assert f"<@{PROTEGE}>" in str(view["blocks"][0])
    assert len(view["blocks"]) <= 100 and len(view["title"]["text"]) <= 24


def test_a_valid_entry_is_stored_and_the_protege_asked_to_confirm(world) -> None:
    base, services, fake, ids = world
    body = file_entry(base, fake)
    assert body["response_action"] == "update"
    assert f"<@{PROTEGE}> is asked to confirm" in str(body["view"])
    [entry] = entries(services)
    assert (entry.team_id, entry.author, entry.author_role) == (ids["a"], MENTOR, "mentor")
    assert (entry.conversation_date, entry.mode, entry.minutes) == (date(2024, 10, 3), "phone", 30)
    assert entry.topic_month == "2024-10" and entry.filed_at == MONDAY_OCT_7
    [message] = fake.messages_to(PROTEGE)
    assert "Please confirm" in message["text"] and f"<@{MENTOR}>" in message["text"]
    assert buttons(message["blocks"]) == {
        views.CONFIRM: f"{entry.id}:1",
        views.DISPUTE: f"{entry.id}:1",
    }
    assert "Walked through the FBLA site" in str(message["blocks"])


def test_bad_input_gets_field_errors_and_nothing_is_stored(world) -> None:
    base, services, fake, _ = world
    command(base, MENTOR, "log")
    view = opened(fake)
    values = log_values(day="2024-10-08", mode=None, ideas="x" * 30_000, minutes="0")
    status, body = submit(base, MENTOR, view, values)
    assert status == 200 and body["response_action"] == "errors"
    errors = body["errors"]
    assert set(errors) == {form.DATE, form.MODE, form.IDEAS, form.MINUTES}
    assert "future" in errors[form.DATE]
    assert "30,000 characters" in errors[form.IDEAS] and "3,000" in errors[form.IDEAS]
    assert entries(services) == [] and fake.calls_to("chat.postMessage") == []
    # Fixed, the same modal goes through.
    status, body = submit(base, MENTOR, view, log_values())
    assert body["response_action"] == "update" and len(entries(services)) == 1


def test_a_date_before_the_team_started_and_an_unknown_topic_are_refused(world) -> None:
    base, services, fake, _ = world
    command(base, MENTOR, "log")
    status, body = submit(base, MENTOR, opened(fake), log_values(day="2024-08-20", topic="2024-06"))
    assert "Your team started on Mon, Aug 26" in body["errors"][form.DATE]
    assert form.TOPIC in body["errors"]
    assert entries(services) == []


def test_a_retried_submission_files_one_entry(world) -> None:
    base, services, fake, _ = world
    command(base, MENTOR, "log")
    view = opened(fake)
    for _ in range(2):
        status, body = submit(base, MENTOR, view, log_values())
        assert body["response_action"] == "update"
    assert len(entries(services)) == 1 and len(fake.messages_to(PROTEGE)) == 1


def test_a_submission_sent_again_by_slack_files_once_in_one_write(world) -> None:
    """Slack sends a submission again when our answer was late (signed anew, with
    X-Slack-Retry-Num). The modal's view id, stored with the entry under a unique constraint,
    makes every copy answer with the one entry, and the partner is asked once; the request
    claims no ledger key, so the filing is the only write before the ack."""
    base, services, fake, _ = world
    command(base, MENTOR, "log")
    payload = submission(MENTOR, opened(fake), log_values())
    body = urlencode({"payload": json.dumps(payload)})
    answers = []
    for retry in (0, 1, 2):
        stamp = int(time.time()) - 60 * retry  # each copy is signed anew
        retried = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        status, raw = post(
            base + "/slack/events",
            body,
            SIGNING_SECRET,
            timestamp=stamp,
            headers=retried if retry else None,
        )
        assert status == 200
        answers.append(json.loads(raw))
    assert [a["response_action"] for a in answers] == ["update"] * 3
    assert answers[1]["view"] == answers[0]["view"] == answers[2]["view"]
    assert len(entries(services)) == 1 and len(fake.messages_to(PROTEGE)) == 1
    with services.sessions() as session:
        claims = select(func.count()).select_from(Delivery).where(Delivery.kind == INBOUND)
        assert session.scalar(claims) == 0


def test_slack_failing_to_deliver_the_co_sign_dm_keeps_the_entry(world) -> None:
    base, services, fake, _ = world
    fake.fail("chat.postMessage", error="internal_error", channel=PROTEGE, times=None)
    body = file_entry(base, fake)
    assert body["response_action"] == "update" and len(entries(services)) == 1


def test_a_forged_or_foreign_submission_is_refused_and_nothing_stored(world) -> None:
    base, services, fake, ids = world
    command(base, MENTOR, "log")
    view = opened(fake)
    cases = [
        (STRANGER, None),  # not on the team in the metadata
        (MENTOR, json.dumps({"team": ids["b"]})),  # someone else's team
        (MENTOR, "{not json"),
        (MENTOR, json.dumps({"team": "1; DROP TABLE"})),
        (MENTOR, json.dumps({"team": 99999})),
    ]
    for user, metadata in cases:
        status, body = submit(base, user, view, log_values(), private_metadata=metadata)
        assert status == 200 and body["response_action"] == "errors", (user, metadata)
        assert set(body["errors"]) == {form.DATE}  # the first field: what was typed stays
    assert entries(services) == [] and fake.calls_to("chat.postMessage") == []


def test_someone_without_a_team_is_told_why(world) -> None:
    base, _, fake, _ = world
    status, body = command(base, STRANGER, "log")
    assert "not on a mentoring team yet" in body["text"] and body["response_type"] == "ephemeral"
    assert fake.calls_to("views.open") == []


def test_a_mentor_with_two_protégés_picks_one(world, program) -> None:
    base, services, fake, ids = world
    with transaction(services.sessions) as session:
        now = datetime(2024, 8, 1, tzinfo=UTC)
        team = add_team(
            session,
            program_id=program.id,
            mentor=get_or_create_person(session, MENTOR, now),
            protege=get_or_create_person(session, PROTEGE_C, now, "Avery Cole"),
            advisor=None,
            area="bmit",
            track="year1",
            start_date=date(2024, 9, 30),
            created_by=STAFF,
            now=now,
        )
        ids["c"] = team.id
    command(base, MENTOR, "log")
    view = opened(fake)
    select = next(b for b in view["blocks"] if b.get("block_id") == form.TEAM)
    labels = {o["value"]: o["text"]["text"] for o in select["element"]["options"]}
    assert labels == {
        str(ids["a"]): "Luis Ortega (your protégé)",
        str(ids["c"]): "Avery Cole (your protégé)",
    }
    assert json.loads(view["private_metadata"]).get("team") is None
    values = log_values()
    values[form.TEAM] = {"value": {"selected_option": None}}
    assert form.TEAM in submit(base, MENTOR, view, values)[1]["errors"]
    forged = submit(base, MENTOR, view, log_values(team=str(ids["b"])))[1]
    assert "Only the team's mentor and protégé" in forged["errors"][form.TEAM]
    early = submit(base, MENTOR, view, log_values(team=str(ids["c"]), day="2024-09-20"))[1]
    assert "Mon, Sep 30" in early["errors"][form.DATE]
    ok = submit(base, MENTOR, view, log_values(team=str(ids["c"])))[1]
    assert ok["response_action"] == "update"
    assert [(e.team_id, e.author) for e in entries(services)] == [(ids["c"], MENTOR)]
    assert len(fake.messages_to(PROTEGE_C)) == 1 and fake.messages_to(PROTEGE) == []
    # `/mentor log @protégé` names the team at once.
    command(base, MENTOR, f"log <@{PROTEGE}|luis>")
    assert json.loads(last_opened_view(fake)["private_metadata"])["team"] == ids["a"]
    _, refused = command(base, MENTOR, f"log <@{PROTEGE_B}>")
    assert f"You don't have a mentoring team with <@{PROTEGE_B}>" in refused["text"]


def test_a_protege_may_file_an_entry_marked_as_theirs(world) -> None:
    base, services, fake, _ = world
    command(base, PROTEGE, "log")
    assert "an entry you file is marked as yours" in str(last_opened_view(fake)["blocks"][0])
    file_entry(base, fake, user=PROTEGE)
    [entry] = entries(services)
    assert (entry.author, entry.author_role) == (PROTEGE, "protege")
    assert len(fake.messages_to(MENTOR)) == 1


# --- co-signing ------------------------------------------------------------------------------


def test_the_other_member_confirms_and_the_entry_shows_both(world) -> None:
    base, services, fake, ids = world
    file_entry(base, fake)
    [message] = fake.messages_to(PROTEGE)
    value = buttons(message["blocks"])[views.CONFIRM]
    object.__setattr__(services, "clock", lambda: datetime(2024, 10, 8, 14, 5, tzinfo=UTC))
    assert press(base, PROTEGE, views.CONFIRM, value)[0] == 200
    [entry] = entries(services)
    assert entry.confirmed_by == PROTEGE
    assert entry.confirmed_at == datetime(2024, 10, 8, 14, 5, tzinfo=UTC)
    [update] = fake.calls_to("chat.update")
    assert "You confirmed this entry on Tue, Oct 8 at 9:05 AM" in str(update.params["blocks"])
    # Pressing again changes nothing and says so.
    press(base, PROTEGE, views.CONFIRM, value)
    assert "already confirmed" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    # The list shows who filed and who confirmed, with their times.
    command(base, ADVISOR, "logs")
    listed = str(last_opened_view(fake)["blocks"])
    assert f"Filed by <@{MENTOR}> (mentor) yesterday at 10:00 AM" in listed
    assert f"Confirmed by <@{PROTEGE}> today at 9:05 AM" in listed


@pytest.mark.parametrize("who", [MENTOR, ADVISOR, STAFF, STRANGER, MENTOR_B])
def test_nobody_else_confirms_an_entry(world, who) -> None:
    base, services, fake, _ = world
    file_entry(base, fake)
    value = buttons(fake.messages_to(PROTEGE)[0]["blocks"])[views.CONFIRM]
    assert press(base, who, views.CONFIRM, value)[0] == 200
    assert press(base, who, views.DISPUTE, value)[0] == 200
    [entry] = entries(services)
    assert entry.confirmed_at is None and entry.disputed_at is None
    refusals = [c.params["text"] for c in fake.calls_to("chat.postEphemeral")]
    assert len(refusals) == 2
    if who == MENTOR:
        assert f"You filed this entry, so <@{PROTEGE}> is the one to confirm it" in refusals[0]
    else:
        assert "Only the team's mentor and protégé can confirm" in refusals[0]
    assert fake.calls_to("chat.update") == [] and fake.calls_to("views.open")[1:] == []


def test_a_button_value_that_is_not_ours_is_refused(world) -> None:
    base, services, fake, _ = world
    file_entry(base, fake)
    for value in ("", "abc", "1", "1:1:1", "-1:1", "99999:1"):
        press(base, PROTEGE, views.CONFIRM, value)
    assert entries(services)[0].confirmed_at is None
    assert len(fake.calls_to("chat.postEphemeral")) == 6


def test_a_dispute_reaches_the_author_with_the_comment(world) -> None:
    base, services, fake, _ = world
    file_entry(base, fake)
    value = buttons(fake.messages_to(PROTEGE)[0]["blocks"])[views.DISPUTE]
    press(base, PROTEGE, views.DISPUTE, value)
    view = opened(fake)
    assert view["callback_id"] == views.DISPUTE_CALLBACK
    empty = submit(base, PROTEGE, view, {form.COMMENT: {"value": text_value("  ")}})[1]
    assert form.COMMENT in empty["errors"]
    long = submit(base, PROTEGE, view, {form.COMMENT: {"value": text_value("y" * 3001)}})[1]
    assert "3,001 characters" in long["errors"][form.COMMENT]
    comment = "It was a video call, and we also covered <!channel> fundraising."
    status, body = submit(base, PROTEGE, view, {form.COMMENT: {"value": text_value(comment)}})
    assert body["response_action"] == "update"
    [entry] = entries(services)
    assert (entry.disputed_by, entry.dispute_comment) == (PROTEGE, comment)
    [dm] = fake.messages_to(MENTOR)
    assert "says something isn't right" in dm["text"]
    comment_block = next(b for b in dm["blocks"] if comment in str(b))
    assert comment_block["text"]["type"] == "plain_text"  # typed text never becomes a mention
    assert buttons(dm["blocks"]) == {views.EDIT: str(entry.id)}
    # A second "something's not right" is answered, not stored twice.
    press(base, PROTEGE, views.DISPUTE, value)
    assert "You already told" in fake.calls_to("chat.postEphemeral")[-1].params["text"]


def test_an_edit_keeps_the_earlier_version_and_asks_again(world) -> None:
    base, services, fake, _ = world
    file_entry(base, fake)
    confirm = buttons(fake.messages_to(PROTEGE)[0]["blocks"])[views.CONFIRM]
    press(base, PROTEGE, views.CONFIRM, confirm)
    [entry] = entries(services)
    press(base, PROTEGE, views.EDIT, str(entry.id))  # only the author edits
    assert (
        "Only <@U0MENTOR1>, who filed this entry"
        in (fake.calls_to("chat.postEphemeral")[-1].params["text"])
    )
    object.__setattr__(services, "clock", lambda: datetime(2024, 10, 9, 16, tzinfo=UTC))
    press(base, MENTOR, views.EDIT, str(entry.id))
    view = opened(fake)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[form.MINUTES]["element"]["initial_value"] == "30"
    assert blocks[form.MODE]["element"]["initial_option"]["value"] == "phone"
    assert blocks[form.TOPIC]["element"]["initial_option"]["value"] == "2024-10"
    status, body = submit(base, MENTOR, view, log_values(mode="video", minutes="45"))
    assert body["response_action"] == "update" and "(mode, minutes)" in str(body["view"])
    [entry] = entries(services)
    assert (entry.version, entry.mode, entry.minutes) == (2, "video", 45)
    assert entry.confirmed_at is None and entry.edited_by == MENTOR
    with services.sessions() as session:
        [old, new] = store.entry_history(session, entry)
    assert (old.version, old.mode, old.minutes, ",".join(changed_fields(old, new))) == (
        1,
        "phone",
        30,
        "mode,minutes",
    )
    assert old.confirmed_by == PROTEGE and old.superseded_by == MENTOR
    assert old.superseded_at == datetime(2024, 10, 9, 16, tzinfo=UTC)
    # The protégé is asked again; the old request can no longer confirm.
    second = fake.messages_to(PROTEGE)[-1]
    assert "edited" in second["text"] and "(mode, minutes)" in second["text"]
    press(base, PROTEGE, views.CONFIRM, confirm)
    assert (
        "edited this entry after this request"
        in (fake.calls_to("chat.postEphemeral")[-1].params["text"])
    )
    press(base, PROTEGE, views.CONFIRM, buttons(second["blocks"])[views.CONFIRM])
    assert entries(services)[0].confirmed_by == PROTEGE
    # The same modal submitted again (a retry) changes nothing more.
    submit(base, MENTOR, view, log_values(mode="video", minutes="45"))
    assert entries(services)[0].version == 2
    # The entry's detail shows its history.
    press(base, ADVISOR, views.VIEW, str(entry.id))
    detail = str(last_opened_view(fake)["blocks"])
    assert "Version 1, replaced by <@U0MENTOR1> today at 11:00 AM" in detail
    assert "changed: mode, minutes" in detail and "confirmed by <@U0PROTEGE1>" in detail


def test_an_entry_of_another_team_cannot_be_edited_through_a_forged_form(world) -> None:
    base, services, fake, ids = world
    file_entry(base, fake, user=MENTOR_B)
    [theirs] = entries(services)
    file_entry(base, fake)
    view = opened(fake)
    for metadata in (
        {"team": ids["a"], "entry": theirs.id, "version": 1},  # my team, their entry
        {"team": ids["b"], "entry": theirs.id, "version": 1},  # their team
    ):
        body = submit(
            base, MENTOR, view, log_values(minutes="99"), private_metadata=json.dumps(metadata)
        )[1]
        assert body["response_action"] == "errors"
    assert "isn't one of this team's" in str(
        submit(
            base,
            MENTOR,
            view,
            log_values(),
            private_metadata=json.dumps({"team": ids["a"], "entry": theirs.id, "version": 1}),
        )[1]
    )
    with services.sessions() as session:
        assert session.get(CommunicationLog, theirs.id).minutes == 30
        superseded = CommunicationLog.superseded_at.is_not(None)
        assert session.scalar(select(func.count()).where(superseded)) == 0


def test_the_log_closes_after_the_program_year(world) -> None:
    base, services, fake, _ = world
    object.__setattr__(services, "clock", lambda: datetime(2025, 6, 2, 15, tzinfo=UTC))
    _, body = command(base, MENTOR, "log")
    assert "program year ended on Sat, May 31" in body["text"]


# --- reading ---------------------------------------------------------------------------------


def _many_entries(services, team_id: int, count: int) -> None:
    from bot.logs.form import LogInput
    from bot.logs.rules import file_log
    from storage.logs import LogMode
    from storage.people import get_team

    with transaction(services.sessions) as session:
        team = get_team(session, team_id)
        for n in range(count):
            data = LogInput(date(2024, 9, 1 + n), LogMode.EMAIL, "2024-09", "", f"note {n}", 10)
            file_log(session, services.program, team, MENTOR, data, MONDAY_OCT_7, date(2024, 10, 7))


def test_the_list_is_newest_first_and_paginated(world) -> None:
    base, services, fake, ids = world
    _many_entries(services, ids["a"], 12)
    command(base, PROTEGE, "logs")
    first = last_opened_view(fake)
    text = str(first["blocks"])
    assert "Thu, Sep 12" in text and "Tue, Sep 3" in text and "Mon, Sep 2" not in text
    assert text.index("Thu, Sep 12") < text.index("Tue, Sep 3")
    assert "Page 1 of 2 · 12 entries" in text
    nav = buttons(first["blocks"])
    assert nav[views.PAGE] == f"{ids['a']}:1" and views.CONFIRM not in nav
    press(base, PROTEGE, views.PAGE, nav[views.PAGE], view={**first, "id": "V0LIST"})
    [update] = fake.calls_to("views.update")
    assert update.params["view_id"] == "V0LIST"
    second = str(update.params["view"]["blocks"])
    assert "Mon, Sep 2" in second and "Sun, Sep 1" in second and "Thu, Sep 12" not in second
    assert "at least 2): Sep 12" in second  # 12 days with a contact in September
    assert len(update.params["view"]["blocks"]) <= 100


@pytest.mark.parametrize(
    ("who", "text", "allowed"),
    [
        (PROTEGE, "logs", True),
        (MENTOR, f"logs <@{PROTEGE}>", True),
        (ADVISOR, f"logs <@{MENTOR}>", True),
        (STAFF, f"logs <@{PROTEGE}>", True),
        (ADVISOR_B, f"logs <@{PROTEGE}>", False),
        (MENTOR_B, f"logs <@{MENTOR}>", False),
        (STRANGER, f"logs <@{PROTEGE}>", False),
    ],
)
def test_the_list_follows_the_access_table(world, who, text, allowed) -> None:
    base, services, fake, ids = world
    file_entry(base, fake)
    opened_before = len(fake.calls_to("views.open"))
    _, body = command(base, who, text)
    if allowed:
        assert len(fake.calls_to("views.open")) == opened_before + 1
        assert "Walked through the FBLA site" in str(last_opened_view(fake)["blocks"])
    else:
        assert (
            "is for its mentor and protégé, its content advisor and program staff" in body["text"]
        )
        assert len(fake.calls_to("views.open")) == opened_before
    # The entry's button is checked the same way.
    press(base, who, views.VIEW, str(entries(services)[0].id))
    assert (len(fake.calls_to("views.open")) == opened_before + 2) is allowed


def test_staff_without_a_mention_are_asked_for_one(world) -> None:
    base, _, _, _ = world
    _, body = command(base, STAFF, "logs")
    assert "`/mentor logs @person`" in body["text"]


# --- quick check-in and the prompt's buttons -------------------------------------------------


def test_we_talked_records_a_contact_without_the_full_form(world) -> None:
    base, services, fake, ids = world
    press(base, PROTEGE, views.OPEN_CHECK_IN, f"{ids['a']}:2024-10")
    view = opened(fake)
    assert view["callback_id"] == views.CHECK_IN_CALLBACK
    future = {
        form.CHECKIN_DATE: {"value": date_value("2024-10-09")},
        form.CHECKIN_MODE: {"value": radio_value("text")},
    }
    assert form.CHECKIN_DATE in submit(base, PROTEGE, view, future)[1]["errors"]
    values = {**future, form.CHECKIN_DATE: {"value": date_value("2024-10-04")}}
    status, body = submit(base, PROTEGE, view, values)
    assert body["response_action"] == "update"
    assert "That makes 1 contact in October (the program asks for at least 2)" in str(body["view"])
    with services.sessions() as session:
        [check_in] = session.scalars(select(CheckIn)).all()
    assert (check_in.team_id, check_in.person, check_in.mode) == (ids["a"], PROTEGE, "text")
    assert entries(services) == []  # not a Communication Log
    # A log of another day makes two contacts; the same day would not count twice.
    file_entry(base, fake, day="2024-10-03")
    command(base, MENTOR, "checkin")
    body = submit(base, MENTOR, opened(fake), values)[1]
    assert "That makes 2 contacts in October" in str(body["view"])


def test_a_stranger_cannot_check_in_for_a_team(world) -> None:
    base, services, fake, ids = world
    press(base, STRANGER, views.OPEN_CHECK_IN, f"{ids['a']}:2024-10")
    assert fake.calls_to("views.open") == []
    assert (
        "Only the team's mentor and protégé"
        in fake.calls_to("chat.postEphemeral")[0].params["text"]
    )


def test_the_prompt_buttons_open_the_months_log(world) -> None:
    base, services, fake, ids = world
    press(base, MENTOR, views.OPEN_LOG, f"{ids['a']}:2024-09")
    view = last_opened_view(fake)
    topic = next(b for b in view["blocks"] if b.get("block_id") == form.TOPIC)
    assert topic["element"]["initial_option"]["value"] == "2024-09"
    file_entry(base, fake, day="2024-09-12", topic="2024-09")
    press(base, PROTEGE, views.LAST_MONTH, f"{ids['a']}:2024-10")
    listed = last_opened_view(fake)
    assert "Communication Log for September" in str(listed["blocks"])
    assert "Thu, Sep 12" in str(listed["blocks"])
    press(base, PROTEGE, views.LAST_MONTH, f"{ids['a']}:2024-09")
    assert "first topic month" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    press(base, MENTOR_B, views.OPEN_LOG, f"{ids['a']}:2024-10")
    assert (
        "Only the team's mentor and protégé"
        in (fake.calls_to("chat.postEphemeral")[-1].params["text"])
    )


def test_the_topic_prompt_carries_the_buttons(program) -> None:
    from bot.home.topics import topic_prompt

    topic = program.topic_for(2024, 10)
    _, blocks = topic_prompt(topic, "mentor", PROTEGE, date(2024, 10, 18), date(2024, 10, 1), 42)
    assert buttons(blocks) == {
        views.OPEN_LOG: "42:2024-10",
        views.OPEN_CHECK_IN: "42:2024-10",
        views.LAST_MONTH: "42:2024-10",
    }


def test_confirming_from_the_entrys_detail_updates_the_modal(world) -> None:
    base, services, fake, ids = world
    file_entry(base, fake)
    [entry] = entries(services)
    command(base, PROTEGE, "logs")
    listing = {**last_opened_view(fake), "id": "V0LIST"}
    press(base, PROTEGE, views.VIEW, str(entry.id), view=listing)
    [pushed] = fake.calls_to("views.push")
    detail = {**pushed.params["view"], "id": "V0DETAIL"}
    assert buttons(detail["blocks"]) == {
        views.CONFIRM: f"{entry.id}:1",
        views.DISPUTE: f"{entry.id}:1",
    }
    press(base, PROTEGE, views.CONFIRM, f"{entry.id}:1", view=detail)
    [update] = fake.calls_to("views.update")
    assert update.params["view_id"] == "V0DETAIL"
    assert f"Confirmed by <@{PROTEGE}>" in str(update.params["view"]["blocks"])
    assert views.CONFIRM not in buttons(update.params["view"]["blocks"])
    assert entries(services)[0].confirmed_by == PROTEGE
    # The author sees an Edit button on their own entry, and nobody else does.
    # (last_opened_view would find the push above: read views.open itself.)
    press(base, MENTOR, views.VIEW, str(entry.id))
    assert buttons(fake.calls_to("views.open")[-1].params["view"]["blocks"]) == {
        views.EDIT: str(entry.id)
    }
    press(base, ADVISOR, views.VIEW, str(entry.id))
    assert buttons(fake.calls_to("views.open")[-1].params["view"]["blocks"]) == {}


def test_only_the_other_member_can_send_a_dispute(world) -> None:
    base, services, fake, ids = world
    file_entry(base, fake)
    [entry] = entries(services)
    press(base, PROTEGE, views.DISPUTE, f"{entry.id}:1")
    view = opened(fake)
    comment = {form.COMMENT: {"value": text_value("Not what we said.")}}
    for who in (MENTOR, ADVISOR, STRANGER, PROTEGE_B):
        body = submit(base, who, view, comment)[1]
        assert body["response_action"] == "errors", who
    forged = json.dumps({"team": ids["b"], "entry": entry.id, "version": 1})
    body = submit(base, PROTEGE, view, comment, private_metadata=forged)[1]
    assert body["response_action"] == "errors"
    assert entries(services)[0].disputed_at is None
    assert fake.messages_to(MENTOR) == []


def test_the_home_tab_section_opens_the_same_modals(world) -> None:
    from handlers.logs import home_blocks
    from storage.people import get_team

    base, services, fake, ids = world
    file_entry(base, fake)
    with services.sessions() as session:
        team = get_team(session, ids["a"])
        mine = home_blocks(session, services.program, team, MENTOR, date(2024, 10, 7))
        theirs = home_blocks(session, services.program, team, ADVISOR, date(2024, 10, 7))
    assert theirs == []
    assert "October: :white_check_mark: logged · 1 of 2 contacts" in str(mine)
    assert buttons(mine) == {
        views.OPEN_LOG: f"{ids['a']}:2024-10",
        views.OPEN_CHECK_IN: f"{ids['a']}:2024-10",
        views.PAGE: f"{ids['a']}:0",
    }
    home = {"type": "home", "id": "V0HOME", "blocks": mine}
    press(base, MENTOR, views.OPEN_CHECK_IN, f"{ids['a']}:2024-10", view=home)
    assert fake.calls_to("views.push") == []  # the Home tab is not a modal: open, not push
    assert last_opened_view(fake)["callback_id"] == views.CHECK_IN_CALLBACK


# --- the Home tab after a filing ----------------------------------------------------------------

CHECK_IN_VALUES = {
    form.CHECKIN_DATE: {"value": date_value("2024-10-04")},
    form.CHECKIN_MODE: {"value": radio_value("text")},
}


def _open_form(base: str, fake, team_id: int, action: str, where: str) -> dict:
    """The modal of `action` ("log" or "checkin") opened `where`: "dm" (a message's button),
    "command" (/mentor ...), "home" (the Home tab's button) or "modal" (one in a modal)."""
    if where == "command":
        command(base, MENTOR, action)
    else:
        views_of = {"home": HOME, "modal": {"type": "modal", "id": "V0LIST", "blocks": []}}
        button_ = views.OPEN_LOG if action == "log" else views.OPEN_CHECK_IN
        press(base, MENTOR, button_, f"{team_id}:2024-10", view=views_of.get(where))
    return opened(fake)


def _file(base: str, fake, team_id: int, action: str, where: str) -> None:
    view = _open_form(base, fake, team_id, action, where)
    values = log_values() if action == "log" else CHECK_IN_VALUES
    status, body = submit(base, MENTOR, view, values)
    assert status == 200 and body["response_action"] == "update", body


@pytest.mark.parametrize(
    "action, where, shown",
    [
        ("log", "dm", ":white_check_mark: logged · 1 of 2 contacts"),
        ("log", "command", ":white_check_mark: logged · 1 of 2 contacts"),
        ("checkin", "dm", "not logged yet · 1 of 2 contacts"),
        ("checkin", "command", "not logged yet · 1 of 2 contacts"),
    ],
)
def test_a_filing_made_in_a_conversation_shows_when_the_home_tab_is_next_opened(
    world, action, where, shown
) -> None:
    """Filed away from the Home tab, the filing is not republished there after the ack (the
    worker's time goes to the requests waiting for it): Slack says when the person opens the
    Home tab, which is rebuilt then and shows it."""
    base, _, fake, ids = world
    assert "October: not logged yet · 0 of 2 contacts" in text(open_home(base, fake, MENTOR))
    published = len(fake.calls_to("views.publish"))
    _file(base, fake, ids["a"], action, where)
    assert len(fake.calls_to("views.publish")) == published  # the app settles before answering
    assert f"October: {shown}" in text(open_home(base, fake, MENTOR))


@pytest.mark.parametrize("where", ["home", "modal"])
@pytest.mark.parametrize("action", ["log", "checkin"])
def test_a_filing_made_from_the_home_tab_is_on_it_at_once(world, action, where) -> None:
    """From the Home tab (or from a modal, which may have been opened there) the person's
    Home tab is republished after the ack, filing included."""
    base, _, fake, ids = world
    published = len(fake.calls_to("views.publish"))
    _file(base, fake, ids["a"], action, where)
    [call] = fake.wait_for("views.publish", published + 1)[published:]
    assert call.params["user_id"] == MENTOR
    logged = ":white_check_mark: logged" if action == "log" else "not logged yet"
    assert f"October: {logged} · 1 of 2 contacts" in text(call.params["view"])


def test_an_edit_opened_from_the_co_sign_dm_leaves_the_home_tab_to_its_next_opening(
    world,
) -> None:
    base, services, fake, ids = world
    file_entry(base, fake)
    [entry] = entries(services)
    published = len(fake.calls_to("views.publish"))
    press(base, MENTOR, views.EDIT, str(entry.id))
    view = opened(fake)
    assert json.loads(view["private_metadata"])["opened"] == "chat"
    status, body = submit(base, MENTOR, view, log_values(minutes="45"))
    assert body["response_action"] == "update", body
    assert len(fake.calls_to("views.publish")) == published
    assert [e.minutes for e in entries(services)] == [45]
