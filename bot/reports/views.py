"""The Mentor/Protégé Visit Report, the Networking and Professional Development Verification
Forms and the Assessment Activity: modals, the co-signing DMs, and read-only views."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.experiences.views import labelled, work_inputs
from bot.program import Program
from bot.program.model import Link
from bot.reports.form import IN_PERSON, OUTSIDE_PROGRAM
from bot.reports.rules import ShownAssessment, ShownPd, ShownVisit, pd_hours
from bot.slack.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    input_block,
    links_blocks,
    modal,
    option,
    section,
    static_select,
)
from bot.slack.dates import human_date
from bot.slack.metadata import Metadata
from bot.slack.text import TypedText

VISIT_OPEN = "visit_open"  # value "team" (a new report) or "team:number" (change that one)
VISIT_REVIEW_OPEN = "visit_review_open"  # value "team"
VISIT_CONFIRM = "visit_confirm"  # value "team:report id"
VISIT_CHANGE_OPEN = "visit_change_open"  # value "team:report id"
VISIT_CALLBACK = "visit_file"
VISIT_CHANGE_CALLBACK = "visit_change"
PD_OPEN = "pd_open"  # value "team:number"
PD_SIGN_OPEN = "pd_sign_open"  # value "team:form id"
PD_CALLBACK = "pd_file"
PD_SIGN_CALLBACK = "pd_sign"
ASSESSMENT_OPEN = "assessment_open"  # value "team"
ASSESSMENT_CALLBACK = "assessment_file"
PD_NAME = "Networking and Professional Development Verification Form"

Message = tuple[str, list[Block]]


# --- Visit Report --------------------------------------------------------------------------


def visit_modal(
    program: Program,
    team_id: int,
    protege: str,
    area: str,
    today: date,
    current: ShownVisit | None,
    change_note: TypedText | None,
    confirmed_count: int,
) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            f"*Mentor/Protégé Visit Report* with <@{protege}>. After you send it, "
            f"<@{protege}> confirms it; that is their signature. One in-person visit is "
            f"required in the first semester{_semester_end(program)}."
        )
    ]
    if change_note:
        blocks += labelled(f"<@{protege}> asked for a change", change_note)
    if current is None and confirmed_count:
        blocks.append(
            context(
                f"You have {confirmed_count} signed Visit Report"
                f"{'s' if confirmed_count != 1 else ''}; this one is for another visit."
            )
        )
    blocks += [
        input_block(
            "area", "Program area", _area_select(program, current.area if current else area)
        ),
        input_block(
            "visit_date",
            "Date of visit",
            _datepicker("visit_date", current.visit_date if current else None),
        ),
        input_block(
            "location",
            "Location of visit",
            _text("location", current.location if current else None),
            hint="The protégé's school is the place the manual suggests.",
        ),
        input_block(
            "in_person",
            "Was the visit in person?",
            _radio("in_person", IN_PERSON, "yes" if current and current.in_person else None),
        ),
        input_block(
            "topics",
            "Topics discussed during visit",
            _text("topics", current.topics if current else None, multiline=True),
        ),
        input_block(
            "strategies",
            "Suggested strategies discussed",
            _text("strategies", current.strategies if current else None, multiline=True),
        ),
        context("Sending this report is your signature as the mentor."),
    ]
    return modal(
        VISIT_CALLBACK,
        "Visit Report",
        blocks,
        submit="Sign and send",
        private_metadata=Metadata(team=team_id, number=current.number if current else None).dump(),
    )


def visit_blocks(
    program: Program, report: ShownVisit, mentor: str, protege: str, today: date
) -> list[Block]:
    """The Visit Report as filed, every field of the manual's form."""
    signed = f"Mentor signature: <@{mentor}>"
    if report.confirmed_at is not None:
        signed += f" · Protégé signature: <@{protege}>"
    how = {True: "   *In person:* yes", False: "   *In person:* no", None: ""}[report.in_person]
    late = (
        ""
        if program.in_first_semester(report.visit_date)
        else "\n:warning: _After the first semester: the manual asks for a first semester visit._"
    )
    return [
        section(
            f"*Program area:* {_area_name(program, report.area)}   "
            f"*Date of visit:* {human_date(report.visit_date, today)}\n"
            f"*Mentor:* <@{mentor}>   *Protégé:* <@{protege}>\n"
            f"*Location of visit:* {report.location.mrkdwn()}{how}{late}"
        ),
        *labelled("Topics discussed during visit", report.topics),
        *labelled("Suggested strategies discussed", report.strategies),
        context(signed),
    ]


