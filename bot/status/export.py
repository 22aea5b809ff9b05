"""The program report: one row per team, an annual summary, and a completion chart.

`report_head` reads what a report's batches share, `gather_batch` one batch of its teams (a
fixed number of queries); `made_report` writes the batches' rows to the files as they come
and keeps only the summary's counts (`Tally`), so a report over thousands of teams holds one
batch of rows at a time. The builders are pure functions from that data to bytes: CSV, XLSX
(`bot.status.xlsx`) and PNG (`bot.status.chart`). The annual summary carries what a state
asks for: mentees served, mentors, advisors, visits, hours together, completion and
satisfaction.
Survey answers appear only as averages and unattributed comments, only once the survey has
closed and only from five people up (bot.survey.rules.results); a report that shows them
leaves out each team's survey step, so no row says who answered.

Every cell of every file goes through `cell`: numbers and dates stay numbers and dates, and
text, whoever wrote it, never starts a formula (and is a string cell in the spreadsheet).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.program import Program, StepKind
from bot.slack.text import TypedText, formula_safe, typed
from bot.status import rules as status_domain
from bot.status import xlsx
from bot.status.deliverables import DONE, DeliverableStatus, tracked_deadlines
from bot.status.progress import step_name
from bot.survey import rules as survey_rules
from storage.experiences import current_pd_forms, current_visit_reports
from storage.logs import IS_CURRENT, CommunicationLog, contact_dates, last_contact_dates
from storage.models import Person, Team
from storage.survey import MIN_RESPONSES, RATINGS, SurveySummary

CHUNK = 100


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
class ReportHead:
    """What every batch of one report shares: its day, its columns (the steps of every
    reported team's track) and the survey over all its teams."""

    today: date
    columns: tuple[tuple[str, str], ...]  # (Deadline.key, the manual's name), calendar order
    months: tuple[str, ...]
    survey: SurveySummary
    survey_closes: date | None  # the survey's deadline for these teams; None: no survey
    tz: ZoneInfo  # the program's: a step's done date is the local day it was done


@dataclass(frozen=True)
class ReportData:
    """One batch of a report's teams, their rows read; a small report is one batch."""

    head: ReportHead
    rows: tuple[TeamRow, ...]
    # Who confirmed a step done outside Slack, by name where known (Slack id -> name).
    confirmers: dict[str, TypedText] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.head.today

    @property
    def survey(self) -> SurveySummary:
        return self.head.survey


# --- reading -------------------------------------------------------------------------------------


def gather(session: Session, program: Program, teams: Sequence[Team], today: date) -> ReportData:
    """The report on `teams`, read in one batch."""
    return gather_batch(session, program, teams, report_head(session, program, teams, today))


def report_head(
    session: Session, program: Program, teams: Sequence[survey_rules.OnTrack], today: date
) -> ReportHead:
    """What the batches of a report on `teams` share (the teams' ids and tracks suffice)."""
    tracks = {team.track for team in teams}
    survey = survey_rules.results(session, program, teams, today)
    return ReportHead(
        today=today,
        # Averages are never shown beside each team's survey step (who answered, and when).
        columns=_columns(program, tracks, with_survey=not survey.reportable),
        months=school_months(program),
        survey=survey,
        survey_closes=survey_rules.closing_day(program, tracks),
        tz=program.tz,
    )


def gather_batch(
    session: Session, program: Program, teams: Sequence[Team], head: ReportHead
) -> ReportData:
    """The rows of a batch of `head`'s teams: a fixed number of queries, whatever its size."""
    today = head.today
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
    return ReportData(
        head=head,
        rows=rows,
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


def team_header(report: ReportHead) -> list[str]:
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
    for _, name in report.columns:
        head += [f"{name}: status", f"{name}: date"]
    head += ["Communication Logs filed", "hours logged"]
    head += [f"contacts {month}" for month in report.months]
    head += ["Visit Reports", "Visit Reports confirmed", "PD hours", "last contact"]
    return head


def team_rows(data: ReportData) -> list[list[object]]:
    head, out = data.head, []
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
        for step, _ in head.columns:
            status = by_step.get(step)
            if status is None:
                line += ["", ""]
            elif status.state == DONE:
                when = status.done_at.astimezone(head.tz).date() if status.done_at else ""
                line += [_done_words(data, status), when]
            else:
                line += [status.state, status.effective_due]
        line += [row.logs_filed, _hours(row.minutes_together)]
        line += [row.contacts.get(month, 0) for month in head.months]
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


@dataclass
class Tally:
    """What the annual summary, the chart and the DM's comment count, over every batch of a
    report: counts and people's ids, never a team's rows."""

    program: Program
    teams: int = 0
    completers: int = 0
    visits_confirmed: int = 0
    minutes_together: int = 0
    logs_filed: int = 0
    pd_minutes: int = 0
    proteges: set[str] = field(default_factory=set)
    mentors: set[str] = field(default_factory=set)
    advisors: set[str] = field(default_factory=set)
    # step -> completion so far, program-wide and by area. Batches come in team order and
    # each is counted in its own order, so a step's first team (whose title and date it
    # shows: a step shared by tracks may differ by track) is the one of a single batch.
    steps: dict[str, status_domain.Completion] = field(default_factory=dict)
    by_area: dict[str, dict[str, status_domain.Completion]] = field(default_factory=dict)

    @classmethod
    def of(cls, program: Program, data: ReportData) -> Tally:
        tally = cls(program)
        tally.add(data)
        return tally

    def add(self, data: ReportData) -> None:
        by_area: dict[str, list[status_domain.TeamStanding]] = defaultdict(list)
        for row in data.rows:
            s = row.standing
            self.teams += 1
            self.completers += s.complete
            self.visits_confirmed += row.visits_confirmed
            self.minutes_together += row.minutes_together
            self.logs_filed += row.logs_filed
            self.pd_minutes += row.pd_minutes
            self.proteges.add(s.protege)
            self.mentors.add(s.mentor)
            if s.advisor:
                self.advisors.add(s.advisor)
            by_area[s.area].append(s)
        everyone = [row.standing for row in data.rows]
        _merge(self.steps, status_domain.completion_so_far(self.program, everyone, data.today))
        for area, standings in by_area.items():
            done_so_far = status_domain.completion_so_far(self.program, standings, data.today)
            _merge(self.by_area.setdefault(area, {}), done_so_far)


def _merge(
    into: dict[str, status_domain.Completion], more: Sequence[status_domain.Completion]
) -> None:
    for completion in more:
        found = into.get(completion.step)
        into[completion.step] = (
            completion
            if found is None
            else replace(
                found, done=found.done + completion.done, total=found.total + completion.total
            )
        )


def annual_summary(program: Program, data: ReportData) -> list[tuple[str, object]]:
    """What a state's annual report asks for, as (label, value) rows: one batch's."""
    return summary_rows(data.head, Tally.of(program, data))


def summary_rows(report: ReportHead, tally: Tally) -> list[tuple[str, object]]:
    """What a state's annual report asks for, as (label, value) rows."""
    program, teams, survey = tally.program, tally.teams, report.survey
    lines: list[tuple[str, object]] = [
        ("Program", program.name),
        ("School year", program.school_year),
        ("Report date", report.today),
        ("Teams", teams),
        ("Mentees served (protégés)", len(tally.proteges)),
        ("Mentors", len(tally.mentors)),
        ("Content advisors", len(tally.advisors)),
        ("Visits (observations, Visit Reports confirmed)", tally.visits_confirmed),
        ("Hours mentors and protégés spent together (logged)", _hours(tally.minutes_together)),
        ("Communication Logs filed", tally.logs_filed),
        ("Professional development hours", _hours(tally.pd_minutes)),
        ("Completers", tally.completers),
        ("Completion rate (%)", round(100 * tally.completers / teams, 1) if teams else 0.0),
        ("Survey responses", survey.responses),
    ]
    if survey.reportable:
        names = {
            "relationship": "Satisfaction: the mentoring relationship (1-5)",
            "benefits": "Satisfaction: benefits and learning (1-5)",
            "materials": "Satisfaction: program materials (1-5)",
        }
        lines += [(names[name], survey.averages[name]) for name in RATINGS]
    else:
        lines.append(("Satisfaction", _not_reported(report)))
    return lines


def _not_reported(report: ReportHead) -> str:
    """Why the survey's averages are not in this report."""
    closes = report.survey_closes
    if report.survey.responses < MIN_RESPONSES:
        return f"not reported: fewer than {MIN_RESPONSES} survey responses"
    if closes is not None and report.today <= closes:
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


# A report's file: its bytes, or (the large ones) an unnamed temporary file, open and at its
# start, whose holder closes it. A file is handed over as it is (a report made in a process of
# its own sends its descriptor, not its bytes: see handlers.fork_server), so its megabytes are
# not held twice, once on each side, at the end of a report.
ReportFile = bytes | BinaryIO


def file_bytes(file: ReportFile) -> bytes:
    """What `file` holds; an open file is read and closed."""
    if isinstance(file, bytes):
        return file
    with file:
        return file.read()


def files_bytes(files: dict[str, ReportFile]) -> dict[str, bytes]:
    """A report's files, each read (and closed)."""
    return {name: file_bytes(file) for name, file in files.items()}


def close_files(files: Iterable[ReportFile]) -> None:
    """Close the open ones: a report that failed half way leaves no file open behind it."""
    for file in files:
        if not isinstance(file, bytes):
            file.close()


class _CsvFile:
    """A CSV written row by row to a temporary file: a report's rows, kept in memory between
    its batches, would hold on to the memory each batch used and freed."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (handed over by `content`)
        # utf-8-sig: spreadsheet programs then read "protégé" correctly.
        self._text = io.TextIOWrapper(self._file, encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._text)

    def add(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self._writer.writerow([str(cell(value)) for value in row])

    def content(self) -> BinaryIO:
        """The file written, at its start: whoever takes it closes it."""
        file = self._text.detach()  # flushed, and left open
        file.seek(0)
        return file


def _csv(rows: Iterable[Sequence[object]]) -> bytes:
    out = _CsvFile()
    out.add(rows)
    return file_bytes(out.content())


def report_csv(data: ReportData) -> bytes:
    return _csv([team_header(data.head), *team_rows(data)])


def summary_csv(summary: Iterable[tuple[str, object]]) -> bytes:
    return _csv([("measure", "value"), *summary])


def _name_of(person: Person | None) -> TypedText:
    return typed(person.name if person else None)


class _Spreadsheet:
    """The spreadsheet, written row by row: the team sheet first, a batch at a time; the
    summary and the survey's comments when it is finished."""

    def __init__(self, report: ReportHead) -> None:
        self._report = report
        self._book = xlsx.Workbook()
        self._teams = self._book.sheet("Teams", freeze="B2")
        self._teams.append(team_header(report), bold=True)

    def add(self, rows: Iterable[Sequence[object]]) -> None:
        for line in rows:
            self._teams.append(map(cell, line))

    def content(self, summary: Iterable[tuple[str, object]]) -> BinaryIO:
        """The spreadsheet, written to an unnamed temporary file, at its start: whoever takes
        it closes it."""
        book, survey = self._book, self._report.survey
        sheet = book.sheet("Annual summary", widths={"A": 52, "B": 40})
        sheet.append(["Measure", "Value"], bold=True)
        for label, value in summary:
            sheet.append([cell(label), cell(value)])
        if survey.reportable and survey.comments:
            comments = book.sheet("Survey comments")
            comments.append(["Comments (unattributed)"])
            for text in survey.comments:
                comments.append([cell(typed(text))])
        out = tempfile.TemporaryFile()  # noqa: SIM115 (handed over)
        try:
            book.save(out)
            out.seek(0)
        except BaseException:
            out.close()
            raise
        return out


def report_xlsx(program: Program, data: ReportData) -> bytes:
    sheet = _Spreadsheet(data.head)
    sheet.add(team_rows(data))
    return file_bytes(sheet.content(annual_summary(program, data)))


def completion_by_area(program: Program, data: ReportData) -> tuple[list[str], list[str], list]:
    """(deliverable names, area names, percent[deliverable][area] or None): one batch's."""
    return completion_grid(Tally.of(program, data))


def completion_grid(tally: Tally) -> tuple[list[str], list[str], list]:
    """(deliverable names, area names, percent[deliverable][area] or None)."""
    program, by_area = tally.program, tally.by_area
    areas = [a.id for a in program.areas if a.id in by_area] + sorted(
        a for a in by_area if a not in {x.id for x in program.areas}
    )
    steps = sorted(tally.steps.values(), key=lambda c: (c.due, c.step))
    grid = [
        [by_area[area][c.step].percent if c.step in by_area[area] else None for area in areas]
        for c in steps
    ]
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
    """The files of a report read in one batch, as bytes."""
    return files_bytes(made_report(program, data.head, [data])[1])


def made_report(
    program: Program, report: ReportHead, batches: Iterable[ReportData]
) -> tuple[str, dict[str, ReportFile]]:
    """The comment and the files of a report, its teams read a batch at a time: each batch's
    rows are written to the CSV and the spreadsheet as they come and let go, so over
    thousands of teams the report holds one batch of rows, never them all. The team table
    (CSV) and the spreadsheet come as open files (`ReportFile`), the caller's to close."""
    table, sheet, tally = _CsvFile(), _Spreadsheet(report), Tally(program)
    table.add([team_header(report)])
    for data in batches:
        rows = team_rows(data)
        table.add(rows)
        sheet.add(rows)
        tally.add(data)
    summary = summary_rows(report, tally)
    # The chart first: the memory its drawing takes is given back before the spreadsheet is
    # zipped, rather than taken on top of it.
    chart = _chart(completion_grid(tally), report.today)
    stem = _stem(report.today)
    csv_file = table.content()
    try:
        files: dict[str, ReportFile] = {
            f"{stem}.csv": csv_file,
            f"{stem}-summary.csv": summary_csv(summary),
            f"{stem}.xlsx": sheet.content(summary),
            _chart_name(report.today): chart,
        }
    except BaseException:
        csv_file.close()
        raise
    return report_comment(report, tally), files


def _stem(today: date) -> str:
    return f"mentoring-report-{today:%Y-%m-%d}"


def _chart_name(today: date) -> str:
    return f"{_stem(today)}-completion.png"


def report_comment(report: ReportHead, tally: Tally) -> str:
    teams, today, completers = tally.teams, report.today, tally.completers
    return (
        f"Your {tally.program.name} report, as of {today:%a, %b} {today.day}: "
        f"{teams} team{'s' if teams != 1 else ''}, {completers} completer"
        f"{'s' if completers != 1 else ''}. The spreadsheet has a row per team and an "
        "annual summary sheet; the chart shows completion by deliverable and area."
    )
