"""Structured experiences in Slack: the submission modal, the Mentor Comment Form, the
protégé's review (agree and sign, or ask to discuss), the DMs between the two, and the
overview of a team's experiences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from bot.experiences.form import FILE_BLOCK, LINK_BLOCK
from bot.experiences.rules import Coverage, ExperienceState, ShownComment, describe
from bot.program import Program
from bot.slack.blocks import (
    SECTION_TEXT_MAX,
    Block,
    actions,
    button,
    context,
    divider,
    input_block,
    modal,
    option,
    plain,
    section,
    static_select,
)
from bot.slack.dates import human_date
from bot.slack.metadata import Metadata
from bot.slack.text import TypedText, typed
from storage.experiences import ExperienceStatus

SUBMIT_OPEN = "exp_submit_open"  # value "team:number"
COMMENT_OPEN = "exp_comment_open"  # value "team:number"
REVIEW_OPEN = "exp_review_open"  # value "team:number"
AGREE = "exp_agree"  # value "team:number:comment"
DISCUSS_OPEN = "exp_discuss_open"  # value "team:number:comment"
OTHER_APPROVE = "exp_other_approve"  # value "team:number:submission": approves that version
SUBMIT_CALLBACK = "exp_submit"
COMMENT_CALLBACK = "exp_comment"
DISCUSS_CALLBACK = "exp_discuss"
OTHER = "other"
TEXT_MAX = 3000
LINK_MAX = 2000

Message = tuple[str, list[Block]]


# --- the protégé's submission --------------------------------------------------------------


def submission_modal(
    program: Program,
    state: ExperienceState,
    team_id: int,
    mentor: str,
    today: date,
    coverage: Coverage | None = None,
    *,
    files: bool = False,
) -> dict[str, Any]:
    """`files`: the token may read files, so the work can be attached (else only linked)."""
    n = state.number
    blocks: list[Block] = [section(_due_line(state, "send", f"to your mentor <@{mentor}>", today))]
    slot = state.slot
    current = state.submission
    if slot is not None:
        planned = describe(program, slot.selection, slot.other_description).mrkdwn()
        blocks.append(section(f"*Planned (Individual Mentoring Plan):* {planned}"))
        if slot.planned:
            blocks.append(context(f"Planned work: {slot.planned.mrkdwn()}"))
    else:
        blocks.append(
            input_block(
                "selection",
                "Experience selection",
                _selection_select(program, current.selection if current else None, current),
                hint="Your plan has no Experience "
                f"{n} yet: choose from the program's list, or “Other” and describe it.",
            )
        )
        blocks.append(
            input_block(
                "other_description",
                "If “Other”: describe the experience",
                _text(
                    "other_description",
                    current.other_description if current else None,
                    multiline=True,
                    max_length=TEXT_MAX,
                ),
                optional=True,
                hint="Experiences not on the list need your content advisor's approval.",
            )
        )
    if slot is None or slot.selection is None:
        blocks.append(
            input_block(
                "focus_areas",
                "Focus areas an “Other” experience covers",
                _focus_checkboxes(program, current.focus_areas if current else ()),
                optional=True,
            )
        )
    if coverage is not None and coverage.missing:
        blocks.append(
            context(f"Focus areas still missing this year: {', '.join(coverage.missing)}")
        )
    blocks += work_inputs(
        "your work",
        current.link if current else None,
        files=files,
        hint="A link to your document (Google Drive, OneDrive …), or a file you shared in "
        "Slack: open it, choose “Copy link” and paste it here.",
    )
    blocks.append(
        input_block(
            "summary",
            "Summary for your mentor",
            _text("summary", current.summary if current else None, multiline=True),
            hint="What you did, and what you would like your mentor to look at.",
        )
    )
    title = f"Experience {n}"
    return modal(
        SUBMIT_CALLBACK,
        title,
        blocks,
        submit="Send to mentor",
        private_metadata=Metadata(team=team_id, n=n).dump(),
    )


def work_inputs(what: str, current: TypedText | None, *, files: bool, hint: str) -> list[Block]:
    """Where the manual asks for a file: Slack's file input when the app may read files,
    with the link still possible; else the link alone (an install from before `files:read`).
    A link kept from before shows in the link box."""
    link: dict[str, Any] = {"type": "url_text_input", "action_id": LINK_BLOCK}
    if current:
        link["initial_value"] = current.raw()
    if not files:
        return [input_block(LINK_BLOCK, f"Link to {what}", link, hint=hint)]
    attach = {"type": "file_input", "action_id": FILE_BLOCK, "max_files": 1}
    return [
        input_block(FILE_BLOCK, f"Attach {what}", attach, optional=True),
        input_block(
            LINK_BLOCK,
            "Or a link to it",
            link,
            optional=True,
            hint="Google Drive, OneDrive …: a file or a link, one of the two.",
        ),
    ]


def _selection_select(program: Program, selected: int | None, current: Any) -> dict[str, Any]:
    options = [
        option(
            f"#{s.number} {s.text}",
            str(s.number),
            ", ".join(s.focus_areas),
        )
        for s in program.experience_selections
    ]
    options.append(option("Other (describe it below)", OTHER))
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": "selection",
        "placeholder": plain("Choose an experience"),
        "options": options,
    }
    if selected is not None:
        element["initial_option"] = next(o for o in options if o["value"] == str(selected))
    elif current is not None:
        element["initial_option"] = options[-1]
    return element


def _focus_checkboxes(program: Program, chosen: Sequence[str]) -> dict[str, Any]:
    options = [option(area, area) for area in program.focus_areas]
    element: dict[str, Any] = {"type": "checkboxes", "action_id": "focus_areas", "options": options}
    initial = [o for o in options if o["value"] in chosen]
    if initial:
        element["initial_options"] = initial
    return element


# --- the mentor's comment form -------------------------------------------------------------


def comment_modal(
    program: Program,
    state: ExperienceState,
    team_id: int,
    protege: str,
    area: str,
    today: date,
) -> dict[str, Any]:
    submission = state.submission
    assert submission is not None  # the handler opens this only for a submitted experience
    earlier = state.comment
    n = state.number
    what = describe(program, submission.selection, submission.other_description)
    blocks: list[Block] = [
        section(_due_line(state, "comment", f"to <@{protege}>", today)),
        section(
            f"*Experience {n} from <@{protege}>* (sent "
            f"{human_date(submission.submitted_at.astimezone(program.tz).date(), today)})\n"
            f"{what.mrkdwn()}"
        ),
        section(f"*Their work:* {work_link(submission.link)}"),
        *labelled("Summary", submission.summary),
    ]
    if state.status is ExperienceStatus.DISCUSS and state.discuss_note:
        blocks += labelled(f"<@{protege}> asked to discuss", state.discuss_note)
    if state.status is ExperienceStatus.COMMENTED:
        blocks.append(
            context("You already filed this form; sending it again replaces it for your protégé.")
        )
    blocks.append(divider())
    blocks.append(
        input_block(
            "comment_date",
            "Date",
            {
                "type": "datepicker",
                "action_id": "comment_date",
                "initial_date": (earlier.comment_date if earlier else today).isoformat(),
            },
        )
    )
    blocks.append(
        input_block(
            "area", "Program area", _area_select(program, earlier.area if earlier else area)
        )
    )
    blocks.append(
        input_block(
            "experience_text",
            "Mentoring experience identified by the protégé/mentor team",
            _text(
                "experience_text",
                earlier.experience_text
                if earlier
                else describe(program, submission.selection, submission.other_description),
                multiline=True,
            ),
        )
    )
    blocks.append(
        input_block(
            "comments",
            "Comments on thoroughness, practicality, and usefulness",
            _text("comments", earlier.comments if earlier else None, multiline=True),
        )
    )
    blocks.append(context("Sending this form is your signature as the mentor."))
    return modal(
        COMMENT_CALLBACK,
        "Mentor Comment Form",
        blocks,
        submit="Sign and send",
        private_metadata=Metadata(team=team_id, n=n, sub=submission.id).dump(),
    )


def _area_select(program: Program, selected: str) -> dict[str, Any]:
    return static_select("area", [option(area.name, area.id) for area in program.areas], selected)


# --- the protégé's review ------------------------------------------------------------------


def comment_blocks(
    program: Program, comment: ShownComment, mentor: str, today: date
) -> list[Block]:
    """The Mentor Comment Form as filed, every word of it (long text gets its own block)."""
    area = _area_name(program, comment.area)
    return [
        section(f"*Date:* {human_date(comment.comment_date, today)}   *Program area:* {area}"),
        *labelled(
            "Mentoring experience identified by the protégé/mentor team", comment.experience_text
        ),
        *labelled("Comments on thoroughness, practicality, and usefulness", comment.comments),
        context(f"Signed by <@{mentor}>, mentor"),
    ]


def labelled(label: str, text: TypedText) -> list[Block]:
    """A bold label and someone's text: one section, or two when together they are too long."""
    body = text.mrkdwn()
    if len(label) + len(body) + 6 <= SECTION_TEXT_MAX:
        return [section(f"*{label}:*\n{body}")]
    return [section(f"*{label}:*"), section(body)]


