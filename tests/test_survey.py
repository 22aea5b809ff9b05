"""The spring survey: the duty's invitation and reminders (on every backend) until someone
answers; the modal over signed HTTP with its field errors and refusals; answers counted once;
results only in aggregate and only from five answers up."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.survey import views
from schedules.duties.survey import survey
from storage.db import transaction
from storage.survey import MIN_RESPONSES, SurveyResponse, record_response, survey_summary
from tests.conftest import STAFF
from tests.interactions import last_opened_view, press, radio_value, submit, text_value
from tests.test_experiences_domain import ADVISOR, MENTOR, PROTEGE, make_team
from tests.test_experiences_http import command

OPENS = date(2025, 4, 7)  # the calendar's "survey link" date; due Mon Apr 14
DUE = date(2025, 4, 14)


def at(day: date, hour_utc: int = 15) -> datetime:
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


@pytest.fixture
def world(ticking, program):
    return ticking.fake, ticking.factory, lambda now: ticking.run(program, now, (survey,))


def answer(factory, program, team: int, who: str, rating: int = 4, comments=None) -> bool:
    with transaction(factory) as session:
        return record_response(
            session,
            program_id=program.id,
            team_id=team,
            slack_id=who,
            role="mentor",
            ratings={"relationship": rating, "benefits": rating, "materials": rating},
            comments=comments,
            now=at(OPENS),
        )


def test_invitation_on_the_survey_date_then_reminders_until_answered(world, program) -> None:
    fake, factory, run = world
    team = make_team(factory, program)
    assert run(at(date(2025, 4, 4))).outcomes == []  # before the survey opens
    sent = run(at(OPENS))
    assert sorted(o.notice.recipient for o in sent.outcomes) == [MENTOR, PROTEGE]
    [invite] = fake.messages_to(MENTOR)
    assert invite["text"] == (
        f"The program evaluation survey for your year with <@{PROTEGE}> is open, due Mon, Apr 14."
    )
    assert invite["blocks"][1]["elements"][0]["action_id"] == views.SURVEY_OPEN
    assert invite["blocks"][1]["elements"][0]["value"] == str(team)
    assert run(at(OPENS)).outcomes == []  # the ledger: once
    answer(factory, program, team, MENTOR)
    # Three days before it is due: only the protégé, who has not answered, is reminded.
    reminded = run(at(date(2025, 4, 11)))
    assert [(o.notice.recipient, o.status) for o in reminded.outcomes] == [(PROTEGE, "sent")]
    assert "A reminder" in fake.messages_to(PROTEGE)[-1]["text"]
    on_the_day = run(at(DUE))
    assert [o.notice.recipient for o in on_the_day.outcomes] == [PROTEGE]
    assert run(at(date(2025, 4, 16))).outcomes == []  # after the due date: nothing more


def test_results_only_in_aggregate_and_only_from_five_answers(world, program) -> None:
    _, factory, _ = world
    teams = [
        make_team(factory, program, mentor=f"U0MENTOR{n}", protege=f"U0PROTEGE{n}")
        for n in range(3)
    ]
    counted = dict.fromkeys(teams, at(DUE + timedelta(days=1), 5))  # the deadline in Missouri
    for n in range(MIN_RESPONSES - 1):
        answer(factory, program, teams[n % 3], f"U0PERSON{n}", rating=n + 1, comments=f"c{n}")
    with factory() as session:
        few = survey_summary(session, program.id, teams, counted)
    assert (few.responses, few.reportable, few.averages, few.comments) == (4, False, {}, ())
    answer(factory, program, teams[0], "U0PERSON9", rating=5)
    with factory() as session:
        enough = survey_summary(session, program.id, teams, counted)
        # Narrowed to one team (two answers), nothing but the count comes out.
        one_team = survey_summary(session, program.id, [teams[1]], counted)
    assert enough.reportable and enough.averages["relationship"] == 3.0
    assert enough.comments == ("c0", "c1", "c2", "c3")
    assert (one_team.responses, one_team.averages) == (1, {})
    # One answer per person and team.
    assert not answer(factory, program, teams[0], "U0PERSON9")


# --- over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def served(app_server, standin, program):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: at(OPENS))
    team = make_team(services.sessions, program)
    return base, services, fake, team


def ratings(relationship="5", benefits="4", materials="3", comments="Great year.") -> dict:
    values = {
        name: {name: radio_value(value)}
        for name, value in (
            ("relationship", relationship),
            ("benefits", benefits),
            ("materials", materials),
        )
        if value is not None
    }
    values[views.COMMENTS] = {views.COMMENTS: text_value(comments)}
    return values


def test_a_member_takes_the_survey_from_the_button(served) -> None:
    base, services, fake, team = served
    status, _ = press(base, PROTEGE, views.SURVEY_OPEN, str(team))
    assert status == 200
    view = last_opened_view(fake)
    assert view["callback_id"] == views.SURVEY_CALLBACK
    assert json.loads(view["private_metadata"]) == {"team": team}
    assert "only in aggregate" in str(view["blocks"])
    # A missing rating and overlong comments are field errors; nothing is stored.
    status, answer_ = submit(base, PROTEGE, view, ratings(benefits=None, comments="x" * 3001))
    assert answer_["response_action"] == "errors"
    assert set(answer_["errors"]) == {"benefits", views.COMMENTS}
    status, answer_ = submit(base, PROTEGE, view, ratings())
    assert answer_["response_action"] == "update"
    with services.sessions() as session:
        [row] = session.query(SurveyResponse).all()
    assert (row.slack_id, row.role, row.relationship, row.comments) == (
        PROTEGE,
        "protege",
        5,
        "Great year.",
    )
    # The Home tab is republished without the survey button.
    [published] = fake.wait_for("views.publish", 1)
    assert views.SURVEY_OPEN not in str(published.params["view"])
    # A second answer is refused politely, in the modal.
    status, answer_ = submit(base, PROTEGE, view, ratings())
    assert "already answered" in answer_["errors"]["relationship"]


def test_others_cannot_answer_for_a_team(served) -> None:
    base, services, fake, team = served
    view = views.survey_modal(team, MENTOR)
    for someone in (ADVISOR, STAFF, "U0STRANGER"):
        _, answer_ = submit(base, someone, view, ratings())
        assert "for the mentor and protégé" in answer_["errors"]["relationship"]
    press(base, ADVISOR, views.SURVEY_OPEN, str(team))
    assert not fake.calls_to("views.open")
    with services.sessions() as session:
        assert session.query(SurveyResponse).count() == 0


def test_the_survey_is_not_open_before_its_date(served) -> None:
    base, services, fake, _ = served
    object.__setattr__(services, "clock", lambda: at(date(2025, 3, 3)))
    _, answer_ = command(base, MENTOR, "survey")
    assert "not open yet; it opens on Mon, Apr 7" in answer_["text"]
    object.__setattr__(services, "clock", lambda: at(OPENS))
    status, answer_ = command(base, MENTOR, "survey")
    assert status == 200
    assert last_opened_view(fake)["callback_id"] == views.SURVEY_CALLBACK