def visit_review_blocks(
    program: Program, report: ShownVisit, team_id: int, mentor: str, protege: str, today: date
) -> list[Block]:
    value = f"{team_id}:{report.id}"
    return [
        section(
            f"*<@{mentor}> filed the Mentor/Protégé Visit Report.* If it is right, confirm it: "
            "that is your signature."
        ),
        *visit_blocks(program, report, mentor, protege, today),
        actions(
            button("Confirm and sign", VISIT_CONFIRM, value, "primary"),
            button("Ask for a change", VISIT_CHANGE_OPEN, value),
        ),
    ]


def visit_review_message(
    program: Program, report: ShownVisit, team_id: int, mentor: str, protege: str, today: date
) -> Message:
    text = "Your Mentor/Protégé Visit Report is ready to confirm"
    return text, visit_review_blocks(program, report, team_id, mentor, protege, today)


def visit_review_modal(
    program: Program, report: ShownVisit, team_id: int, mentor: str, protege: str, today: date
) -> dict[str, Any]:
    return modal(
        "visit_review",
        "Visit Report",
        visit_review_blocks(program, report, team_id, mentor, protege, today),
        submit=None,
        close="Close",
    )


def visit_change_modal(team_id: int, report_id: int, mentor: str) -> dict[str, Any]:
    blocks: list[Block] = [
        section(f"The Visit Report goes back to <@{mentor}> with your note."),
        input_block("note", "What should change?", _text("note", None, multiline=True)),
    ]
    return modal(
        VISIT_CHANGE_CALLBACK,
        "Ask for a change",
        blocks,
        submit="Send to mentor",
        private_metadata=Metadata(team=team_id, report=report_id).dump(),
    )


def visit_change_message(team_id: int, number: int, protege: str, note: TypedText) -> Message:
    text = f"<@{protege}> asked for a change to your Visit Report"
    blocks: list[Block] = [
        section(f"*{text}*"),
        *labelled("Their note", note),
        actions(button("Change the Visit Report", VISIT_OPEN, f"{team_id}:{number}", "primary")),
    ]
    return text, blocks


def visit_confirmed_message(mentor: str, protege: str, when: str) -> Message:
    text = "The Mentor/Protégé Visit Report is signed by you both"
    return text, [
        section(f"✅ *{text}*"),
        context(f"Mentor <@{mentor}>, protégé <@{protege}>, {when}. Thank you!"),
    ]


# --- PD Verification Forms -----------------------------------------------------------------


def pd_modal(
    program: Program,
    team_id: int,
    number: int,
    mentor: str,
    area: str,
    current: ShownPd | None,
    due: date | None,
    today: date,
) -> dict[str, Any]:
    due_text = f" Due {human_date(due, today)}." if due else ""
    blocks: list[Block] = [
        section(
            f"*{PD_NAME} #{number}*\nAfter a networking or professional development "
            f"opportunity outside the mentoring program, file this form: it goes to your mentor "
            f"<@{mentor}> for comments, and both of you sign it.{due_text}"
        ),
        input_block(
            "area", "Program area", _area_select(program, current.area if current else area)
        ),
        input_block(
            "pd_date", "Date", _datepicker("pd_date", current.pd_date if current else None)
        ),
        input_block(
            "location", "Location", _text("location", current.location if current else None)
        ),
        input_block(
            "hours",
            "Hours",
            _text("hours", TypedText(pd_hours(current.minutes)) if current else None),
            hint="For example 3 or 1.5",
        ),
        input_block(
            "description",
            "Brief description of networking/professional development opportunity",
            _text("description", current.description if current else None, multiline=True),
            hint="Attach the agenda in Slack and paste its link here if you can.",
        ),
        input_block(
            "outside_program",
            "Outside of the mentorship program",
            _attestation(current is not None and bool(current.outside_program)),
            hint=OUTSIDE_QUOTE,
        ),
        context("Sending this form is your signature as the protégé."),
    ]
    return modal(
        PD_CALLBACK,
        f"PD Verification #{number}",
        blocks,
        submit="Sign and send",
        private_metadata=Metadata(team=team_id, n=number).dump(),
    )


def pd_blocks(
    program: Program, form: ShownPd, mentor: str, protege: str, today: date
) -> list[Block]:
    """The form as filed, with the mentor's comments once they are in."""
    signatures = f"Protégé signature: <@{protege}>"
    if form.signed_at is not None:
        signatures += f" · Mentor signature: <@{mentor}>"
    comments = labelled("Mentor Comments", form.mentor_comments) if form.mentor_comments else []
    if form.outside_program:
        signatures = f"{OUTSIDE_TEXT} · {signatures}"
    return [
        section(
            f"*Program area:* {_area_name(program, form.area)}   "
            f"*Date:* {human_date(form.pd_date, today)}\n"
            f"*Protégé:* <@{protege}>   *Mentor:* <@{mentor}>\n"
            f"*Location:* {form.location.mrkdwn()}   *Hours:* {pd_hours(form.minutes)}"
        ),
        *labelled(
            "Brief description of networking/professional development opportunity",
            form.description,
        ),
        *comments,
        context(signatures),
    ]


