"""The program report's files, checked cell by cell on a small fixture: the CSV and the XLSX
team table, the annual summary sheet (with the survey's five-answer rule), the chart, and
`mentorbot export` (including a path that cannot be written: one line, exit code 2)."""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.slack.text import typed
from bot.status import export
from bot.status.deliverables import OVERDUE, DeliverableStatus, tracked_deadlines
from bot.status.rules import TeamStanding, completion_so_far
from storage.db import make_engine, make_session_factory, transaction
from storage.experiences import PdStatus, PdVerification, VisitReport, VisitStatus
from storage.people import active_teams, get_team
from storage.survey import (
    REPORT_LEASE,
    ReportRun,
    SurveySummary,
    finish_report,
    record_response,
    start_report,
)
from tests.test_experiences_domain import make_team
from tests.test_status import add_check_in, add_log

TODAY = date(2024, 10, 1)
AT = datetime(2024, 9, 27, 15, tzinfo=UTC)
SURVEY_CLOSED = date(2025, 4, 15)  # the day after the survey's deadline: averages may show


@pytest.fixture
def db(database_url):
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def fixture_teams(factory, program) -> tuple[int, int]:
    first = make_team(factory, program, mentor="U0MENTORA", protege="U0PROTEGEA")
    second = make_team(
        factory, program, mentor="U0MENTORB", protege="U0PROTEGEB", advisor=None, track="year2"
    )
    add_log(factory, first, date(2024, 9, 18), minutes=45)
    add_log(factory, first, date(2024, 9, 25), minutes=30)
    add_check_in(factory, first, date(2024, 9, 25))  # same day as a log: one contact
    add_check_in(factory, first, date(2024, 8, 29))
    with transaction(factory) as session:
        session.add(
            VisitReport(
                team_id=first,
                number=1,
                version=1,
                status=VisitStatus.CONFIRMED,
                area="bmit",
                visit_date=date(2024, 9, 24),
                location="Room 12",
                topics="Classroom routines",
                strategies="Bell-ringers",
                filed_by="U0MENTORA",
                filed_at=AT,
                confirmed_by="U0PROTEGEA",
                confirmed_at=AT,
            )
        )
        session.add(
            PdVerification(
                team_id=first,
                number=1,
                version=1,
                status=PdStatus.FILED,
                area="bmit",
                pd_date=date(2024, 9, 20),
                location="District office",
                minutes=150,
                description="Assessment workshop",
                filed_by="U0PROTEGEA",
                filed_at=AT,
            )
        )
        get_team(session, first).mentor.contact_filed_at = AT
    return first, second


def gathered(factory, program, today=TODAY):
    with factory() as session:
        return export.gather(session, program, active_teams(session, program.id), today)


def test_the_csv_has_one_row_per_team_cell_by_cell(db, program) -> None:
    first, second = fixture_teams(db, program)
    data = gathered(db, program)
    rows = list(csv.reader(io.StringIO(export.report_csv(data).decode("utf-8-sig"))))
    head, one, two = rows
    cell = dict(zip(head, one, strict=True))
    assert cell["team"] == str(first)
    assert (cell["mentor"], cell["mentor name"]) == ("U0MENTORA", "Mentor A")
    assert (cell["protégé"], cell["protégé name"]) == ("U0PROTEGEA", "Protégé A")
    assert (cell["program area"], cell["track"], cell["start date"]) == (
        "bmit",
        "year1",
        "2024-08-26",
    )
    assert cell["content advisor"] == "U0ADVISOR1"
    assert cell["standing"] == "behind"  # the September forms were due Sep 25
    assert cell["Communication Log for September: status"] == "done"
    assert cell["Communication Log for September: date"] == "2024-09-10"  # when it was filed
    assert cell["Mentor/Protégé Contact Form: status"] == "overdue"  # the protégé has not
    assert cell["Mentor/Protégé Contact Form: date"] == "2024-09-25"
    assert cell["Communication Log for October: status"] in ("upcoming", "due")
    assert cell["Communication Logs filed"] == "2"
    assert cell["hours logged"] == "1.25"
    assert cell["contacts 2024-08"] == "1" and cell["contacts 2024-09"] == "2"
    assert cell["contacts 2024-10"] == "0"
    assert (cell["Visit Reports"], cell["Visit Reports confirmed"]) == ("1", "1")
    assert cell["PD hours"] == "2.5"
    assert cell["last contact"] == "2024-09-25"
    assert (cell["completer"], cell["deliverables required"]) == ("no", str(cell_count(one, head)))
    other = dict(zip(head, two, strict=True))
    assert (other["team"], other["track"], other["content advisor"]) == (str(second), "year2", "")
    assert other["Communication Logs filed"] == "0" and other["last contact"] == ""
    # Year Two has no Experience 1 steps of Year One's kind on the same dates: blank or its own.
    # Nothing since it began, but its quiet is counted from its first deadline (Sep 20):
    # seven school days by Oct 1 is not yet silence; the missing September log is behind.
    assert other["standing"] == "behind"


