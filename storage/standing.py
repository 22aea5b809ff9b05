"""Each team's standing, kept per team and program year, and kept summed, so that a
program-wide status, the overdue list and the completers read a few dozen rows, not a recount
nor every team's steps.

The rows are computed by the status rules (`bot.status.standing`); this module stores them,
sums them, reads them back in aggregate, and knows when one is no longer true:
- `changes` counts the changes to a team's inputs. Every flush that adds, changes or deletes
  a row with a `team_id` (a filing, a revision, a check-in, a survey answer, a membership
  change) or the team itself bumps it, in the same transaction: nothing a person files can
  commit without its team's standing becoming stale.
- `counted` is the `changes` the stored standing was computed from; `as_of` the day it was
  computed for (a day passing a deadline or a silence threshold changes standings); `basis`
  the program and rules it was computed with. A row is fresh only when all three match.
The count a computation starts from is read before any of its inputs, so a filing that
commits during the computation leaves the row stale, never wrongly fresh.

The totals (`team_standing_groups`, `_totals`, `_late`) are the stored rows summed by area,
track, step and advisor. Storing a team takes its old share out of them and puts its new one
in, in the same transaction as its rows: they are never more or less stale than the rows.
"""

from __future__ import annotations

import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Engine,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    aliased,
    joinedload,
    mapped_column,
    sessionmaker,
)

from storage.db import conflict_insert
from storage.models import Base, Person, Team, TeamStatus


class TeamStandingRow(Base):
    """A team's standing in one program year, as of `as_of`."""

    __tablename__ = "team_standings"
    __table_args__ = (Index("ix_team_standings_program_standing", "program_id", "standing"),)

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    program_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    counted: Mapped[int] = mapped_column(Integer, default=-1)
    as_of: Mapped[date | None] = mapped_column(Date)
    basis: Mapped[str | None] = mapped_column(String(64))
    standing: Mapped[str | None] = mapped_column(String(16))
    done: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[int] = mapped_column(Integer, default=0)
    last_activity: Mapped[date | None] = mapped_column(Date)
    # The team's group when its standing was stored: what its share of the totals is under,
    # so a team that moves area, track or advisor is taken out of the right ones.
    area: Mapped[str | None] = mapped_column(String(64))
    track: Mapped[str | None] = mapped_column(String(16))
    advisor_id: Mapped[int | None] = mapped_column(Integer)  # people.id


class TeamStandingStep(Base):
    """One deliverable of a team whose calendar date has come: done or not, late or not."""

    __tablename__ = "team_standing_steps"
    __table_args__ = (
        # The overdue list, advisor by advisor, most late first, read in index order.
        Index(
            "ix_team_standing_steps_late",
            "program_id",
            "advisor_id",
            "effective_due",
            "team_id",
            "step",
        ),
        # The lowest team with a step (whose deadline names it), found without a scan.
        Index("ix_team_standing_steps_step", "program_id", "step", "team_id"),
    )

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    program_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    step: Mapped[str] = mapped_column(String(100), primary_key=True)  # Deadline.key
    deadline_id: Mapped[str] = mapped_column(String(100))
    due: Mapped[date] = mapped_column(Date)  # the calendar's
    done: Mapped[bool] = mapped_column(Boolean)
    # Only when overdue: from when (days late are counted from it on the day asked), with
    # whom (Slack ids) or after which step.
    effective_due: Mapped[date | None] = mapped_column(Date)
    responsible: Mapped[str | None] = mapped_column(String(100))
    waiting_on: Mapped[str | None] = mapped_column(String(100))
    advisor_id: Mapped[int | None] = mapped_column(Integer)  # the team's, as stored


class StandingGroup(Base):
    """How many teams of an area and track have each standing (stored rows, summed)."""

    __tablename__ = "team_standing_groups"

    program_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    area: Mapped[str] = mapped_column(String(64), primary_key=True)
    track: Mapped[str] = mapped_column(String(16), primary_key=True)
    standing: Mapped[str] = mapped_column(String(16), primary_key=True)
    teams: Mapped[int] = mapped_column(Integer)


