"""The initial meeting's forms as steps of the program: the Focal Points Checklist, the
Decision Points Checklist and the Individual Mentoring Plan, each done when first filed."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import CompoundSelect, bindparam, func, literal, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.plans import checklists
from bot.program import Deadline, Program, Step
from bot.program.kinds import Spec, StepKind
from bot.status.step_handlers import Facts, NextAction, StepHandler
from storage.db import column_rows
from storage.models import Team
from storage.plans import DecisionPointsFiling, FocalPointsFiling, MentoringPlan

FOCAL_POINTS = StepKind("focal_points")
DECISION_POINTS = StepKind("decision_points")
MENTORING_PLAN = StepKind("mentoring_plan")

FOCAL_OPEN = f"{checklists.PICK_TEAM}_focal"  # part A's opener; value: team id

_PlanFiling = type[FocalPointsFiling] | type[DecisionPointsFiling] | type[MentoringPlan]
_FILINGS: dict[StepKind, tuple[_PlanFiling, InstrumentedAttribute[datetime | None]]] = {
    FOCAL_POINTS: (FocalPointsFiling, FocalPointsFiling.filed_at),
    DECISION_POINTS: (DecisionPointsFiling, DecisionPointsFiling.filed_at),
    MENTORING_PLAN: (MentoringPlan, MentoringPlan.submitted_at),
}


@functools.cache
def _first_filed(kinds: tuple[StepKind, ...]) -> CompoundSelect:
    """When each team first filed each of these forms, as (kind, team id, program id, when):
    one statement, built once for each set of forms asked (the team ids bound at each run): a
    member's `/mentor help` and Home tab ask all three."""
    selects = []
    for kind in kinds:
        model, column = _FILINGS[kind]
        selects.append(
            select(literal(kind).label("kind"), model.team_id, model.program_id, func.min(column))
            .where(model.team_id.in_(bindparam("team_ids", expanding=True)))
            .group_by(model.team_id, model.program_id)
        )
    return union_all(*selects)


# Who may open each form from a checklist or a reminder: part A is the protégé's alone.
_OPENERS: dict[StepKind, tuple[tuple[str, ...], str, str]] = {
    FOCAL_POINTS: (("protege",), "Open the Focal Points Checklist", FOCAL_OPEN),
    DECISION_POINTS: (
        ("mentor", "protege"),
        "Open the Decision Points Checklist",
        checklists.OPEN_DECISIONS,
    ),
    MENTORING_PLAN: (
        ("mentor", "protege"),
        "Open the Individual Mentoring Plan",
        checklists.OPEN_PLAN,
    ),
}


def _facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    """When each initial-meeting step was first done (as `completed_steps`), one grouped
    query per batch rather than three per team."""
    out = {team.id: Facts() for team in teams}
    program_of = {team.id: team.program_id for team in teams}
    team_ids = list(program_of)
    of_kind: dict[StepKind, list[Deadline]] = {}
    for deadline in deadlines:
        of_kind.setdefault(deadline.step.kind, []).append(deadline)
    first_filed = _first_filed(tuple(of_kind))
    for start in range(0, len(team_ids), 500):
        rows = column_rows(session, first_filed, {"team_ids": team_ids[start : start + 500]})
        for kind, team_id, program_id, at in rows:
            if at is not None and program_of[team_id] == program_id:
                for deadline in of_kind[kind]:
                    out[team_id].done[deadline.id] = at
    return out


def _opener(step: Step, role: str, team_id: int) -> NextAction | None:
    roles, label, action_id = _OPENERS[step.kind]
    return NextAction("", label, action_id, str(team_id)) if role in roles else None


KINDS = {FOCAL_POINTS: Spec(), DECISION_POINTS: Spec(), MENTORING_PLAN: Spec()}
HANDLERS = tuple(StepHandler(kind, facts=_facts, opener=_opener) for kind in KINDS)
