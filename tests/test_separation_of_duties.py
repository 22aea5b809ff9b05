"""Separation of duties (issue 15 §3): a member of program staff who is on a team, as its
mentor or protégé, cannot do what the team's content advisor signs or answers for: receive,
approve or return the team's Individual Mentoring Plan, or answer its silent-team alert.
Each refusal is polite and changes nothing; another reviewer still can. Over signed HTTP."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.access import OWN_TEAM
from bot.plans.form import other_approval_block
from bot.silence.rules import team_health
from storage.db import transaction
from storage.models import Role
from storage.people import add_team, get_or_create_person, get_team, grant
from storage.plans import MentoringPlan, PlanStatus
from storage.silence import SilenceAction
from tests.conftest import SIGNING_SECRET, STAFF, serve_app
from tests.interactions import checkbox_values, last_opened_view, press, submit
from tests.signing import slash_command
from tests.test_plans_http import buttons, plan_values, send_plan

PROTEGE, ADVISOR, OTHER_STAFF = "U0PROTEGE1", "U0ADVISOR1", "U0STAFF02"
NOW = datetime(2024, 9, 25, 15, 0, tzinfo=UTC)


def seed(services, *, advisor: str | None) -> int:
    """A team whose mentor is the bootstrap staff member; a second staff member besides."""
    with transaction(services.sessions) as session:
        grant(session, get_or_create_person(session, OTHER_STAFF, NOW), Role.STAFF, STAFF, NOW)
        team = add_team(
            session,
            program_id=services.program.id,
            mentor=get_or_create_person(session, STAFF, NOW),
            protege=get_or_create_person(session, PROTEGE, NOW),
            advisor=get_or_create_person(session, advisor, NOW) if advisor else None,
            area="bmit",
            track="year1",
            start_date=date(2024, 8, 26),
            created_by=OTHER_STAFF,
            now=NOW,
        )
        return team.id


@pytest.fixture
def served(sqlite_url, standin, program):
    fake, _ = standin
    with serve_app(sqlite_url, standin, program, staff_ids=(STAFF, OTHER_STAFF)) as (
        base,
        services,
    ):
        object.__setattr__(services, "clock", lambda: NOW)
        yield base, services, fake


def plan_of(services) -> MentoringPlan:
    with services.sessions() as session:
        plan = session.scalars(select(MentoringPlan)).one()
        session.expunge(plan)
        return plan


def review_buttons(fake, user: str) -> dict[str, str]:
    found = [m for m in fake.messages_to(user) if "plans_review_approve" in json.dumps(m)]
    assert found, f"no review DM to {user}"
    return buttons(found[-1])


def ephemeral(fake) -> str:
    return fake.calls_to("chat.postEphemeral")[-1].params["text"]


def test_a_staff_mentor_cannot_receive_approve_or_return_their_own_plan(served) -> None:
    base, services, fake = served
    seed(services, advisor=None)
    send_plan(base, fake, PROTEGE, plan_values(other_in=3))
    # With no content advisor the plan goes to program staff, but not to the staff member
    # who mentors the team.
    assert not [m for m in fake.messages_to(STAFF) if "plans_review_approve" in json.dumps(m)]
    value = review_buttons(fake, OTHER_STAFF)["plans_review_approve"]
    for action_id in ("plans_review_received", "plans_review_approve", "plans_review_return"):
        status, _ = press(base, STAFF, action_id, value)
        assert status == 200
        assert ephemeral(fake) == OWN_TEAM, action_id
    assert not fake.calls_to("views.open")[1:]  # no approval or return modal opened for them
    # A forged approval modal naming the plan is refused in the form, which keeps its ticks.
    press(base, OTHER_STAFF, "plans_review_approve", value)
    approve_view = last_opened_view(fake)
    ticked = {other_approval_block(3): {"approve": checkbox_values("approve")}}
    _, body = submit(base, STAFF, approve_view, ticked)
    assert body == {"response_action": "errors", "errors": {other_approval_block(3): OWN_TEAM}}
    plan = plan_of(services)
    assert plan.status == PlanStatus.SUBMITTED and plan.received_at is None
    # The team's plan is not on the staff member's list of plans waiting for them.
    _, answer = slash_command(base + "/slack/events", SIGNING_SECRET, STAFF, "plan")
    assert "revision 1" not in json.dumps(answer)
    # Another member of staff approves it.
    _, body = submit(base, OTHER_STAFF, approve_view, ticked)
    assert body == {} or body.get("response_action") is None
    plan = plan_of(services)
    assert plan.status == PlanStatus.APPROVED and plan.approved_by == OTHER_STAFF


def test_a_staff_member_on_a_team_with_an_advisor_cannot_approve_for_the_advisor(served) -> None:
    base, services, fake = served
    seed(services, advisor=ADVISOR)
    send_plan(base, fake, PROTEGE, plan_values())
    value = review_buttons(fake, ADVISOR)["plans_review_approve"]
    press(base, STAFF, "plans_review_approve", value)
    assert ephemeral(fake) == OWN_TEAM
    assert plan_of(services).status == PlanStatus.SUBMITTED
    # Staff not on the team still can, as the access table says.
    press(base, OTHER_STAFF, "plans_review_approve", value)
    assert plan_of(services).status == PlanStatus.APPROVED


def test_a_staff_mentor_cannot_answer_their_own_teams_silent_alert(served) -> None:
    base, services, fake = served
    team = seed(services, advisor=ADVISOR)
    object.__setattr__(services, "clock", lambda: datetime(2024, 11, 20, 16, tzinfo=UTC))
    with services.sessions() as session:
        teams = [get_team(session, team)]
        health = team_health(session, services.program, teams, services.today())[team]
    assert health.spell is not None  # quiet since its first deadline
    value = f"{team}:{health.spell.isoformat()}"
    for action_id in ("silence_snooze", "silence_reached_out"):
        press(base, STAFF, action_id, value)
        assert ephemeral(fake) == OWN_TEAM, action_id
    with services.sessions() as session:
        assert session.scalars(select(SilenceAction)).all() == []
    press(base, OTHER_STAFF, "silence_snooze", value)
    assert "Snoozed" in ephemeral(fake)
