"""Bulk import of teams from CSV: all or nothing, with every bad row named, and idempotent."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.platform.slack_users import SlackUser
from bot.program import Program
from bot.teams.rules import TeamRequest, create_team, problems, same_team_exists

COLUMNS = ("mentor", "protege", "advisor", "area", "track", "start_date")
REQUIRED = ("mentor", "protege", "area", "track", "start_date")
MAX_ROWS = 10_000
SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELD_NAMES = {
    "mentor": "mentor",
    "protege": "protégé",
    "advisor": "advisor",
    "area": "area",
    "track": "track",
    "start": "start_date",
}

# Looks a person up by Slack id or e-mail; None when Slack does not know them.
Lookup = Callable[[str], SlackUser | None]


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)  # new team ids
    unchanged: int = 0  # rows naming a team that is already registered
    problems: list[str] = field(default_factory=list)  # "line 3: …", nothing stored if any

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]


def decode(raw: bytes) -> str:
    """The file's text; a clear ValueError when it is not UTF-8 (Excel: save as CSV UTF-8)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            "the file is not UTF-8 text: save it as 'CSV UTF-8 (comma delimited)'"
        ) from None


def import_teams(
    session: Session,
    programs: Sequence[Program],
    text: str,
    lookup: Lookup,
    by: str | None,
    now: datetime,
) -> ImportReport:
    """Check every row, then store all new teams in the caller's transaction, or none. With
    several programs, a row's area says which program its team is in."""
    report = ImportReport()
    rows = _read(text, report)
    if report.problems:
        return report
    identifiers = {
        r.values[c] for r in rows for c in ("mentor", "protege", "advisor") if r.values[c]
    }
    users = {identifier: lookup(identifier) for identifier in sorted(identifiers)}
    requests: list[tuple[Program, TeamRequest, dict[str, SlackUser | None]]] = []
    protege_lines: dict[str, int] = {}
    for row in rows:
        program = _program_of(programs, row.values["area"])
        request, row_users = _request(programs, program, row, users, report)
        if request is None:
            continue
        earlier = protege_lines.setdefault(request.protege, row.line)
        if earlier != row.line:
            report.problems.append(f"line {row.line}: this protégé is also on line {earlier}")
            continue
        if same_team_exists(session, program, request):
            report.unchanged += 1
            continue
        for name, reason in problems(session, program, request, row_users).items():
            report.problems.append(f"line {row.line}: {FIELD_NAMES[name]}: {_plain(reason)}")
        requests.append((program, request, row_users))
    if report.problems:
        return report
    for program, request, row_users in requests:
        report.created.append(create_team(session, program, request, row_users, by, now).id)
    return report


def _read(text: str, report: ImportReport) -> list[_Row]:
    reader = csv.reader(io.StringIO(text.strip()))
    try:
        header = [name.strip().lower().replace("é", "e") for name in next(reader)]
    except StopIteration:
        report.problems.append("the file is empty: the first line must be " + ",".join(COLUMNS))
        return []
    except csv.Error as exc:
        report.problems.append(f"line 1: not CSV ({exc})")
        return []
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if unknown:
            parts.append("unknown " + ", ".join(c or "(empty)" for c in unknown))
        report.problems.append(
            f"line 1: the header must be {','.join(COLUMNS)} ({'; '.join(parts)})"
        )
        return []
    rows: list[_Row] = []
    seen: dict[tuple[str, ...], int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                report.problems.append(
                    f"line {line}: {len(record)} values where the header has {len(header)}"
                )
                continue
            values = {name: cell.strip() for name, cell in zip(header, record, strict=True)}
            key = tuple(values[c].lower() for c in COLUMNS)
            if key in seen:
                report.problems.append(f"line {line}: the same row as line {seen[key]}")
                continue
            seen[key] = line
            rows.append(_Row(line, values))
            if len(rows) > MAX_ROWS:
                report.problems.append(f"more than {MAX_ROWS:,} rows: split the file")
                return []
    except csv.Error as exc:
        report.problems.append(f"line {reader.line_num}: not CSV ({exc})")
    if not rows and not report.problems:
        report.problems.append("no teams below the header line")
    return rows


def _program_of(programs: Sequence[Program], area: str) -> Program:
    """The program that has the area (the first when none has: the row's error says so)."""
    return next((p for p in programs if _area(p, area) is not None), programs[0])


def _request(
    programs: Sequence[Program],
    program: Program,
    row: _Row,
    users: dict[str, SlackUser | None],
    report: ImportReport,
) -> tuple[TeamRequest | None, dict[str, SlackUser | None]]:
    values, bad = row.values, []
    for column in REQUIRED:
        if not values[column]:
            bad.append(f"{FIELD_NAMES.get(column, column)} is empty")
    ids: dict[str, str | None] = {}
    for column in ("mentor", "protege", "advisor"):
        identifier = values[column]
        if not identifier:
            ids[column] = None
            continue
        if not (SLACK_ID.match(identifier) or EMAIL.match(identifier)):
            bad.append(f"{FIELD_NAMES[column]} {identifier!r} is neither a Slack id nor an e-mail")
            ids[column] = None
            continue
        user = users.get(identifier)
        if user is None:
            bad.append(f"{FIELD_NAMES[column]} {identifier} is not in this Slack workspace")
        ids[column] = user.id if user else None
    area = _area(program, values["area"])
    if values["area"] and area is None:
        bad.append(
            f"area {values['area']!r} is not one of "
            + ", ".join(a.id for p in programs for a in p.areas)
        )
    track = _track(program, values["track"])
    if values["track"] and track is None:
        bad.append(
            f"track {values['track']!r} is not one of {', '.join(t.id for t in program.tracks)}"
        )
    start = None
    if values["start_date"]:
        try:
            start = date.fromisoformat(values["start_date"])
        except ValueError:
            bad.append(f"start_date {values['start_date']!r} is not a date like 2024-09-25")
    mentor, protege = ids["mentor"], ids["protege"]
    # a missing required value is among `bad` already; the checks tell the type checker so
    if bad or not (mentor and protege and area and track and start):
        report.problems.extend(f"line {row.line}: {reason}" for reason in bad)
        return None, {}
    request = TeamRequest(mentor, protege, ids["advisor"], area, track, start)
    by_id: dict[str, SlackUser | None] = {u.id: u for u in users.values() if u is not None}
    return request, by_id


def _area(program: Program, value: str) -> str | None:
    wanted = value.strip().lower()
    for area in program.areas:
        if wanted in (area.id.lower(), area.name.lower()):
            return area.id
    return None


def _track(program: Program, value: str) -> str | None:
    wanted = re.sub(r"[\s_-]", "", value.lower())
    aliases = {
        "1": "year1",
        "one": "year1",
        "yearone": "year1",
        "2": "year2",
        "two": "year2",
        "yeartwo": "year2",
    }
    wanted = aliases.get(wanted, wanted)
    # Both sides without spaces, dashes or underscores: "first-year" is written as it likes.
    return next(
        (t.id for t in program.tracks if re.sub(r"[\s_-]", "", t.id.lower()) == wanted), None
    )


def _plain(reason: str) -> str:
    # Rule messages are written for Slack; a report line should read the same in a terminal.
    return re.sub(r"<@([A-Z0-9]+)>", r"\1", reason)