class StandingTotal(Base):
    """How many teams of an area and track have a deliverable whose date has come, and how
    many of them did it (stored steps, summed)."""

    __tablename__ = "team_standing_totals"

    program_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    area: Mapped[str] = mapped_column(String(64), primary_key=True)
    track: Mapped[str] = mapped_column(String(16), primary_key=True)
    step: Mapped[str] = mapped_column(String(100), primary_key=True)
    deadline_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    due: Mapped[date] = mapped_column(Date, primary_key=True)
    teams: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)
    first_team: Mapped[int | None] = mapped_column(Integer)  # the lowest team id among them


NO_ADVISOR = 0  # a key column cannot be NULL: no person has id 0


class StandingLate(Base):
    """How many overdue steps the teams of one content advisor have, and the earliest date
    one of them was due (stored steps, summed)."""

    __tablename__ = "team_standing_late"

    program_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    advisor_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # or NO_ADVISOR
    steps: Mapped[int] = mapped_column(Integer)
    first_due: Mapped[date | None] = mapped_column(Date)


_ROWS = Base.metadata.tables[TeamStandingRow.__tablename__]
_STEPS = Base.metadata.tables[TeamStandingStep.__tablename__]
_GROUPS = Base.metadata.tables[StandingGroup.__tablename__]
_TOTALS = Base.metadata.tables[StandingTotal.__tablename__]
_LATE = Base.metadata.tables[StandingLate.__tablename__]
_KEPT_TABLES = (TeamStandingRow, TeamStandingStep, StandingGroup, StandingTotal, StandingLate)


# --- staleness ----------------------------------------------------------------------------------


def watch(factory: sessionmaker[Session]) -> None:
    """Make every session of `factory` mark the standing of each team it changes stale."""
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _on_orm_execute)


def _after_flush(session: Session, _context: object) -> None:
    teams = {
        team_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if not isinstance(obj, _KEPT_TABLES) and (team_id := _team_of(obj)) is not None
    }
    mark_changed(session, teams)


def _team_of(obj: object) -> int | None:
    if isinstance(obj, Team):
        return obj.id
    team_id = getattr(obj, "team_id", None)
    return team_id if isinstance(team_id, int) else None


