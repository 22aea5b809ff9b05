"""`/mentor help` knows who asks (issue 18): the person's next step and its button first, then
the forms they can file, then look-ups; what they cannot use is not listed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from bot.plans import rules as plans
from bot.plans.form import DecisionPointsForm
from storage.db import transaction
from storage.people import get_team
from tests.conftest import SIGNING_SECRET, STAFF
from tests.interactions import last_opened_view, press
from tests.signing import slash_command
from tests.test_experiences_domain import ADVISOR, MENTOR, PROTEGE, make_team

NOW = datetime(2024, 9, 20, 15, tzinfo=UTC)
STRANGER = "U0STRANGER"


@pytest.fixture
def served(app_server, standin):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: NOW)
    return base, services, fake


def help_for(base: str, user: str, text: str = "help") -> dict:
    status, body = slash_command(base + "/slack/events", SIGNING_SECRET, user, text)
    assert status == 200 and body["response_type"] == "ephemeral"
    return body


def listed(body: dict) -> list[str]:
    """The subcommands named, in order, as `/mentor word`."""
    return re.findall(r"`/mentor (\w+)", body["text"])


def test_a_protege_starts_with_the_next_step_and_its_button(served, program) -> None:
    base, services, fake = served
    team = make_team(services.sessions, program)
    body = help_for(base, PROTEGE)
    blocks = body["blocks"]
    step = blocks[1]
    assert step["text"]["text"].startswith("*Your next step:* Mentor/Protégé Contact Form")
    assert step["accessory"]["style"] == "primary"
    titles = [b["text"]["text"].split("\n")[0] for b in blocks[2:]]
    assert titles == ["*Forms you can file*", "*Look-ups*"]
    forms = blocks[2]["text"]["text"]
    assert "/mentor focal" in forms and "/mentor experience" in forms and "/mentor log" in forms
    # Year two's Assessment Activity is not shown to year one, nor anything for staff.
    assert "assessment" not in listed(body)
    assert not {"pair", "import", "staff", "advisor", "report", "silent"} & set(listed(body))
    # The button is the Home tab's: it opens the form.
    press(base, PROTEGE, step["accessory"]["action_id"], step["accessory"].get("value", ""))
    assert last_opened_view(fake)["callback_id"] == "contact_form"
    # Once it is filed, the next step is the next one.
    with transaction(services.sessions) as session:
        filed = get_team(session, team)
        for member in (filed.mentor, filed.protege):
            member.contact_filed_at = NOW
    step = help_for(base, PROTEGE)["blocks"][1]
    assert step["text"]["text"].startswith("*Your next step:* Decision Points Checklist")
    assert step["accessory"]["value"] == str(team)


def test_year_two_sees_its_assessment_activity(served, program) -> None:
    base, services, _ = served
    make_team(services.sessions, program, track="year2", start=date(2024, 9, 30))
    assert "assessment" in listed(help_for(base, PROTEGE))


def test_someone_on_no_team_sees_only_what_they_can_use(served) -> None:
    base, _, _ = served
    body = help_for(base, STRANGER)
    assert listed(body) == ["contact", "help", "topic", "calendar"]
    assert "Your next step" not in body["text"]
    # An unknown command gets the same short list.
    unknown = help_for(base, STRANGER, "fly")
    assert "I don't know the command `fly`" in unknown["text"]
    assert listed(unknown) == listed(body)


def test_an_advisor_gets_look_ups_and_staff_also_run_the_program(served, program) -> None:
    base, services, _ = served
    make_team(services.sessions, program)
    advisor = help_for(base, ADVISOR)
    assert "Forms you can file" in advisor["text"]  # their own Contact Form
    assert {"plan", "status", "silent", "report"} <= set(listed(advisor))
    assert not {"log", "checkin", "experience", "pd", "visit", "noresponse"} & set(listed(advisor))
    staff = help_for(base, STAFF)
    assert "Running the program" in staff["text"]
    assert {"pair", "import", "staff"} <= set(listed(staff))
    assert "assessment" not in listed(staff)  # staff on no team file nothing of a team
    mentor = help_for(base, MENTOR)
    assert {"log", "visit", "noresponse"} <= set(listed(mentor))


def test_each_filing_shows_in_the_members_very_next_help(served, program) -> None:
    """A member's next step is read afresh on every `/mentor help` (its statements are built
    once; nothing they read is kept): each filing moves it on in the very next answer."""
    base, services, _ = served
    team = make_team(services.sessions, program)

    def next_step() -> str:
        return help_for(base, MENTOR)["blocks"][1]["text"]["text"]

    assert next_step().startswith("*Your next step:* Mentor/Protégé Contact Form")
    with transaction(services.sessions) as session:
        filed = get_team(session, team)
        for member in (filed.mentor, filed.protege):
            member.contact_filed_at = NOW
    assert next_step().startswith("*Your next step:* Decision Points Checklist")
    with transaction(services.sessions) as session:
        form = DecisionPointsForm(concerned=frozenset(), notes={}, top=())
        plans.file_decision_points(session, program, get_team(session, team), form, MENTOR, NOW)
    assert next_step().startswith("*Your next step:* Individual Mentoring Plan")
