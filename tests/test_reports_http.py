"""The Visit Report, the PD Verification Forms and the Assessment Activity over signed HTTP:
who files, who signs, in which order, and the refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.reports import views
from storage.experiences import (
    AssessmentActivity,
    PdStatus,
    PdVerification,
    VisitReport,
    VisitStatus,
)
from tests import interactions
from tests.interactions import date_value, last_opened_view, press, select_value, submit, text_value
from tests.test_experiences_domain import (
    MENTOR,
    OTHER_MENTOR,
    OTHER_PROTEGE,
    PROTEGE,
    make_team,
)
from tests.test_experiences_http import buttons, command, ephemerals

NOW = datetime(2024, 11, 20, 16, tzinfo=UTC)  # Wed Nov 20, 10:00 in Missouri


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


def visit_values(
    day: str = "2024-11-19", topics: str = "Lab set-up; CTSO calendar", in_person: str = "yes"
) -> dict:
    return {
        "area": {"area": select_value("bmit")},
        "visit_date": {"visit_date": date_value(day)},
        "location": {"location": text_value("Jefferson City High School, room 114")},
        "in_person": {"in_person": interactions.radio_value(in_person)},
        "topics": {"topics": text_value(topics)},
        "strategies": {"strategies": text_value("Bell-ringer routine; station rotation")},
    }


def pd_values(hours: str = "3.5", day: str = "2024-11-15", outside: bool = True) -> dict:
    return {
        "area": {"area": select_value("bmit")},
        "pd_date": {"pd_date": date_value(day)},
        "location": {"location": text_value("MBEA fall conference, Columbia")},
        "hours": {"hours": text_value(hours)},
        "description": {"description": text_value("Sessions on FBLA event prep.")},
        "outside_program": {
            "outside_program": interactions.checkbox_values(*(["outside"] if outside else []))
        },
    }


def reports(services, model):
    with services.sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def test_visit_report_filed_changed_and_confirmed(served) -> None:
    base, services, fake, team, _ = served
    _, body = command(base, PROTEGE, "visit")
    assert "files the Visit Report after your visit" in body["text"]
    command(base, MENTOR, "visit")
    view = last_opened_view(fake)
    assert view["callback_id"] == views.VISIT_CALLBACK
    status, body = submit(base, MENTOR, view, visit_values())
    assert status == 200 and body["response_action"] == "update", body

    [to_protege] = fake.messages_to(PROTEGE)
    assert "Lab set-up; CTSO calendar" in json.dumps(to_protege["blocks"])
    first = buttons(to_protege)
    press(base, PROTEGE, views.VISIT_CHANGE_OPEN, first[views.VISIT_CHANGE_OPEN])
    change = last_opened_view(fake)
    _, body = submit(base, PROTEGE, change, {"note": {"note": text_value("")}})
    assert "note" in body["errors"]  # a change request says what to change
    submit(base, PROTEGE, change, {"note": {"note": text_value("We also discussed grading.")}})
    back = fake.messages_to(MENTOR)[-1]
    assert "We also discussed grading." in json.dumps(back["blocks"])
    # The old confirm button no longer works once a change was asked for.
    press(base, PROTEGE, views.VISIT_CONFIRM, first[views.VISIT_CONFIRM])
    assert any("asked for a change" in t for t in ephemerals(fake, PROTEGE))

    press(base, MENTOR, views.VISIT_OPEN, buttons(back)[views.VISIT_OPEN])
    edit = last_opened_view(fake)
    assert "We also discussed grading." in json.dumps(edit["blocks"])
    submit(base, MENTOR, edit, visit_values(topics="Lab set-up; CTSO calendar; grading"))
    second = buttons(fake.messages_to(PROTEGE)[-1])
    press(base, PROTEGE, views.VISIT_CONFIRM, second[views.VISIT_CONFIRM])
    press(base, PROTEGE, views.VISIT_CONFIRM, second[views.VISIT_CONFIRM])  # a second time
    assert any("already confirmed" in t for t in ephemerals(fake, PROTEGE))
    assert "signed by you both" in fake.latest(MENTOR)

    rows = reports(services, VisitReport)
    assert [(r.version, r.status, r.superseded_at is None) for r in rows] == [
        (1, VisitStatus.CHANGES_REQUESTED, False),
        (2, VisitStatus.CONFIRMED, True),
    ]
    assert (rows[-1].filed_by, rows[-1].confirmed_by) == (MENTOR, PROTEGE)
    assert rows[-1].confirmed_at == NOW


def test_visit_report_refusals(served) -> None:
    base, services, fake, team, theirs = served
    command(base, MENTOR, "visit")
    view = last_opened_view(fake)
    _, body = submit(base, MENTOR, view, visit_values(day="2024-11-21"))
    assert "future" in body["errors"]["visit_date"]
    _, body = submit(base, MENTOR, view, visit_values(day="2023-11-21"))
    assert "program year" in body["errors"]["visit_date"]
    _, body = submit(base, PROTEGE, view, visit_values())
    assert "Only the mentor" in body["errors"]["area"]
    forged = json.dumps({"team": theirs, "number": None})
    _, body = submit(base, MENTOR, view, visit_values(), private_metadata=forged)
    assert "not on" in body["errors"]["area"]
    assert reports(services, VisitReport) == []
    submit(base, MENTOR, view, visit_values())
    confirm = buttons(fake.messages_to(PROTEGE)[-1])[views.VISIT_CONFIRM]
    press(base, MENTOR, views.VISIT_CONFIRM, confirm)  # the mentor cannot confirm their own
    press(base, OTHER_PROTEGE, views.VISIT_CONFIRM, confirm)
    assert any("Only the protégé" in t for t in ephemerals(fake, MENTOR))
    assert any("not on" in t for t in ephemerals(fake, OTHER_PROTEGE))
    assert reports(services, VisitReport)[0].status is VisitStatus.FILED
    # A second new report while the first waits: the mentor is sent to that one.
    _, body = submit(base, MENTOR, view, visit_values())
    assert "still waiting" in body["errors"]["area"]


def test_pd_form_filed_by_the_protege_and_signed_by_the_mentor(served) -> None:
    base, services, fake, team, _ = served
    command(base, PROTEGE, "pd")
    view = last_opened_view(fake)
    assert json.loads(view["private_metadata"]) == {"team": team, "n": 1}
    assert "Fri, Mar 7" in json.dumps(view["blocks"])
    _, body = submit(base, PROTEGE, view, pd_values(hours="lots"))
    assert "hours" in body["errors"]
    _, body = submit(base, PROTEGE, view, pd_values(hours="1,5"))
    assert body["response_action"] == "update"
    to_mentor = fake.messages_to(MENTOR)[-1]
    assert "*Hours:* 1.5" in json.dumps(to_mentor["blocks"])
    sign = buttons(to_mentor)[views.PD_SIGN_OPEN]
    # The protégé revises before the mentor signs: the earlier version is kept.
    command(base, PROTEGE, "pd 1")
    revised = last_opened_view(fake)
    submit(base, PROTEGE, revised, pd_values(hours="3.5"))
    press(base, MENTOR, views.PD_SIGN_OPEN, sign)  # the old message's button
    assert any("new version" in t for t in ephemerals(fake, MENTOR))
    press(
        base, MENTOR, views.PD_SIGN_OPEN, buttons(fake.messages_to(MENTOR)[-1])[views.PD_SIGN_OPEN]
    )
    sign_view = last_opened_view(fake)
    assert "*Hours:* 3.5" in json.dumps(sign_view["blocks"])
    _, body = submit(
        base, MENTOR, sign_view, {"mentor_comments": {"mentor_comments": text_value("")}}
    )
    assert "mentor_comments" in body["errors"]
    _, body = submit(
        base,
        MENTOR,
        sign_view,
        {"mentor_comments": {"mentor_comments": text_value("Great choice.")}},
    )
    assert body["response_action"] == "update"
    assert "signed by you both" in fake.messages_to(PROTEGE)[-1]["text"]
    _, body = submit(base, PROTEGE, revised, pd_values())  # too late to change
    assert "signed by you both" in body["errors"]["area"]
    rows = reports(services, PdVerification)
    assert [(r.version, r.minutes, r.superseded_at is None) for r in rows] == [
        (1, 90, False),
        (2, 210, True),
    ]
    assert rows[1].status is PdStatus.SIGNED
    assert (rows[1].filed_by, rows[1].signed_by, rows[1].mentor_comments) == (
        PROTEGE,
        MENTOR,
        "Great choice.",
    )
    command(base, PROTEGE, "pd")  # the next open one is #2
    assert json.loads(last_opened_view(fake)["private_metadata"])["n"] == 2
    _, body = command(base, PROTEGE, "pd 3")
    assert "two forms a year" in body["text"]


def test_pd_form_refusals(served) -> None:
    base, services, fake, team, theirs = served
    _, body = command(base, MENTOR, "pd")
    assert "No PD Verification Form is waiting" in body["text"]
    command(base, PROTEGE, "pd 2")
    view = last_opened_view(fake)
    _, body = submit(base, MENTOR, view, pd_values())
    assert "Only the protégé" in body["errors"]["area"]
    _, body = submit(base, PROTEGE, view, pd_values(), private_metadata='{"team": 1, "n": 7}')
    assert "There are 2 forms" in body["errors"]["area"]
    _, body = submit(base, OTHER_PROTEGE, view, pd_values())
    assert "not on" in body["errors"]["area"]
    assert reports(services, PdVerification) == []


def test_assessment_activity_is_year_two_only(served, program) -> None:
    base, services, fake, _, _ = served
    _, body = command(base, PROTEGE, "assessment")
    assert "part of year two" in body["text"]
    team = make_team(
        services.sessions, program, mentor="U0MENTOR3", protege="U0PROTEGE3", track="year2"
    )
    command(base, "U0PROTEGE3", "assessment")
    view = last_opened_view(fake)
    assert "Fri, Oct 25" in json.dumps(view["blocks"])
    link = {"link": {"link": {"type": "url_text_input", "value": "ftp://nope"}}}
    summary = {"summary": {"summary": text_value("My rubric")}}
    _, body = submit(base, "U0PROTEGE3", view, {**link, **summary})
    assert "link" in body["errors"]
    link["link"]["link"]["value"] = "https://docs.example.org/rubric"
    _, body = submit(base, "U0PROTEGE3", view, {**link, **summary})
    assert body["response_action"] == "update"
    [row] = reports(services, AssessmentActivity)
    assert (row.team_id, row.submitted_by) == (team, "U0PROTEGE3")
    assert "Assessment Activity" in fake.messages_to("U0MENTOR3")[-1]["text"]
