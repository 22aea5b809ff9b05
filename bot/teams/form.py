"""Parsing the team modals: register (pair), replace a member, end a team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.slack.fields import FieldErrors, State, day, filled, selected, text, user
from bot.slack.text import TypedText
from bot.teams.rules import TeamRequest
from bot.teams.views import PROGRAM_AREA

# Block ids of the pair modal, named for TeamRequest's fields so rule errors land on them.
REASON_MAX = 1000


def parse_pair(state: State, today: date) -> TeamRequest:
    errors: dict[str, str] = {}
    mentor, protege = user(state, "mentor"), user(state, "protege")
    area, track = selected(state, "area"), selected(state, "track")
    start = day(state, "start")
    for field, value in (
        ("mentor", mentor),
        ("protege", protege),
        ("area", area),
        ("track", track),
    ):
        if not value:
            errors[field] = "Please choose one."
    if start is None and filled(state, "start"):
        errors["start"] = "Please pick the start date from the calendar."
    # each missing value has its error already; the checks tell the type checker so
    if errors or not (mentor and protege and area and track):
        raise FieldErrors(errors)
    program, _, area = area.rpartition(PROGRAM_AREA)  # several programs: "program:area"
    return TeamRequest(
        mentor, protege, user(state, "advisor"), area, track, start or today, program
    )


@dataclass(frozen=True)
class Replacement:
    new_person: str
    reason: str | None


def parse_replacement(state: State, current: str | None, others: tuple[str, ...]) -> Replacement:
    new_person = user(state, "person")
    reason = text(state, "reason") or None
    if not new_person:
        raise FieldErrors({"person": "Please choose who takes over."})
    if new_person == current:
        raise FieldErrors({"person": "That is who holds the role now; choose someone else."})
    if new_person in others:
        raise FieldErrors({"person": "This person is already on the team in another role."})
    if reason and len(reason) > REASON_MAX:
        raise FieldErrors({"reason": f"Please keep it under {REASON_MAX} characters."})
    return Replacement(new_person, reason)


@dataclass(frozen=True)
class Ending:
    status: str  # "completed" or "withdrawn"
    reason: TypedText


def parse_ending(state: State) -> Ending:
    status = selected(state, "status")
    reason = text(state, "reason")
    errors = {}
    if status not in ("completed", "withdrawn"):
        errors["status"] = "Please choose completed or withdrawn."
    if not reason:
        errors["reason"] = "Please give a short reason; it stays with the team's history."
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"Please keep it under {REASON_MAX} characters."
    if errors or status is None:  # a missing status has its error already
        raise FieldErrors(errors)
    return Ending(status, reason)