def _on_orm_execute(state: ORMExecuteState) -> None:
    """A conditional UPDATE or DELETE of a team's filing (a revision superseded, a plan
    decided) changes its team's standing as much as a flush does."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    mapped = state.bind_mapper.class_
    team_column = getattr(mapped, "team_id", None)
    where = getattr(state.statement, "whereclause", None)
    if team_column is None or where is None or mapped in _KEPT_TABLES:
        return
    teams = set(state.session.scalars(select(team_column).where(where)))
    mark_changed(state.session, teams)


# Built once (every filing runs it): a Core statement, which the watch above leaves alone.
_MARK = (
    update(_ROWS)
    .where(_ROWS.c.team_id.in_(bindparam("ids", expanding=True)))
    .values(changes=_ROWS.c.changes + 1)
)


def mark_changed(session: Session, team_ids: Iterable[int]) -> None:
    ids = sorted(set(team_ids))
    if ids and _kept_here(session):
        session.execute(_MARK, {"ids": ids})


_KEPT: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines whose database has the table


def _kept_here(session: Session) -> bool:
    """Whether this database keeps standings: one migrated to before them (an upgrade's own
    steps, a migration's test) changes teams without them."""
    engine = session.get_bind().engine
    if engine in _KEPT:
        return True
    if inspect(session.connection()).has_table(TeamStandingRow.__tablename__):
        _KEPT.add(engine)
        return True
    return False


# --- keeping rows -------------------------------------------------------------------------------


def _active(program_id: str, team_ids: Sequence[int] | None) -> Select[Any]:
    query = select(Team.id).where(Team.status == TeamStatus.ACTIVE, Team.program_id == program_id)
    return query if team_ids is None else query.where(Team.id.in_(team_ids))


def add_missing(session: Session, program_id: str, team_ids: Sequence[int] | None) -> None:
    """A row for every active team in scope that has none yet (stale until computed)."""
    missing = _active(program_id, team_ids).where(
        ~select(TeamStandingRow.team_id)
        .where(TeamStandingRow.team_id == Team.id, TeamStandingRow.program_id == program_id)
        .exists()
    )
    ids = list(session.scalars(missing))
    if ids:  # another process counting at the same time (the scheduler) may add them too
        session.execute(
            conflict_insert(session, _ROWS).on_conflict_do_nothing(),
            [{"team_id": i, "program_id": program_id} for i in ids],
        )


def _stale_row(today: date, basis: str) -> Any:
    return or_(
        TeamStandingRow.counted != TeamStandingRow.changes,
        TeamStandingRow.as_of.is_(None),
        TeamStandingRow.as_of != today,
        TeamStandingRow.basis.is_(None),
        TeamStandingRow.basis != basis,
    )


class Stale(NamedTuple):
    """The rows of a program year that are not fresh, in one read."""

    todo: dict[int, int]  # team id -> its change count: active teams in scope
    gone: list[int]  # teams no longer active in the year (ended, or moved to another)


def stale_rows(
    session: Session, program_id: str, team_ids: Sequence[int] | None, today: date, basis: str
) -> Stale:
    """The stale rows of active teams in scope, and of teams that left the program year
    (whose share of the totals `forget` takes out: a team's leaving changed it, so its row
    is stale, or the day made it so)."""
    active = and_(Team.status == TeamStatus.ACTIVE, Team.program_id == program_id)
    rows = session.execute(
        select(TeamStandingRow.team_id, TeamStandingRow.changes, active.label("active"))
        .join(Team, Team.id == TeamStandingRow.team_id)
        .where(
            TeamStandingRow.program_id == program_id,
            _stale_row(today, basis),
            *([] if team_ids is None else [or_(~active, Team.id.in_(team_ids))]),
        )
        .order_by(TeamStandingRow.team_id)
    )
    found = Stale({}, [])
    for team_id, changes, is_active in rows:
        if is_active:
            found.todo[team_id] = changes
        else:
            found.gone.append(team_id)
    return found


def stale(
    session: Session, program_id: str, team_ids: Sequence[int] | None, today: date, basis: str
) -> dict[int, int]:
    """Team id -> its change count, for each active team in scope whose row is not fresh."""
    return stale_rows(session, program_id, team_ids, today, basis).todo


def count_fresh(session: Session, program_id: str, today: date, basis: str) -> int:
    """How many of the program year's rows are fresh (after a new day or a new release,
    none: every standing is counted before an answer)."""
    query = select(func.count()).where(
        TeamStandingRow.program_id == program_id, ~_stale_row(today, basis)
    )
    return session.scalar(query) or 0


@dataclass(frozen=True)
class Computed:
    """A team's standing as computed, ready to store."""

    team_id: int
    counted: int
    standing: str
    done: int
    required: int
    complete: bool
    late: int
    last_activity: date
    steps: tuple[dict[str, Any], ...]  # TeamStandingStep's columns but team and program


def store(
    session: Session, program_id: str, today: date, basis: str, computed: Sequence[Computed]
) -> None:
    """Replace the rows of these teams, and their share of the totals, in one transaction."""
    if not computed:
        return
    ordered = sorted(computed, key=lambda c: c.team_id)
    ids = [c.team_id for c in ordered]
    # Written first: it locks the teams' rows, so two processes storing one team take turns,
    # and the share each then reads as the team's old one is the one in the totals.
    session.execute(
        _ROWS.update()
        .where(_ROWS.c.team_id == bindparam("b_team"), _ROWS.c.program_id == program_id)
        .values(
            counted=bindparam("counted"),
            as_of=today,
            basis=basis,
            done=bindparam("done"),
            required=bindparam("required"),
            complete=bindparam("complete"),
            late=bindparam("late"),
            last_activity=bindparam("last_activity"),
        ),
        [
            {
                "b_team": c.team_id,
                "counted": c.counted,
                "done": c.done,
                "required": c.required,
                "complete": c.complete,
                "late": c.late,
                "last_activity": c.last_activity,
            }
            for c in ordered
        ],
    )
    groups = {
        team_id: (area, track, advisor_id)
        for part in _parts(ids)
        for team_id, area, track, advisor_id in session.execute(
            select(Team.id, Team.area, Team.track, Team.advisor_id).where(Team.id.in_(part))
        )
    }
    after = {c.team_id: _Share.of(c, *groups[c.team_id]) for c in ordered}
    _replace(session, program_id, _shares(session, program_id, ids), after)


def forget(session: Session, program_id: str, team_ids: Sequence[int]) -> None:
    """Remove these teams' rows and their share of the totals."""
    ids = sorted(team_ids)
    if not ids:
        return
    for part in _parts(ids):  # locks the rows first, as `store` does
        session.execute(
            _ROWS.update()
            .where(_ROWS.c.program_id == program_id, _ROWS.c.team_id.in_(part))
            .values(counted=-1)
        )
    _replace(session, program_id, _shares(session, program_id, ids), dict.fromkeys(ids))
    for part in _parts(ids):
        session.execute(
            delete(_ROWS).where(_ROWS.c.program_id == program_id, _ROWS.c.team_id.in_(part))
        )


def _parts(ids: Sequence[int], size: int = 500) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- each team's share of the totals ------------------------------------------------------------

_STEP_VALUES = ("deadline_id", "due", "done", "effective_due", "responsible", "waiting_on")


@dataclass(frozen=True)
class _Share:
    """What a stored team adds to the totals: its group, standing and counted steps."""

    area: str
    track: str
    advisor_id: int | None
    standing: str
    steps: dict[str, tuple[Any, ...]]  # step -> _STEP_VALUES

    @classmethod
    def of(cls, c: Computed, area: str, track: str, advisor_id: int | None) -> _Share:
        steps = {s["step"]: tuple(s[k] for k in _STEP_VALUES) for s in c.steps}
        return cls(area, track, advisor_id, c.standing, steps)

    def totals(self) -> dict[tuple[Any, ...], bool]:
        """(area, track, step, deadline_id, due) -> done."""
        return {
            (self.area, self.track, step, v[0], v[1]): bool(v[2]) for step, v in self.steps.items()
        }

    def late(self) -> set[tuple[int, str, date]]:
        """(advisor key, step, effective due) of each overdue step."""
        advisor = NO_ADVISOR if self.advisor_id is None else self.advisor_id
        return {(advisor, step, v[3]) for step, v in self.steps.items() if v[3] is not None}


def _shares(session: Session, program_id: str, ids: Sequence[int]) -> dict[int, _Share]:
    """The stored share of each of these teams that has been counted."""
    steps: dict[int, dict[str, tuple[Any, ...]]] = defaultdict(dict)
    heads: dict[int, tuple[str, str, int | None, str]] = {}
    for part in _parts(ids):
        for team_id, area, track, advisor_id, standing in session.execute(
            select(
                _ROWS.c.team_id, _ROWS.c.area, _ROWS.c.track, _ROWS.c.advisor_id, _ROWS.c.standing
            ).where(
                _ROWS.c.program_id == program_id,
                _ROWS.c.team_id.in_(part),
                _ROWS.c.standing.is_not(None),
            )
        ):
            heads[team_id] = (area, track, advisor_id, standing)
        for team_id, step, *values in session.execute(
            select(_STEPS.c.team_id, _STEPS.c.step, *(_STEPS.c[k] for k in _STEP_VALUES)).where(
                _STEPS.c.program_id == program_id, _STEPS.c.team_id.in_(part)
            )
        ):
            steps[team_id][step] = tuple(values)
    return {t: _Share(*head, steps=steps.get(t, {})) for t, head in heads.items()}


class _Deltas:
    """What replacing teams' shares changes in each total."""

    def __init__(self) -> None:
        self.groups: Counter[tuple[Any, ...]] = Counter()
        self.teams: Counter[tuple[Any, ...]] = Counter()
        self.done: Counter[tuple[Any, ...]] = Counter()
        self.first_team: dict[tuple[Any, ...], int] = {}
        self.left: set[tuple[Any, ...]] = set()  # totals some team left: their first may go
        self.late: Counter[int] = Counter()
        self.first_due: dict[int, date] = {}
        self.late_left: set[int] = set()

    def replace(self, team_id: int, old: _Share | None, new: _Share | None) -> None:
        if old is not None:
            self.groups[(old.area, old.track, old.standing)] -= 1
        if new is not None:
            self.groups[(new.area, new.track, new.standing)] += 1
        before = old.totals() if old else {}
        after = new.totals() if new else {}
        for key, done in before.items():
            self.teams[key] -= 1
            self.done[key] -= done
            if key not in after:
                self.left.add(key)
        for key, done in after.items():
            self.teams[key] += 1
            self.done[key] += done
            if key not in before:
                self.first_team[key] = min(self.first_team.get(key, team_id), team_id)
        late_before = old.late() if old else set()
        late_after = new.late() if new else set()
        for advisor, _step, _due in late_before - late_after:
            self.late[advisor] -= 1
            self.late_left.add(advisor)
        for advisor, _step, due in late_after - late_before:
            self.late[advisor] += 1
            self.first_due[advisor] = min(self.first_due.get(advisor, due), due)


def _replace(
    session: Session,
    program_id: str,
    before: dict[int, _Share],
    after: Mapping[int, _Share | None],
) -> None:
    """Store each team's new share (None: none) in place of its old one, in rows and totals."""
    deltas = _Deltas()
    heads, rewritten = [], []
    for team_id, new in after.items():
        old = before.get(team_id)
        if old == new:
            continue  # most of a day's recount: nothing moved
        deltas.replace(team_id, old, new)
        if new is not None and (
            old is None
            or (old.area, old.track, old.advisor_id, old.standing)
            != (new.area, new.track, new.advisor_id, new.standing)
        ):
            heads.append(
                {
                    "b_team": team_id,
                    "area": new.area,
                    "track": new.track,
                    "advisor_id": new.advisor_id,
                    "standing": new.standing,
                }
            )
        if old is None or new is None or (old.steps, old.advisor_id) != (new.steps, new.advisor_id):
            rewritten.append(team_id)
    if heads:
        session.execute(
            _ROWS.update()
            .where(_ROWS.c.team_id == bindparam("b_team"), _ROWS.c.program_id == program_id)
            .values(
                area=bindparam("area"),
                track=bindparam("track"),
                advisor_id=bindparam("advisor_id"),
                standing=bindparam("standing"),
            ),
            heads,
        )
    for part in _parts(rewritten):
        session.execute(
            delete(_STEPS).where(_STEPS.c.program_id == program_id, _STEPS.c.team_id.in_(part))
        )
    steps = [
        {
            "team_id": team_id,
            "program_id": program_id,
            "step": step,
            "advisor_id": new.advisor_id,
            **dict(zip(_STEP_VALUES, values, strict=True)),
        }
        for team_id in rewritten
        if (new := after[team_id]) is not None
        for step, values in new.steps.items()
    ]
    bulk_insert(session, _STEPS, steps)
    _add_up(session, program_id, deltas)


def _add_up(session: Session, program_id: str, deltas: _Deltas) -> None:
    """Add the deltas to the totals (keys in order: concurrent storers never deadlock), drop
    emptied totals, and find the first team or date again where the one that held it left."""
    groups = _GROUPS.c
    _upsert(
        session,
        _GROUPS,
        [
            {"program_id": program_id, "area": a, "track": t, "standing": s, "teams": n}
            for (a, t, s), n in sorted(deltas.groups.items())
            if n
        ],
        {"teams": groups.teams},
    )
    totals = _TOTALS.c
    keys = sorted(set(deltas.teams) | set(deltas.first_team))
    _upsert(
        session,
        _TOTALS,
        [
            {
                "program_id": program_id,
                "area": key[0],
                "track": key[1],
                "step": key[2],
                "deadline_id": key[3],
                "due": key[4],
                "teams": deltas.teams[key],
                "done": deltas.done[key],
                "first_team": deltas.first_team.get(key),
            }
            for key in keys
            if deltas.teams[key] or deltas.done[key] or key in deltas.first_team
        ],
        {"teams": totals.teams, "done": totals.done},
        lowest=totals.first_team,
    )
    late = _LATE.c
    _upsert(
        session,
        _LATE,
        [
            {
                "program_id": program_id,
                "advisor_id": advisor,
                "steps": deltas.late[advisor],
                "first_due": deltas.first_due.get(advisor),
            }
            for advisor in sorted(set(deltas.late) | set(deltas.first_due))
        ],
        {"steps": late.steps},
        lowest=late.first_due,
    )
    session.execute(delete(_GROUPS).where(groups.program_id == program_id, groups.teams <= 0))
    session.execute(delete(_TOTALS).where(totals.program_id == program_id, totals.teams <= 0))
    session.execute(delete(_LATE).where(late.program_id == program_id, late.steps <= 0))
    for key in sorted(deltas.left):
        _first_team_again(session, program_id, key)
    for advisor in sorted(deltas.late_left):
        _first_due_again(session, program_id, advisor)


def _upsert(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    added: dict[str, Any],
    lowest: Column[Any] | None = None,
) -> None:
    """Insert each row, or add its `added` columns to the existing one (and keep the lower of
    `lowest`, which a row leaves None when it brings no new value)."""
    if not rows:
        return
    statement = conflict_insert(session, table)
    keys = [c.name for c in table.primary_key.columns]
    values = {name: column + statement.excluded[name] for name, column in added.items()}
    if lowest is not None:
        new = statement.excluded[lowest.name]
        values[lowest.name] = case((new < lowest, new), else_=func.coalesce(lowest, new))
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=values), rows)


