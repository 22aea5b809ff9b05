"""The manual's forms in full (issue 14, item 11), over signed HTTP on the shipped program:
the Contact Form's content advisor block (the advisor fills it in once, every team sees it)
and its DESE staff contact (the program file); the Assessment Activity's documents in its
modal and reminders; the Visit Report's in-person, first-semester visit; the PD Verification
Form's "outside of the mentorship program"."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.program import ProgramError, load_program, loads_program
from bot.program.loader import default_program_path
from bot.reports import views
from bot.reports.form import parse_visit
from bot.reports.rules import ShownVisit
from bot.slack.text import typed
from storage.experiences import PdVerification, VisitReport
from storage.models import Person
from tests.interactions import last_opened_view, press, submit, text_value
from tests.test_deadline_nudges import cdt, notices
from tests.test_experiences_domain import ADVISOR, MENTOR, PROTEGE, make_team
from tests.test_experiences_http import command
from tests.test_reports_http import pd_values, reports, served, visit_values

served = served  # the reports' fixture: Wed Nov 20, a year-one team (and another, unadvised)

AFTER_SEMESTER = datetime(2025, 1, 15, 16, tzinfo=UTC)  # the first semester ended Dec 20
MATERIALS = "http://dese.mo.gov/college-career-readiness/career-education/forms-applications"


def shown(view_or_message: dict) -> str:
    return json.dumps(view_or_message["blocks"], ensure_ascii=False)


def input_ids(view: dict) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def advisor_block(**overrides: str) -> dict:
    values = {
        "name": "Dr. Ada Moss",
        "cell_phone": "(573) 555-0142",
        "email": "ada.moss@ucmo.example.edu",
        "mailing_address": "Dockery 200, University of Central Missouri",
        "city_state_zip": "Warrensburg, MO 64093",
        **overrides,
    }
    return {name: {"value": text_value(value)} for name, value in values.items()}


# --- the Contact Form ---------------------------------------------------------------------


def test_the_advisor_fills_in_their_block_once_and_every_team_sees_it(served, program) -> None:
    base, services, fake, team, _ = served
    command(base, ADVISOR, "contact")
    form = last_opened_view(fake)
    # The manual's content advisor block, not a member's (no school, no administrator).
    assert input_ids(form) == ["name", "cell_phone", "email", "mailing_address", "city_state_zip"]
    assert "Content Advisor Contact Information" in shown(form)

    # A field error keeps what was typed (Slack does, given errors on the fields).
    status, body = submit(base, ADVISOR, form, advisor_block(city_state_zip="x" * 500))
    assert body["response_action"] == "errors" and set(body["errors"]) == {"city_state_zip"}
    status, body = submit(base, ADVISOR, form, advisor_block())
    assert status == 200 and not body
    with services.sessions() as session:
        advisor = session.scalars(select(Person).where(Person.slack_id == ADVISOR)).one()
        assert advisor.mailing_address == "Dockery 200, University of Central Missouri"
        assert advisor.city_state_zip == "Warrensburg, MO 64093"
        assert advisor.cell_phone == "573-555-0142" and advisor.contact_filed_at is not None

    # The protégé's own form shows the advisor's block and the DESE staff contact.
    command(base, PROTEGE, "contact")
    mine = last_opened_view(fake)
    assert "school_name_address" in input_ids(mine) and "mailing_address" not in input_ids(mine)
    text = shown(mine)
    for part in (
        "Content Advisor Contact Information",
        "Dr. Ada Moss",
        "573-555-0142",
        "ada.moss@ucmo.example.edu",
        "Dockery 200, University of Central Missouri, Warrensburg, MO 64093",
        "*DESE Staff Contact:* Leslie Crider · Leslie.Crider@dese.mo.gov · 573.522.6540",
    ):
        assert part in text, part

    # A second team of the same advisor gets the same block without the advisor typing again.
    make_team(services.sessions, program, mentor="U0MENTOR3", protege="U0PROTEGE3")
    command(base, "U0MENTOR3", "contact")
    assert "Dockery 200" in shown(last_opened_view(fake))

    # The team card too.
    _, card = command(base, PROTEGE, "team")
    card_text = shown(card)
    assert "mail Dockery 200, University of Central Missouri, Warrensburg, MO 64093" in card_text
    assert "Leslie Crider" in card_text


def test_before_the_advisor_files_the_team_is_told_so(served) -> None:
    base, _, fake, _, _ = served
    command(base, MENTOR, "contact")
    text = shown(last_opened_view(fake))
    assert f"<@{ADVISOR}> _has not filled in their contact details yet._" in text
    assert "Leslie Crider" in text


def test_the_advisors_welcome_asks_for_their_block(served, program) -> None:
    from bot.teams.welcome import CONTACT_OPEN, welcome_message

    _, blocks = welcome_message(
        "advisor",
        mentor=MENTOR,
        protege=PROTEGE,
        advisor=ADVISOR,
        program_name=program.name,
        area_name="BMIT",
        track_name="Year One",
        first_deadlines=(),
        names={},
        today=date(2024, 9, 3),
    )
    assert CONTACT_OPEN in json.dumps(blocks)


# --- the Visit Report ---------------------------------------------------------------------


def test_a_visit_not_in_person_is_refused_on_its_field(served) -> None:
    base, services, fake, team, _ = served
    press(base, MENTOR, views.VISIT_OPEN, str(team))
    form = last_opened_view(fake)
    assert "in_person" in input_ids(form)
    status, body = submit(base, MENTOR, form, visit_values(in_person="no"))
    assert body["response_action"] == "errors" and set(body["errors"]) == {"in_person"}
    assert "in-person visit" in body["errors"]["in_person"]
    assert reports(services, VisitReport) == []
    status, body = submit(base, MENTOR, form, visit_values())
    assert body["response_action"] == "update"
    [report] = reports(services, VisitReport)
    assert report.in_person is True


def test_a_visit_after_the_first_semester_is_refused_on_its_date(served) -> None:
    base, services, fake, team, _ = served
    object.__setattr__(services, "clock", lambda: AFTER_SEMESTER)
    press(base, MENTOR, views.VISIT_OPEN, str(team))
    form = last_opened_view(fake)
    status, body = submit(base, MENTOR, form, visit_values(day="2025-01-10"))
    assert body["response_action"] == "errors" and set(body["errors"]) == {"visit_date"}
    assert (
        "first semester" in body["errors"]["visit_date"]
        and "Dec 20" in body["errors"]["visit_date"]
    )
    assert reports(services, VisitReport) == []
    status, body = submit(base, MENTOR, form, visit_values(day="2024-12-20"))  # its last day
    assert body["response_action"] == "update"


def program_with(old: str, new: str):
    text = Path(default_program_path()).read_text(encoding="utf-8")
    assert old in text
    return loads_program(text.replace(old, new, 1), "edited.toml")


def test_the_flag_reading_files_a_late_visit_and_marks_it() -> None:
    program = program_with(
        'visit_outside_first_semester = "error"', 'visit_outside_first_semester = "flag"'
    )
    state = {
        block: {action: value for action, value in fields.items()}
        for block, fields in visit_values(day="2025-01-10").items()
    }
    entry = parse_visit(state, program, date(2025, 1, 15))
    assert entry.visit_date == date(2025, 1, 10)
    report = ShownVisit(
        1, 1, "bmit", entry.visit_date, typed("x"), typed("y"), typed("z"), None, True
    )
    text = json.dumps(views.visit_blocks(program, report, MENTOR, PROTEGE, date(2025, 1, 15)))
    assert "After the first semester" in text and "*In person:* yes" in text


def test_a_visit_report_filed_before_the_question_shows_no_answer(program) -> None:
    report = ShownVisit(1, 1, "bmit", date(2024, 11, 1), typed("x"), typed("y"), typed("z"), None)
    text = json.dumps(views.visit_blocks(program, report, MENTOR, PROTEGE, date(2024, 11, 2)))
    assert "In person" not in text and "After the first semester" not in text


# --- the PD Verification Forms ------------------------------------------------------------


def test_the_pd_form_asks_outside_of_the_mentorship_program(served) -> None:
    base, services, fake, team, _ = served
    press(base, PROTEGE, views.PD_OPEN, f"{team}:1")
    form = last_opened_view(fake)
    block = next(b for b in form["blocks"] if b.get("block_id") == "outside_program")
    assert not block.get("optional") and "outside of the mentorship program" in json.dumps(block)
    status, body = submit(base, PROTEGE, form, pd_values(outside=False))
    assert body["response_action"] == "errors" and set(body["errors"]) == {"outside_program"}
    assert reports(services, PdVerification) == []
    status, body = submit(base, PROTEGE, form, pd_values())
    assert body["response_action"] == "update"
    [filed] = reports(services, PdVerification)
    assert filed.outside_program is True
    # The mentor sees the attestation on the form they sign.
    dm = [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == MENTOR]
    assert "Outside of the mentorship program: yes" in shown(dm[-1])
    # Revising keeps the box ticked.
    press(base, PROTEGE, views.PD_OPEN, f"{team}:1")
    again = last_opened_view(fake)
    block = next(b for b in again["blocks"] if b.get("block_id") == "outside_program")
    assert block["element"]["initial_options"][0]["value"] == "outside"


# --- the Assessment Activity --------------------------------------------------------------


def test_the_assessment_activity_shows_its_documents(app_server, standin, program) -> None:
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: datetime(2024, 10, 8, 15, tzinfo=UTC))
    team = make_team(services.sessions, program, track="year2", start=date(2024, 10, 1))
    press(base, PROTEGE, views.ASSESSMENT_OPEN, str(team))
    text = shown(last_opened_view(fake))
    for title in (
        "Instructions Video",
        "CTE Mentoring Assessment Activity Example",
        "CTE Mentoring Assessment Activity Template",
    ):
        assert f"<{MATERIALS}|{title}>" in text


def test_the_assessment_reminder_carries_the_documents(database_url, program) -> None:
    from storage.db import make_engine, make_session_factory

    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    try:
        team = make_team(factory, program, track="year2", start=date(2024, 10, 1))
        found = notices(factory, program, cdt(10, 22), "assessment")
        reminder = found[f"nudge:team{team}:2024-25:assessment:{PROTEGE}:d3"]
        assert "CTE Mentoring Assessment Activity Template" in str(reminder.blocks)
        # A step whose form has no documents gets no such line.
        other = notices(factory, program, cdt(10, 22), "contact")
        assert all("For this form" not in str(n.blocks) for n in other.values())
    finally:
        engine.dispose()


# --- the program file ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('email = "Leslie.Crider@dese.mo.gov"', 'email = "Leslie Crider"', "contacts[0].email"),
        (
            'title = "Instructions Video", url = "http://dese',
            'title = "Instructions Video", url = "dese',
            "forms[9].links[0].url",
        ),
        (
            "first_semester_end = 2024-12-20",
            "first_semester_end = 2025-07-01",
            "first_semester_end",
        ),
        (
            'visit_outside_first_semester = "error"',
            'visit_outside_first_semester = "warn"',
            "visit_outside_first_semester",
        ),
    ],
)
def test_a_bad_entry_is_refused_by_name(old: str, new: str, key: str) -> None:
    with pytest.raises(ProgramError) as caught:
        program_with(old, new)
    assert key in str(caught.value)


def test_the_shipped_file_holds_the_manuals_contact_links_and_semester() -> None:
    program = load_program()
    [dese] = program.contacts
    assert (dese.name, dese.email, dese.phone) == (
        "Leslie Crider",
        "Leslie.Crider@dese.mo.gov",
        "573.522.6540",
    )
    assert [link.title for link in program.form_links("assessment_activity")] == [
        "Instructions Video",
        "CTE Mentoring Assessment Activity Example",
        "CTE Mentoring Assessment Activity Template",
    ]
    assert program.first_semester_end == date(2024, 12, 20)
    assert program.settings.visit_outside_first_semester == "error"
