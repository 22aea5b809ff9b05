"""The Contact Form and role grants, over signed HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import Person, Role, RoleGrant
from tests.conftest import SIGNING_SECRET, STAFF, serve_app
from tests.interactions import last_opened_view, press, radio_value, submit, text_value
from tests.signing import slash_command

USER, OTHER = "U0TEACH01", "U0TEACH02"


def command(base: str, user: str, text: str):
    return slash_command(base + "/slack/events", SIGNING_SECRET, user, text)


def contact_values(**overrides):
    values = {
        "school_name_address": "Hillcrest High, 1 Main St, Columbia MO 65201",
        "email": "luis@school.example",
        "email_checked": None,
        "school_phone": "(573) 555-0100",
        "cell_phone": "",
        "preferred_contact": "text",
        "admin_name": "Dr. Reyes",
        "admin_email": "reyes@school.example",
        "admin_phone": "573.555.0199 ext 4",
    }
    values.update(overrides)
    state = {}
    for field, value in values.items():
        if field in ("email_checked", "preferred_contact"):
            state[field] = {"value": radio_value(value) if value else {"selected_option": None}}
        else:
            state[field] = {"value": text_value(value)}
    return state


def person(services, slack_id: str) -> Person | None:
    with services.sessions() as session:
        return session.scalars(select(Person).where(Person.slack_id == slack_id)).one_or_none()


def test_the_contact_form_validates_keeps_and_prefills(app_server, standin) -> None:
    base, services = app_server
    fake, _ = standin
    status, body = command(base, USER, "contact")
    assert status == 200
    view = last_opened_view(fake)
    assert view["callback_id"] == "contact_form"
    status, body = submit(base, USER, view, contact_values(email="not-an-email", cell_phone="12"))
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"email", "cell_phone"}
    assert person(services, USER) is None  # nothing stored
    status, body = submit(base, USER, view, contact_values())
    assert status == 200 and not body
    stored = person(services, USER)
    assert stored.email == "luis@school.example" and stored.school_phone == "573-555-0100"
    assert stored.admin_phone == "573-555-0199 x4" and stored.preferred_contact == "text"
    assert stored.contact_filed_at is not None
    press(base, USER, "contact_open")  # the welcome DM's button
    again = last_opened_view(fake)
    by_block = {b["block_id"]: b for b in again["blocks"] if "block_id" in b}
    assert by_block["email"]["element"]["initial_value"] == "luis@school.example"
    assert by_block["preferred_contact"]["element"]["initial_option"]["value"] == "text"


def test_a_very_long_address_is_refused_on_its_field(app_server, standin) -> None:
    base, services = app_server
    fake, _ = standin
    command(base, USER, "contact")
    status, body = submit(
        base, USER, last_opened_view(fake), contact_values(school_name_address="x" * 30_000)
    )
    assert "under 500" in body["errors"]["school_name_address"]
    assert person(services, USER) is None


def test_staff_grant_and_remove_roles(app_server, standin) -> None:
    base, services = app_server
    fake, _ = standin
    fake.add_user(USER, "Grace Kim")
    _, body = command(base, USER, f"advisor add <@{OTHER}>")
    assert body["text"].startswith("Only program staff")
    _, body = command(base, STAFF, f"advisor add <@{USER}|grace>")
    assert body["text"] == f"<@{USER}> is now a content advisor."
    _, body = command(base, STAFF, f"advisor add <@{USER}>")
    assert "already" in body["text"]
    _, body = command(base, STAFF, "advisor")
    assert f"<@{USER}>" in body["text"]
    _, body = command(base, STAFF, f"advisor add <@{OTHER}>")  # unknown to Slack
    assert "not an active person" in body["text"]
    _, body = command(base, STAFF, f"advisor remove <@{USER}>")
    assert "no longer" in body["text"]
    with services.sessions() as session:
        grant = session.scalars(select(RoleGrant)).one()
    assert grant.role == Role.ADVISOR and grant.revoked_by == STAFF  # kept, marked
    _, body = command(base, STAFF, "advisor frobnicate")
    assert "/mentor advisor add @person" in body["text"]
    _, body = command(base, STAFF, f"staff remove <@{STAFF}>")
    assert "MENTORBOT_STAFF" in body["text"]


@pytest.fixture
def no_bootstrap_staff(sqlite_url, standin, program):
    with serve_app(sqlite_url, standin, program, staff_ids=()) as served:
        yield served


def test_the_last_staff_member_cannot_remove_themselves(no_bootstrap_staff, standin) -> None:
    base, services = no_bootstrap_staff
    fake, _ = standin
    fake.add_user(USER, "Pat Staff")
    fake.add_user(OTHER, "Lee Staff")
    from datetime import UTC, datetime

    from storage.db import transaction
    from storage.people import get_or_create_person, grant

    now = datetime(2024, 9, 1, tzinfo=UTC)
    with transaction(services.sessions) as session:
        grant(session, get_or_create_person(session, USER, now), Role.STAFF, "setup", now)
    _, body = command(base, USER, f"staff remove <@{USER}>")
    assert "last program staff" in body["text"]
    _, body = command(base, USER, f"staff add <@{OTHER}>")
    assert "is now program staff" in body["text"]
    _, body = command(base, USER, f"staff remove <@{USER}>")
    assert "no longer program staff" in body["text"]
    _, body = command(base, USER, "staff")
    assert body["text"].startswith("Only program staff")


def test_name_and_email_come_from_the_slack_profile_until_the_person_files_their_own(
    app_server, standin
) -> None:
    base, services = app_server
    fake, _ = standin
    fake.add_user(USER, "Luis Ortega", email="l.ortega@district.example")
    command(base, USER, "contact")
    view = last_opened_view(fake)
    by_block = {b["block_id"]: b for b in view["blocks"] if "block_id" in b}
    assert by_block["name"]["element"]["initial_value"] == "Luis Ortega"
    assert by_block["email"]["element"]["initial_value"] == "l.ortega@district.example"
    assert "from your Slack profile" in str(view["blocks"])
    assert [c.params["user"] for c in fake.calls_to("users.info")] == [USER]
    # Editable: what the person gives is what is kept, and the form opens with it.
    status, body = submit(
        base, USER, view, {**contact_values(), "name": {"value": text_value("Luis O.")}}
    )
    assert status == 200 and not body
    stored = person(services, USER)
    assert (stored.name, stored.email) == ("Luis O.", "luis@school.example")
    press(base, USER, "contact_open")
    again = last_opened_view(fake)
    by_block = {b["block_id"]: b for b in again["blocks"] if "block_id" in b}
    assert by_block["email"]["element"]["initial_value"] == "luis@school.example"
    assert by_block["name"]["element"]["initial_value"] == "Luis O."
    assert "from your Slack profile" not in str(again["blocks"])
    assert len(fake.calls_to("users.info")) == 1  # nothing more to ask Slack


def test_the_contact_form_opens_when_slack_does_not_describe_the_person(
    app_server, standin
) -> None:
    base, services = app_server
    fake, _ = standin
    fake.fail("users.info", error="ratelimited")
    command(base, USER, "contact")
    view = last_opened_view(fake)
    by_block = {b["block_id"]: b for b in view["blocks"] if "block_id" in b}
    assert "initial_value" not in by_block["email"]["element"]
    # An emptied name keeps the one the bot knew.
    submit(base, USER, view, {**contact_values(), "name": {"value": text_value("")}})
    assert person(services, USER).email == "luis@school.example"
