"""The command line: tick, db upgrade, program check and roll."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.cli import main
from bot.program import load_program
from storage.db import make_engine, make_session_factory, transaction
from storage.people import add_team, get_or_create_person


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path):
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "MENTORBOT_PROGRAM",
        "MENTORBOT_STAFF",
        "PORT",
        "SLACK_API_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def _one_team(url: str) -> None:
    program = load_program()
    engine = make_engine(url)
    now = datetime(2024, 8, 1, tzinfo=UTC)
    with transaction(make_session_factory(engine)) as session:
        add_team(
            session,
            program_id=program.id,
            mentor=get_or_create_person(session, "U0MENTOR1", now),
            protege=get_or_create_person(session, "U0PROTEGE1", now),
            advisor=None,
            area="bmit",
            track="year1",
            start_date=date(2024, 8, 26),
            created_by=None,
            now=now,
        )
    engine.dispose()


def test_db_upgrade_then_tick_prints_one_line_per_notice(env, capsys) -> None:
    assert main(["db", "upgrade"]) == 0
    _one_team(env)
    assert main(["tick", "--dry-run", "--now", "2024-09-03T08:00:00-05:00"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "database is up to date"
    assert sorted(line.split()[2] for line in lines[1:3]) == ["U0MENTOR1", "U0PROTEGE1"]
    assert all(line.startswith("sent") for line in lines[1:3])
    assert lines[3].startswith("2 notice(s) handled at 2024-09-03T08:00:00-05:00")
    # The ledger remembers: the same instant again sends nothing.
    assert main(["tick", "--dry-run", "--now", "2024-09-03T08:00:00-05:00"]) == 0
    assert capsys.readouterr().out.startswith("0 notice(s) handled")


def test_tick_refuses_a_bad_instant(env, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["tick", "--dry-run", "--now", "next tuesday"])
    assert exit_info.value.code == 2
    assert "not an ISO 8601 instant" in capsys.readouterr().err


def test_program_check_prints_the_calendar(capsys) -> None:
    from bot.program import default_program_path

    assert main(["program", "check", str(default_program_path())]) == 0
    out = capsys.readouterr().out
    assert "Fri 2024-10-18" in out and "Mon 2024-10-21" in out
    assert "19 experience selections" in out
    # The manual's title, and beneath it what people read in Slack and the upload setting:
    # the map staff check against the manual (issue 14 §10).
    lines = out.splitlines()
    title = lines.index(
        "  Fri 2024-10-25  Protégé uploads Experience 1 & Comment Form to Google  [protégé]"
    )
    assert lines[title + 1].strip() == (
        "the bot says “Sign-off on Experience 1 and its Mentor Comment Form”; filed in Slack "
        "instead of the manual's upload (https://forms.gle/Wf5R8thSCd2Ejz9p8)"
    )


def test_program_roll_writes_a_file_that_loads(tmp_path, capsys) -> None:
    from bot.program import default_program_path

    source = tmp_path / "bmit-2024-25.toml"
    source.write_text(default_program_path().read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["program", "roll", str(source), "--to", "2026-27"]) == 0
    rolled = load_program(tmp_path / "bmit-2026-27.toml")
    assert rolled.school_year == "2026-27"
    assert main(["program", "roll", str(source), "--to", "2026-27"]) == 2  # never overwrites
    assert "exists already" in capsys.readouterr().err


def test_import_teams_from_a_file_checks_then_stores_once(env, capsys, tmp_path) -> None:
    csv_file = tmp_path / "teams.csv"
    csv_file.write_bytes(
        b"\xef\xbb\xbfmentor,protege,advisor,area,track,start_date\n"
        b"U0MEN0001,U0PRO0001,U0ADV0001,bmit,year1,2024-09-25\n"
    )
    assert main(["import-teams", str(csv_file), "--check"]) == 0
    assert "would import 1 team(s)" in capsys.readouterr().out
    assert main(["import-teams", str(csv_file)]) == 0
    assert "imported 1 team(s); 0 already registered" in capsys.readouterr().out
    assert main(["import-teams", str(csv_file)]) == 0
    assert "imported 0 team(s); 1 already registered" in capsys.readouterr().out


def test_import_teams_refuses_a_bad_file_with_every_reason(env, capsys, tmp_path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("mentor,protégé\n".encode("latin-1"))
    assert main(["import-teams", str(latin)]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "mentor,protege,advisor,area,track,start_date\n"
        "U0MEN0001,U0PRO0001,,nowhere,year1,2024-09-25\n"
        "U0MEN0002,someone@school.example,,bmit,year1,2024-09-25\n",
        encoding="utf-8",
    )
    assert main(["import-teams", str(bad)]) == 2  # e-mails need Slack: one line, exit 2
    assert "needs SLACK_BOT_TOKEN" in capsys.readouterr().err
    bad.write_text(
        "mentor,protege,advisor,area,track,start_date\n"
        "U0MEN0001,U0PRO0001,,nowhere,year1,2024-09-25\n"
        "U0MEN0002,U0PRO0002,,bmit,year1,someday\n",
        encoding="utf-8",
    )
    assert main(["import-teams", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "line 2: area 'nowhere'" in out and "line 3: start_date 'someday'" in out
    assert "nothing imported: 2 problem(s)" in out
