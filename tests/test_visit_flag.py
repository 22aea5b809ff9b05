"""The Visit Report under the program file's other reading, "flag" (issue 14, item 11): a
visit dated after the first semester is filed, and its content advisor sees it marked on the
team's checklist. The shipped file's reading, "error", is tested in test_manual_forms."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.reports import views
from tests.interactions import last_opened_view, press, submit
from tests.test_experiences_domain import ADVISOR, MENTOR, PROTEGE, make_team
from tests.test_experiences_http import buttons
from tests.test_manual_forms import program_with
from tests.test_reports_http import visit_values

JANUARY = datetime(2025, 1, 15, 16, tzinfo=UTC)


@pytest.fixture
def program():
    return program_with(
        'visit_outside_first_semester = "error"', 'visit_outside_first_semester = "flag"'
    )


def test_a_late_visit_is_filed_and_flagged_for_the_advisor(app_server, standin, program) -> None:
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: JANUARY)
    team = make_team(services.sessions, program)
    press(base, MENTOR, views.VISIT_OPEN, str(team))
    status, body = submit(base, MENTOR, last_opened_view(fake), visit_values(day="2025-01-10"))
    assert body["response_action"] == "update", body
    to_protege = fake.messages_to(PROTEGE)[-1]
    assert "After the first semester" in json.dumps(to_protege["blocks"])
    press(base, PROTEGE, views.VISIT_CONFIRM, buttons(to_protege)[views.VISIT_CONFIRM])
    press(base, ADVISOR, "progress_open", str(team))
    checklist = json.dumps(last_opened_view(fake)["blocks"], ensure_ascii=False)
    assert "(visited after the first semester)" in checklist
