"""Structured experiences as steps of the program: each numbered experience's three parts,
taken in order, and year two's extra experiences until every focus area is covered."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.experiences import views
from bot.experiences.rules import (
    COMMENT,
    EXPERIENCE,
    EXTRA_EXPERIENCES,
    FILE,
    SEND,
    STEPS,
    counted_at,
    coverage,
    protege_records,
)
from bot.program import Deadline, Program, Step
from bot.program.kinds import Spec
from bot.status.step_handlers import Facts, NextAction, StepHandler
from storage.experiences import Experience, ExperienceStatus
from storage.models import Team


def _facts(
    session: Session, program: Program, teams: Sequence[Team], deadlines: Sequence[Deadline]
) -> dict[int, Facts]:
    team_ids = [team.id for team in teams]
    out = {team.id: Facts() for team in teams}
    # The protégé's experiences in every team they have been in: year one's count toward year
    # two's focus areas; the numbered steps are this team's own.
    every, approvals = protege_records(session, teams)
    records: defaultdict[int, dict[int, Experience]] = defaultdict(dict)
    for team_id in team_ids:
        for record in every[team_id]:
            if record.team_id == team_id:
                records[team_id][record.number] = record
    # Every part of each experience asked about, the ones before it included: a step waits on
    # the one before it by that one's id.
    chains: dict[int, dict[str, str]] = {}
    for deadline in (d for d in deadlines if d.is_(EXPERIENCE)):
        number = deadline.step.number
        assert number is not None  # the loader requires it
        chains[number] = {
            d.step.part or "": d.id for d in program.steps(deadline.track, EXPERIENCE, number)
        }
    extras = [d for d in deadlines if d.is_(EXTRA_EXPERIENCES)]
    for team_id in team_ids:
        facts = out[team_id]
        for number, parts in chains.items():
            _one_experience(facts, parts, records[team_id].get(number), approvals)
        for deadline in extras:
            covered = coverage(program, every[team_id], approvals)
            if covered.complete_at is not None:
                facts.done[deadline.id] = covered.complete_at
            elif covered.missing:
                facts.notes[deadline.id] = "still missing: " + ", ".join(covered.missing)
    return out


def _one_experience(
    facts: Facts,
    parts: dict[str, str],
    record: Experience | None,
    approvals: Mapping[int, datetime],
) -> None:
    """`parts`: the deadline id of each part of this experience in the track."""
    send, comment, file = (parts.get(part, "") for part in (SEND, COMMENT, FILE))
    if record is None:
        facts.waiting[comment] = send
        facts.waiting[file] = send
        return
    facts.done[send] = record.submitted_at
    if record.commented_at is not None:
        facts.done[comment] = record.commented_at
    else:
        facts.waiting[file] = comment
    counts_from = counted_at(record, approvals)
    if counts_from is not None:
        facts.done[file] = counts_from
    elif record.status is ExperienceStatus.AGREED:
        facts.notes[file] = (
            "signed by both; waiting for the content advisor to approve this experience of "
            "the team's own design"
        )
    elif record.status is ExperienceStatus.DISCUSS:
        facts.holders[file] = ("mentor",)
        facts.notes[file] = "back with the mentor to talk over the comments"


def _open_experience(step: Step, role: str, team_id: int) -> NextAction | None:
    number, value = step.number, f"{team_id}:{step.number}"
    if step.part == SEND:
        return NextAction("", f"Submit Experience {number}", views.SUBMIT_OPEN, value)
    if step.part == COMMENT or role == "mentor":
        return NextAction("", "Write the Mentor Comment Form", views.COMMENT_OPEN, value)
    return NextAction("", "Review the comments", views.REVIEW_OPEN, value)


def _experience_name(deadline: Deadline) -> str:
    number = deadline.step.number
    return {
        SEND: f"Experience {number} (sent to the mentor)",
        COMMENT: f"Mentor Comment Form for Experience {number}",
        FILE: f"Sign-off on Experience {number} and its Mentor Comment Form",
    }[deadline.step.part or ""]


def _ask_experience(step: Step, role: str, partner: str, soon: str) -> str:
    number, part = step.number, step.part
    if part == SEND:
        return f"Please send the completed Experience {number} to your mentor <@{partner}>."
    if part == COMMENT:
        return (
            f"<@{partner}> sent Experience {number}: please file your Mentor Comment Form "
            f"by {soon}."
        )
    if role == "mentor":
        return (
            f"<@{partner}> asked to talk over your comments on Experience {number}. Once "
            "you have, please send the Mentor Comment Form again."
        )
    return (
        f"Your mentor <@{partner}> filed the Mentor Comment Form for Experience {number}: "
        "please read it and agree, or ask to discuss it."
    )


def _open_extra(step: Step, role: str, team_id: int) -> NextAction | None:
    if role != "protege":
        return None
    # "The next experience", chosen when the button is pressed.
    return NextAction("", "Submit an experience", views.SUBMIT_OPEN, f"{team_id}:0")


def _extras_name(deadline: Deadline) -> str:
    return "An experience in each of the six focus areas"


KINDS = {EXPERIENCE: Spec(numbered=True, parts=STEPS, in_order=True), EXTRA_EXPERIENCES: Spec()}
# One facts function for both: an experience counts for its number and for the focus areas.
HANDLERS = (
    StepHandler(
        EXPERIENCE,
        facts=_facts,
        opener=_open_experience,
        name=_experience_name,
        ask=_ask_experience,
    ),
    # The reminder says which focus areas are still missing.
    StepHandler(
        EXTRA_EXPERIENCES,
        facts=_facts,
        opener=_open_extra,
        name=_extras_name,
        note_in_reminder=True,
    ),
)