def review_blocks(
    program: Program, state: ExperienceState, team_id: int, mentor: str, today: date
) -> list[Block]:
    comment = state.comment
    assert comment is not None
    value = f"{team_id}:{state.number}:{comment.id}"
    return [
        section(
            f"*<@{mentor}> filed the Mentor Comment Form for Experience {state.number}.* "
            "Please read it: if you agree, sign it; if not, ask to talk it over."
        ),
        *comment_blocks(program, comment, mentor, today),
        section(_due_line(state, "file", "", today)),
        actions(
            button("Agree and sign", AGREE, value, "primary"),
            button("Let's discuss", DISCUSS_OPEN, value),
        ),
    ]


def review_message(
    program: Program, state: ExperienceState, team_id: int, mentor: str, today: date
) -> Message:
    text = f"Your Mentor Comment Form for Experience {state.number} is ready to review"
    return text, review_blocks(program, state, team_id, mentor, today)


def review_modal(
    program: Program, state: ExperienceState, team_id: int, mentor: str, today: date
) -> dict[str, Any]:
    return modal(
        "exp_review",
        f"Experience {state.number}",
        review_blocks(program, state, team_id, mentor, today),
        submit=None,
        close="Close",
    )


def discuss_modal(team_id: int, number: int, comment_id: int, mentor: str) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            f"Experience {number} goes back to <@{mentor}>, who will talk it over with you and "
            "send the Mentor Comment Form again."
        ),
        input_block(
            "note",
            "What would you like to discuss?",
            _text("note", None, multiline=True),
            optional=True,
        ),
    ]
    return modal(
        DISCUSS_CALLBACK,
        "Let's discuss",
        blocks,
        submit="Send to mentor",
        private_metadata=Metadata(team=team_id, n=number, comment=comment_id).dump(),
    )


