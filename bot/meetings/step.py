"""The program's meetings as steps (a kind the core declares): done when the team attended or
was excused, as the content advisor or staff recorded it (`bot.meetings.rules`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.meetings.rules import COUNTS
from bot.program import Deadline, Program, StepKind
from bot.status.progress import meeting_name
from bot.status.step_handlers import Facts, StepHandler
from storage.meetings import attendance_of
from storage.models import Team


def _facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    records = attendance_of(session, [team.id for team in teams], program.id)
    out: dict[int, Facts] = {}
    for team in teams:
        facts = Facts()
        for deadline in deadlines:
            record = records.get((team.id, deadline.key))
            if record is not None and record.state in COUNTS:
                facts.done[deadline.id] = record.recorded_at
            elif record is not None:
                facts.notes[deadline.id] = "absent: not made up yet"
            else:
                # Nobody recorded it yet: due, never late (the record is the advisor's).
                facts.pending.add(deadline.id)
                facts.notes[deadline.id] = "attendance not recorded yet"
        out[team.id] = facts
    return out


HANDLERS = (StepHandler(StepKind.MEETING, facts=_facts, name=meeting_name),)
