"""The Contact Form as a step of the program: a team's is done once its protégé and its
mentor have filed theirs this program year (`bot.contact.rules`), and each member's button
opens their own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.contact.rules import team_contact_done
from bot.program import Deadline, Program, Step
from bot.program.kinds import Spec, StepKind
from bot.status.step_handlers import Facts, NextAction, StepHandler
from bot.teams.welcome import CONTACT_OPEN
from storage.models import Team
from storage.teams import former_mentors

CONTACT_FORM = StepKind("contact_form")


def _facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    out: dict[int, Facts] = {}
    former = former_mentors(session, [team.id for team in teams])
    for team in teams:
        facts = Facts()
        mentors = (team.mentor, *former.get(team.id, ()))
        done, holders = team_contact_done(program, team.protege, mentors)
        for deadline in deadlines:
            if done is not None:
                facts.done[deadline.id] = done
            else:
                # Each member files their own: only those who have not are holding it up.
                facts.holders[deadline.id] = holders
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
