"""Reading the Visit Report, PD Verification Form and Assessment Activity modals."""

from __future__ import annotations

import re
from datetime import date

from bot.experiences.form import link_or_file, long_text
from bot.program import Program
from bot.reports.rules import AssessmentEntry, PdEntry, VisitEntry
from bot.slack.fields import FieldErrors, State, day, selected, selected_many, text

LOCATION_MAX = 300
HOURS_MAX = 200  # one opportunity; a bigger number is a typing slip
_HOURS = re.compile(r"^\d{1,3}(?:[.,]\d{1,2})?$")

# The Visit Report's question and the PD form's attestation (block id: the one value).
IN_PERSON = {"yes": "In person", "no": "Online or by phone"}
OUTSIDE_PROGRAM = "outside"


def _date_in_year(
    state: State, block_id: str, program: Program, today: date, errors: dict[str, str], what: str
) -> date | None:
    when = day(state, block_id)
    if when is None:
        errors[block_id] = f"Please pick the date of the {what}."
    elif when > today:
        errors[block_id] = f"The {what} cannot be in the future: file this form afterwards."
    elif not program.start <= when <= program.end:
        errors[block_id] = (
            f"The date must be in the {program.school_year} program year "
            f"({program.start:%b %-d, %Y} to {program.end:%b %-d, %Y})."
        )
    return when


def _area(state: State, program: Program, errors: dict[str, str]) -> str:
    area = selected(state, "area")
    if area not in {a.id for a in program.areas}:
        errors["area"] = "Please choose the program area."
    return area or ""


def _location(state: State, errors: dict[str, str]) -> str:
    location = text(state, "location")
    if not location:
        errors["location"] = "Please say where it took place."
    elif len(location) > LOCATION_MAX:
        errors["location"] = f"Please keep the location under {LOCATION_MAX} characters."
    return location


def parse_visit(state: State, program: Program, today: date) -> VisitEntry:
    errors: dict[str, str] = {}
    area = _area(state, program, errors)
    when = _date_in_year(state, "visit_date", program, today, errors, "visit")
    # "A first semester visit is required": refused here, or filed and flagged for the
    # content advisor, as the program file says (settings.visit_outside_first_semester).
    if (
        when is not None
        and "visit_date" not in errors
        and program.settings.visit_outside_first_semester == "error"
        and not program.in_first_semester(when)
    ):
        errors["visit_date"] = (
            "The manual asks for a first semester visit: the date must be by "
            f"{program.first_semester_end:%b %-d, %Y}. If it really was later, please ask "
            "your content advisor."
        )
    in_person = selected(state, "in_person")
    if in_person == "no":
        errors["in_person"] = (
            "The manual requires one in-person visit: file this report after you meet in "
            "person. Online meetings go in the Communication Log."
        )
    elif in_person != "yes":
        errors["in_person"] = "Please say whether the visit was in person."
    location = _location(state, errors)
    topics = long_text(
        state, "topics", errors, required=True, ask="Please list the topics you discussed."
    )
    strategies = long_text(
        state,
        "strategies",
        errors,
        required=True,
        ask="Please note the strategies you suggested.",
    )
    if errors:
        raise FieldErrors(errors)
    assert when is not None
    return VisitEntry(area, when, location, topics, strategies, in_person=True)


def parse_hours(raw: str) -> int | None:
    """'1.5' or '1,5' hours -> 90 minutes; None when it is not a number of hours."""
    raw = raw.strip().lower().removesuffix("hours").removesuffix("hrs").removesuffix("h").strip()
    if not _HOURS.match(raw):
        return None
    minutes = round(float(raw.replace(",", ".")) * 60)
    return minutes if 0 < minutes <= HOURS_MAX * 60 else None


def parse_pd(state: State, program: Program, today: date) -> PdEntry:
    errors: dict[str, str] = {}
    area = _area(state, program, errors)
    when = _date_in_year(state, "pd_date", program, today, errors, "opportunity")
    location = _location(state, errors)
    raw_hours = text(state, "hours")
    minutes = parse_hours(raw_hours)
    if minutes is None:
        errors["hours"] = "Please give the hours as a number, like 3 or 1.5."
    description = long_text(
        state,
        "description",
        errors,
        required=True,
        ask="Please describe the networking or professional development opportunity.",
    )
    if selected_many(state, "outside_program") != [OUTSIDE_PROGRAM]:
        errors["outside_program"] = (
            "The manual counts only opportunities outside of the mentorship program: please "
            "confirm this one was."
        )
    if errors:
        raise FieldErrors(errors)
    assert when is not None and minutes is not None
    return PdEntry(area, when, location, minutes, description, outside_program=True)


def parse_pd_comments(state: State) -> str:
    errors: dict[str, str] = {}
    comments = long_text(
        state, "mentor_comments", errors, required=True, ask="Please add your comments."
    )
    if errors:
        raise FieldErrors(errors)
    return comments


def parse_assessment(state: State) -> AssessmentEntry:
    errors: dict[str, str] = {}
    link = link_or_file(state, errors)
    summary = long_text(state, "summary", errors, required=True, ask="Please add a short summary.")
    if errors:
        raise FieldErrors(errors)
    return AssessmentEntry(link, summary)
