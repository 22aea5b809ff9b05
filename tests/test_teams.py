"""Registering, looking up, reassigning and ending teams, over signed HTTP."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from storage.models import Team, TeamChange, TeamStatus
from tests.conftest import SIGNING_SECRET, STAFF
from tests.interactions import (
    date_value,
    last_opened_view,
    press,
    radio_value,
    select_value,
    submit,
    text_value,
    user_value,
)
from tests.signing import slash_command

MENTOR, PROTEGE, ADVISOR, OTHER = "U0MENTOR1", "U0PROTEGE1", "U0ADVISOR1", "U0OTHER01"


@pytest.fixture
def world(app_server, standin):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: datetime(2024, 9, 10, 15, tzinfo=UTC))
    for user_id, name in (
        (MENTOR, "Dana Whitfield"),
        (PROTEGE, "Luis Ortega"),
        (ADVISOR, "Grace Kim"),
        (OTHER, "Sam Patel"),
        (STAFF, "Pat Staff"),
    ):
        fake.add_user(user_id, name)
    fake.add_user("U0BOT0001", "Some Bot", is_bot=True)
    fake.add_user("U0GONE001", "Gone Person", deleted=True)
    return base, services, fake


def command(base: str, user: str, text: str):
    return slash_command(base + "/slack/events", SIGNING_SECRET, user, text)


def pair_values(
    mentor=MENTOR, protege=PROTEGE, advisor=ADVISOR, area="bmit", track="year1", start="2024-09-10"
):
    values = {
        "mentor": {"value": user_value(mentor)},
        "protege": {"value": user_value(protege)},
        "advisor": {"value": user_value(advisor)}
        if advisor
        else {"value": {"selected_user": None}},
        "area": {"value": select_value(area)},
        "track": {"value": radio_value(track)},
        "start": {"value": date_value(start)},
    }
    return values


def teams(services) -> list[Team]:
    with services.sessions() as session:
        return list(session.scalars(select(Team).order_by(Team.id)))


def register(base, fake, **values):
    status, _ = command(base, STAFF, f"pair <@{MENTOR}|dana> <@{PROTEGE}>")
    assert status == 200
    view = last_opened_view(fake)
    return submit(base, STAFF, view, pair_values(**values))


def test_staff_open_a_prefilled_pair_modal(world) -> None:
    base, _, fake = world
    status, body = command(base, STAFF, f"pair <@{MENTOR}|dana> <@{PROTEGE}|luis>")
    assert status == 200 and body == {} or "text" not in body
    view = last_opened_view(fake)
    by_block = {b["block_id"]: b for b in view["blocks"] if "block_id" in b}
    assert by_block["mentor"]["element"]["initial_user"] == MENTOR
    assert by_block["protege"]["element"]["initial_user"] == PROTEGE
    assert "initial_user" not in by_block["advisor"]["element"]
    assert by_block["start"]["element"]["initial_date"] == "2024-09-10"
    assert len(view["title"]["text"]) <= 24


def test_stray_words_open_the_modal_with_a_note(world) -> None:
    base, _, fake = world
    status, body = command(base, STAFF, f"pair <@{MENTOR}> luis please")
    assert status == 200 and "@mentions" in body["text"]
    assert last_opened_view(fake)["callback_id"] == "team_pair"


def test_only_staff_may_register(world) -> None:
    base, services, fake = world
    status, body = command(base, MENTOR, "pair")
    assert status == 200 and body["text"].startswith("Only program staff can use `/mentor pair")
    assert fake.calls_to("views.open") == []
    # A forged submission of the staff modal by a non-staff user stores nothing.
    status, body = command(base, STAFF, "pair")
    status, body = submit(base, MENTOR, last_opened_view(fake), pair_values())
    assert body["response_action"] == "errors"
    assert teams(services) == []


def test_registering_stores_the_team_and_welcomes_all_three(world) -> None:
    base, services, fake = world
    status, body = register(base, fake)
    assert status == 200 and not body
    [team] = teams(services)
    assert (team.area, team.track, team.start_date, team.status) == (
        "bmit",
        "year1",
        date(2024, 9, 10),
        TeamStatus.ACTIVE,
    )
    messages = fake.wait_for("chat.postMessage", 3)
    recipients = sorted(call.params["channel"] for call in messages)
    assert recipients == sorted([MENTOR, PROTEGE, ADVISOR])
    to_mentor = next(c.params for c in messages if c.params["channel"] == MENTOR)
    assert f"<@{PROTEGE}>" in to_mentor["text"]
    blocks = json.dumps(to_mentor["blocks"])
    assert f"<@{ADVISOR}>" in blocks and "Business, Marketing and Information Technology" in blocks
    assert "Wed, Sep 25" in blocks and "contact_open" in blocks
    # The initial meeting comes first, with its place, and the forms done there on its line.
    [first] = [b["text"]["text"] for b in to_mentor["blocks"] if "First deadlines" in str(b)]
    lines = first.splitlines()[1:]
    assert lines[0] == (
        "• Wed, Sep 25: 🤝 *Mentor & Protégé Initial Meeting, Jefferson City, MO, in person* — "
        "four forms completed there together: Mentor/Protégé Contact Form, Decision Points "
        "Checklist, Focal Points Checklist, Individual Mentoring Plan"
    )
    assert len(lines) == 3 and "Sep 25" not in "".join(lines[1:])
    # The tick knows they were welcomed: no second welcome.
    from schedules.tick import tick

    result = tick(
        services.sessions,
        services_client(services),
        services.program,
        datetime(2024, 9, 10, 16, tzinfo=UTC),
    )
    assert [o for o in result.outcomes if o.notice.kind == "welcome"] == []


def services_client(services):
    from bot.platform.slack_client import scheduler_client

    return scheduler_client(services.settings)


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"protege": MENTOR}, "protege", "someone other than the mentor"),
        ({"advisor": MENTOR}, "advisor", "other than the mentor and protégé"),
        ({"mentor": "U0BOT0001"}, "mentor", "bot"),
        ({"protege": "U0GONE001"}, "protege", "deactivated"),
        ({"start": "2025-07-01"}, "start", "2024-25 program year"),
        ({"mentor": "U0NOBODY1"}, "mentor", "does not know"),
    ],
)
def test_a_bad_team_gets_a_field_error_and_nothing_is_stored(world, values, field, words) -> None:
    base, services, fake = world
    status, body = register(base, fake, **values)
    assert status == 200 and body["response_action"] == "errors"
    assert words in body["errors"][field]
    assert teams(services) == []


def test_a_protege_has_one_active_team(world) -> None:
    base, services, fake = world
    register(base, fake)
    status, body = register(base, fake, mentor=OTHER)
    assert "already has an active team" in body["errors"]["protege"]
    assert len(teams(services)) == 1


def test_team_card_shows_to_members_advisor_and_staff_only(world) -> None:
    base, _, fake = world
    register(base, fake)
    _, own = command(base, PROTEGE, "team")
    assert f"<@{MENTOR}>" in json.dumps(own["blocks"]) and "team_end_open" not in json.dumps(own)
    _, advisor = command(base, ADVISOR, f"team <@{PROTEGE}>")
    assert f"<@{MENTOR}> mentoring <@{PROTEGE}>" in json.dumps(advisor["blocks"])
    _, staff = command(base, STAFF, f"team <@{MENTOR}>")
    assert "team_replace_mentor" in json.dumps(staff["blocks"])
    _, stranger = command(base, OTHER, f"team <@{MENTOR}>")
    assert stranger["text"] == f"I can't show you a team for <@{MENTOR}>."
    _, channel = command(base, STAFF, "team <#C0GENERAL|general>")
    assert "That is a channel" in channel["text"]


def test_staff_replace_the_mentor_without_loss(world) -> None:
    base, services, fake = world
    register(base, fake)
    fake.wait_for("chat.postMessage", 3)
    before = len(fake.calls_to("chat.postMessage"))
    status, _ = press(base, MENTOR, "team_replace_mentor", "1")  # not staff: refused
    assert (
        status == 200
        and fake.calls_to("views.open")[-1].params["view"]["callback_id"] != "team_replace"
    )
    press(base, STAFF, "team_replace_mentor", "1")
    view = last_opened_view(fake)
    assert view["callback_id"] == "team_replace"
    status, body = submit(
        base,
        STAFF,
        view,
        {"person": {"value": user_value(PROTEGE)}, "reason": {"value": text_value("")}},
    )
    assert "already on the team" in body["errors"]["person"]
    status, body = submit(
        base,
        STAFF,
        view,
        {"person": {"value": user_value(OTHER)}, "reason": {"value": text_value("moved schools")}},
    )
    assert status == 200 and not body
    [team] = teams(services)
    with services.sessions() as session:
        mentor_slack = session.execute(
            select(TeamChange.old_value, TeamChange.new_value, TeamChange.reason).where(
                TeamChange.role == "mentor"
            )
        ).one()
    assert mentor_slack == (MENTOR, OTHER, "moved schools")
    told = {c.params["channel"] for c in fake.wait_for("chat.postMessage", before + 4)[before:]}
    assert told == {MENTOR, OTHER, PROTEGE, ADVISOR}
    _, card = command(base, STAFF, f"team <@{PROTEGE}>")
    assert f"<@{OTHER}>" in json.dumps(card["blocks"]) and "mentor <@U0MENTOR1> →" in json.dumps(
        ensure_ascii=False, obj=card
    )


def test_forged_metadata_cannot_change_another_team(world) -> None:
    base, services, fake = world
    register(base, fake)
    press(base, STAFF, "team_end_open", "1")
    view = last_opened_view(fake)
    status, body = submit(
        base,
        MENTOR,
        view,
        {"status": {"value": radio_value("withdrawn")}, "reason": {"value": text_value("x")}},
    )
    assert body["response_action"] == "errors"
    status, body = submit(
        base,
        STAFF,
        view,
        {"status": {"value": radio_value("withdrawn")}, "reason": {"value": text_value("x")}},
        private_metadata='{"team": 99}',
    )
    assert body["response_action"] == "errors"
    assert teams(services)[0].status == TeamStatus.ACTIVE


def test_staff_end_a_team_with_a_reason_and_nothing_is_deleted(world) -> None:
    base, services, fake = world
    register(base, fake)
    press(base, STAFF, "team_end_open", "1")
    view = last_opened_view(fake)
    status, body = submit(
        base,
        STAFF,
        view,
        {"status": {"value": radio_value("withdrawn")}, "reason": {"value": text_value("")}},
    )
    assert "short reason" in body["errors"]["reason"]
    status, body = submit(
        base,
        STAFF,
        view,
        {
            "status": {"value": radio_value("withdrawn")},
            "reason": {"value": text_value("left the district")},
        },
    )
    assert status == 200 and not body
    [team] = teams(services)
    assert team.status == TeamStatus.WITHDRAWN and team.end_reason == "left the district"
    assert team.ended_by == STAFF
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Team)) == 1
    # The protégé may now be registered again with another mentor.
    status, body = register(base, fake, mentor=OTHER)
    assert status == 200 and not body
