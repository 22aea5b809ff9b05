"""Opening the next program year (`mentorbot year open`), on a real SQLite file: year one's
teams carry on in the next file's year two, the year just ended is closed and kept, a bad file
changes nothing, and running it twice changes nothing."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.program import default_program_path, load_program
from storage import accounts
from storage.db import make_engine, make_session_factory, transaction
from storage.models import ProgramYear, Team, TeamStatus
from storage.people import add_team, get_or_create_person
from storage.teams import active_team_of_protege, end_team
from storage.years import program_year
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.test_cli import env  # noqa: F401 (the fixture)
from tests.test_server import _free_port, _wait_for, run_bot

SEEDED = datetime(2024, 8, 1, tzinfo=UTC)
OPENED = "2025-06-15T12:00:00+00:00"


@pytest.fixture
def migrated(env: str) -> str:  # noqa: F811
    """A real SQLite file, migrated (`env` clears the Slack settings and points at it)."""
    assert main(["db", "upgrade"]) == 0
    return env


@pytest.fixture
def next_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The shipped 2024-25 file rolled to 2025-26 by `mentorbot program roll`."""
    out = tmp_path / "bmit-2025-26.toml"
    assert (
        main(["program", "roll", str(default_program_path()), "--to", "2025-26", "--out", str(out)])
        == 0
    )
    capsys.readouterr()
    return out


def _team(session, program_id: str, mentor: str, protege: str, track: str, advisor=None) -> Team:
    return add_team(
        session,
        program_id=program_id,
        mentor=get_or_create_person(session, mentor, SEEDED),
        protege=get_or_create_person(session, protege, SEEDED),
        advisor=get_or_create_person(session, advisor, SEEDED) if advisor else None,
        area="bmit",
        track=track,
        start_date=date(2024, 8, 26),
        created_by=None,
        now=SEEDED,
    )


def seed(url: str) -> dict[str, int]:
    """Four teams of 2024-25: one to carry, one whose protégé left Slack, one withdrawn, and
    one in year two (finished with the year)."""
    program = load_program()
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        carry = _team(session, program.id, "U0MENTORA", "U0PROTEGEA", "year1", "U0ADVISOR")
        gone = _team(session, program.id, "U0MENTORB", "U0PROTEGEB", "year1")
        ended = _team(session, program.id, "U0MENTORC", "U0PROTEGEC", "year1")
        end_team(session, ended, TeamStatus.WITHDRAWN, "moved away", "U0STAFF", SEEDED)
        second = _team(session, program.id, "U0MENTORD", "U0PROTEGED", "year2")
        accounts.record(session, "U0PROTEGEB", True, SEEDED)
        ids = {"carry": carry.id, "gone": gone.id, "ended": ended.id, "second": second.id}
    engine.dispose()
    return ids


def switched(url: str, next_file: Path, monkeypatch, capsys) -> None:
    """The year opened from the seeded one, and the deployment moved to the new file."""
    seed(url)
    assert main(["year", "open", str(next_file), "--yes", "--now", OPENED]) == 0
    monkeypatch.setenv("MENTORBOT_PROGRAM", str(next_file))
    capsys.readouterr()


