"""Several programs at once: BMIT and the FCS sample side by side in one deployment."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.access import Viewer
from bot.across.lookup import asker_services, member_programs
from bot.cli import main
from bot.platform.config import ConfigError, load_settings
from bot.platform.services import Services
from bot.program import Program, ProgramError, default_program_path, load_program, load_programs
from schedules.duties.topic_prompts import topic_prompts
from storage.db import make_engine, make_session_factory, transaction
from storage.people import add_team, get_or_create_person
from tests.conftest import make_settings

FCS_FILE = Path(__file__).resolve().parent.parent / "bot" / "programs" / "sample-fcs-2024-25.toml"
MENTOR, BMIT_PROTEGE, FCS_PROTEGE = "U0MENTOR1", "U0PROTEGE1", "U0PROTEGE2"
FCS_MENTOR = "U0MENTOR2"
# Tue Sep 3 2024, 08:00 CDT: the first school day of September in both programs.
FIRST_DAY_0800_CDT = datetime(2024, 9, 3, 13, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def fcs() -> Program:
    return load_program(FCS_FILE)


def add(factory, program: Program, mentor: str, protege: str) -> int:
    now = datetime(2024, 8, 1, tzinfo=UTC)
    with transaction(factory) as session:
        return add_team(
            session,
            program_id=program.id,
            mentor=get_or_create_person(session, mentor, now, "M", "America/Chicago"),
            protege=get_or_create_person(session, protege, now, "P", "America/Chicago"),
            advisor=None,
            area=program.areas[0].id,
            track="year1",
            start_date=date(2024, 8, 26),
            created_by=None,
            now=now,
        ).id


# --- the tick --------------------------------------------------------------------------------


def test_each_team_gets_its_own_programs_topic_on_the_same_day(ticking, program, fcs) -> None:
    add(ticking.factory, program, MENTOR, BMIT_PROTEGE)
    add(ticking.factory, fcs, FCS_MENTOR, FCS_PROTEGE)
    result = ticking.run([program, fcs], FIRST_DAY_0800_CDT, (topic_prompts,))
    assert sorted(o.notice.recipient for o in result.outcomes if o.status == "sent") == sorted(
        [MENTOR, BMIT_PROTEGE, FCS_MENTOR, FCS_PROTEGE]
    )
    [bmit] = ticking.fake.messages_to(BMIT_PROTEGE)
    [fcs_message] = ticking.fake.messages_to(FCS_PROTEGE)
    assert bmit["text"] == "September's communication topic: Classroom Management"
    assert fcs_message["text"] == "September's communication topic: Classroom and Lab Management"
    assert "FCCLA" not in str(bmit["blocks"])
    # Running both again sends nothing more: each notice is settled once.
    assert ticking.run([program, fcs], FIRST_DAY_0800_CDT, (topic_prompts,)).outcomes == []


def test_a_person_in_both_programs_gets_one_digest(ticking, program, fcs) -> None:
    add(ticking.factory, program, MENTOR, BMIT_PROTEGE)
    add(ticking.factory, fcs, MENTOR, FCS_PROTEGE)
    result = ticking.run([program, fcs], FIRST_DAY_0800_CDT, (topic_prompts,))
    mine = [o for o in result.outcomes if o.notice.recipient == MENTOR]
    assert [o.status for o in mine] == ["sent", "sent"]  # two notices, each settled on its own
    [message] = ticking.fake.messages_to(MENTOR)  # in one message
    body = str(message["blocks"])
    assert "Classroom Management" in body and "Classroom and Lab Management" in body


def test_one_program_alone_is_the_tick_it_always_was(ticking, program, fcs) -> None:
    add(ticking.factory, program, MENTOR, BMIT_PROTEGE)
    add(ticking.factory, fcs, FCS_MENTOR, FCS_PROTEGE)
    result = ticking.run(program, FIRST_DAY_0800_CDT, (topic_prompts,))
    assert sorted(o.notice.recipient for o in result.outcomes) == [MENTOR, BMIT_PROTEGE]


# --- configuration and start ----------------------------------------------------------------


def test_programs_are_listed_or_found_in_a_folder(tmp_path: Path) -> None:
    bmit = default_program_path()
    listed = load_settings({"MENTORBOT_PROGRAMS": f"{bmit}, {FCS_FILE}"})
    assert (listed.program_path, listed.more_programs) == (bmit, (FCS_FILE,))
    folder = tmp_path / "programs"
    folder.mkdir()
    for path in (bmit, FCS_FILE):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    found = load_settings({"MENTORBOT_PROGRAMS": str(folder)})
    assert [p.name for p in (found.program_path, *found.more_programs)] == [
        bmit.name,
        FCS_FILE.name,
    ]
    one = load_settings({"MENTORBOT_PROGRAM": str(FCS_FILE)})
    assert (one.program_path, one.more_programs) == (FCS_FILE, ())


@pytest.mark.parametrize(
    "env",
    [
        {"MENTORBOT_PROGRAMS": "/nonexistent/fcs.toml"},
        {"MENTORBOT_PROGRAMS": f"{FCS_FILE},{FCS_FILE}"},
        {"MENTORBOT_PROGRAMS": str(FCS_FILE), "MENTORBOT_PROGRAM": str(FCS_FILE)},
    ],
)
def test_a_bad_list_of_programs_is_named(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="MENTORBOT_PROGRAMS"):
        load_settings(env)


def test_two_files_of_one_program_are_refused(tmp_path: Path) -> None:
    twin = tmp_path / "bmit-copy.toml"
    twin.write_text(default_program_path().read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ProgramError) as caught:
        load_programs(None, [FCS_FILE, twin])
    assert str(caught.value).startswith(f"{twin}: program.id: 'bmit-2024-25' is also the id of")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    for name in ("SLACK_BOT_TOKEN", "MENTORBOT_PROGRAM", "MENTORBOT_PROGRAMS", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_a_bad_second_file_stops_the_start_with_one_line(
    env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    bad = tmp_path / "fcs-broken.toml"
    bad.write_text(
        FCS_FILE.read_text(encoding="utf-8").replace('timezone = "America/Chicago"', ""),
        encoding="utf-8",
    )
    monkeypatch.setenv("MENTORBOT_PROGRAMS", f"{default_program_path()},{bad}")
    assert main(["tick", "--dry-run", "--now", "2024-09-03T08:00:00-05:00"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith(f"mentorbot: {bad}: program.timezone: ")


@pytest.fixture
def both_listed(env, monkeypatch: pytest.MonkeyPatch, fcs, capsys) -> None:
    """BMIT and the FCS sample in MENTORBOT_PROGRAMS, with a team in each."""
    monkeypatch.setenv("MENTORBOT_PROGRAMS", f"{default_program_path()},{FCS_FILE}")
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(env)
    factory = make_session_factory(engine)
    add(factory, load_program(), MENTOR, BMIT_PROTEGE)
    add(factory, fcs, FCS_MENTOR, FCS_PROTEGE)
    engine.dispose()
    capsys.readouterr()


def test_the_tick_command_runs_every_listed_program(both_listed, capsys) -> None:
    assert main(["tick", "--dry-run", "--now", "2024-09-03T08:00:00-05:00"]) == 0
    out = capsys.readouterr().out
    for person in (MENTOR, BMIT_PROTEGE, FCS_MENTOR, FCS_PROTEGE):
        assert person in out


def test_the_export_command_reports_one_program(both_listed, tmp_path, capsys) -> None:
    out = tmp_path / "fcs.csv"
    args = ["export", "--format", "csv", "--out", str(out), "--as-of", "2024-10-15"]
    assert main([*args, "--program", "sample-fcs-2024-25"]) == 0
    assert "wrote 1 team(s)" in capsys.readouterr().out
    [row] = out.read_text(encoding="utf-8").splitlines()[1:]
    assert row.startswith(f"2,{FCS_MENTOR},M,{FCS_PROTEGE},P,,,fcs,year1,")
    assert main([*args, "--program", "nope"]) == 2
    assert "the programs run: bmit-2024-25, sample-fcs-2024-25" in capsys.readouterr().err


# --- whose programs a request is about ---------------------------------------------------------


def test_a_persons_programs_are_their_running_teams_programs(database_url, program, fcs) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    services = Services(
        make_settings(database_url, "http://127.0.0.1:9/api/"),
        program,
        factory,
        every=(program, fcs),
    )
    add(factory, program, MENTOR, BMIT_PROTEGE)
    add(factory, fcs, MENTOR, FCS_PROTEGE)
    add(factory, fcs, FCS_MENTOR, "U0PROTEGE3")
    # A team of a program this deployment no longer lists: not one of the person's programs.
    add(factory, replace(fcs, id="gone-2024-25"), FCS_MENTOR, "U0PROTEGE4")

    def ids(person: str) -> list[str]:
        return [one.program.id for one in member_programs(services, person)]

    assert ids(MENTOR) == [program.id, fcs.id]
    assert ids(FCS_MENTOR) == [fcs.id]
    assert member_programs(services, "U0NOBODY") == (services,)  # no team: as they are
    member = asker_services(services, Viewer(FCS_MENTOR, frozenset({"mentor"})))
    assert member.program is fcs and member.programs == (fcs,)
    assert asker_services(services, Viewer(MENTOR, frozenset({"mentor"}))) is services
    assert asker_services(services, Viewer("U0NOBODY", frozenset())) is services
    # Staff views go across every program, whatever teams the staff member is on.
    staff = Viewer(FCS_MENTOR, frozenset({"staff", "mentor"}))
    assert asker_services(services, staff) is services
    # One program alone: always that one, without asking the database.
    alone = Services(services.settings, fcs, factory)
    assert member_programs(alone, MENTOR) == (alone,)
    engine.dispose()
