"""Reading the structured-experience modals: the submission, the Mentor Comment Form and the
protégé's "let's discuss" note. Each parser returns its entry or raises FieldErrors."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from bot.experiences.rules import CommentEntry, ExperienceEntry
from bot.program import Program
from bot.slack.fields import FieldErrors, State, day, files, selected, selected_many, text
from bot.slack.text import TypedText

TEXT_MAX = 3000
LINK_MAX = 2000
OTHER = "other"


FILE_BLOCK = "file"  # Slack's file input, shown when the token may read files
LINK_BLOCK = "link"


def link_or_file(state: State, errors: dict[str, str]) -> TypedText:
    """The work: a file attached in the form (kept by its Slack permalink), else the link
    pasted. Where the form offers the file input, one of the two is asked for."""
    attached = files(state, FILE_BLOCK)
    link = text(state, LINK_BLOCK)
    if attached:
        if link:
            errors[LINK_BLOCK] = "You attached a file: clear this link, or remove the file."
        elif check_link(attached[0]):
            errors[FILE_BLOCK] = "Slack gave no link for this file: attach it again."
        return TypedText(attached[0])
    if FILE_BLOCK in state and not link:
        errors[LINK_BLOCK] = "Attach your work above, or paste a link to it here."
        return link
    problem = check_link(link)
    if problem:
        errors[LINK_BLOCK] = problem
    return link


def check_link(value: str) -> str | None:
    """Why `value` is not a usable link (http/https URL, such as a Slack file permalink)."""
    if not value:
        return "Please paste the link to your work."
    if len(value) > LINK_MAX:
        return f"That link is over {LINK_MAX:,} characters; please use a shorter share link."
    try:
        parts = urlsplit(value)
    except ValueError:  # "http://[" and other hosts urllib cannot read
        return "Please paste a full link starting with https:// (or a Slack file's link)."
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(c in value for c in ' <>|"')
    ):
        return "Please paste a full link starting with https:// (or a Slack file's link)."
    return None


def long_text(
    state: State, block_id: str, errors: dict[str, str], *, required: bool, ask: str
) -> TypedText:
    value = text(state, block_id)
    if required and not value:
        errors[block_id] = ask
    elif len(value) > TEXT_MAX:
        errors[block_id] = f"Please keep it under {TEXT_MAX:,} characters (now {len(value):,})."
    return value


def parse_submission(
    state: State,
    program: Program,
    *,
    has_slot: bool,
    slot_is_other: bool = False,
    needs_focus: bool = False,
) -> ExperienceEntry:
    """`has_slot`: the plan names the experience (no selection field); `needs_focus`: the
    track counts focus areas, so an "other" experience must name the ones it covers."""
    errors: dict[str, str] = {}
    selection: int | None = None
    other: str | None = None
    is_other = slot_is_other
    if not has_slot:
        choice = selected(state, "selection")
        numbers = {str(s.number) for s in program.experience_selections}
        if choice == OTHER:
            is_other = True
            other = long_text(
                state,
                "other_description",
                errors,
                required=True,
                ask="Please describe the experience you chose instead.",
            )
        elif choice in numbers:
            selection = int(choice)
            if text(state, "other_description"):
                # Kept silently it would be lost: a listed experience has no description.
                errors["other_description"] = (
                    "A description is only for “Other”: choose “Other” above, or clear this."
                )
        else:
            errors["selection"] = "Please choose an experience from the list, or “Other”."
    elif "other_description" in state:
        long_text(state, "other_description", errors, required=False, ask="")
    focus = selected_many(state, "focus_areas")
    if any(area not in program.focus_areas for area in focus):
        errors["focus_areas"] = "Please choose among the program's focus areas."
    elif is_other and needs_focus and not focus:
        errors["focus_areas"] = (
            "Please tick the focus areas this experience covers: this year counts them."
        )
    link = link_or_file(state, errors)
    summary = long_text(
        state, "summary", errors, required=True, ask="Please add a short summary for your mentor."
    )
    if errors:
        raise FieldErrors(errors)
    return ExperienceEntry(selection, other, tuple(focus), link, summary)


def parse_comment(state: State, program: Program, today: date) -> CommentEntry:
    errors: dict[str, str] = {}
    when = day(state, "comment_date")
    if when is None:
        errors["comment_date"] = "Please pick the date."
    elif when > today:
        errors["comment_date"] = "The date cannot be in the future."
    elif when < program.start:
        errors["comment_date"] = f"The date must be in the {program.school_year} program year."
    area = selected(state, "area")
    if area not in {a.id for a in program.areas}:
        errors["area"] = "Please choose the program area."
    experience_text = long_text(
        state,
        "experience_text",
        errors,
        required=True,
        ask="Please name the mentoring experience.",
    )
    comments = long_text(
        state,
        "comments",
        errors,
        required=True,
        ask="Please add your comments on thoroughness, practicality and usefulness.",
    )
    if errors:
        raise FieldErrors(errors)
    assert when is not None and area is not None
    return CommentEntry(when, area, experience_text, comments)


def parse_note(state: State, block_id: str = "note", *, required: bool = False) -> TypedText:
    errors: dict[str, str] = {}
    note = long_text(state, block_id, errors, required=required, ask="Please say what to change.")
    if errors:
        raise FieldErrors(errors)
    return note
