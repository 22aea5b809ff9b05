"""The Contact Form as a step of the program: a team's is done once both members have filed
theirs, and each member's button opens their own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.program import Deadline, Program, Step
from bot.program.kinds import Spec, StepKind
from bot.status.step_handlers import Facts, NextAction, StepHandler
from bot.teams.welcome import CONTACT_OPEN
from storage.models import Team
from storage.people import contact_form_completed

CONTACT_FORM = StepKind("contact_form")


def _facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    out: dict[int, Facts] = {}
    for team in teams:
        facts = Facts()
        done = contact_form_completed(team)
        for deadline in deadlines:
            if done is not None:
                facts.done[deadline.id] = done
            else:
                # Each member files their own: only those who have not are holding it up.
                facts.holders[deadline.id] = tuple(
                    role
                    for role, person in (("mentor", team.mentor), ("protege", team.protege))
                    if person.contact_filed_at is None
                )
        out[team.id] = facts
    return out


def _opener(step: Step, role: str, team_id: int) -> NextAction | None:
    if role not in ("mentor", "protege"):
        return None
    # The form is the person's own, whichever team they are looking at.
    return NextAction("", "Fill in the Contact Form", CONTACT_OPEN, "")


def _ask(step: Step, role: str, partner: str, soon: str) -> str:
    return "Please fill in your Contact Form so your team and advisor can reach you."


KINDS = {CONTACT_FORM: Spec()}
HANDLERS = (StepHandler(CONTACT_FORM, facts=_facts, opener=_opener, ask=_ask),)
