"""The program report: one row per team, an annual summary, and a completion chart.

`gather` reads everything once for a batch of teams (a fixed number of queries); the
builders below are pure functions from that data to bytes: CSV, XLSX (openpyxl) and PNG
(matplotlib, Agg backend: no screen). The annual summary carries what a state asks for:
mentees served, mentors, advisors, visits, hours together, completion and satisfaction.
Survey answers appear only as averages and unattributed comments, only once the survey has
closed and only from five people up (bot.survey.rules.results); a report that shows them
leaves out each team's survey step, so no row says who answered.

Every cell of every file goes through `cell`: numbers and dates stay numbers and dates, and
text, whoever wrote it, never starts a formula (and is a string cell in the spreadsheet).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.program import Program, StepKind
from bot.slack.text import TypedText, formula_safe, typed
from bot.status import rules as status_domain
from bot.status.deliverables import DONE, DeliverableStatus, tracked_deadlines
from bot.status.progress import step_name
from bot.survey import rules as survey_rules
from storage.experiences import current_pd_forms, current_visit_reports
from storage.logs import IS_CURRENT, CommunicationLog, contact_dates, last_contact_dates
from storage.models import Person, Team
from storage.survey import MIN_RESPONSES, RATINGS, SurveySummary

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

CHUNK = 500


@dataclass(frozen=True)
class TeamRow:
    standing: status_domain.TeamStanding
    mentor_name: TypedText  # Slack profile names: each person types their own
    protege_name: TypedText
    advisor_name: TypedText
    start_date: date
    logs_filed: int
    minutes_together: int
    contacts: dict[str, int]  # "YYYY-MM" -> days with a contact
    visit_reports: int
    visits_confirmed: int
    pd_minutes: int
    last_contact: date | None


@dataclass(frozen=True)
class ReportData:
    today: date
    rows: tuple[TeamRow, ...]
    columns: tuple[tuple[str, str], ...]  # (Deadline.key, the manual's name), calendar order
    months: tuple[str, ...]
    survey: SurveySummary
    survey_closes: date | None  # the survey's deadline for these teams; None: no survey
    status: status_domain.ProgramStatus
    tz: ZoneInfo  # the program's: a step's done date is the local day it was done
    # Who confirmed a step done outside Slack, by name where known (Slack id -> name).
    confirmers: dict[str, TypedText] = field(default_factory=dict)

    @property
    def completers(self) -> int:
        return sum(1 for row in self.rows if row.standing.complete)


# --- reading -------------------------------------------------------------------------------------


def gather(session: Session, program: Program, teams: Sequence[Team], today: date) -> ReportData:
    standings = status_domain.program_standings(session, program, teams, today)
    ids = [team.id for team in teams]
    logs = _log_totals(session, ids)
    contacts = _contacts_by_month(session, ids)
    visits: Counter = Counter()
    confirmed: Counter = Counter()
    pd_minutes: Counter = Counter()
    last: dict[int, date] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for report in current_visit_reports(session, chunk):
            visits[report.team_id] += 1
            confirmed[report.team_id] += report.confirmed_at is not None
        for form in current_pd_forms(session, chunk):
            pd_minutes[form.team_id] += form.minutes
        last.update(last_contact_dates(session, chunk))
    by_id = {team.id: team for team in teams}
    rows = tuple(
        TeamRow(
            standing=s,
            mentor_name=typed(by_id[s.team_id].mentor.name),
            protege_name=typed(by_id[s.team_id].protege.name),
            advisor_name=_name_of(by_id[s.team_id].advisor),
            start_date=by_id[s.team_id].start_date,
            logs_filed=logs.get(s.team_id, (0, 0))[0],
            minutes_together=logs.get(s.team_id, (0, 0))[1],
            contacts=contacts.get(s.team_id, {}),
            visit_reports=visits[s.team_id],
            visits_confirmed=confirmed[s.team_id],
            pd_minutes=pd_minutes[s.team_id],
            last_contact=last.get(s.team_id),
        )
        for s in standings
    )
    confirmers = {
        status.outside.confirmed_by for s in standings for status in s.statuses if status.outside
    }
    tracks = {team.track for team in teams}
    survey = survey_rules.results(session, program, teams, today)
    return ReportData(
        today=today,
        rows=rows,
        # Averages are never shown beside each team's survey step (who answered, and when).
        columns=_columns(program, tracks, with_survey=not survey.reportable),
        months=school_months(program),
        survey=survey,
        survey_closes=survey_rules.closing_day(program, tracks),
        status=status_domain.summarize(program, standings, today),
        tz=program.tz,
        confirmers=_names(session, confirmers),
    )


def _names(session: Session, slack_ids: set[str]) -> dict[str, TypedText]:
    found = session.execute(
        select(Person.slack_id, Person.name).where(Person.slack_id.in_(sorted(slack_ids)))
    )
    return {slack_id: typed(name) for slack_id, name in found if name}


def school_months(program: Program) -> tuple[str, ...]:
    """Every month of the program year, "YYYY-MM", from its start to its end."""
    months = []
    year, month = program.start.year, program.start.month
    while (year, month) <= (program.end.year, program.end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def _columns(program: Program, tracks: set[str], with_survey: bool) -> tuple[tuple[str, str], ...]:
    seen: dict[str, tuple[date, str]] = {}
    for track in program.tracks:
        if track.id not in tracks:
            continue
        for deadline in tracked_deadlines(program, track.id):
            if not with_survey and deadline.is_(StepKind.SURVEY):
                continue
            # One column per step, whichever track it is in.
            seen.setdefault(deadline.key, (deadline.due, step_name(program, deadline)))
    ordered = sorted(seen.items(), key=lambda item: (item[1][0], item[0]))
    return tuple((step, name) for step, (_, name) in ordered)


def _log_totals(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    out: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = session.execute(
            select(
                CommunicationLog.team_id,
                func.count(CommunicationLog.id),
                func.coalesce(func.sum(CommunicationLog.minutes), 0),
            )
            .where(CommunicationLog.team_id.in_(chunk), IS_CURRENT)
            .group_by(CommunicationLog.team_id)
        )
        out.update({team_id: (int(n), int(minutes)) for team_id, n, minutes in rows})
    return out


def _contacts_by_month(session: Session, ids: list[int]) -> dict[int, dict[str, int]]:
    """Days with a contact (a log or a check-in, one a day) per team and month."""
    days: dict[int, set[date]] = defaultdict(set)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        contacts = contact_dates(chunk)
        for team_id, day in session.execute(select(contacts.c.team_id, contacts.c.day)):
            days[team_id].add(day)
    out: dict[int, dict[str, int]] = {}
    for team_id, found in days.items():
        out[team_id] = dict(Counter(f"{day:%Y-%m}" for day in found))
    return out


# --- the team table ------------------------------------------------------------------------------


def team_header(data: ReportData) -> list[str]:
    head = [
        "team",
        "mentor",
        "mentor name",
        "protégé",
        "protégé name",
        "content advisor",
        "advisor name",
        "program area",
        "track",
        "start date",
        "standing",
        "deliverables done",
        "deliverables required",
        "completer",
    ]
    for _, name in data.columns:
        head += [f"{name}: status", f"{name}: date"]
    head += ["Communication Logs filed", "hours logged"]
    head += [f"contacts {month}" for month in data.months]
    head += ["Visit Reports", "Visit Reports confirmed", "PD hours", "last contact"]
    return head


def team_rows(data: ReportData) -> list[list[object]]:
    out = []
    for row in data.rows:
        s = row.standing
        line: list[object] = [
            s.team_id,
            s.mentor,
            row.mentor_name,
            s.protege,
            row.protege_name,
            s.advisor or "",
            row.advisor_name,
            s.area,
            s.track,
            row.start_date,
            s.standing,
            s.done,
            s.required,
            "yes" if s.complete else "no",
        ]
        by_step = {status.deadline.key: status for status in s.statuses}
        for step, _ in data.columns:
            status = by_step.get(step)
            if status is None:
                line += ["", ""]
            elif status.state == DONE:
                when = status.done_at.astimezone(data.tz).date() if status.done_at else ""
                line += [_done_words(data, status), when]
            else:
                line += [status.state, status.effective_due]
        line += [row.logs_filed, _hours(row.minutes_together)]
        line += [row.contacts.get(month, 0) for month in data.months]
        line += [row.visit_reports, row.visits_confirmed, _hours(row.pd_minutes)]
        line.append(row.last_contact or "")
        out.append(line)
    return out


def _done_words(data: ReportData, status: DeliverableStatus) -> str:
    """ "done", or "done outside Slack, confirmed by Ann Lee on Tue, Oct 22, 2024"."""
    if status.outside is None:
        return "done"
    by = status.outside.confirmed_by
    name = data.confirmers.get(by)
    return status.outside.words(name.raw() if name else by, year=True)


# --- the annual summary --------------------------------------------------------------------------


def annual_summary(program: Program, data: ReportData) -> list[tuple[str, object]]:
    """What a state's annual report asks for, as (label, value) rows."""
    rows = data.rows
    teams = len(rows)
    lines: list[tuple[str, object]] = [
        ("Program", program.name),
        ("School year", program.school_year),
        ("Report date", data.today),
        ("Teams", teams),
        ("Mentees served (protégés)", len({r.standing.protege for r in rows})),
        ("Mentors", len({r.standing.mentor for r in rows})),
        ("Content advisors", len({r.standing.advisor for r in rows if r.standing.advisor})),
        ("Visits (observations, Visit Reports confirmed)", sum(r.visits_confirmed for r in rows)),
        (
            "Hours mentors and protégés spent together (logged)",
            _hours(sum(r.minutes_together for r in rows)),
        ),
        ("Communication Logs filed", sum(r.logs_filed for r in rows)),
        ("Professional development hours", _hours(sum(r.pd_minutes for r in rows))),
        ("Completers", data.completers),
        ("Completion rate (%)", round(100 * data.completers / teams, 1) if teams else 0.0),
        ("Survey responses", data.survey.responses),
    ]
    if data.survey.reportable:
        names = {
            "relationship": "Satisfaction: the mentoring relationship (1-5)",
            "benefits": "Satisfaction: benefits and learning (1-5)",
            "materials": "Satisfaction: program materials (1-5)",
        }
        lines += [(names[name], data.survey.averages[name]) for name in RATINGS]
    else:
        lines.append(("Satisfaction", _not_reported(data)))
    return lines


