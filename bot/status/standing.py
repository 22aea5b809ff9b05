"""Kept standings: each team's standing stored per program year (`storage.standing`), and
summed as it is stored, so a program-wide answer reads a few dozen rows of totals (and the
overdue list the first steps of an index), instead of a recount of every team.

Nothing here decides a standing. A team's row is what the status rules say of it
(`rules.program_standings`, and what `completion_so_far`, `overdue_items` and `completers`
count of one team: `counted_so_far`, `team_overdue`, `completers`): the rules stay in one
place, and the rows are their consequence. A row is
recomputed before it is read whenever it is not fresh: when its team's inputs changed since
(every filing marks it, in the filing's own transaction), on a new day (deadlines and silence
move with the calendar), or under another program file or another release of the rules. The
scheduler keeps every row fresh ahead of the first question of the day (`refresh_all`).
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.program import Program
from bot.status import rules
from bot.status.progress import step_name
from storage import standing as stored
from storage.db import transaction
from storage.standing import Scope

# Teams computed per transaction when many are stale: bounded memory, short write locks.
BATCH = 500
# More overdue steps than one message can show (50 blocks of 3,000 characters) are counted,
# not read.
OVERDUE_READ = 2500


def basis(program: Program) -> str:
    """What the rows were computed with: the program file and the code of the rules."""
    return _basis(program)


@functools.cache
def _basis(program: Program) -> str:
    digest = hashlib.sha256(repr(program).encode())
    digest.update(_rules_code())
    return digest.hexdigest()[:64]


@functools.cache
def _rules_code() -> bytes:
    """The bot's source: a release that changes a rule recounts every standing once."""
    root = Path(rules.__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.digest()


def refresh(
    sessions: sessionmaker[Session],
    program: Program,
    today: date,
    team_ids: Sequence[int] | None = None,
) -> int:
    """Bring the standing of these teams (None: every active team) up to date; how many
    were recomputed."""
    with transaction(sessions) as session:
        stored.add_missing(session, program.id, team_ids)
        # Read before any input: a filing committed from now on leaves its row stale.
        stale = stored.stale_rows(session, program.id, team_ids, today, basis(program))
        stored.forget(session, program.id, stale.gone)
    todo = stale.todo
    ids = list(todo)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        with sessions() as session:
            computed = _compute(session, program, today, batch, todo)
        with transaction(sessions) as session:
            stored.store(session, program.id, today, basis(program), computed)
    return len(ids)


def fresh_count(session: Session, program: Program, today: date) -> int:
    """How many kept standings are up to date: the rest are counted before an answer."""
    return stored.count_fresh(session, program.id, today, basis(program))


def refresh_all(sessions: sessionmaker[Session], program: Program, today: date) -> int:
    return refresh(sessions, program, today)


def _compute(
    session: Session, program: Program, today: date, ids: list[int], counted: dict[int, int]
) -> list[stored.Computed]:
    teams = stored.teams_by_id(session, ids)
    return [
        _row(program, team, counted[team.team_id], today)
        for team in rules.program_standings(session, program, teams, today)
    ]


def _row(program: Program, team: rules.TeamStanding, counted: int, today: date) -> stored.Computed:
    """One team's row: the rules' own answers about this team alone (its overdue steps are
    `rules.team_overdue`'s, read from the statuses without naming each)."""
    late = {status.deadline.key for status in team.overdue}
    steps = []
    for status in rules.counted_so_far(team, today):
        key = status.deadline.key
        overdue = key in late
        holders = rules.responsible(team, status) if overdue else ()
        steps.append(
            {
                "step": key,
                "deadline_id": status.id,
                "due": status.due,
                "done": status.done,
                "effective_due": status.effective_due if overdue else None,
                "responsible": " ".join(holders) or None,
                "waiting_on": status.waiting_on if overdue else None,
            }
        )
    return stored.Computed(
        team_id=team.team_id,
        counted=counted,
        standing=team.standing,
        done=team.done,
        required=team.required,
        complete=team.complete,
        late=len(team.overdue),
        last_activity=team.last_activity,
        steps=tuple(steps),
    )


# --- the answers --------------------------------------------------------------------------------


def program_status(
    session: Session, program: Program, scope: Scope, today: date
) -> rules.ProgramStatus:
    """`rules.summarize` of the teams in scope, from their kept standings."""
    groups: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for area, track, standing, n in stored.standing_counts(session, scope):
        groups[(area, track)][standing] += n
    return rules.ProgramStatus(
        today,
        (),
        rules.group_rows(program, groups),
        _completion(program, stored.step_counts(session, scope)),
    )


def _completion(program: Program, counts: list[stored.StepCount]) -> tuple[rules.Completion, ...]:
    """`rules.completion_so_far`, summed: each step named as the first team's track names it."""
    by_step: dict[str, list[stored.StepCount]] = defaultdict(list)
    for count in counts:
        by_step[count.step].append(count)
    out = []
    for step, parts in by_step.items():
        first = min(parts, key=lambda p: p.first_team)
        deadline = program.deadline(first.track, first.deadline_id)
        out.append(
            rules.Completion(
                first.deadline_id,
                step_name(program, deadline),
                first.due,
                sum(p.done for p in parts),
                sum(p.teams for p in parts),
                step,
            )
        )
    out.sort(key=lambda row: (row.due, row.step))
    return tuple(out)


def overdue(
    session: Session,
    program: Program,
    scope: Scope,
    today: date,
    room: Callable[[rules.OverdueList], int] = lambda _found: OVERDUE_READ,
) -> rules.OverdueList:
    """`rules.overdue_items` of the teams in scope, from their kept standings: how many there
    are, and the first ones, advisor by advisor, as many as `room` says a message of them
    could still show (none: it is full), and at most `OVERDUE_READ`."""
    totals = stored.late_totals(session, scope)
    titles: dict[tuple[str, str], str] = {}  # thousands of steps, a few dozen names

    def title(track: str, deadline_id: str) -> str:
        if (track, deadline_id) not in titles:
            titles[track, deadline_id] = step_name(program, program.deadline(track, deadline_id))
        return titles[track, deadline_id]

    items: list[rules.OverdueItem] = []
    found = rules.OverdueList((), totals.total, totals.per_advisor)
    for advisor in totals.advisors:
        limit = min(OVERDUE_READ - len(items), room(found))
        if limit <= 0:
            break
        items += [
            rules.OverdueItem(
                team_id=late.team.team_id,
                advisor=late.team.advisor,
                mentor=late.team.mentor,
                protege=late.team.protege,
                deadline_id=late.deadline_id,
                title=title(late.team.track, late.deadline_id),
                responsible=late.responsible,
                waiting_on=late.waiting_on,
                due=late.effective_due,
                days_late=(today - late.effective_due).days,
                step=late.step,
            )
            for late in stored.late_of(session, scope, advisor, limit)
        ]
        found = rules.OverdueList(tuple(items), totals.total, totals.per_advisor)
    return found


def completers(session: Session, scope: Scope) -> tuple[list[stored.People], int]:
    """`rules.completers` of the teams in scope, and how many teams were eligible."""
    return stored.complete_teams(session, scope)
