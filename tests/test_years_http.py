"""A closed year over signed HTTP: nothing more is filed in its teams (a form opened before it
closed is refused on submission, on its field), and its records answer `--year` look-ups
after the deployment runs the next year's file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.access import CLOSED_YEAR
from bot.program import default_program_path, load_program, roll_program
from bot.status.progress import PROGRESS_OPEN
from bot.years.rules import open_year, plan_year
from bot.years.views import YEAR_OPEN_CALLBACK, YEAR_PREVIEW
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
from tests.test_years import seed, snapshot

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


# --- opening the next year from Slack ----------------------------------------------------------


@pytest.fixture
def offering(sqlite_url, standin, program, tmp_path: Path):
    """The deployment runs a copy of the 2024-25 file; beside it, next year's and a broken
    one. 2024-25 holds test_years' four teams (one carries, one's protégé left Slack, one
    withdrew, one finishes year two)."""
    fake, _ = standin
    current = tmp_path / "bmit-2024-25.toml"
    current.write_text(default_program_path().read_text(encoding="utf-8"), encoding="utf-8")
    rolled = roll_program(default_program_path(), "2025-26").text
    (tmp_path / "bmit-2025-26.toml").write_text(rolled, encoding="utf-8")
    (tmp_path / "broken.toml").write_text("[program]\nid = 'x'\n", encoding="utf-8")
    ids = seed(sqlite_url)
    with serve_app(sqlite_url, standin, program, program_path=current) as (base, services):
        object.__setattr__(services, "clock", lambda: CLOSED)
        yield base, services, fake, ids


def _preview_button(answer: dict) -> dict:
    [found] = [
        b["accessory"]
        for b in answer["blocks"]
        if (b.get("accessory") or {}).get("action_id") == YEAR_PREVIEW
    ]
    return found


def test_staff_preview_the_next_year_in_slack_then_open_it_once(offering) -> None:
    base, services, fake, ids = offering
    before = snapshot(services.settings.database_url)
    _, offered = command(base, STAFF, "year")
    shown = text_of(offered)
    assert "`bmit-2025-26.toml`: 2025-26 (`bmit-2025-26`), starts Aug 1, 2025" in shown
    assert "`broken.toml` cannot be opened: broken.toml: " in shown
    assert str(services.settings.program_path.parent) not in shown  # names, never paths
    assert _preview_button(offered)["value"] == "bmit-2025-26"
    assert "sample-fcs" not in shown  # another program of the same year: not a next year

    press(base, STAFF, YEAR_PREVIEW, "bmit-2025-26")
    preview = last_opened_view(fake)
    assert preview["callback_id"] == YEAR_OPEN_CALLBACK
    assert preview["submit"]["text"] == "Open 2025-26"
    blocks = json.dumps(preview["blocks"], ensure_ascii=False)
    carry = f"team {ids['carry']} (bmit, year2): <@U0MENTORA> mentoring <@U0PROTEGEA>"
    assert "*Carry into 2025-26* (1)" in blocks and carry in blocks
    assert "*Not carried, for staff to look at* (2)" in blocks
    assert f"team {ids['gone']} (bmit, year1): <@U0MENTORB> mentoring <@U0PROTEGEB>: the " in (
        blocks
    )
    assert "Slack account is deactivated" in blocks and "ended (withdrawn)" in blocks
    assert "*Completers of Year One in 2024-25* (0)" in blocks
    assert "*Completers of Year Two in 2024-25* (0)" in blocks
    assert snapshot(services.settings.database_url) == before  # a preview changes nothing

    status, answer = submit(base, STAFF, preview, {})
    assert status == 200 and answer["response_action"] == "update"
    assert "*2025-26 is open.* 1 team(s) carried into it" in text_of(answer["view"])
    with services.sessions() as session:
        carried = session.scalars(select(Team).where(Team.carried_from_id == ids["carry"])).one()
        assert (carried.program_id, carried.track) == ("bmit-2025-26", "year2")
    opened = snapshot(services.settings.database_url)
    # The same submit again (a retry, a second staff member): nothing more changes.
    _, again = submit(base, STAFF, preview, {})
    assert "2025-26 was opened on Jun 15, 2025*: nothing more changed" in text_of(again["view"])
    assert snapshot(services.settings.database_url) == opened


def test_only_staff_and_only_an_offered_file(offering) -> None:
    base, services, fake, _ = offering
    before = snapshot(services.settings.database_url)
    _, refused = command(base, MENTOR, "year")
    assert "Only program staff can use `/mentor year`" in text_of(refused)
    opened = len(fake.calls_to("views.open"))
    press(base, MENTOR, YEAR_PREVIEW, "bmit-2025-26")
    [told] = fake.calls_to("chat.postEphemeral")[-1:]
    assert told.params["text"] == "Only program staff can open the next school year."
    press(base, STAFF, YEAR_PREVIEW, "../../etc/passwd")
    assert "no longer offered" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    assert len(fake.calls_to("views.open")) == opened
    # A preview opened by staff, submitted by someone else or with another program named.
    press(base, STAFF, YEAR_PREVIEW, "bmit-2025-26")
    preview = last_opened_view(fake)
    _, answer = submit(base, MENTOR, preview, {})
    assert "Only program staff" in text_of(answer["view"])
    _, answer = submit(base, STAFF, preview, {}, private_metadata='{"program": "bmit-1999"}')
    assert "no longer offered" in text_of(answer["view"])
    _, answer = submit(base, STAFF, preview, {}, private_metadata='{"program": "../x"}')
    assert "out of date" in text_of(answer["view"])
    assert snapshot(services.settings.database_url) == before