def _first_team_again(session: Session, program_id: str, key: tuple[Any, ...]) -> None:
    area, track, step, deadline_id, due = key
    first = session.scalar(
        select(_STEPS.c.team_id)
        .join(
            _ROWS,
            and_(_ROWS.c.team_id == _STEPS.c.team_id, _ROWS.c.program_id == _STEPS.c.program_id),
        )
        .where(
            _STEPS.c.program_id == program_id,
            _STEPS.c.step == step,
            _STEPS.c.deadline_id == deadline_id,
            _STEPS.c.due == due,
            _ROWS.c.area == area,
            _ROWS.c.track == track,
        )
        .order_by(_STEPS.c.team_id)
        .limit(1)
    )
    if first is not None:
        c = _TOTALS.c
        session.execute(
            _TOTALS.update()
            .where(
                c.program_id == program_id,
                c.area == area,
                c.track == track,
                c.step == step,
                c.deadline_id == deadline_id,
                c.due == due,
            )
            .values(first_team=first)
        )


def _first_due_again(session: Session, program_id: str, advisor: int) -> None:
    steps = _STEPS.c
    whose = steps.advisor_id.is_(None) if advisor == NO_ADVISOR else steps.advisor_id == advisor
    first = session.scalar(
        select(func.min(steps.effective_due)).where(
            steps.program_id == program_id, whose, steps.effective_due.is_not(None)
        )
    )
    if first is not None:
        session.execute(
            _LATE.update()
            .where(_LATE.c.program_id == program_id, _LATE.c.advisor_id == advisor)
            .values(first_due=first)
        )


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows as the driver takes them fastest: PostgreSQL's COPY, SQLite's own
    executemany of plain tuples (tens of thousands of rows: SQLAlchemy's per-row parameter
    processing would cost more than the inserts)."""
    if not rows:
        return
    connection = session.connection()
    names = [column.name for column in table.columns]
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.get(name) for name in names])
    elif dialect.name == "sqlite":
        marks = ", ".join("?" * len(names))
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",
            [tuple(_as_sqlite(row.get(name)) for name in names) for row in rows],
        )
    else:
        session.execute(insert(table), rows)


def _as_sqlite(value: Any) -> Any:
    """A value as SQLAlchemy stores it in SQLite: a date as ISO text, a flag as 0 or 1 (the
    kept tables hold no instants)."""
    if type(value) is date:
        return value.isoformat()
    return int(value) if isinstance(value, bool) else value


# --- reading in aggregate -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which teams: every active team of the program year, or these, and of one area."""

    program_id: str
    team_ids: tuple[int, ...] | None = None
    area: str | None = None

    def where(self) -> list[Any]:
        conditions = [
            Team.status == TeamStatus.ACTIVE,
            Team.program_id == self.program_id,
            TeamStandingRow.program_id == self.program_id,
        ]
        if self.team_ids is not None:
            conditions.append(Team.id.in_(self.team_ids))
        if self.area is not None:
            conditions.append(Team.area == self.area)
        return conditions