def _not_reported(data: ReportData) -> str:
    """Why the survey's averages are not in this report."""
    closes = data.survey_closes
    if data.survey.responses < MIN_RESPONSES:
        return f"not reported: fewer than {MIN_RESPONSES} survey responses"
    if closes is not None and data.today <= closes:
        return f"not reported before the survey closes ({closes:%a, %b} {closes.day})"
    return f"not reported: fewer than {MIN_RESPONSES} people answered by the deadline"


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


# --- files ---------------------------------------------------------------------------------------


Cell = str | int | float | date


def cell(value: object) -> Cell:
    """What a report writes for `value`, in the CSV and the spreadsheet alike: a number or a
    date as itself, anything else as text that never starts a formula. The one way a value
    becomes a cell, so no column (a name someone typed, a program file's title) can slip."""
    if value is None:
        return ""
    if isinstance(value, int | float | date):
        return value
    if isinstance(value, TypedText):
        return value.cell()
    return formula_safe(str(value))


def _csv(rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([str(cell(value)) for value in row])
    # utf-8-sig: spreadsheet programs then read "protégé" correctly.
    return out.getvalue().encode("utf-8-sig")


def report_csv(data: ReportData) -> bytes:
    return _csv([team_header(data), *team_rows(data)])


def summary_csv(program: Program, data: ReportData) -> bytes:
    return _csv([("measure", "value"), *annual_summary(program, data)])


def _name_of(person: Person | None) -> TypedText:
    return typed(person.name if person else None)


def _row(sheet: WriteOnlyWorksheet, values: Sequence[object], bold: bool = False) -> list[object]:
    """One row of cells; text is a string cell, whatever it starts with (openpyxl would
    otherwise read a leading "=" as a formula)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    row: list[object] = []
    for value in values:
        written = WriteOnlyCell(sheet)
        written.value = cell(value)  # a date too (the stub's constructor says datetime only)
        if isinstance(written.value, str):
            written.data_type = "s"
        if bold:
            written.font = Font(bold=True)
        row.append(written)
    return row


def report_xlsx(program: Program, data: ReportData) -> bytes:
    """The spreadsheet, written row by row (a write-only workbook): a workbook held whole
    took minutes and a hundred MiB over thousands of teams."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    teams = book.create_sheet("Teams")
    teams.freeze_panes = "B2"
    teams.append(_row(teams, team_header(data), bold=True))
    for line in team_rows(data):
        teams.append(_row(teams, line))
    summary = book.create_sheet("Annual summary")
    # column widths go before the first row in a write-only sheet
    summary.column_dimensions["A"].width = 52
    summary.column_dimensions["B"].width = 40
    summary.append(_row(summary, ["Measure", "Value"], bold=True))
    for label, value in annual_summary(program, data):
        summary.append(_row(summary, [label, value]))
    if data.survey.reportable and data.survey.comments:
        comments = book.create_sheet("Survey comments")
        comments.append(_row(comments, ["Comments (unattributed)"]))
        for text in data.survey.comments:
            comments.append(_row(comments, [typed(text)]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def completion_by_area(program: Program, data: ReportData) -> tuple[list[str], list[str], list]:
    """(deliverable names, area names, percent[deliverable][area] or None)."""
    by_area: dict[str, list[status_domain.TeamStanding]] = defaultdict(list)
    for row in data.rows:
        by_area[row.standing.area].append(row.standing)
    areas = [a.id for a in program.areas if a.id in by_area] + sorted(
        a for a in by_area if a not in {x.id for x in program.areas}
    )
    per_area = {
        area: {
            c.step: c.percent
            for c in status_domain.completion_so_far(program, by_area[area], data.today)
        }
        for area in areas
    }
    steps = [c for c in data.status.completion]
    grid = [[per_area[area].get(c.step) for area in areas] for c in steps]
    names = [c.title for c in steps]
    return names, [status_domain.area_name(program, a) for a in areas], grid


def completion_chart(program: Program, data: ReportData) -> bytes:
    """A heat map: each deliverable due so far (rows) by program area (columns), in percent."""
    return _chart(completion_by_area(program, data), data.today)


def _chart(completion: tuple[list[str], list[str], list], today: date) -> bytes:
    from bot.status.chart import completion_png

    names, areas, grid = completion
    return completion_png(names, areas, grid, today)


def report_files(program: Program, data: ReportData) -> dict[str, bytes]:
    return _tables(program, data) | {_chart_name(data.today): completion_chart(program, data)}


def made_report(
    program: Program, gathered: Callable[[], ReportData | None]
) -> tuple[str, dict[str, bytes]] | None:
    """The comment and the files of the report on what `gathered()` reads (None: nothing to
    report), as `report_comment` and `report_files` make them. The data is read here and
    let go before the chart: over thousands of teams its rows are tens of MiB, and
    matplotlib, loaded for the chart, takes that memory instead of adding to it."""
    data = gathered()
    if data is None:
        return None
    comment, files = report_comment(program, data), _tables(program, data)
    completion, today = completion_by_area(program, data), data.today
    del data  # the only reference: the rows are freed here
    files[_chart_name(today)] = _chart(completion, today)
    return comment, files


def _stem(today: date) -> str:
    return f"mentoring-report-{today:%Y-%m-%d}"


def _chart_name(today: date) -> str:
    return f"{_stem(today)}-completion.png"


def _tables(program: Program, data: ReportData) -> dict[str, bytes]:
    stem = _stem(data.today)
    return {
        f"{stem}.csv": report_csv(data),
        f"{stem}-summary.csv": summary_csv(program, data),
        f"{stem}.xlsx": report_xlsx(program, data),
    }


def report_comment(program: Program, data: ReportData) -> str:
    teams = len(data.rows)
    return (
        f"Your {program.name} report, as of {data.today:%a, %b} {data.today.day}: "
        f"{teams} team{'s' if teams != 1 else ''}, {data.completers} completer"
        f"{'s' if data.completers != 1 else ''}. The spreadsheet has a row per team and an "
        "annual summary sheet; the chart shows completion by deliverable and area."
    )