def pd_sign_modal(
    program: Program, form: ShownPd, team_id: int, mentor: str, protege: str, today: date
) -> dict[str, Any]:
    blocks: list[Block] = [
        *pd_blocks(program, form, mentor, protege, today),
        divider(),
        input_block(
            "mentor_comments", "Mentor Comments", _text("mentor_comments", None, multiline=True)
        ),
        context("Sending your comments is your signature as the mentor."),
    ]
    return modal(
        PD_SIGN_CALLBACK,
        f"PD Verification #{form.number}",
        blocks,
        submit="Sign",
        private_metadata=Metadata(team=team_id, form=form.id).dump(),
    )


def pd_filed_message(
    program: Program, form: ShownPd, team_id: int, mentor: str, protege: str, today: date
) -> Message:
    text = f"<@{protege}> filed {PD_NAME} #{form.number}: your comments are next"
    blocks: list[Block] = [
        section(f"*{text}*"),
        *pd_blocks(program, form, mentor, protege, today),
        actions(button("Add comments and sign", PD_SIGN_OPEN, f"{team_id}:{form.id}", "primary")),
    ]
    return text, blocks


def pd_signed_message(
    program: Program, form: ShownPd, mentor: str, protege: str, today: date
) -> Message:
    text = f"{PD_NAME} #{form.number} is signed by you both"
    return text, [
        section(f"✅ *{text}*"),
        *pd_blocks(program, form, mentor, protege, today),
    ]


# --- Assessment Activity -------------------------------------------------------------------


def assessment_modal(
    team_id: int,
    current: ShownAssessment | None,
    due: date | None,
    today: date,
    *,
    files: bool = False,
    links: tuple[Link, ...] = (),
) -> dict[str, Any]:
    due_text = f" Due {human_date(due, today)}." if due else ""
    blocks: list[Block] = [
        section(f"*Assessment Activity* (year two).{due_text}"),
        *links_blocks(links),
        *work_inputs(
            "your Assessment Activity",
            current.link if current else None,
            files=files,
            hint="A document link, or a file you shared in Slack (“Copy link”).",
        ),
        input_block(
            "summary",
            "Summary",
            _text("summary", current.summary if current else None, multiline=True),
        ),
    ]
    return modal(
        ASSESSMENT_CALLBACK,
        "Assessment Activity",
        blocks,
        submit="Submit",
        private_metadata=Metadata(team=team_id).dump(),
    )


def assessment_message(protege: str, link: TypedText) -> Message:
    text = f"<@{protege}> submitted the Assessment Activity"
    return text, [section(f"*{text}*\n{link.mrkdwn()}")]


# --- helpers ---------------------------------------------------------------------------------


OUTSIDE_QUOTE = (
    "The manual: protégés “must participate in two additional networking and professional "
    "development opportunities throughout the year, outside of the mentorship program.”"
)
OUTSIDE_TEXT = "Outside of the mentorship program: yes"


def _attestation(checked: bool) -> dict[str, Any]:
    choice = option("It was outside of the mentorship program", OUTSIDE_PROGRAM)
    element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": "outside_program",
        "options": [choice],
    }
    if checked:
        element["initial_options"] = [choice]
    return element


def _radio(action_id: str, choices: dict[str, str], initial: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": action_id,
        "options": [option(name, value) for value, name in choices.items()],
    }
    if initial in choices:
        element["initial_option"] = option(choices[initial], initial)
    return element


def _semester_end(program: Program) -> str:
    end = program.first_semester_end
    return f" (through {end:%a, %b %-d})" if end is not None else ""


def _area_select(program: Program, selected: str) -> dict[str, Any]:
    return static_select("area", [option(area.name, area.id) for area in program.areas], selected)


def _datepicker(action_id: str, initial: date | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker", "action_id": action_id}
    if initial is not None:
        element["initial_date"] = initial.isoformat()
    return element


def _text(action_id: str, initial: TypedText | None, *, multiline: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial.raw()
    return element


def _area_name(program: Program, area_id: str) -> str:
    try:
        return program.area(area_id).name
    except KeyError:
        return area_id
