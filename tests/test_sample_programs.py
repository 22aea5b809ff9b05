"""Another program from a file alone: the FCS (FCCLA) and MASA-shaped sample files load with
`mentorbot program check` and play `mentorbot demo --program FILE`, with no code change."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.program import StepKind, load_program, loads_program, roll_program

PROGRAMS = Path(__file__).resolve().parent.parent / "bot" / "programs"
FCS = PROGRAMS / "sample-fcs-2024-25.toml"
MASA = PROGRAMS / "sample-masa-2024-25.toml"


@pytest.mark.parametrize("path", [FCS, MASA], ids=["fcs", "masa"])
def test_the_samples_pass_check_and_say_they_are_samples(path: Path, capsys) -> None:
    assert main(["program", "check", str(path)]) == 0
    out = capsys.readouterr().out
    program = load_program(path)
    assert out.startswith(f"{program.name} ({program.id}), school year 2024-25")
    assert "(sample)" in program.name
    head = path.read_text(encoding="utf-8").split("[program]")[0]
    assert head.startswith("# SAMPLE program file")


def test_the_fcs_sample_is_fccla_not_deca_or_fbla() -> None:
    program = load_program(FCS)
    assert [area.id for area in program.areas] == ["fcs"]
    words = " ".join(t.title + " " + " ".join(t.bullets) for t in program.topics)
    assert "FCCLA" in words
    assert "DECA" not in words and "FBLA" not in words
    assert {tag for s in program.experience_selections for tag in s.focus_areas} == set(
        program.focus_areas
    )
    assert str({b.name: b for b in program.breaks}["Thanksgiving break"].rule) == "4th THU of NOV"


def test_the_masa_sample_has_its_own_shape() -> None:
    program = load_program(MASA)
    assert [track.id for track in program.tracks] == ["first-year"]  # one year
    assert all(area.id.startswith("region-") for area in program.areas)
    assert program.topics == ()  # the team identifies its own topics
    assert not program.has_step("first-year", StepKind("mentoring_plan"))
    # Its own reporting dates: the meeting log by the last Friday, September to May.
    logs = program.log_due_dates()
    assert len(logs) == 9 and all(d.weekday() == 4 and d.day > 21 for d in logs)
    assert [d.role for d in program.deadlines("first-year") if d.role == "advisor"] == [
        "advisor"
    ] * 3


def test_the_masa_sample_rolls_its_first_meeting_by_its_rule() -> None:
    rolled = roll_program(MASA, "2025-26")
    program = loads_program(rolled.text)
    assert program.id == "sample-masa-2025-26"
    # The 3rd Friday of September 2025 is the 19th (not the 20th, a Saturday, by the date).
    first = program.deadline("first-year", "first-meeting")
    assert (first.due, str(first.rule)) == (dt.date(2025, 9, 19), "3rd FRI of SEP")
    assert "by its rule: 3rd FRI of SEP" in rolled.report()
    assert program.log_due_dates()[0] == dt.date(2025, 9, 26)  # the last Friday


@pytest.fixture
def root_log_level():
    """The demo quiets the root logger for its own printing; other tests keep theirs."""
    level = logging.getLogger().level
    yield
    logging.getLogger().setLevel(level)


@pytest.mark.usefixtures("root_log_level")
@pytest.mark.parametrize("path", [FCS, MASA], ids=["fcs", "masa"])
def test_the_demo_plays_a_year_over_each_sample(path: Path, capsys) -> None:
    # In this process, not a child: a worker's one core, beside the other tests' worker.
    assert main(["demo", "--program", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Mentor bot demo: {load_program(path).name}, 2024-25")
    assert "\nSummary\n" in out and "Deliverables due so far" in out
    # The BMIT scenes that ask for what the sample has not got are refused, and said so.
    assert "✗ " in out and "scripted event(s) did not fit this program" in out
    if path == FCS:
        assert "October's communication topic: FCCLA Affiliation/Leadership Conference" in out
    else:
        assert "communication topic" not in out
        assert "MASA online survey" in out
        # Its teams were imported on its one track, whose id has a dash.
        assert "Welcome to the MASA Mentor Program (sample)!" in out
