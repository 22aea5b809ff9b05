"""Semester progress: on the calendar's progress dates each content advisor gets, per team, a
completion-only note to forward to the building administrator named on the Contact Form, and
never anything a log says (on every backend)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.status.semester import progress_dates
from schedules.duties.semester_progress import semester_progress
from storage.db import transaction
from storage.people import get_team
from tests.renamed_program import program_id
from tests.test_experiences_domain import ADVISOR, make_team
from tests.test_status import add_log

SEMESTER_ONE = date(2024, 12, 13)


def at(day: date, hour_utc: int = 15) -> datetime:
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


@pytest.fixture
def world(ticking, program):
    return (
        ticking.fake,
        ticking.factory,
        lambda now: ticking.run(program, now, (semester_progress,)),
    )


def test_the_calendar_has_two_progress_dates(program) -> None:
    found = [(p.deadline_id, p.day, p.label) for p in progress_dates(program)]
    assert found == [
        (program_id(program, "year1", "semester-1-progress"), SEMESTER_ONE, "semester one"),
        (program_id(program, "year1", "semester-2-progress"), date(2025, 3, 31), "semester two"),
    ]


def test_advisors_get_a_completion_only_note_per_team(world, program) -> None:
    fake, factory, run = world
    team = make_team(factory, program)
    make_team(factory, program, mentor="U0MENTORZ", protege="U0PROTEGEZ", advisor=None)
    with transaction(factory) as session:
        protege = get_team(session, team).protege
        protege.admin_name, protege.admin_email = "Dr. Rosa Parks", "rparks@school.example"
    add_log(factory, team, date(2024, 9, 18))
    assert run(at(date(2024, 12, 12))).outcomes == []
    result = run(at(SEMESTER_ONE))
    assert [(o.notice.recipient, o.status) for o in result.outcomes] == [(ADVISOR, "sent")]
    [message] = fake.messages_to(ADVISOR)
    body = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Semester progress for building administrators: semester one" in message["text"]
    assert "Dr. Rosa Parks" in body and "rparks@school.example" in body
    # A short summary, one part per kind of step (issue 13 §7): what an administrator counts.
    summary = next(b["text"]["text"] for b in message["blocks"][1:])
    assert summary.endswith("Mentor/Protégé Visit Report not yet · Communication Logs 1 of 3")
    assert "Individual Mentoring Plan not yet" in summary
    assert "Structured Experiences 0 of 2" in summary
    # Completion only: nothing the team wrote.
    assert "Pacing the first unit" not in body and "Weekly planning" not in body
    assert "U0PROTEGEZ" not in body  # a team with no advisor has no one to send it
    assert run(at(SEMESTER_ONE)).outcomes == []  # once


def test_a_missing_administrator_is_named_as_missing(world, program) -> None:
    fake, factory, run = world
    make_team(factory, program)
    run(at(SEMESTER_ONE))
    [message] = fake.messages_to(ADVISOR)
    assert "not on the Contact Form yet" in json.dumps(message["blocks"])
