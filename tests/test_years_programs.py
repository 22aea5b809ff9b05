"""The next school year when the deployment runs several programs: each program's next year is
offered and opened as that program's own (its series: the id without the year), never as
another's. Over signed HTTP (`/mentor year`) and on the command line (`year open`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.program import default_program_path, load_program, roll_program
from bot.years.files import year_before
from bot.years.rules import YearError, plan_year
from bot.years.views import YEAR_PREVIEW
from storage.models import ProgramYear, Team
from tests.conftest import STAFF, serve_app
from tests.interactions import last_opened_view, press, submit
from tests.test_cli import env  # noqa: F401 (the fixture)
from tests.test_logs_http import command
from tests.test_programs import FCS_FILE, add
from tests.test_status_http import text_of
from tests.test_years import migrated, next_file  # noqa: F401 (fixtures)
from tests.test_years_http import CLOSED

BMIT_MENTOR, BMIT_PROTEGE = "U0MENTOR1", "U0PROTEGE1"
FCS_MENTOR, FCS_PROTEGE = "U0MENTOR2", "U0PROTEGE2"


def _rolled(source: Path, folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text(roll_program(source, "2025-26").text, encoding="utf-8")
    return path


@pytest.fixture
def two_programs(sqlite_url, standin, program, tmp_path: Path):
    """BMIT and FCS run side by side, each with one year-one team; next to each program's
    file (in folders of their own), its 2025-26 file."""
    fcs = load_program(FCS_FILE)
    bmit_folder, fcs_folder = tmp_path / "bmit", tmp_path / "fcs"
    bmit_folder.mkdir(), fcs_folder.mkdir()
    current = bmit_folder / "bmit-2024-25.toml"
    current.write_text(default_program_path().read_text(encoding="utf-8"), encoding="utf-8")
    fcs_current = fcs_folder / FCS_FILE.name
    fcs_current.write_text(FCS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    _rolled(default_program_path(), bmit_folder, "bmit-2025-26.toml")
    _rolled(FCS_FILE, fcs_folder, "sample-fcs-2025-26.toml")
    with serve_app(
        sqlite_url,
        standin,
        program,
        every=(program, fcs),
        program_path=current,
        more_programs=(fcs_current,),
    ) as (base, services):
        object.__setattr__(services, "clock", lambda: CLOSED)
        teams = {
            "bmit": add(services.sessions, program, BMIT_MENTOR, BMIT_PROTEGE),
            "fcs": add(services.sessions, fcs, FCS_MENTOR, FCS_PROTEGE),
        }
        yield base, services, standin[0], teams


def test_each_program_is_offered_its_own_next_year_and_opening_one_leaves_the_other(
    two_programs,
) -> None:
    base, services, fake, teams = two_programs
    _, offered = command(base, STAFF, "year")
    shown = text_of(offered)
    assert "after 2024-25" in shown
    assert "`sample-fcs-2025-26.toml`: 2025-26 (`sample-fcs-2025-26`), starts " in shown
    assert "the next year of the FCS (Family Consumer Sciences" in shown
    assert "the next year of the BMIT (Business, Marketing" in shown
    buttons = [
        b["accessory"]["value"]
        for b in offered["blocks"]
        if (b.get("accessory") or {}).get("action_id") == YEAR_PREVIEW
    ]
    assert sorted(buttons) == ["bmit-2025-26", "sample-fcs-2025-26"]

    press(base, STAFF, YEAR_PREVIEW, "sample-fcs-2025-26")
    preview = last_opened_view(fake)
    blocks = json.dumps(preview["blocks"], ensure_ascii=False)
    assert f"team {teams['fcs']} (fcs, year2)" in blocks  # FCS's team carries …
    assert f"team {teams['bmit']} " not in blocks  # … and BMIT's is not FCS's to move
    _, answer = submit(base, STAFF, preview, {})
    assert "*2025-26 is open.* 1 team(s) carried into it" in text_of(answer["view"])

    with services.sessions() as session:
        bmit_team = session.get(Team, teams["bmit"])
        assert bmit_team is not None and bmit_team.closed_at is None
        assert session.get(Team, teams["fcs"]).closed_at is not None
        carried = session.scalars(select(Team).where(Team.carried_from_id == teams["fcs"])).one()
        assert (carried.program_id, carried.track) == ("sample-fcs-2025-26", "year2")
        closed = {y.program_id: y.closed_at for y in session.scalars(select(ProgramYear))}
    assert closed.get("sample-fcs-2024-25") is not None
    assert closed.get("bmit-2024-25") is None


def test_another_programs_next_year_is_never_offered_or_opened_as_this_ones(
    migrated,  # noqa: F811
    tmp_path,
    capsys,
) -> None:
    # The deployment runs BMIT alone; FCS's 2025-26 starts later but is not BMIT's next year.
    other = _rolled(FCS_FILE, tmp_path, "sample-fcs-2025-26.toml")
    assert main(["year", "open", str(other), "--yes"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "'sample-fcs-2025-26' is not the next year of a program this deployment runs" in err
    assert "(bmit-2024-25)" in err


def test_the_rule_itself_refuses_a_year_of_another_series(migrated, next_file) -> None:  # noqa: F811
    from bot.cli import services_from
    from bot.platform.config import load_settings

    services, _ = services_from(load_settings())
    bmit_next = load_program(next_file)
    fcs = load_program(FCS_FILE)
    assert (bmit_next.series, fcs.series) == ("bmit", "sample-fcs")
    with services.sessions() as session, pytest.raises(YearError) as refused:
        plan_year(session, fcs, bmit_next, CLOSED.date())
    assert "'bmit-2025-26' is not a year of 'sample-fcs-2024-25''s program" in str(refused.value)
    assert "must be 'sample-fcs'" in str(refused.value)


def test_a_next_year_follows_the_latest_running_year_of_its_series(program, tmp_path) -> None:
    one = load_program(_rolled(default_program_path(), tmp_path, "bmit-2025-26.toml"))
    later = tmp_path / "bmit-2026-27.toml"
    later.write_text(roll_program(default_program_path(), "2026-27").text, encoding="utf-8")
    two = load_program(later)
    assert program.series == one.series == two.series
    assert year_before(two, [program, one]) == one  # not the first of the series listed
    assert year_before(two, [one, program]) == one
    assert year_before(one, [program, two]) == program  # never a year that starts later
    assert year_before(program, [one, two]) is None
