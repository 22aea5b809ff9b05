"""Each team's standing, kept per team and program year, so that a program-wide status, the
overdue list and the completers are a few indexed, aggregating queries, not a recount.

The rows are computed by the status rules (`bot.status.standing`); this module stores them,
reads them back in aggregate, and knows when one is no longer true:
- `changes` counts the changes to a team's inputs. Every flush that adds, changes or deletes
  a row with a `team_id` (a filing, a revision, a check-in, a survey answer, a membership
  change) or the team itself bumps it, in the same transaction: nothing a person files can
  commit without its team's standing becoming stale.
- `counted` is the `changes` the stored standing was computed from; `as_of` the day it was
  computed for (a day passing a deadline or a silence threshold changes standings); `basis`
  the program and rules it was computed with. A row is fresh only when all three match.
The count a computation starts from is read before any of its inputs, so a filing that
commits during the computation leaves the row stale, never wrongly fresh.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Engine,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
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


class TeamStandingStep(Base):
    """One deliverable of a team whose calendar date has come: done or not, late or not."""

    __tablename__ = "team_standing_steps"
    __table_args__ = (Index("ix_team_standing_steps_program_late", "program_id", "days_late"),)

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    program_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    step: Mapped[str] = mapped_column(String(100), primary_key=True)  # Deadline.key
    deadline_id: Mapped[str] = mapped_column(String(100))
    due: Mapped[date] = mapped_column(Date)  # the calendar's
    done: Mapped[bool] = mapped_column(Boolean)
    # Only when overdue: how late, from when, with whom (Slack ids) or after which step.
    days_late: Mapped[int | None] = mapped_column(Integer)
    effective_due: Mapped[date | None] = mapped_column(Date)
    responsible: Mapped[str | None] = mapped_column(String(100))
    waiting_on: Mapped[str | None] = mapped_column(String(100))


_ROWS = Base.metadata.tables[TeamStandingRow.__tablename__]
_STEPS = Base.metadata.tables[TeamStandingStep.__tablename__]


# --- staleness ----------------------------------------------------------------------------------


def watch(factory: sessionmaker[Session]) -> None:
    """Make every session of `factory` mark the standing of each team it changes stale."""
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _on_orm_execute)


def _after_flush(session: Session, _context: object) -> None:
    teams = {
        team_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if not isinstance(obj, TeamStandingRow | TeamStandingStep)
        and (team_id := _team_of(obj)) is not None
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
    if team_column is None or where is None or mapped in (TeamStandingRow, TeamStandingStep):
        return
    teams = set(state.session.scalars(select(team_column).where(where)))
    mark_changed(state.session, teams)


def mark_changed(session: Session, team_ids: Iterable[int]) -> None:
    ids = sorted(set(team_ids))
    if ids and _kept_here(session):
        session.execute(
            update(TeamStandingRow)
            .where(TeamStandingRow.team_id.in_(ids))
            .values(changes=TeamStandingRow.changes + 1)
            .execution_options(synchronize_session=False)
        )


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
    if ids:
        session.execute(insert(_ROWS), [{"team_id": i, "program_id": program_id} for i in ids])


def stale(
    session: Session, program_id: str, team_ids: Sequence[int] | None, today: date, basis: str
) -> dict[int, int]:
    """Team id -> its change count, for each active team in scope whose row is not fresh."""
    rows = session.execute(
        select(TeamStandingRow.team_id, TeamStandingRow.changes)
        .join(Team, Team.id == TeamStandingRow.team_id)
        .where(
            TeamStandingRow.program_id == program_id,
            Team.status == TeamStatus.ACTIVE,
            Team.program_id == program_id,
            or_(
                TeamStandingRow.counted != TeamStandingRow.changes,
                TeamStandingRow.as_of.is_(None),
                TeamStandingRow.as_of != today,
                TeamStandingRow.basis.is_(None),
                TeamStandingRow.basis != basis,
            ),
            *([] if team_ids is None else [Team.id.in_(team_ids)]),
        )
        .order_by(TeamStandingRow.team_id)
    )
    return {team_id: changes for team_id, changes in rows}


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
    """Replace the rows of these teams. The standing row is written first: it locks the
    team's rows, so two processes storing one team take turns."""
    if not computed:
        return
    ordered = sorted(computed, key=lambda c: c.team_id)
    session.execute(
        _ROWS.update()
        .where(_ROWS.c.team_id == bindparam("b_team"), _ROWS.c.program_id == program_id)
        .values(
            counted=bindparam("counted"),
            as_of=today,
            basis=basis,
            standing=bindparam("standing"),
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
                "standing": c.standing,
                "done": c.done,
                "required": c.required,
                "complete": c.complete,
                "late": c.late,
                "last_activity": c.last_activity,
            }
            for c in ordered
        ],
    )
    ids = [c.team_id for c in ordered]
    for part in range(0, len(ids), 500):
        session.execute(
            delete(_STEPS).where(
                _STEPS.c.program_id == program_id, _STEPS.c.team_id.in_(ids[part : part + 500])
            )
        )
    steps = [
        {"team_id": c.team_id, "program_id": program_id, **step}
        for c in ordered
        for step in c.steps
    ]
    if steps:
        session.execute(insert(_STEPS), steps)


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


