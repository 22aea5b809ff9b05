"""Forged and out-of-range values from buttons, modals and commands (issue 15 §4): each
answers the stale-button or stale-form message, or a refusal, never HTTP 500 or the apology.
Every request goes through signed HTTP into the Bolt app."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest
from sqlalchemy import select

from bot.plans.form import other_approval_block
from handlers.kit import SORRY, STALE_BUTTON
from storage.db import transaction
from storage.people import add_team, get_or_create_person
from storage.plans import MentoringPlan, PlanStatus
from tests.conftest import STAFF
from tests.interactions import checkbox_values, press, submit
from tests.test_plans_http import ADVISOR, MENTOR, NOW, PROTEGE, command, plan_values, send_plan


@pytest.fixture
def served(app_server, standin):
    """The served app with one team (a mentor, a protégé and their content advisor)."""
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: NOW)
    with transaction(services.sessions) as session:
        team = add_team(
            session,
            program_id=services.program.id,
            mentor=get_or_create_person(session, MENTOR, NOW),
            protege=get_or_create_person(session, PROTEGE, NOW),
            advisor=get_or_create_person(session, ADVISOR, NOW),
            area="bmit",
            track="year1",
            start_date=date(2024, 8, 26),
            created_by=STAFF,
            now=NOW,
        )
    return base, services, fake, {"ours": team.id}


@pytest.fixture(autouse=True)
def no_error_logged(caplog):
    """A forged value is the person's doing, not a failure of ours: nothing is logged as one."""
    caplog.set_level(logging.ERROR)
    yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def approve_view(plan_id: int, number: int = 3) -> dict:
    """The approval modal as a forger would build it: the shape the app opens, any plan id."""
    return {
        "type": "modal",
        "callback_id": "plans_approve",
        "title": {"type": "plain_text", "text": "Approve the plan"},
        "submit": {"type": "plain_text", "text": "Approve"},
        "private_metadata": json.dumps({"plan": plan_id}),
        "blocks": [
            {
                "type": "input",
                "block_id": other_approval_block(number),
                "label": {"type": "plain_text", "text": f"Experience {number}"},
                "element": {"type": "checkboxes", "action_id": "approve", "options": []},
            }
        ],
    }


def test_a_forged_approval_of_a_plan_with_no_other_experience_is_refused(served) -> None:
    base, services, fake, _ = served
    send_plan(base, fake, PROTEGE, plan_values())  # every experience from the list
    with services.sessions() as session:
        plan_id = session.scalars(select(MentoringPlan.id)).one()
    values = {other_approval_block(3): {"approve": checkbox_values("approve")}}
    for user in (MENTOR, ADVISOR, "U0STRANGER"):
        status, body = submit(base, user, approve_view(plan_id), values)
        assert status == 200, body
        assert SORRY not in json.dumps(body)
    with services.sessions() as session:
        assert session.get(MentoringPlan, plan_id).status == PlanStatus.SUBMITTED


def ephemeral(fake) -> str:
    return fake.calls_to("chat.postEphemeral")[-1].params["text"]


# A month a button may carry that no calendar holds: year 0000, a digit Python reads but
# `int` refuses ("²"), full-width digits, month 00 and 13.
BAD_MONTHS = ("0000-01", "0000-12", "²024-10", "２０２４-10", "2024-00", "2024-13")


@pytest.mark.parametrize("month", BAD_MONTHS)
def test_a_log_button_with_a_month_no_calendar_holds_is_stale(served, month) -> None:
    from bot.logs import views as log_views

    base, _, fake, teams = served
    team = teams["ours"]
    for action_id, value in (
        (log_views.OPEN_LOG, f"{team}:{month}"),
        (log_views.OPEN_CHECK_IN, f"{team}:{month}"),
        (log_views.LAST_MONTH, f"{team}:{month}"),
        (log_views.PAGE, f"{team}:0:{month}"),
    ):
        status, _ = press(base, MENTOR, action_id, value)
        assert status == 200
        assert ephemeral(fake) == STALE_BUTTON, (action_id, value)


def test_the_first_month_a_date_holds_is_not_a_crash(served) -> None:
    """0001-01: its month before (0000-12) is no date; the answer names the first month."""
    from bot.logs import views as log_views

    base, _, fake, teams = served
    status, _ = press(base, MENTOR, log_views.LAST_MONTH, f"{teams['ours']}:0001-01")
    assert status == 200
    assert SORRY not in ephemeral(fake)


@pytest.mark.parametrize("words", ["experience", "pd", "visit"])
def test_a_number_too_long_for_python_in_a_command_is_not_a_crash(served, words) -> None:
    """Python refuses int() of more than 4,300 digits; a person may still type them."""
    base, _, _, _ = served
    answer = command(base, PROTEGE, f"{words} {'9' * 5000}")
    assert SORRY not in json.dumps(answer)


@pytest.mark.parametrize("spell", ["0001-01-01", "9999-12-31", "2024-W01-1", "20240902", "0000"])
@pytest.mark.parametrize(
    "action_id", ["silence_reached_out", "silence_snooze", "silence_open_team"]
)
def test_a_silent_team_button_with_any_date_is_answered(served, action_id, spell) -> None:
    """The alert's buttons carry "team:spell"; a spell at a date's edge or in another ISO
    form is a spell no team has, answered politely."""
    base, _, fake, teams = served
    status, _ = press(base, ADVISOR, action_id, f"{teams['ours']}:{spell}")
    assert status == 200
    answered = [c for c in fake.calls if c.method in ("chat.postEphemeral", "chat.postMessage")]
    assert answered and SORRY not in json.dumps([c.params for c in answered])
