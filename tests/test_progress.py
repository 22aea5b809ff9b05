"""Where things stand: `bot.status.deliverables` on every backend (states, holders, waiting steps,
effective dates), and `/mentor progress`, its button and the Home tab over signed HTTP with
the access table (member, content advisor, staff, stranger)."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime

import pytest

from bot.experiences import rules as domain
from bot.experiences import views as exp_views
from bot.status import progress as views
from bot.status.deliverables import (
    DONE,
    DUE,
    OVERDUE,
    UPCOMING,
    deliverables_for,
    team_deliverables,
)
from storage.db import make_engine, make_session_factory, transaction
from storage.people import find_person, get_team
from storage.plans import add_decision_points, add_focal_points
from tests.conftest import SIGNING_SECRET, STAFF
from tests.interactions import last_opened_view, press
from tests.renamed_program import program_id, shipped_id
from tests.signing import post
from tests.test_experiences_domain import (
    ADVISOR,
    MENTOR,
    OTHER_MENTOR,
    OTHER_PROTEGE,
    PROTEGE,
    add_plan,
    comment_entry,
    entry,
    make_team,
)
from tests.test_experiences_http import command

STRANGER = "U0STRANGER"


@pytest.fixture
def db(database_url):
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def statuses(factory, program, team_id: int, today: date) -> dict:
    """By the shipped file's ids, whatever the program calls its deadlines."""
    with factory() as session:
        team = get_team(session, team_id)
        return {shipped_id(s.deadline): s for s in team_deliverables(session, program, team, today)}


def test_states_on_the_calendar(db, program) -> None:
    t = make_team(db, program)
    on = statuses(db, program, t, date(2024, 10, 17))
    assert on["experience-1-send"].state == UPCOMING  # four days ahead
    assert statuses(db, program, t, date(2024, 10, 18))["experience-1-send"].state == DUE
    assert statuses(db, program, t, date(2024, 10, 21))["experience-1-send"].state == DUE
    late = statuses(db, program, t, date(2024, 10, 22))
    assert late["experience-1-send"].state == OVERDUE
    assert late["experience-1-send"].holders == ("protege",)
    # The comment step waits on the submission: no one holds it yet.
    assert late["experience-1-comment"].waiting_on == program_id(
        program, "year1", "experience-1-send"
    )
    assert late["experience-1-comment"].holders == ()
    # Every member deliverable of year one is listed, and nothing that is not one.
    ids = set(on)
    assert {"contact-form", "focal-points", "visit-report", "pd-verification-2", "survey"} <= ids
    assert "communication-log-2024-10" in ids
    assert not ids & {"semester-1-progress", "survey-link", "completers"}
    # The meeting's attendance is a step (issue 14, finding 8): due, never late, until recorded.
    assert "initial-meeting" in ids
    assert late["initial-meeting"].state == "due" and late["initial-meeting"].tracked
    # The survey's answers are a tracked step (issue 14, finding 13).
    assert on["survey"].tracked and on["experience-1-send"].tracked


def test_done_steps_and_effective_dates(db, program) -> None:
    t = make_team(db, program)
    late = datetime(2024, 10, 28, 15, tzinfo=UTC)
    with transaction(db) as s:
        domain.submit(s, program, get_team(s, t), 1, entry(), PROTEGE, late)
    found = statuses(db, program, t, date(2024, 10, 29))
    assert found["experience-1-send"].state == DONE
    assert found["experience-1-send"].done_at == late
    comment = found["experience-1-comment"]
    assert comment.due == date(2024, 10, 23) and comment.effective_due == date(2024, 10, 30)
    assert comment.state == DUE and comment.holders == ("mentor",)
    assert found["experience-1-file"].effective_due == date(2024, 11, 1)
    with transaction(db) as s:
        sub = domain.state_of(s, program, get_team(s, t), 1).submission.id
        domain.file_comment(s, get_team(s, t), 1, sub, comment_entry(), MENTOR, late)
    assert statuses(db, program, t, date(2024, 10, 29))["experience-1-file"].holders == ("protege",)


def test_a_late_team_is_never_due_before_it_started(db, program) -> None:
    t = make_team(db, program, start=date(2024, 11, 4))
    found = statuses(db, program, t, date(2024, 11, 4))
    assert found["focal-points"].effective_due == date(2024, 11, 4)
    assert found["focal-points"].state == DUE


def test_many_teams_at_once(db, program) -> None:
    teams = [make_team(db, program, mentor=f"U0M{i}", protege=f"U0P{i}") for i in range(5)]
    with db() as session:
        loaded = [get_team(session, t) for t in teams]
        found = deliverables_for(
            session,
            program,
            loaded,
            date(2024, 10, 22),
            only={program_id(program, "year1", "visit-report")},
        )
    assert set(found) == set(teams)
    assert all(
        [shipped_id(s.deadline) for s in rows] == ["visit-report"] for rows in found.values()
    )


