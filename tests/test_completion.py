"""Completion summaries: each member of a team that did every deliverable of its track gets
theirs once, from the track's completers date, as a DM with the steps and dates; its button
sends the same as a file to keep.

The program here is the shipped one cut down to two deliverables (the Contact Form and the
survey), so that a team can complete them in a few lines."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.completion.views import DOWNLOAD
from bot.meetings.rules import record_attendance
from bot.platform.slack_client import scheduler_client
from bot.program import load_program
from bot.program.loader import default_program_path
from bot.status.deliverables import member_meetings
from schedules.duties.completion import completion_summaries
from schedules.tick import tick
from storage.db import transaction
from storage.meetings import Attendance
from storage.people import get_team
from storage.survey import record_response
from tests.conftest import STAFF, SkippingClock, make_settings, serve_app
from tests.interactions import press
from tests.test_experiences_domain import make_team
from tests.test_silence import ADVISOR, MENTOR, PROTEGE, seed

KEPT = {"contact_form", "survey", "completers", "meeting", "semester_progress", "payment"}
COMPLETERS_DAY = datetime(2025, 4, 14, 14, tzinfo=UTC)  # 9:00 in Missouri
MEETING_DAY = datetime(2024, 9, 25, 20, tzinfo=UTC)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The shipped program with only the Contact Form and the survey left to deliver."""
    parts = re.split(r"(?m)^(?=\[)", default_program_path().read_text(encoding="utf-8"))
    kept = [
        part
        for part in parts
        if not part.startswith("[[rules]]")
        and not (
            part.startswith("[[deadlines]]")
            and re.search(r'(?m)^step = "([a-z_]+)"', part).group(1) not in KEPT
        )
    ]
    path = tmp_path_factory.mktemp("program") / "small.toml"
    path.write_text("".join(kept), encoding="utf-8")
    return load_program(path)


@pytest.fixture
def world(database_url, standin, small):
    fake, api_url = standin
    for person in (MENTOR, PROTEGE, ADVISOR, STAFF, "U0OTHERM1", "U0OTHERP1"):
        fake.add_user(person)
    with serve_app(database_url, standin, small) as (base, services):
        client = scheduler_client(make_settings(database_url, api_url), clock=SkippingClock())

        def run(now: datetime):
            return tick(services.sessions, client, small, now, (completion_summaries,))

        yield base, services, fake, run


def finish(factory, program, team_id: int, survey: bool = True) -> None:
    with transaction(factory) as session:
        team = get_team(session, team_id)
        # The initial meeting counts toward completion since issue 14: the advisor recorded it.
        for meeting in member_meetings(program, team.track):
            record_attendance(
                session, program, team, meeting.key, Attendance.ATTENDED, STAFF, MEETING_DAY
            )
        for person, role in ((team.mentor, "mentor"), (team.protege, "protege")):
            person.contact_filed_at = datetime(2024, 9, 5, 15, tzinfo=UTC)
            if survey:
                record_response(
                    session,
                    program_id=program.id,
                    team_id=team_id,
                    slack_id=person.slack_id,
                    role=role,
                    ratings={"relationship": 5, "benefits": 5, "materials": 4},
                    comments=None,
                    now=datetime(2025, 4, 8, 15, tzinfo=UTC),
                )


def test_each_completer_gets_a_summary_once_and_its_file(world, small) -> None:
    base, services, fake, run = world
    team = seed(services.sessions, small)
    finish(services.sessions, small, team)
    # A second team that has not answered the survey has not completed.
    other = make_team(
        services.sessions, small, mentor="U0OTHERM1", protege="U0OTHERP1", advisor=None
    )
    finish(services.sessions, small, other, survey=False)

    assert run(COMPLETERS_DAY - timedelta(days=1)).outcomes == []  # before the completers date
    sent = run(COMPLETERS_DAY)
    assert sorted((o.notice.recipient, o.status) for o in sent.outcomes) == [
        (MENTOR, "sent"),
        (PROTEGE, "sent"),
    ]
    [message] = fake.messages_to(PROTEGE)
    assert message["text"].startswith("Congratulations: your team completed the ")
    shown = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Mentor/Protégé Contact Form: done Thu, Sep 5 (due " in shown
    assert "done Tue, Apr 8" in shown
    assert run(COMPLETERS_DAY + timedelta(days=1)).outcomes == []  # once
    assert fake.messages_to("U0OTHERM1") == []

    press(base, PROTEGE, DOWNLOAD, str(team))
    [done] = fake.wait_for("files.completeUploadExternal", 1, timeout=10)
    assert done.params["channel_id"] == PROTEGE
    [data] = [fake.uploads[f["id"]] for f in json.loads(done.params["files"])]
    text = data.decode()
    assert text.startswith(f"{small.name}, {small.school_year}: completion summary\n")
    assert "- Mentor/Protégé Contact Form: 2024-09-05 (due " in text
    assert f"Protégé: {PROTEGE}" in text and "Completed: 2025-04-08" in text

    # Someone else's summary, or a team not done: no file.
    press(base, "U0OTHERM1", DOWNLOAD, str(team))
    press(base, "U0OTHERM1", DOWNLOAD, str(other))
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