def active_team_ids(session: Session, scope: Scope, limit: int | None = None) -> list[int]:
    """The active teams in scope, whether or not they have a row yet (the first `limit`)."""
    query = _active(scope.program_id, scope.team_ids)
    if scope.area is not None:
        query = query.where(Team.area == scope.area)
    return list(session.scalars(query.order_by(Team.id).limit(limit)))


def teams_by_id(session: Session, team_ids: Sequence[int]) -> list[Team]:
    """These teams with their members loaded, by id."""
    return list(
        session.scalars(
            select(Team)
            .where(Team.id.in_(team_ids))
            .options(joinedload(Team.mentor), joinedload(Team.protege), joinedload(Team.advisor))
            .order_by(Team.id)
        )
    )


def _scoped(scope: Scope, *columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(TeamStandingRow)
        .join(Team, Team.id == TeamStandingRow.team_id)
        .where(*scope.where())
    )


def standing_counts(session: Session, scope: Scope) -> list[tuple[str, str, str, int]]:
    """(area, track, standing, teams) of the teams in scope."""
    if scope.team_ids is None:  # the program year, or an area of it: its totals
        g = _GROUPS.c
        query = select(g.area, g.track, g.standing, g.teams).where(
            g.program_id == scope.program_id, *_in_area(g.area, scope)
        )
    else:
        query = _scoped(
            scope, Team.area, Team.track, TeamStandingRow.standing, func.count()
        ).group_by(Team.area, Team.track, TeamStandingRow.standing)
    return [(area, track, standing, n) for area, track, standing, n in session.execute(query)]