def cell_count(row: list[str], head: list[str]) -> int:
    return sum(
        1 for name, value in zip(head, row, strict=True) if name.endswith(": status") and value
    )


def test_the_xlsx_matches_the_csv_and_has_the_annual_summary(db, program) -> None:
    fixture_teams(db, program)
    data = gathered(db, program)
    book = load_workbook(io.BytesIO(export.report_xlsx(program, data)))
    assert book.sheetnames == ["Teams", "Annual summary"]
    sheet = book["Teams"]
    csv_rows = list(csv.reader(io.StringIO(export.report_csv(data).decode("utf-8-sig"))))
    xlsx_rows = [
        ["" if v is None else str(v.date() if hasattr(v, "date") else v) for v in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    assert [[same(v) for v in row] for row in xlsx_rows] == [[same(v) for v in r] for r in csv_rows]
    summary = {row[0]: row[1] for row in book["Annual summary"].iter_rows(values_only=True)}
    assert summary["Teams"] == 2
    assert summary["Mentees served (protégés)"] == 2
    assert summary["Mentors"] == 2 and summary["Content advisors"] == 1
    assert summary["Visits (observations, Visit Reports confirmed)"] == 1
    assert summary["Hours mentors and protégés spent together (logged)"] == 1.25
    assert summary["Communication Logs filed"] == 2
    assert summary["Professional development hours"] == 2.5
    assert summary["Completers"] == 0 and summary["Completion rate (%)"] == 0
    assert summary["Satisfaction"] == "not reported: fewer than 5 survey responses"


def same(value: str) -> object:
    """A cell as its value: the spreadsheet keeps 0.0 hours as the number 0."""
    try:
        return float(value)
    except ValueError:
        return value


def test_satisfaction_is_reported_only_from_five_answers(db, program) -> None:
    teams = [
        make_team(db, program, mentor=f"U0MENTOR{n}", protege=f"U0PROTEGE{n}") for n in range(3)
    ]

    def answer(team_id: int, who: str, rating: int, comments: str | None = None) -> None:
        with transaction(db) as session:
            record_response(
                session,
                program_id=program.id,
                team_id=team_id,
                slack_id=who,
                role="mentor",
                ratings={"relationship": rating, "benefits": rating, "materials": 3},
                comments=comments,
                now=AT,
            )

    for n in range(4):
        answer(teams[n % 3], f"U0SOMEONE{n}", 4, "Helpful" if n == 0 else None)
    data = gathered(db, program, SURVEY_CLOSED)
    assert data.survey.responses == 4 and not data.survey.reportable
    assert data.survey.averages == {} and data.survey.comments == ()
    summary = dict(export.annual_summary(program, data))
    assert "Satisfaction: the mentoring relationship (1-5)" not in summary
    answer(teams[0], "U0SOMEONE9", 5)
    data = gathered(db, program, SURVEY_CLOSED)
    summary = dict(export.annual_summary(program, data))
    assert summary["Survey responses"] == 5
    assert summary["Satisfaction: the mentoring relationship (1-5)"] == 4.2
    assert summary["Satisfaction: program materials (1-5)"] == 3.0
    book = load_workbook(io.BytesIO(export.report_xlsx(program, data)))
    assert [r[0] for r in book["Survey comments"].iter_rows(values_only=True)] == [
        "Comments (unattributed)",
        "Helpful",
    ]


def test_the_chart_is_a_png_by_deliverable_and_area(db, program) -> None:
    fixture_teams(db, program)
    data = gathered(db, program)
    names, areas, grid = export.completion_by_area(program, data)
    assert areas == ["Business, Marketing and Information Technology"]
    assert "Mentor/Protégé Contact Form" in names
    contact = grid[names.index("Mentor/Protégé Contact Form")]
    assert contact == [0]
    assert export.completion_chart(program, data).startswith(b"\x89PNG")


def test_mentorbot_export_writes_csv_and_xlsx(sqlite_url, program, tmp_path, monkeypatch, capsys):
    engine = make_engine(sqlite_url)
    fixture_teams(make_session_factory(engine), program)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    out = tmp_path / "report.csv"
    assert main(["export", "--format", "csv", "--out", str(out), "--as-of", "2024-10-01"]) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert text.startswith("team,mentor,") and len(text.splitlines()) == 3
    assert "wrote 2 team(s)" in capsys.readouterr().out
    xlsx = tmp_path / "report.xlsx"
    assert main(["export", "--format", "xlsx", "--out", str(xlsx)]) == 0
    assert load_workbook(xlsx).sheetnames == ["Teams", "Annual summary"]


def test_an_export_path_that_cannot_be_written_is_one_line_and_exit_2(
    sqlite_url, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    out = tmp_path / "no-such-dir" / "report.csv"
    assert main(["export", "--format", "csv", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write" in err[0] and "report.csv" in err[0]


def test_one_report_at_a_time_per_person_and_a_stale_lock_is_taken_over(db) -> None:
    start = datetime(2025, 5, 1, 15, tzinfo=UTC)
    with transaction(db) as session:
        first = start_report(session, "U0STAFF01", "program", start)
        assert first is not None
        assert start_report(session, "U0STAFF01", "program", start) is None
        assert start_report(session, "U0ADVISOR1", "advisor", start) is not None  # someone else
    with transaction(db) as session:
        finish_report(session, first, start + timedelta(seconds=20), "sent")
        second = start_report(session, "U0STAFF01", "program", start + timedelta(minutes=1))
        assert second is not None
    # A run that never finished (a restart mid-report) gives its lock up after the lease.
    later = start + timedelta(minutes=1) + REPORT_LEASE + timedelta(seconds=1)
    with transaction(db) as session:
        assert start_report(session, "U0STAFF01", "program", later) is not None
    with db() as session:
        runs = {r.id: r.outcome for r in session.query(ReportRun)}
    assert runs[first] == "sent" and runs[second] == "interrupted"


def test_a_name_that_looks_like_a_formula_is_exported_as_text(db, program) -> None:
    """Names come from people's own Slack profiles: no cell may start a formula."""
    first, _ = fixture_teams(db, program)
    with transaction(db) as session:
        get_team(session, first).mentor.name = '=HYPERLINK("https://x.test","click")'
    data = gathered(db, program)
    head, one, _ = list(csv.reader(io.StringIO(export.report_csv(data).decode("utf-8-sig"))))
    assert dict(zip(head, one, strict=True))["mentor name"] == (
        '\'=HYPERLINK("https://x.test","click")'
    )
    sheet = load_workbook(io.BytesIO(export.report_xlsx(program, data)))["Teams"]
    assert sheet.cell(2, head.index("mentor name") + 1).data_type == "s"


def test_a_report_read_a_team_at_a_time_is_the_report_read_at_once(db, program) -> None:
    first, second = fixture_teams(db, program)
    third = make_team(db, program, mentor="U0MENTORC", protege="U0PROTEGEC", track="year2")
    add_log(db, third, date(2024, 9, 12), minutes=60)
    with db() as session:
        teams = active_teams(session, program.id)
        head = export.report_head(session, program, teams, TODAY)
        whole = export.made_report(
            program, head, [export.gather_batch(session, program, teams, head)]
        )
        batched = export.made_report(
            program, head, (export.gather_batch(session, program, [t], head) for t in teams)
        )
    assert batched[0] == whole[0] and "3 teams" in whole[0]
    assert batched[1].keys() == whole[1].keys()
    whole_files, batched_files = export.files_bytes(whole[1]), export.files_bytes(batched[1])
    for name, content in whole_files.items():
        if name.endswith(".xlsx"):
            assert sheets(batched_files[name]) == sheets(content)
        else:
            assert batched_files[name] == content, name
    table = whole_files["mentoring-report-2024-10-01.csv"].decode("utf-8-sig").splitlines()
    assert [int(line.split(",")[0]) for line in table[1:]] == [first, second, third]
    summary_file = whole_files["mentoring-report-2024-10-01-summary.csv"].decode("utf-8-sig")
    summary = dict(csv.reader(io.StringIO(summary_file)))
    assert summary["Teams"] == "3" and summary["Communication Logs filed"] == "3"
    assert summary["Mentors"] == "3" and summary["Content advisors"] == "1"


def test_the_large_files_come_open_at_their_start_and_without_a_name(db, program) -> None:
    """The team table and the spreadsheet are handed over as files, not bytes (a report made
    in a process of its own sends their descriptors): unnamed, so nothing is left on disk."""
    fixture_teams(db, program)
    data = gathered(db, program)
    _, files = export.made_report(program, data.head, [data])
    stem = "mentoring-report-2024-10-01"
    large = [files[f"{stem}.csv"], files[f"{stem}.xlsx"]]
    try:
        for file in large:
            assert not isinstance(file, bytes) and file.tell() == 0
            assert os.fstat(file.fileno()).st_nlink == 0
        assert isinstance(files[f"{stem}-summary.csv"], bytes)
        assert isinstance(files[f"{stem}-completion.png"], bytes)
        assert export.file_bytes(large[0]) == export.report_csv(data)
        assert sheets(export.file_bytes(large[1])) == sheets(export.report_xlsx(program, data))
        assert all(not isinstance(file, bytes) and file.closed for file in large)  # once read
    finally:
        for file in large:
            if not isinstance(file, bytes):
                file.close()


def sheets(content: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def test_a_steps_title_and_date_come_from_its_first_team_whichever_area_it_is_in(program):
    """A step two tracks share may differ by track (year one's Initial Meeting is year two's
    Meeting, due later): the chart's row is the first team's, in team order, as one batch
    counted every team at once, even when an area before it in the program has the step
    from a later team."""

    def due(track: str) -> DeliverableStatus:
        step = next(d for d in tracked_deadlines(program, track) if d.key == "meeting")
        return DeliverableStatus(step, step.due, step.due, step.role, (), None, None, OVERDUE, True)

    def row(team: int, area: str, statuses: list[DeliverableStatus]) -> export.TeamRow:
        standing = TeamStanding(
            team, f"U0M{team}", f"U0P{team}", None, area, "x", "behind", tuple(statuses), TODAY
        )
        return export.TeamRow(
            standing, typed(""), typed(""), typed(""), TODAY, 0, 0, {}, 0, 0, 0, None
        )

    rows = (row(1, "bmit", []), row(2, "fcs", [due("year2")]), row(3, "bmit", [due("year1")]))
    every = completion_so_far(program, [r.standing for r in rows], TODAY)
    assert len(every) == 1 and "Initial" not in every[0].title  # year two's, team 2's
    head = export.ReportHead(TODAY, (), (), SurveySummary(0, 0, {}, ()), None, program.tz)
    tally = export.Tally(program)
    tally.add(export.ReportData(head, rows))
    names, areas, grid = export.completion_grid(tally)
    assert names == [every[0].title]
    assert list(tally.steps.values()) == list(every)
    assert len(areas) == 2 and grid == [[0, 0]]
