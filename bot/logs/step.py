"""The monthly Communication Log as a step of the program (a kind the core declares, since the
calendar expands its rule): a month's step is done when the team has a log for that month that
the program counts (`settings.log_completed_by`: for BMIT, one the mentor filed or co-signed,
the manual's "Communication Log Completed by Mentor")."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.program import Deadline, Program, StepKind
from bot.status.step_handlers import Facts, StepHandler
from storage.logs import months_closed
from storage.models import Team


def _facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    """A month's Communication Log step is done when the team has a log for that topic month
    that closes it, from when it did."""
    filed = months_closed(session, [t.id for t in teams], program.settings.log_completed_by)
    out: dict[int, Facts] = {}
    for team in teams:
        facts = Facts()
        for deadline in deadlines:
            month = f"{deadline.due.year:04d}-{deadline.due.month:02d}"
            if (team.id, month) in filed:
                facts.done[deadline.id] = filed[(team.id, month)]
        out[team.id] = facts
    return out


def _name(deadline: Deadline) -> str:
    return f"Communication Log for {deadline.due:%B}"


# No opener: the month's prompt and the Home tab's topic carry the log's own buttons.
HANDLERS = (StepHandler(StepKind.COMMUNICATION_LOG, facts=_facts, name=_name),)