def _in_area(column: Any, scope: Scope) -> list[Any]:
    return [] if scope.area is None else [column == scope.area]


@dataclass(frozen=True)
class StepCount:
    step: str
    track: str
    deadline_id: str
    due: date
    first_team: int  # the lowest team id with this step: whose deadline names the row
    teams: int
    done: int


def step_counts(session: Session, scope: Scope) -> list[StepCount]:
    """How many teams in scope have each deliverable whose date has come, and have done it."""
    if scope.team_ids is None:
        t = _TOTALS.c
        query = select(t.step, t.track, t.deadline_id, t.due, t.first_team, t.teams, t.done).where(
            t.program_id == scope.program_id, *_in_area(t.area, scope)
        )
    else:
        query = (
            _scoped(
                scope,
                TeamStandingStep.step,
                Team.track,
                TeamStandingStep.deadline_id,
                TeamStandingStep.due,
                func.min(Team.id),
                func.count(),
                func.sum(case((TeamStandingStep.done, 1), else_=0)),
            )
            .join(TeamStandingStep, _STEPS_OF_ROW)
            .group_by(
                TeamStandingStep.step,
                Team.track,
                TeamStandingStep.deadline_id,
                TeamStandingStep.due,
            )
        )
    return [StepCount(*row) for row in session.execute(query)]


