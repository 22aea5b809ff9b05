"""Several programs and a closed year: `mentorbot doctor` and `mentorbot run` look at every
program MENTORBOT_PROGRAMS lists, not only the first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.program import default_program_path, roll_program
from tests.test_doctor import _doctor, env  # noqa: F401 (the fixture)
from tests.test_programs import FCS_FILE
from tests.test_server import start_output

OPENED = "2025-06-15T12:00:00+00:00"
CLOSED_BMIT = (
    "MENTORBOT_PROGRAMS lists 2024-25 (bmit-2024-25), closed on 2025-06-15 by `mentorbot year "
    "open`: nothing more can be filed in it. Put the next year's file (2025-26, bmit-2025-26) "
    "in its place in MENTORBOT_PROGRAMS and restart the bot."
)


@pytest.fixture
def bmit_closed(env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:  # noqa: F811
    """BMIT 2024-25 closed by `year open`, then listed second, after the FCS sample."""
    rolled = tmp_path / "bmit-2025-26.toml"
    rolled.write_text(roll_program(default_program_path(), "2025-26").text, encoding="utf-8")
    assert main(["year", "open", str(rolled), "--yes", "--now", OPENED]) == 0
    capsys.readouterr()
    monkeypatch.setenv("MENTORBOT_PROGRAMS", f"{FCS_FILE},{default_program_path()}")
    return rolled


def test_doctor_fails_on_a_closed_year_listed_second(bmit_closed, monkeypatch, capsys) -> None:
    code, lines = _doctor(capsys)
    assert code == 1
    assert lines["program file"] == f"FAIL  program file: {CLOSED_BMIT}"
    # The next year's file in its place: no program of the list is closed.
    monkeypatch.setenv("MENTORBOT_PROGRAMS", f"{FCS_FILE},{bmit_closed}")
    _, lines = _doctor(capsys)
    assert "closed on" not in lines["program file"]


def test_run_warns_at_start_of_a_closed_year_listed_second(bmit_closed) -> None:
    output = start_output(dict(os.environ))
    [warning] = [line for line in output.splitlines() if "MENTORBOT_PROGRAMS lists" in line]
    assert "WARNING" in warning and warning.endswith(CLOSED_BMIT)
