"""Opening the next program year: what carries on, what is closed, who completed.

The program is two years long. When the next school year's program file is opened, every
active team of the year-one track carries on in the next file's year-two track with the same
people (a new team that points at its year-one team); a team whose mentor or protégé has left
(their Slack account deactivated) is listed for staff instead. The year just ended is closed:
its teams become read-only and its file's text is kept, so its records stay readable. Running
it again changes nothing.

Tracks follow each other in file order: a team of a track continues in the next track of the
next year's file; a team of the last track has finished the program.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.program import Program, ProgramError, loads_program
from bot.program.loader import read_text
from bot.status.progress import step_name
from bot.status.rules import TeamStanding, completers, program_standings
from bot.years.views import PlannedTeam, YearPreview
from storage import accounts
from storage.db import transaction
from storage.models import ProgramYear, Team, TeamStatus
from storage.teams import register
from storage.years import carried_ids, close_teams, keep_year, program_teams, program_year


class YearError(Exception):
    """The next year cannot be opened from this file; str() is one line saying why."""


@dataclass(frozen=True)
class Left:
    """A team not carried on, and why (for staff)."""

    team: Team
    reason: str


@dataclass
class YearPlan:
    """What opening `new` after `old` does (or did, when `opened` is set)."""

    old: Program
    new: Program
    carry: list[Team] = field(default_factory=list)  # year-one teams to carry on
    carried: dict[int, int] = field(default_factory=dict)  # old team id -> new, done earlier
    left: list[Left] = field(default_factory=list)
    finished: list[Team] = field(default_factory=list)  # teams of the last track
    # Track id -> the track's completers in the year just ended.
    completers: dict[str, list[TeamStanding]] = field(default_factory=dict)
    opened: ProgramYear | None = None  # the new year's row, when it was opened already

    @property
    def changes_nothing(self) -> bool:
        return self.opened is not None and not self.carry


def preview_of(plan: YearPlan, file: str) -> YearPreview:
    """The plan as the Slack preview shows it (`file`: the program file's name)."""
    old, new = plan.old, plan.new

    def planned(team: Team, track: str, why: str = "") -> PlannedTeam:
        mentor, protege = team.mentor.slack_id, team.protege.slack_id
        return PlannedTeam(team.id, mentor, protege, team.area, track, why)

    def completer(s: TeamStanding) -> PlannedTeam:
        return PlannedTeam(s.team_id, s.mentor, s.protege, s.area, s.track)

    opened = plan.opened.opened_at if plan.opened is not None else None
    return YearPreview(
        file=file,
        program_id=new.id,
        school_year=new.school_year,
        old_year=old.school_year,
        carry=[planned(t, next_track(old, t.track) or t.track) for t in plan.carry],
        carried_earlier=len(plan.carried),
        left=[planned(left.team, left.team.track, left.reason) for left in plan.left],
        finished=len(plan.finished),
        completers=[
            (track.name, [completer(s) for s in plan.completers.get(track.id, [])])
            for track in old.tracks
        ],
        opened_on=opened.astimezone(new.tz).date() if opened is not None else None,
    )


def next_track(program: Program, track_id: str) -> str | None:
    """The track that follows `track_id` in file order, None for the last."""
    ids = [track.id for track in program.tracks]
    at = ids.index(track_id)
    return ids[at + 1] if at + 1 < len(ids) else None


def new_steps(program: Program, track: str) -> list[str]:
    """The names of the track's steps whose kind the track before it does not have."""
    ids = [t.id for t in program.tracks]
    at = ids.index(track)
    if at == 0:
        return []
    before = {d.step.kind for d in program.deadlines(ids[at - 1])}
    names = [step_name(program, d) for d in program.deadlines(track) if d.step.kind not in before]
    return list(dict.fromkeys(names))


def plan_year(session: Session, current: Program, new: Program, today: date) -> YearPlan:
    """What opening `new` after the deployment's `current` program would do (after it has
    moved to `new`, what it did); raises YearError when it cannot be opened."""
    old = _year_before(session, current, new)
    _check(session, old, new)
    plan = YearPlan(old, new, opened=program_year(session, new.id))
    teams = program_teams(session, old.id)
    plan.carried = carried_ids(session, [team.id for team in teams])
    gone = accounts.held(session)
    for team in teams:
        if team.status is not TeamStatus.ACTIVE:
            if team.track == old.tracks[0].id:
                plan.left.append(Left(team, f"ended ({team.status.value})"))
            continue
        onward = next_track(old, team.track)
        if onward is None:
            plan.finished.append(team)
        elif team.id in plan.carried:
            continue
        elif reason := _why_not(new, team, onward, gone):
            plan.left.append(Left(team, reason))
        else:
            plan.carry.append(team)
    judged = min(today, old.end)
    by_track: dict[str, list[TeamStanding]] = defaultdict(list)
    active = [team for team in teams if team.status is TeamStatus.ACTIVE]
    for standing in completers(program_standings(session, old, active, judged)):
        by_track[standing.track].append(standing)
    plan.completers = {track.id: by_track.get(track.id, []) for track in old.tracks}
    return plan


def preview_or_open(
    factory: sessionmaker[Session],
    current: Program,
    new: Program,
    today: date,
    by: str,
    now: datetime,
    *,
    apply: bool,
) -> YearPlan:
    """What opening `new` does; with `apply`, done and committed (twice is once). A
    preview's session is never committed. The command line and Slack both come here."""
    unit = transaction(factory) if apply else factory()
    with unit as session:
        plan = plan_year(session, current, new, today)
        if apply and not plan.changes_nothing:
            open_year(session, plan, by, now)
    return plan


def open_year(session: Session, plan: YearPlan, by: str, now: datetime) -> list[Team]:
    """Do what the plan says; returns the teams created. Twice is the same as once."""
    old, new = plan.old, plan.new
    closed = _keep(session, old)
    if closed.closed_at is None:
        closed.closed_at, closed.closed_by = now, by
    close_teams(session, old.id, now)
    opened = _keep(session, new)
    if opened.opened_at is None:
        opened.opened_at, opened.opened_by, opened.follows = now, by, old.id
    created = []
    for team in plan.carry:
        onward = next_track(old, team.track)
        assert onward is not None  # plan_year carries only teams with a next track
        carried = register(
            session,
            program_id=new.id,
            mentor=team.mentor,
            protege=team.protege,
            advisor=team.advisor,
            area=team.area,
            track=onward,
            start_date=new.start,
            by=by,
            now=now,
        )
        carried.carried_from_id = team.id
        created.append(carried)
    session.flush()
    return created


def _year_before(session: Session, current: Program, new: Program) -> Program:
    """The year `new` follows: the current program, or, once the deployment runs `new`, the
    one it was opened from (kept in the database)."""
    row = program_year(session, new.id)
    if new.id != current.id or row is None or row.follows is None:
        return current
    before = program_year(session, row.follows)
    return current if before is None else stored_program(before.program_id, before.source)


def _keep(session: Session, program: Program) -> ProgramYear:
    """The program's row; its file is read only the first time (a kept one has no file)."""
    row = program_year(session, program.id)
    if row is not None:
        return row
    return keep_year(session, program.id, program.school_year, read_text(program.source_path))


def _check(session: Session, old: Program, new: Program) -> None:
    if new.id == old.id:
        raise YearError(
            f"{new.source_path}: program.id: {new.id!r} is the program this deployment runs; "
            "open the year with the next school year's file"
        )
    if new.series != old.series:
        raise YearError(
            f"{new.source_path}: program.id: {new.id!r} is not a year of {old.id!r}'s program "
            f"(its id without the school year must be {old.series!r}, as `mentorbot program "
            "roll` writes it)"
        )
    if new.start <= old.start:
        raise YearError(
            f"{new.source_path}: program.start: {new.start.isoformat()} is not after the "
            f"current program's start ({old.start.isoformat()}, {old.school_year})"
        )
    missing = [track.id for track in old.tracks if track.id not in {t.id for t in new.tracks}]
    if missing:
        raise YearError(
            f"{new.source_path}: tracks: the current program's track {missing[0]!r} is missing"
        )
    earlier = program_year(session, old.id)
    if earlier is not None and earlier.closed_at is not None:
        follows = program_year(session, new.id)
        if follows is None or follows.follows != old.id:
            raise YearError(
                f"{old.school_year} is closed already and was not followed by {new.id!r}: "
                "run the deployment on the year that followed it"
            )


def _why_not(
    new: Program, team: Team, onward: str, gone: Mapping[str, accounts.Hold]
) -> str | None:
    for role, person in (("mentor", team.mentor), ("protégé", team.protege)):
        hold = gone.get(person.slack_id)
        if hold is not None and hold.error is None:
            return f"the {role}'s Slack account is deactivated"
        if hold is not None:
            return f"Slack cannot reach the {role} ({hold.error})"
    if team.area not in {area.id for area in new.areas}:
        return f"the next year's program has no area {team.area!r}"
    if onward not in {track.id for track in new.tracks}:
        return f"the next year's program has no track {onward!r}"
    return None


@functools.lru_cache(maxsize=8)
def stored_program(program_id: str, source: str) -> Program:
    """A recorded year's program, from the text kept when it was opened or closed."""
    try:
        return loads_program(source, f"{program_id} (kept in the database)")
    except ProgramError as exc:  # a file the loader of today refuses: say which
        raise YearError(str(exc)) from None
