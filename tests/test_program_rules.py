"""Issue 14: the program's rules as the BMIT manual means them, on the shipped program file.

Each test names the finding it pins; the rules run over signed HTTP with the Slack stand-in
where a person's action is the rule's input, and on the real database otherwise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.experiences import rules as experiences
from bot.experiences import views as experience_views
from bot.logs import views as log_views
from bot.meetings import views as meeting_views
from bot.program import load_program, loads_program
from bot.program.loader import default_program_path
from bot.status.deliverables import team_deliverables
from bot.status.rules import completers_date
from bot.teams.welcome import CONTACT_OPEN
from storage.db import transaction
from storage.models import TeamStatus
from storage.people import get_or_create_person, get_team
from storage.plans import SlotRow, current_plan
from storage.teams import end_team, replace_member
from tests.conftest import STAFF
from tests.interactions import last_opened_view, press, submit
from tests.test_contact_roles import contact_values
from tests.test_experiences_domain import (
    ADVISOR,
    MENTOR,
    PROTEGE,
    add_plan,
    comment_entry,
    db,  # noqa: F401  (the fixture)
    entry,
    make_team,
)
from tests.test_experiences_http import buttons, served, submission_values  # noqa: F401
from tests.test_experiences_http import command as status_command
from tests.test_logs_http import MENTOR as LOG_MENTOR
from tests.test_logs_http import PROTEGE as LOG_PROTEGE
from tests.test_logs_http import buttons as log_buttons
from tests.test_logs_http import command, file_entry, world  # noqa: F401  (the fixture)
from tests.test_plans_http import command as plan_command
from tests.test_plans_http import plan_values
from tests.test_report_secrets import read_csv

NOW = datetime(2024, 10, 15, 15, tzinfo=UTC)


def _status(session, program, team_id: int, step: str, today: date, due: date | None = None):
    """The team's status of one step (a monthly one by its due date)."""
    team = get_team(session, team_id)
    return next(
        s
        for s in team_deliverables(session, program, team, today)
        if s.deadline.key.startswith(step) and (due is None or s.due == due)
    )


def _sign(session, program, team_id: int, number: int, selection, at, other=None, focus=()):
    """The protégé sends, the mentor comments, the protégé agrees."""
    team = get_team(session, team_id)
    experiences.submit(session, program, team, number, entry(selection, other, focus), PROTEGE, at)
    sub = experiences.state_of(session, program, team, number).submission.id
    c = experiences.file_comment(session, team, number, sub, comment_entry(), MENTOR, at)
    experiences.agree(session, team, number, c.id, PROTEGE, at)


# --- 1. an "Other" experience counts once the content advisor approved it -------------------


def test_an_other_experience_beyond_the_plan_counts_only_once_approved(db, program) -> None:  # noqa: F811
    team_id = make_team(db, program)  # year one, no plan: experience 1 has no slot
    with transaction(db) as s:
        _sign(s, program, team_id, 1, None, NOW, other="A CTSO fundraiser of our own")
    today = date(2024, 10, 28)
    with db() as s:
        status = _status(s, program, team_id, "experience-1-file", today)
        assert status.done_at is None and status.state == "overdue"
        assert "content advisor to approve" in status.note
        assert experiences.awaiting_approval(s, get_team(s, team_id), 1)
    approved_at = NOW + timedelta(days=2)
    with transaction(db) as s:
        seen = experiences.state_of(s, program, get_team(s, team_id), 1).submission.id
        experiences.approve_other(s, get_team(s, team_id), 1, seen, ADVISOR, approved_at)
    with db() as s:
        status = _status(s, program, team_id, "experience-1-file", today)
        assert status.done_at == approved_at  # counted from the approval, after both signed
        assert not experiences.awaiting_approval(s, get_team(s, team_id), 1)


