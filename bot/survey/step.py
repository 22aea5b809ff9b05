"""The spring survey's answers as a step of the program (a kind the core declares, since staff
send its link): a team's is done once both members have answered, and until then it is with
whoever has not. `/mentor progress`, the Home tab and the status then track it like any form;
the reminders to answer are the survey's own (`schedules.duties.survey`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.program import Deadline, Program, Step, StepKind
from bot.program.kinds import ANSWER
from bot.status.step_handlers import Facts, NextAction, StepHandler
from bot.survey.rules import survey_standing
from bot.survey.views import SURVEY_OPEN
from storage.models import Team


def _facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    answers = [d for d in deadlines if d.is_(StepKind.SURVEY, part=ANSWER)]
    done, owed_by = survey_standing(session, teams)
    owed: dict[int, list[str]] = {}
    for team, _, role in owed_by:
        owed.setdefault(team.id, []).append(role)
    out: dict[int, Facts] = {}
    for team in teams:
        facts = Facts()
        for deadline in answers:
            at = done.get(team.id)
            if at is not None:
                facts.done[deadline.id] = at
            else:
                facts.holders[deadline.id] = tuple(owed.get(team.id, ()))
        out[team.id] = facts
    return out


def _opener(step: Step, role: str, team_id: int) -> NextAction | None:
    if step.part != ANSWER or role not in ("mentor", "protege"):
        return None
    return NextAction("", "Take the survey", SURVEY_OPEN, str(team_id))


# No name: the program file's form name is the survey's ("Online program evaluation survey").
HANDLERS = (StepHandler(StepKind.SURVEY, facts=_facts, opener=_opener),)