_STEPS_OF_ROW = and_(
    TeamStandingStep.team_id == TeamStandingRow.team_id,
    TeamStandingStep.program_id == TeamStandingRow.program_id,
)


class People(NamedTuple):  # a tuple: thousands are read at once
    team_id: int
    mentor: str  # Slack ids
    protege: str
    advisor: str | None
    area: str
    track: str


_MENTOR, _PROTEGE, _ADVISOR = aliased(Person), aliased(Person), aliased(Person)
_PEOPLE = (Team.id, _MENTOR.slack_id, _PROTEGE.slack_id, _ADVISOR.slack_id, Team.area, Team.track)


def _with_people(query: Select[Any]) -> Select[Any]:
    return (
        query.join(_MENTOR, _MENTOR.id == Team.mentor_id)
        .join(_PROTEGE, _PROTEGE.id == Team.protege_id)
        .outerjoin(_ADVISOR, _ADVISOR.id == Team.advisor_id)
    )


class LateStep(NamedTuple):
    team: People
    step: str
    deadline_id: str
    effective_due: date
    responsible: tuple[str, ...]
    waiting_on: str | None


@dataclass(frozen=True)
class LateTotals:
    advisors: tuple[int | None, ...]  # people.id, most pressing first: whose steps to list
    total: int
    per_advisor: dict[str | None, int]  # advisor's Slack id -> late steps of their teams