def test_the_advisor_approves_an_other_experience_from_the_message(served, program) -> None:  # noqa: F811
    base, services, fake, team, _ = served
    # Year one without a plan: Experience 1 is the team's own design.
    press(base, PROTEGE, experience_views.SUBMIT_OPEN, f"{team}:1")
    view = last_opened_view(fake)
    values = submission_values(
        selection="other",
        other_description={"other_description": {"type": "plain_text_input", "value": "Own"}},
    )
    status, body = submit(base, PROTEGE, view, values)
    assert status == 200 and body["response_action"] == "update", body
    [to_advisor] = fake.messages_to(ADVISOR)
    assert "own design" in to_advisor["text"]
    value = buttons(to_advisor)[experience_views.OTHER_APPROVE]
    with services.sessions() as s:
        seen = experiences.state_of(s, program, get_team(s, team), 1).submission.id
    assert value == f"{team}:1:{seen}"  # the version the advisor sees
    # The mentor cannot approve their own team's experience; nothing is recorded.
    press(base, MENTOR, experience_views.OTHER_APPROVE, value)
    with services.sessions() as s:
        assert experiences.awaiting_approval(s, get_team(s, team), 1)
    press(base, ADVISOR, experience_views.OTHER_APPROVE, value)
    with services.sessions() as s:
        assert not experiences.awaiting_approval(s, get_team(s, team), 1)
    assert "approved by your content advisor" in fake.messages_to(PROTEGE)[-1]["text"]


def test_an_other_in_an_approved_plan_slot_needs_no_second_approval(db, program) -> None:  # noqa: F811
    team_id = make_team(db, program)
    slots = [
        SlotRow(1, 1, None, "A CTSO fundraiser", "Plan it", date(2024, 10, 21)),
        SlotRow(2, 1, 7, None, "A problem-solving lesson", date(2024, 12, 2)),
        SlotRow(3, 2, 14, None, "A program flyer", date(2025, 2, 3)),
        SlotRow(4, 2, 11, None, "Recruiting plan", date(2025, 3, 3)),
    ]
    add_plan(db, program, team_id, slots)
    with transaction(db) as s:
        _sign(s, program, team_id, 1, None, NOW)
    with db() as s:
        assert not experiences.awaiting_approval(s, get_team(s, team_id), 1)
        assert _status(s, program, team_id, "experience-1-file", date(2024, 10, 28)).done_at == NOW


# --- 2. year two's six focus areas: the selections' own tags, and year one counts ------------


def test_year_two_focus_areas_count_year_one_and_only_the_manuals_tags(db, program) -> None:  # noqa: F811
    first = make_team(db, program, start=date(2023, 8, 28))
    with transaction(db) as s:
        # Selection 3 and 7 between them carry all six focus areas in the manual.
        _sign(s, program, first, 1, 3, NOW - timedelta(days=300))
        _sign(s, program, first, 2, 7, NOW - timedelta(days=200))
        end_team(s, get_team(s, first), TeamStatus.COMPLETED, "year one done", "U0STAFF", NOW)
    second = make_team(db, program, track="year2", start=date(2024, 10, 1))
    with db() as s:
        covered = experiences.team_coverage(s, program, get_team(s, second))
        assert covered.complete and covered.complete_at == NOW - timedelta(days=200)
        status = _status(s, program, second, "extra_experiences", date(2024, 12, 3))
        assert status.done_at == NOW - timedelta(days=200)


def test_focus_areas_a_protege_picks_do_not_cover_anything_unapproved(db, program) -> None:  # noqa: F811
    team_id = make_team(db, program, track="year2", start=date(2024, 10, 1))
    every = tuple(program.focus_areas)
    with transaction(db) as s:
        _sign(s, program, team_id, 1, None, NOW, other="Everything at once", focus=every)
    with db() as s:
        covered = experiences.team_coverage(s, program, get_team(s, team_id))
        assert covered.missing == every and covered.complete_at is None
        assert _status(s, program, team_id, "extra_experiences", date(2024, 12, 3)).done_at is None


# --- 3. the Communication Log is "Completed by Mentor" ----------------------------------------


def test_a_month_counts_when_the_mentor_filed_or_cosigned_its_log(world, program) -> None:  # noqa: F811
    base, services, fake, ids = world
    file_entry(base, fake, user=LOG_PROTEGE)  # the protégé's entry on October's topic
    today = date(2024, 10, 21)
    with services.sessions() as s:
        status = _status(s, program, ids["a"], "communication_log", today, date(2024, 10, 18))
    assert status.done_at is None
    [message] = [m for m in fake.messages_to(LOG_MENTOR) if log_views.CONFIRM in str(m)]
    value = log_buttons(message["blocks"])[log_views.CONFIRM]
    confirmed = datetime(2024, 10, 8, 14, tzinfo=UTC)
    object.__setattr__(services, "clock", lambda: confirmed)
    assert press(base, LOG_MENTOR, log_views.CONFIRM, value)[0] == 200
    with services.sessions() as s:
        october = _status(s, program, ids["a"], "communication_log", today, date(2024, 10, 18))
    assert october.done_at == confirmed