# --- DMs between the two --------------------------------------------------------------------


def submitted_message(
    program: Program, state: ExperienceState, team_id: int, protege: str, today: date, revised: bool
) -> Message:
    """To the mentor: the experience is in, please write the Mentor Comment Form."""
    n = state.number
    submission = state.submission
    assert submission is not None
    verb = "sent a new version of" if revised else "sent"
    text = f"<@{protege}> {verb} Experience {n}: your Mentor Comment Form is next"
    what = describe(program, submission.selection, submission.other_description).mrkdwn()
    blocks: list[Block] = [
        section(f"*{text}*\n{what}"),
        section(f"*Their work:* {work_link(submission.link)}"),
        *labelled("Summary", submission.summary),
        section(_due_line(state, "comment", "", today)),
        actions(button("Write the Mentor Comment Form", COMMENT_OPEN, f"{team_id}:{n}", "primary")),
    ]
    return text, blocks


def approval_message(
    program: Program,
    state: ExperienceState,
    team_id: int,
    protege: str,
    mentor: str,
    *,
    changed: bool = False,
) -> Message:
    """To the content advisor: an experience of the team's own design, beyond the plan, counts
    once they approve it (the manual: "You MUST first seek approval from the content
    advisor"). The button approves this version (`changed`: the protégé changed what an
    earlier approval was given to)."""
    n = state.number
    submission = state.submission
    assert submission is not None
    text = f"<@{protege}> (mentor <@{mentor}>) sent Experience {n}, of the team's own design"
    what = describe(program, submission.selection, submission.other_description).mrkdwn()
    areas = ", ".join(submission.focus_areas) or "none named"
    blocks: list[Block] = [
        section(f"*{text}*\n{what}"),
        context(f"Focus areas they name: {areas}"),
        section(
            f"<@{protege}> changed its description or focus areas after your approval, so it "
            "counts toward the program once you approve this version."
            if changed
            else "It is not on the experience selection list, so it counts toward the program "
            "once you approve it."
        ),
        actions(
            button(
                "Approve this experience",
                OTHER_APPROVE,
                f"{team_id}:{n}:{submission.id}",
                "primary",
            )
        ),
    ]
    return text, blocks


def approved_message(number: int, advisor: str) -> Message:
    text = f"Experience {number} is approved by your content advisor <@{advisor}>"
    return text, [section(f"✅ *{text}*: it counts toward the program. Thank you!")]


def discuss_message(team_id: int, number: int, protege: str, note: TypedText | None) -> Message:
    text = f"<@{protege}> would like to discuss your comments on Experience {number}"
    blocks: list[Block] = [
        section(f"*{text}*"),
        *(labelled("Their note", note) if note else []),
        section("Talk it over, then send the Mentor Comment Form again."),
        actions(
            button("Revise the Mentor Comment Form", COMMENT_OPEN, f"{team_id}:{number}", "primary")
        ),
    ]
    return text, blocks