def snapshot(url: str) -> list[tuple]:
    """Every team and program year, as rows: what "changes nothing" compares."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        teams = [
            (t.id, t.program_id, t.track, t.status, t.carried_from_id, t.closed_at)
            for t in session.scalars(select(Team).order_by(Team.id))
        ]
        years = [
            (y.program_id, y.opened_at, y.closed_at)
            for y in session.scalars(select(ProgramYear).order_by(ProgramYear.program_id))
        ]
    engine.dispose()
    return teams + years


def test_the_preview_lists_everything_and_changes_nothing(migrated, next_file, capsys) -> None:
    ids = seed(migrated)
    before = snapshot(migrated)
    assert main(["year", "open", str(next_file)]) == 0
    out = capsys.readouterr().out
    assert snapshot(migrated) == before
    assert "a preview, nothing is changed" in out
    assert f"team {ids['carry']} (bmit, year1): mentor U0MENTORA, protégé U0PROTEGEA" in out
    assert "Carry into 2025-26 (1 team(s)):" in out
    assert f"team {ids['gone']} (bmit, year1): mentor U0MENTORB, protégé U0PROTEGEB: the " in out
    assert "protégé's Slack account is deactivated" in out
    assert f"team {ids['ended']} (bmit, year1): mentor U0MENTORC, protégé U0PROTEGEC: ended" in out
    assert "Finished the program's last track in 2024-25: 1" in out
    assert "Completers of 2024-25, for recognition:\n  Year One: 0\n  Year Two: 0" in out
    assert f"MENTORBOT_PROGRAM={next_file}" in out


def test_opening_carries_year_one_closes_the_year_and_twice_is_once(
    migrated, next_file, capsys
) -> None:
    ids = seed(migrated)
    assert main(["year", "open", str(next_file), "--yes", "--now", OPENED]) == 0
    assert "done." in capsys.readouterr().out
    engine = make_engine(migrated)
    with make_session_factory(engine)() as session:
        teams = {t.id: t for t in session.scalars(select(Team))}
        (carried,) = [t for t in teams.values() if t.program_id == "bmit-2025-26"]
        old = teams[ids["carry"]]
        assert (carried.track, carried.carried_from_id, carried.status) == (
            "year2",
            old.id,
            TeamStatus.ACTIVE,
        )
        assert (carried.mentor_id, carried.protege_id, carried.advisor_id) == (
            old.mentor_id,
            old.protege_id,
            old.advisor_id,
        )
        assert carried.start_date == date(2025, 8, 1)
        assert carried.closed_at is None
        closed = [t for t in teams.values() if t.program_id == "bmit-2024-25"]
        assert len(closed) == 4
        assert all(t.closed_at == datetime.fromisoformat(OPENED) for t in closed)
        kept = program_year(session, "bmit-2024-25")
        assert kept is not None and kept.closed_at is not None and "bmit-2024-25" in kept.source
        opened = program_year(session, "bmit-2025-26")
        assert opened is not None and opened.follows == "bmit-2024-25"
    engine.dispose()

    after = snapshot(migrated)
    assert main(["year", "open", str(next_file), "--yes"]) == 0
    assert "2025-26 was opened on 2025-06-15: nothing to change." in capsys.readouterr().out
    assert snapshot(migrated) == after


def test_after_the_switch_the_same_command_still_changes_nothing(
    migrated, next_file, capsys, monkeypatch
) -> None:
    switched(migrated, next_file, monkeypatch, capsys)
    after = snapshot(migrated)
    assert main(["year", "open", str(next_file), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "nothing to change" in out and "Carried earlier: 1 team(s)." in out
    assert snapshot(migrated) == after


def test_a_bad_file_changes_nothing_and_says_why_in_one_line(
    migrated, next_file, tmp_path, capsys
) -> None:
    seed(migrated)
    before = snapshot(migrated)
    broken = tmp_path / "broken.toml"
    broken.write_text(next_file.read_text().replace('school_year = "2025-26"', "school_year = 7"))
    assert main(["year", "open", str(broken), "--yes"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith(f"mentorbot: {broken}: program.school_year")
    # The current year's own file again is no next year.
    assert main(["year", "open", str(default_program_path()), "--yes"]) == 2
    err = capsys.readouterr().err.strip()
    assert "is the program this deployment runs" in err and len(err.splitlines()) == 1
    assert main(["year", "open", str(tmp_path / "missing.toml"), "--yes"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert snapshot(migrated) == before


def test_the_carried_team_hears_the_year_two_welcome_once(
    migrated, next_file, capsys, monkeypatch
) -> None:
    switched(migrated, next_file, monkeypatch, capsys)
    # The first school day of the new program year, mid-morning in Missouri.
    first_day = "2025-08-04T15:00:00+00:00"
    assert main(["tick", "--dry-run", "--now", first_day]) == 0
    welcomed = [
        line.split()
        for line in capsys.readouterr().out.splitlines()
        if line.split()[1:2] == ["welcome_year2"]
    ]
    assert sorted(words[2] for words in welcomed) == ["U0ADVISOR", "U0MENTORA", "U0PROTEGEA"]
    assert all(words[0] == "sent" for words in welcomed)
    assert main(["tick", "--dry-run", "--now", first_day]) == 0
    assert "welcome_year2" not in capsys.readouterr().out


def test_a_protege_not_carried_can_be_paired_again_in_the_new_year(migrated, next_file) -> None:
    ids = seed(migrated)
    engine = make_engine(migrated)
    sessions = make_session_factory(engine)
    with sessions() as session:
        left = session.get(Team, ids["gone"])
        assert active_team_of_protege(session, left.protege_id) is not None
    assert main(["year", "open", str(next_file), "--yes", "--now", OPENED]) == 0
    with sessions() as session:
        left = session.get(Team, ids["gone"])
        carried = session.get(Team, ids["carry"])
        assert active_team_of_protege(session, left.protege_id) is None
        assert active_team_of_protege(session, carried.protege_id).program_id == "bmit-2025-26"
    engine.dispose()


def test_run_warns_at_start_when_the_program_file_names_a_closed_year(
    migrated, next_file, standin, capsys
) -> None:
    fake, api_url = standin
    seed(migrated)
    assert main(["year", "open", str(next_file), "--yes", "--now", OPENED]) == 0
    port = _free_port()
    variables = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "PORT": str(port),
    }
    process = run_bot(variables)
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 30) == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
    [warning] = [line for line in output.splitlines() if "MENTORBOT_PROGRAM names" in line]
    assert "WARNING" in warning
    assert "2024-25 (bmit-2024-25), closed on 2025-06-15 by `mentorbot year open`" in warning
    assert "Set MENTORBOT_PROGRAM to the next year's file (2025-26, bmit-2025-26)" in warning