def active_team_ids(session: Session, scope: Scope) -> list[int]:
    """The active teams in scope, whether or not they have a row yet."""
    query = _active(scope.program_id, scope.team_ids)
    if scope.area is not None:
        query = query.where(Team.area == scope.area)
    return list(session.scalars(query.order_by(Team.id)))


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
    query = _scoped(scope, Team.area, Team.track, TeamStandingRow.standing, func.count()).group_by(
        Team.area, Team.track, TeamStandingRow.standing
    )
    return [(area, track, standing, n) for area, track, standing, n in session.execute(query)]


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
        .join(
            TeamStandingStep,
            and_(
                TeamStandingStep.team_id == TeamStandingRow.team_id,
                TeamStandingStep.program_id == TeamStandingRow.program_id,
            ),
        )
        .group_by(
            TeamStandingStep.step, Team.track, TeamStandingStep.deadline_id, TeamStandingStep.due
        )
    )
    return [StepCount(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class People:
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


@dataclass(frozen=True)
class LateStep:
    team: People
    step: str
    deadline_id: str
    effective_due: date
    days_late: int
    responsible: tuple[str, ...]
    waiting_on: str | None


@dataclass(frozen=True)
class LateSteps:
    first: tuple[LateStep, ...]  # most pressing first, as many as asked for
    total: int
    per_advisor: dict[str | None, int]  # advisor's Slack id -> late steps of their teams


def late_steps(session: Session, scope: Scope, limit: int) -> LateSteps:
    """The overdue steps of the teams in scope: by advisor (the advisor with the latest step
    first, no advisor last), most late first; the first `limit` of them, and how many."""
    late = TeamStandingStep.days_late.is_not(None)
    joined = and_(
        TeamStandingStep.team_id == TeamStandingRow.team_id,
        TeamStandingStep.program_id == TeamStandingRow.program_id,
    )
    per_advisor = {
        advisor: (n, worst)
        for advisor, n, worst in session.execute(
            _scoped(scope, Team.advisor_id, func.count(), func.max(TeamStandingStep.days_late))
            .join(TeamStandingStep, joined)
            .where(late)
            .group_by(Team.advisor_id)
        )
    }
    if not per_advisor:
        return LateSteps((), 0, {})
    worst_of = [(Team.advisor_id == a, w) for a, (_n, w) in per_advisor.items() if a is not None]
    # SQL's CASE needs a branch: with no advisor at all, every step has the same worst.
    worst = case(*worst_of, else_=-1) if worst_of else Team.id * 0
    query = (
        _with_people(
            _scoped(
                scope,
                *_PEOPLE,
                TeamStandingStep.step,
                TeamStandingStep.deadline_id,
                TeamStandingStep.effective_due,
                TeamStandingStep.days_late,
                TeamStandingStep.responsible,
                TeamStandingStep.waiting_on,
            ).join(TeamStandingStep, joined)
        )
        .where(late)
        .order_by(
            Team.advisor_id.is_(None),
            -worst,
            _ADVISOR.slack_id,
            TeamStandingStep.days_late.desc(),
            Team.id,
            TeamStandingStep.step,
        )
        .limit(limit)
    )
    first = tuple(
        LateStep(
            People(*row[:6]),
            step,
            deadline_id,
            due,
            days,
            tuple(responsible.split()) if responsible else (),
            waiting_on,
        )
        for row in session.execute(query)
        for step, deadline_id, due, days, responsible, waiting_on in [row[6:]]
    )
    slack_of = dict(
        session.execute(
            select(Person.id, Person.slack_id).where(
                Person.id.in_([a for a in per_advisor if a is not None])
            )
        ).all()
    )
    return LateSteps(
        first,
        sum(n for n, _w in per_advisor.values()),
        {slack_of.get(a) if a is not None else None: n for a, (n, _w) in per_advisor.items()},
    )


def complete_teams(session: Session, scope: Scope) -> tuple[list[People], int]:
    """The teams in scope that completed every required deliverable, and how many teams."""
    eligible = session.scalar(_scoped(scope, func.count())) or 0
    query = _with_people(_scoped(scope, *_PEOPLE)).where(TeamStandingRow.complete).order_by(Team.id)
    return [People(*row) for row in session.execute(query)], eligible