def agreed_message(number: int, protege: str, mentor: str, when: str) -> Message:
    text = f"Experience {number} is done: <@{protege}> agreed to the Mentor Comment Form"
    blocks: list[Block] = [
        section(f"✅ *{text}*"),
        context(f"Signed by <@{mentor}> (mentor) and <@{protege}> (protégé), {when}. Thank you!"),
    ]
    return text, blocks


def done_message(number: int, detail: str) -> Message:
    text = f"Experience {number} is done, signed by you both. Thank you!"
    return text, [section(f"✅ *{text}*"), context(detail)]


# --- overview ------------------------------------------------------------------------------


def overview_message(
    program: Program,
    states: Sequence[ExperienceState],
    team_id: int,
    role: str,
    today: date,
    coverage: Coverage | None,
) -> Message:
    """A team's experiences with their status, and a button where the viewer has a move."""
    text = "Your structured experiences"
    blocks: list[Block] = [section(f"*{text}*")]
    for state in states:
        line = f"*Experience {state.number}*: {_status_text(program, state, today)}"
        accessory = _button_for(state, team_id, role)
        blocks.append(section(line[:3000], accessory=accessory))
    if coverage is not None:
        blocks.append(
            section(coverage_line(coverage.covered, coverage.in_progress, coverage.missing))
        )
    return text, blocks[:50]


def _status_text(program: Program, state: ExperienceState, today: date) -> str:
    record = state.record
    what = (
        describe(program, record.selection, record.other_description)
        if record
        else describe(program, state.slot.selection, state.slot.other_description)
        if state.slot
        else typed("not chosen yet")
    ).clip(90)
    status = {
        None: "not sent yet",
        ExperienceStatus.SUBMITTED: "with the mentor for the Mentor Comment Form",
        ExperienceStatus.COMMENTED: "comment form filed; waiting for the protégé to agree",
        ExperienceStatus.DISCUSS: "back with the mentor to discuss",
        ExperienceStatus.AGREED: "done, both signed ✅",
    }[state.status]
    due = state.deadlines.get("file")
    due_text = (
        f", due {human_date(due.due, today)}"
        if due and state.status is not ExperienceStatus.AGREED
        else ""
    )
    return f"{what.mrkdwn()} — {status}{due_text}"


def _button_for(state: ExperienceState, team_id: int, role: str) -> dict[str, Any] | None:
    value = f"{team_id}:{state.number}"
    status = state.status
    if role == "protege" and status in (None, ExperienceStatus.SUBMITTED, ExperienceStatus.DISCUSS):
        return button("Revise" if status else "Submit", SUBMIT_OPEN, value)
    if role == "protege" and status is ExperienceStatus.COMMENTED:
        return button("Review", REVIEW_OPEN, value, "primary")
    if role == "mentor" and status in (ExperienceStatus.SUBMITTED, ExperienceStatus.DISCUSS):
        return button("Comment", COMMENT_OPEN, value, "primary")
    return None


# --- helpers ---------------------------------------------------------------------------------


def _due_line(state: ExperienceState, step: str, whom: str, today: date) -> str:
    deadline = state.deadlines.get(step)
    words = {"send": "Send", "comment": "Mentor Comment Form", "file": "Agree and sign"}[step]
    if deadline is None:
        return f"*Experience {state.number}* {whom}".strip()
    tail = f" {whom}" if whom else ""
    return f"*{words}{tail}* by {human_date(deadline.due, today)}"


def work_link(link: TypedText) -> str:
    """The protégé's link, saying when it is a file shared in Slack."""
    parts = urlsplit(link)
    if parts.netloc.endswith(".slack.com") and parts.path.startswith("/files/"):
        return f"<{link.mrkdwn()}|a file shared in Slack>"
    return link.mrkdwn()


def _text(
    action_id: str,
    initial: TypedText | None,
    *,
    multiline: bool = False,
    max_length: int = TEXT_MAX,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial.raw()[:max_length]
    return element


def _area_name(program: Program, area_id: str) -> str:
    try:
        return program.area(area_id).name
    except KeyError:
        return area_id


def coverage_line(
    covered: Sequence[str], in_progress: Sequence[str], missing: Sequence[str]
) -> str:
    if not missing:
        return "*Focus areas:* all six are covered by this year's experiences. 🎉"
    parts = [f"*Focus areas still missing:* {', '.join(missing)}"]
    if covered:
        parts.append(f"covered: {', '.join(covered)}")
    if in_progress:
        parts.append(f"under way: {', '.join(in_progress)}")
    return "\n".join(parts)