_LATE_STEP = _STEPS.c.effective_due.is_not(None)


def late_totals(session: Session, scope: Scope) -> LateTotals:
    """How many steps of the teams in scope are overdue, per advisor; the advisors in the
    overdue list's order (the one whose teams have the latest step first, no advisor last)."""
    per_advisor: dict[int | None, tuple[int, date]]
    if scope.team_ids is None and scope.area is None:  # the program year: its totals
        per_advisor = {
            None if advisor == NO_ADVISOR else advisor: (n, first)
            for advisor, n, first in session.execute(
                select(_LATE.c.advisor_id, _LATE.c.steps, _LATE.c.first_due).where(
                    _LATE.c.program_id == scope.program_id
                )
            )
        }
    else:
        per_advisor = {
            advisor: (n, first)
            for advisor, n, first in session.execute(
                _scoped(
                    scope,
                    TeamStandingStep.advisor_id,
                    func.count(),
                    func.min(TeamStandingStep.effective_due),
                )
                .join(TeamStandingStep, _STEPS_OF_ROW)
                .where(_LATE_STEP)
                .group_by(TeamStandingStep.advisor_id)
            )
        }
    slack_of: dict[int | None, str | None] = {None: None}
    if per_advisor:
        slack_of.update(
            session.execute(
                select(Person.id, Person.slack_id).where(
                    Person.id.in_([a for a in per_advisor if a is not None])
                )
            ).all()
        )
    # The earliest due is the most days late.
    order = sorted(per_advisor, key=lambda a: (a is None, per_advisor[a][1], slack_of.get(a) or ""))
    return LateTotals(
        tuple(order),
        sum(n for n, _first in per_advisor.values()),
        {slack_of.get(a): n for a, (n, _first) in per_advisor.items()},
    )


def late_of(session: Session, scope: Scope, advisor: int | None, limit: int) -> list[LateStep]:
    """The overdue steps of one advisor's teams in scope, most late first (read in the
    order of an index: the first few of thousands cost what a few do)."""
    whose = (
        TeamStandingStep.advisor_id.is_(None)
        if advisor is None
        else TeamStandingStep.advisor_id == advisor
    )
    query = (
        _with_people(
            _scoped(
                scope,
                *_PEOPLE,
                TeamStandingStep.step,
                TeamStandingStep.deadline_id,
                TeamStandingStep.effective_due,
                TeamStandingStep.responsible,
                TeamStandingStep.waiting_on,
            ).join(TeamStandingStep, _STEPS_OF_ROW)
        )
        .where(TeamStandingStep.program_id == scope.program_id, whose, _LATE_STEP)
        .order_by(TeamStandingStep.effective_due, TeamStandingStep.team_id, TeamStandingStep.step)
        .limit(limit)
    )
    return [
        LateStep(
            People(*row[:6]),
            step,
            deadline_id,
            due,
            tuple(responsible.split()) if responsible else (),
            waiting_on,
        )
        for row in session.execute(query)
        for step, deadline_id, due, responsible, waiting_on in [row[6:]]
    ]


def complete_teams(session: Session, scope: Scope) -> tuple[list[People], int]:
    """The teams in scope that completed every required deliverable, and how many teams."""
    eligible = sum(n for *_group, n in standing_counts(session, scope))  # the kept totals
    query = _with_people(_scoped(scope, *_PEOPLE)).where(TeamStandingRow.complete).order_by(Team.id)
    return [People(*row) for row in session.execute(query)], eligible