def test_the_shipped_file_reads_the_log_as_the_manuals_and_a_program_may_say_either() -> None:
    text = default_program_path().read_text(encoding="utf-8")
    assert load_program().settings.log_completed_by == "mentor"
    assert 'log_completed_by = "mentor"' in text
    other = text.replace('log_completed_by = "mentor"', 'log_completed_by = "either"')
    assert loads_program(other).settings.log_completed_by == "either"
    with pytest.raises(Exception, match="log_completed_by"):
        loads_program(text.replace('log_completed_by = "mentor"', 'log_completed_by = "nobody"'))


# --- 4. the log's two signatures come from 5 CSR 20-400.380 (13) ------------------------------


def test_the_two_signatures_are_credited_to_the_regulation(world) -> None:  # noqa: F811
    base, services, fake, ids = world
    file_entry(base, fake)
    [message] = fake.messages_to(LOG_PROTEGE)
    words = str(message["blocks"])
    assert "5 CSR 20-400.380 (13)" in words and "manual" not in words
    command(base, LOG_MENTOR, "log")
    hint = str(last_opened_view(fake)["blocks"][0])
    assert "5 CSR 20-400.380 (13)" in hint and "manual" not in hint
    command(base, LOG_PROTEGE, "log")  # the protégé is told the month waits on the mentor
    assert "done once they do" in str(last_opened_view(fake)["blocks"][0])


# --- 5. completers wait for the April log ------------------------------------------------------


def test_the_completers_list_is_final_only_after_the_april_log(served, program) -> None:  # noqa: F811
    base, services, fake, team, _ = served
    assert completers_date(program) == date(2025, 4, 21)  # the school day after Fri, Apr 18
    text = default_program_path().read_text(encoding="utf-8")
    literal = loads_program(
        text.replace(
            "completers_wait_for_deliverables = true", "completers_wait_for_deliverables = false"
        )
    )
    assert completers_date(literal) == date(2025, 4, 14)  # the calendar's own date
    object.__setattr__(services, "clock", lambda: datetime(2025, 4, 14, 15, tzinfo=UTC))
    _, answer = status_command(base, ADVISOR, "completers")
    assert "final on Mon, Apr 21" in str(answer)
    object.__setattr__(services, "clock", lambda: datetime(2025, 4, 22, 15, tzinfo=UTC))
    _, answer = status_command(base, ADVISOR, "completers")
    assert "final on" not in str(answer) and "(of 1)" in answer["text"]


# --- 6. the Contact Form is the team's step of one program year --------------------------------


def _file_contact(base, fake, user: str) -> None:
    press(base, user, CONTACT_OPEN, "")
    status, body = submit(base, user, last_opened_view(fake), contact_values())
    assert status == 200 and not (body or {}).get("errors"), body


def test_contact_form_is_per_year_and_outlives_a_mentor_change(served, program) -> None:  # noqa: F811
    base, services, fake, team, _ = served
    last_year = datetime(2024, 5, 2, 15, tzinfo=UTC)  # filed for 2023-24
    with transaction(services.sessions) as s:
        t = get_team(s, team)
        t.mentor.contact_filed_at = t.protege.contact_filed_at = last_year
    today = date(2024, 10, 18)
    with services.sessions() as s:
        status = _status(s, program, team, "contact_form", today)
    assert status.done_at is None and status.holders == ("mentor", "protege")
    _file_contact(base, fake, PROTEGE)
    _file_contact(base, fake, MENTOR)
    with services.sessions() as s:
        status = _status(s, program, team, "contact_form", today)
        assert status.done_at == datetime(2024, 10, 18, 15, tzinfo=UTC)  # this year's filing
    # Staff replace the mentor: the new one has filed nothing, the team stays done.
    with transaction(services.sessions) as s:
        t = get_team(s, team)
        new = get_or_create_person(s, "U0NEWMENTOR", datetime(2024, 11, 1, tzinfo=UTC))
        replace_member(s, t, "mentor", new, "moved away", "U0STAFF", datetime.now(UTC))
    with services.sessions() as s:
        status = _status(s, program, team, "contact_form", date(2024, 11, 4))
        assert status.state == "done"


# --- 7. a track has its own plan shape ---------------------------------------------------------