# --- over HTTP -------------------------------------------------------------------------------


NOW = datetime(2024, 10, 22, 15, tzinfo=UTC)


@pytest.fixture
def served(app_server, standin, program):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: NOW)
    ours = make_team(services.sessions, program)
    theirs = make_team(
        services.sessions, program, mentor=OTHER_MENTOR, protege=OTHER_PROTEGE, advisor=None
    )
    return base, services, fake, ours, theirs


def test_a_member_sees_the_checklist_and_their_next_step(served, program) -> None:
    base, services, fake, team, _ = served
    add_plan(services.sessions, program, team)
    earlier = datetime(2024, 9, 25, 15, tzinfo=UTC)
    with transaction(services.sessions) as session:  # the initial meeting's other forms
        for person in (MENTOR, PROTEGE):
            find_person(session, person).contact_filed_at = earlier
        add_focal_points(session, team, program.id, [], PROTEGE, earlier)
        add_decision_points(session, team, program.id, [], MENTOR, earlier)
    _, body = command(base, PROTEGE, "progress")
    text = json.dumps(body["blocks"], ensure_ascii=False)
    assert body["text"] == "Where things stand"
    assert "Experience 1 (sent to the mentor)" in text and "1 day late" in text
    assert "Individual Mentoring Plan" in text and "✅" in text  # the plan is in
    next_step = [b for b in body["blocks"] if (b.get("accessory") or {}).get("style") == "primary"]
    assert next_step and next_step[0]["accessory"]["action_id"] == exp_views.SUBMIT_OPEN
    assert next_step[0]["accessory"]["value"] == f"{team}:1"
    _, mentor = command(base, MENTOR, "progress")
    # Nothing is the mentor's to do about Experience 1 yet.
    assert all(
        (b.get("accessory") or {}).get("action_id") != exp_views.COMMENT_OPEN
        for b in mentor["blocks"]
    )


def test_the_access_table_for_progress(served) -> None:
    base, services, fake, team, theirs = served
    _, body = command(base, ADVISOR, f"progress <@{PROTEGE}|luis>")
    assert f"<@{MENTOR}> mentoring <@{PROTEGE}>" in json.dumps(body["blocks"])
    _, body = command(base, ADVISOR, f"progress <@{OTHER_PROTEGE}>")  # not their team
    assert "Only the team, its content advisor and program staff" in body["text"]
    _, body = command(base, OTHER_MENTOR, f"progress <@{PROTEGE}>")
    assert "Only the team" in body["text"]
    _, body = command(base, STRANGER, f"progress <@{PROTEGE}>")
    assert "Only the team" in body["text"]
    _, body = command(base, STAFF, f"progress <@{OTHER_PROTEGE}>")
    assert f"<@{OTHER_MENTOR}> mentoring <@{OTHER_PROTEGE}>" in json.dumps(body["blocks"])
    _, body = command(base, STAFF, "progress")
    assert "Whose team?" in body["text"]
    _, body = command(base, STAFF, f"progress <@{STRANGER}>")
    assert "not on a mentoring team" in body["text"]
    _, body = command(base, ADVISOR, "progress")  # the advisor's own teams
    assert body["text"] == "Your teams"
    [row] = [b for b in body["blocks"] if b.get("accessory")]
    assert row["accessory"]["action_id"] == views.PROGRESS_OPEN
    assert "past their date" in row["text"]["text"]


def test_the_advisors_button_opens_the_checklist_and_is_checked(served) -> None:
    base, services, fake, team, theirs = served
    press(base, ADVISOR, views.PROGRESS_OPEN, str(team))
    view = last_opened_view(fake)
    assert view["title"]["text"] == "Where things stand"
    assert "Experience 1" in json.dumps(view["blocks"])
    opened = len(fake.calls_to("views.open"))
    press(base, ADVISOR, views.PROGRESS_OPEN, str(theirs))
    assert len(fake.calls_to("views.open")) == opened
    [refusal] = fake.calls_to("chat.postEphemeral")
    assert "Only the team" in refusal.params["text"]


def test_the_home_tab_shows_the_same_checklist(served) -> None:
    base, services, fake, team, _ = served
    event = {
        "type": "event_callback",
        "token": "legacy",
        "team_id": "T0TEST",
        "api_app_id": "A0TEST",
        "event_id": "Ev0HOME1",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": PROTEGE, "channel": "D0DM", "tab": "home"},
    }
    status, _ = post(
        base + "/slack/events", json.dumps(event), SIGNING_SECRET, content_type="application/json"
    )
    assert status == 200
    [published] = fake.wait_for("views.publish", 1)
    assert published.params["user_id"] == PROTEGE
    blocks = json.dumps(published.params["view"]["blocks"])
    assert "Experience 1 (sent to the mentor)" in blocks and "Next for you" in blocks
