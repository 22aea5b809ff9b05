"""A closed year over signed HTTP: nothing more is filed in its teams (a form opened before it
closed is refused on submission, on its field), and its records answer `--year` look-ups
after the deployment runs the next year's file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.access import CLOSED_YEAR
from bot.program import default_program_path, load_program, roll_program
from bot.status.progress import PROGRESS_OPEN
from bot.years.rules import open_year, plan_year
from storage.db import transaction
from storage.logs import CommunicationLog
from storage.models import Team
from tests.conftest import STAFF, serve_app
from tests.interactions import last_opened_view, press, submit
from tests.test_experiences_domain import ADVISOR, MENTOR, make_team
from tests.test_home import HOME, open_home, text
from tests.test_logs_http import command, log_values, opened
from tests.test_status import add_log
from tests.test_status_http import text_of

OCTOBER = datetime(2024, 10, 7, 15, tzinfo=UTC)  # Mon Oct 7 2024, 10:00 in Chicago
CLOSED = datetime(2025, 6, 15, 12, tzinfo=UTC)
NEXT_OCTOBER = datetime(2025, 10, 6, 15, tzinfo=UTC)


@pytest.fixture
def next_program(tmp_path: Path):
    path = tmp_path / "bmit-2025-26.toml"
    path.write_text(roll_program(default_program_path(), "2025-26").text, encoding="utf-8")
    return load_program(path)


def close_the_year(services, old, new) -> None:
    with transaction(services.sessions) as session:
        open_year(session, plan_year(session, old, new, CLOSED.date()), STAFF, CLOSED)


def test_a_form_opened_before_the_year_closed_is_refused_on_submission(
    app_server, standin, program, next_program
) -> None:
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: OCTOBER)
    make_team(services.sessions, program)
    command(base, MENTOR, "log")
    view = opened(fake)
    close_the_year(services, program, next_program)
    status, body = submit(base, MENTOR, view, log_values())
    assert status == 200
    assert body["response_action"] == "errors"
    assert CLOSED_YEAR in body["errors"].values()
    with services.sessions() as session:
        assert session.scalars(select(CommunicationLog)).first() is None


@pytest.fixture
def next_year(sqlite_url, standin, program, next_program):
    """2024-25 with one team and a log entry, closed; the app runs 2025-26."""
    fake, _ = standin
    with serve_app(sqlite_url, standin, program) as (_, old_services):
        team = make_team(old_services.sessions, program)
        add_log(old_services.sessions, team, date(2024, 9, 18))
        close_the_year(old_services, program, next_program)
    with serve_app(sqlite_url, standin, next_program) as (base, services):
        object.__setattr__(services, "clock", lambda: NEXT_OCTOBER)
        yield base, services, fake, team


def test_the_current_year_by_default_and_the_closed_one_with_year(next_year) -> None:
    base, services, _, old_team = next_year
    with services.sessions() as session:
        carried = session.scalars(select(Team).where(Team.carried_from_id == old_team)).one()
    _, now = command(base, MENTOR, "team")
    assert "Year Two" in text_of(now) and "Year One" not in text_of(now)
    _, then = command(base, MENTOR, "team --year 2024-25")
    assert "Year One" in text_of(then) and "Year Two" not in text_of(then)
    _, by_id = command(base, MENTOR, "team --year bmit-2024-25")
    assert text_of(by_id) == text_of(then)
    _, status = command(base, STAFF, "status --year 2024-25")
    assert "*1 team*" in text_of(status)
    assert carried.track == "year2"


def test_an_unknown_year_and_a_filing_command_with_year_are_refused(next_year) -> None:
    base, _, _, _ = next_year
    _, unknown = command(base, STAFF, "status --year 1999-00")
    assert "There is no program year '1999-00'" in text_of(unknown)
    assert "2025-26, 2024-25" in text_of(unknown)
    _, filing = command(base, MENTOR, "log --year 2024-25")
    assert "Only look-ups read an earlier year" in text_of(filing)
    assert "`/mentor logs`" in text_of(filing)


def test_the_closed_years_log_opens_with_year(next_year) -> None:
    base, _, fake, _ = next_year
    command(base, ADVISOR, "logs")
    assert "Weekly planning." not in str(opened(fake))  # this year's log: nothing yet
    command(base, ADVISOR, "logs --year 2024-25")
    assert "Weekly planning." in str(opened(fake))


def test_the_home_tab_shows_this_year_and_the_closed_one_a_click_away(next_year) -> None:
    base, _, fake, old_team = next_year
    home = open_home(base, fake, MENTOR)
    assert "Year Two" in text(home)
    earlier = [
        block["accessory"]
        for block in home["blocks"]
        if (block.get("accessory") or {}).get("text", {}).get("text") == "See 2024-25"
    ]
    assert [(b["action_id"], b["value"]) for b in earlier] == [(PROGRESS_OPEN, str(old_team))]
    press(base, MENTOR, PROGRESS_OPEN, str(old_team), view=HOME)
    checklist = str(last_opened_view(fake))
    assert "Year One" in checklist and "Year Two" not in checklist
    _, progress = command(base, MENTOR, "progress --year 2024-25")
    assert "Year One" in text_of(progress)


def _report_rows(fake, nth: int) -> list[str]:
    """The rows of the team table of the `nth` report the stand-in received."""
    fake.wait_for("files.completeUploadExternal", nth, timeout=20)
    tables = [d for d in fake.uploads.values() if d.startswith(b"\xef\xbb\xbfteam,")]
    assert len(tables) == nth
    return tables[-1].decode("utf-8-sig").splitlines()


def test_the_report_is_of_this_year_and_of_the_closed_one_with_year(next_year) -> None:
    base, services, fake, old_team = next_year
    with services.sessions() as session:
        carried = session.scalars(select(Team).where(Team.carried_from_id == old_team)).one()
    _, answer = command(base, STAFF, "report --year 2024-25")
    assert "Preparing your report" in text_of(answer)
    _, *rows = _report_rows(fake, 1)
    assert [row.split(",")[0] for row in rows] == [str(old_team)]
    assert "year1" in rows[0] and "year2" not in rows[0]
    _, answer = command(base, STAFF, "report")
    assert "Preparing your report" in text_of(answer)
    _, *rows = _report_rows(fake, 2)
    assert [row.split(",")[0] for row in rows] == [str(carried.id)]
    _, unknown = command(base, STAFF, "report --year 1999-00")
    assert "There is no program year '1999-00'" in text_of(unknown)
    _, refused = command(base, MENTOR, "report --year 2024-25")
    assert "is for program staff and content advisors" in text_of(refused)