def test_year_two_plans_in_its_own_shape(app_server, standin, program) -> None:
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: datetime(2024, 10, 1, 15, tzinfo=UTC))
    team = make_team(services.sessions, program, track="year2", start=date(2024, 10, 1))
    plan_command(base, PROTEGE, "plan")
    view = last_opened_view(fake)
    shown = str(view["blocks"])
    assert "imp_selection_3" in shown and "imp_selection_4" not in shown
    assert "Second semester" not in shown and "up to three" in shown
    # One experience planned, two slots left empty: a year-two plan.
    values = {
        k: v for k, v in plan_values().items() if k.endswith("_1") and not k.startswith("imp_other")
    }
    status, body = submit(base, PROTEGE, view, values)
    assert status == 200 and body.get("response_action") == "update", body
    with services.sessions() as s:
        [slot] = current_plan(s, team, program.id).slots
        assert slot.number == 1 and slot.semester == 1
    # A slot begun and left half-filled is still an error on its field.
    plan_command(base, PROTEGE, "plan")
    half = {**values, "imp_planned_2": {"planned": {"type": "plain_text_input", "value": "x"}}}
    status, body = submit(base, PROTEGE, last_opened_view(fake), half)
    assert body["response_action"] == "errors" and "imp_selection_2" in body["errors"]


# --- 13. reports count every mentee served; the survey is a step; the Home tab follows ---------


def test_a_team_that_ended_mid_year_counts_among_mentees_served(served, program) -> None:  # noqa: F811
    base, services, fake, team, other = served
    with transaction(services.sessions) as s:
        end_team(s, get_team(s, other), TeamStatus.WITHDRAWN, "moved away", "U0STAFF", NOW)
    _, answer = status_command(base, STAFF, "report")
    assert "Preparing your report" in answer["text"]
    fake.wait_for("files.completeUploadExternal", 1, timeout=20)
    tables = [read_csv(d) for d in fake.uploads.values() if d.startswith(b"\xef\xbb\xbf")]
    summary = {row[0]: row[1] for table in tables for row in table if len(row) == 2}
    assert summary["Mentees served (protégés)"] == "2"


def test_survey_is_a_step_and_the_home_tab_follows_a_filing(served, program) -> None:  # noqa: F811
    base, services, fake, team, _ = served
    with services.sessions() as s:
        survey = _status(s, program, team, "survey-answer", date(2025, 4, 10))
    assert survey.tracked and survey.holders == ("mentor", "protege")
    before = len(fake.calls_to("views.publish"))
    press(base, PROTEGE, experience_views.SUBMIT_OPEN, f"{team}:1")
    status, body = submit(base, PROTEGE, last_opened_view(fake), submission_values())
    assert body["response_action"] == "update"
    [*_, published] = fake.wait_for("views.publish", before + 1, timeout=10)
    assert published.params["user_id"] == PROTEGE


# --- 8. meeting attendance: recorded by the advisor, counted in the status ---------------------


def test_the_advisor_records_attendance_from_the_team_card(served, program) -> None:  # noqa: F811
    base, services, fake, team, _ = served
    with services.sessions() as s:
        meeting = _status(s, program, team, "meeting", date(2024, 10, 18))
    assert meeting.tracked and meeting.state == "due" and meeting.done_at is None
    _, card = status_command(base, ADVISOR, f"team <@{PROTEGE}>")
    assert buttons(card)[meeting_views.OPEN] == str(team)
    _, card = status_command(base, MENTOR, "team")
    assert meeting_views.OPEN not in buttons(card)
    press(base, MENTOR, meeting_views.OPEN, str(team))  # refused: the mentor cannot record
    press(base, ADVISOR, meeting_views.OPEN, str(team))
    view = last_opened_view(fake)
    assert view["callback_id"] == meeting_views.CALLBACK
    block = meeting_views.block_id("meeting")
    values = {block: {"state": {"type": "radio_buttons", "selected_option": {"value": "absent"}}}}
    status, body = submit(base, ADVISOR, view, values)
    assert body["response_action"] == "update", body
    with services.sessions() as s:
        absent = _status(s, program, team, "meeting", date(2024, 10, 18))
    assert absent.state == "overdue" and "absent" in absent.note
    # Made up later: excused counts as attended.
    press(base, ADVISOR, meeting_views.OPEN, str(team))
    values[block]["state"]["selected_option"]["value"] = "excused"
    submit(base, ADVISOR, last_opened_view(fake), values)
    with services.sessions() as s:
        assert _status(s, program, team, "meeting", date(2024, 10, 18)).state == "done"
