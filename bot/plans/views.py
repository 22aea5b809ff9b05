"""The Individual Mentoring Plan: the team's modal, the content advisor's review DM and its
modals, and the notices that tell the team where their plan stands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from bot.plans.checklists import OPEN_PLAN, clip, team_form
from bot.plans.form import (
    APPROVE_VALUE,
    OTHER,
    RETURN_COMMENT_BLOCK,
    due_block,
    other_approval_block,
    other_block,
    planned_block,
    selection_block,
)
from bot.plans.rules import PlanRecord, PlanSlot, TeamPeople
from bot.program import ExperienceSelection, Program, Track
from bot.slack.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    header,
    input_block,
    modal,
    mrkdwn,
    option,
    plain,
    section,
)
from bot.slack.dates import human_date
from bot.slack.metadata import Metadata
from bot.slack.text import typed

PLAN_CALLBACK = "plans_plan"
RETURN_CALLBACK = "plans_return"
APPROVE_CALLBACK = "plans_approve"
SHOW_SELECTIONS = "plans_show_selections"
CHOOSE_SELECTION = "plans_selection"  # the select itself: a choice shows its whole text
REVIEW_APPROVE = "plans_review_approve"
REVIEW_RETURN = "plans_review_return"
REVIEW_RECEIVED = "plans_review_received"
SEMESTER_NAMES = {1: "First semester", 2: "Second semester"}
Message = tuple[str, list[Block]]


def when(instant: datetime, program: Program, today: date) -> str:
    """When something was signed: a plain date, since the message stays in the DM history and
    "today" would be wrong tomorrow."""
    day = instant.astimezone(program.tz).date()
    text = human_date(day)
    return text if day.year == today.year else f"{text}, {day.year}"


# --- the team's modal ----------------------------------------------------------------------


def plan_modal(
    program: Program,
    people: TeamPeople,
    slots: Sequence[PlanSlot],
    default_due: dict[int, date],
    top_concerns: Sequence[str],
    current: PlanRecord | None,
    today: date,
) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            f"*Protégé* <@{people.protege}>   *Mentor* <@{people.mentor}>\n"
            f"*Teaching content area:* {people.area}"
        )
    ]
    if current is not None:
        blocks.append(context(_status_line(program, current, today)))
        if current.status == "returned" and current.return_comment:
            blocks.append(
                section(
                    f"*<@{current.returned_by}> returned it:*\n>"
                    + current.return_comment.clip(2500).mrkdwn().replace("\n", "\n>")
                )
            )
    if top_concerns:
        blocks.append(context("*Your top four concerns:* " + "; ".join(top_concerns)))
    track = program.track(people.track)
    blocks.append(
        section(
            f"{_shape_words(track)}, from the selection list or your own "
            "(“Other”, which your content advisor approves on its own).",
            accessory=button("See the selections", SHOW_SELECTIONS),
        )
    )
    choices = [_selection_option(s) for s in program.experience_selections]
    other = option("Other: not on the list (describe it below)", OTHER)
    by_number = {slot.number: slot for slot in slots}
    semesters = track.slot_semesters()
    for semester in sorted(set(semesters.values())):
        blocks.append(header(SEMESTER_NAMES.get(semester, f"Semester {semester}")))
        for number in [n for n, s in semesters.items() if s == semester]:
            blocks += _slot_inputs(
                number,
                by_number.get(number),
                default_due.get(number),
                choices,
                other,
                track.plan_slots_optional,
            )
    blocks = with_chosen_texts(
        program,
        blocks,
        {n: str(s.selection) for n, s in by_number.items() if s.selection is not None},
    )
    blocks.append(
        context(
            "You must first seek approval from the content advisor before seeking a different "
            "experience than what is on this form. The plan can be revised at any time; each "
            "revision goes back to the advisor."
        )
    )
    return team_form(PLAN_CALLBACK, "Mentoring Plan (IMP)", blocks, "Send for approval", people)


_COUNTS = {1: "one", 2: "two", 3: "three", 4: "four"}


def _shape_words(track: Track) -> str:
    """How the track's plan is shaped, as the plan's instruction ("Plan two experiences each
    semester", year one's)."""
    counts = [n for n in track.plan_slots if n]
    total = sum(counts)
    if track.plan_slots_optional:
        return f"Plan the experiences you still need (up to {_COUNTS.get(total, total)})"
    if len(set(track.plan_slots)) == 1 and len(track.plan_slots) > 1:
        n = track.plan_slots[0]
        return f"Plan {_COUNTS.get(n, n)} experience{'s' if n != 1 else ''} each semester"
    return f"Plan {_COUNTS.get(total, total)} experience{'s' if total != 1 else ''}"


def _slot_inputs(
    number: int,
    slot: PlanSlot | None,
    default_due: date | None,
    choices: list[dict[str, Any]],
    other: dict[str, Any],
    optional: bool = False,
) -> list[Block]:
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": CHOOSE_SELECTION,
        "placeholder": plain("Choose an experience"),
        "options": [*choices, other],
    }
    description: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "description",
        "multiline": True,
        "max_length": 3000,
    }
    planned: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "planned",
        "multiline": True,
        "max_length": 3000,
        "placeholder": plain("What the protégé will do, with what, and what it produces"),
    }
    due: dict[str, Any] = {"type": "datepicker", "action_id": "due"}
    if slot is not None:
        by_value = {choice["value"]: choice for choice in choices}
        initial = other if slot.selection is None else by_value.get(str(slot.selection))
        if initial is not None:
            select["initial_option"] = initial
        if slot.other_description:
            description["initial_value"] = slot.other_description.raw()
        planned["initial_value"] = slot.planned.raw()
        due["initial_date"] = slot.due.isoformat()
    elif default_due is not None:
        due["initial_date"] = default_due.isoformat()
    chooser = input_block(
        selection_block(number),
        f"Experience {number}: experience selection",
        select,
        optional=optional,
    )
    chooser["dispatch_action"] = True  # a choice shows its whole text below (with_chosen_texts)
    return [
        chooser,
        input_block(
            other_block(number),
            "If “Other”: describe the experience",
            description,
            optional=True,
        ),
        input_block(planned_block(number), "Experience planned", planned, optional=optional),
        input_block(
            due_block(number),
            "Due date",
            due,
            hint="When the completed experience goes to the mentor.",
            optional=optional,
        ),
        divider(),
    ]


def with_chosen_texts(
    program: Program, blocks: list[Block], chosen: dict[int, str | None]
) -> list[Block]:
    """`blocks` with the whole text of each slot's chosen selection under its select: an
    option's text stops at Slack's 75 characters. `chosen` maps a slot to the value chosen
    (a selection number, "other" or None); a slot it does not name keeps its text as is."""
    texts = {str(s.number): s for s in program.experience_selections}
    found: list[Block] = []
    for block in blocks:
        slot = _slot_of(block.get("block_id", ""), chosen_block)
        if slot is not None and slot in chosen:
            continue  # shown again below, for the choice now made
        found.append(block)
        number = _slot_of(block.get("block_id", ""), selection_block)
        if number is None or number not in chosen:
            continue
        selection = texts.get(chosen[number] or "")
        if selection is not None:
            text = typed(" ".join(selection.text.split())).mrkdwn()
            found.append(
                {
                    "type": "context",
                    "block_id": chosen_block(number),
                    "elements": [mrkdwn(f"*Selection {selection.number}:* {text}")],
                }
            )
    return found


def chosen_block(slot: int) -> str:
    return f"imp_chosen_{slot}"


def _slot_of(block_id: str, block: Callable[[int], str]) -> int | None:
    """The slot number in a block id made by `block` (selection_block, chosen_block)."""
    prefix = block(0)[:-1]
    tail = block_id.removeprefix(prefix)
    return int(tail) if block_id.startswith(prefix) and tail.isdigit() else None


def _selection_option(selection: ExperienceSelection) -> dict[str, Any]:
    first_line = " ".join(selection.text.split())
    return option(
        f"{selection.number}. {first_line}",
        str(selection.number),
        ", ".join(selection.focus_areas),
    )


def selections_modal(program: Program) -> dict[str, Any]:
    blocks: list[Block] = [
        context(
            "The manual's experience selections, aligned with the Missouri Teacher "
            "Development System. Close this to go back to your plan."
        )
    ]
    for selection in program.experience_selections:
        blocks.append(
            section(
                f"*{selection.number}.* {typed(selection.text.strip()).mrkdwn()}\n"
                f"_{'; '.join(selection.focus_areas)}_"
            )
        )
    return modal(SHOW_SELECTIONS, "Experience selections", blocks, submit=None, close="Back")


def plan_sent_view(plan: PlanRecord, recipients: Sequence[str], to_staff: bool) -> dict[str, Any]:
    who = _people(recipients)
    lines = [f"*Sent.* Revision {plan.revision} of your Individual Mentoring Plan is with {who}."]
    if to_staff:
        lines.append("Your team has no content advisor yet, so it went to program staff instead.")
    lines.append("You'll both hear here when it is approved or returned.")
    return modal(
        PLAN_CALLBACK + "_done",
        "Mentoring Plan (IMP)",
        [section(" ".join(lines))],
        submit=None,
        close="Done",
    )


# --- the content advisor's review ----------------------------------------------------------


def plan_review_message(
    program: Program, people: TeamPeople, plan: PlanRecord, today: date, *, to_staff: bool
) -> Message:
    """The DM that asks the advisor to approve or return a revision."""
    text = f"Individual Mentoring Plan to review: revision {plan.revision}"
    blocks = _plan_blocks(program, people, plan, today, heading="for your approval")
    if to_staff:
        blocks.append(
            context("This team has no content advisor yet, so the plan came to program staff.")
        )
    blocks.append(context(_status_line(program, plan, today)))
    blocks += review_buttons(plan)
    return text, blocks


def review_buttons(plan: PlanRecord) -> list[Block]:
    value = str(plan.id)
    approve = button("Approve", REVIEW_APPROVE, value, "primary")
    if not plan.other_slots:
        approve["confirm"] = {
            "title": plain("Approve the plan?"),
            "text": plain(f"Approve revision {plan.revision} of this Individual Mentoring Plan."),
            "confirm": plain("Approve"),
            "deny": plain("Not yet"),
        }
    elements = [approve, button("Return with comment", REVIEW_RETURN, value)]
    if plan.received_at is None:
        elements.append(button("Mark as received", REVIEW_RECEIVED, value))
    return [actions(*elements, block_id=f"plan_review_{plan.id}")]


def plan_review_closed(
    program: Program, people: TeamPeople, plan: PlanRecord, today: date, outcome: str
) -> Message:
    """The review DM once the revision is decided or replaced: the plan, no buttons, and
    `outcome` ("✅ Approved by …"), the app's own words."""
    text = f"Individual Mentoring Plan, revision {plan.revision}: {outcome}"
    blocks = _plan_blocks(program, people, plan, today, heading="")
    blocks.append(context(outcome))
    return text, blocks


def plan_summary(
    program: Program,
    people: TeamPeople,
    plan: PlanRecord | None,
    today: date,
    can_review: bool,
) -> Message:
    """`/mentor plan @member` for the advisor and staff."""
    if plan is None:
        text = (
            f"The team of <@{people.protege}> and <@{people.mentor}> has not sent its "
            "Individual Mentoring Plan yet."
        )
        return text, [section(text)]
    text = f"Individual Mentoring Plan of <@{people.protege}>, revision {plan.revision}"
    blocks = _plan_blocks(program, people, plan, today, heading="")
    blocks.append(context(_status_line(program, plan, today)))
    if can_review and plan.status == "submitted":
        blocks += review_buttons(plan)
    return text, blocks


def pending_list(
    program: Program, waiting: Sequence[tuple[TeamPeople, PlanRecord]], today: date
) -> Message:
    if not waiting:
        text = "No Individual Mentoring Plan is waiting for your decision."
        lines = [text]
    else:
        text = "Individual Mentoring Plans waiting for your decision"
        lines = [f"*{text}*"] + [
            f"• <@{people.protege}> and <@{people.mentor}>: revision {plan.revision}, "
            f"sent {when(plan.submitted_at, program, today)}"
            for people, plan in waiting[:30]
        ]
    lines.append("Type `/mentor plan @protégé` to see a team's plan.")
    return text, [section("\n".join(lines))]


def approve_modal(program: Program, people: TeamPeople, plan: PlanRecord) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            f"Revision {plan.revision} of the plan of <@{people.protege}> and "
            f"<@{people.mentor}> includes experiences that are not on the selection list. "
            "Approving the plan approves each of them: tick each one."
        )
    ]
    for slot in plan.slots:
        if slot.selection is not None:
            continue
        blocks.append(
            section(
                f"*Experience {slot.number}* (not on the selection list)\n"
                f"{(slot.other_description or typed('')).clip(1500).mrkdwn()}\n"
                f"*Planned:* {slot.planned.clip(1000).mrkdwn()}"
            )
        )
        element = {
            "type": "checkboxes",
            "action_id": "approve",
            "options": [option(f"I approve Experience {slot.number}", APPROVE_VALUE)],
        }
        blocks.append(
            input_block(other_approval_block(slot.number), f"Experience {slot.number}", element)
        )
    return modal(
        APPROVE_CALLBACK,
        "Approve the plan",
        blocks,
        submit="Approve",
        private_metadata=Metadata(plan=plan.id).dump(),
    )


def return_modal(people: TeamPeople, plan: PlanRecord) -> dict[str, Any]:
    comment = {
        "type": "plain_text_input",
        "action_id": "comment",
        "multiline": True,
        "max_length": 3000,
        "placeholder": plain("What should the team change before you approve it?"),
    }
    blocks = [
        section(
            f"Return revision {plan.revision} to <@{people.protege}> and <@{people.mentor}>. "
            "They see your comment and can send a revision."
        ),
        input_block(RETURN_COMMENT_BLOCK, "Your comment", comment),
    ]
    return modal(
        RETURN_CALLBACK,
        "Return the plan",
        blocks,
        submit="Return to team",
        private_metadata=Metadata(plan=plan.id).dump(),
    )


def review_refusal(
    problem: str, plan: PlanRecord, current: PlanRecord | None, program: Program, today: date
) -> str:
    if problem == "superseded" and current is not None:
        return (
            f"The team has sent a newer revision ({current.revision}, "
            f"{when(current.submitted_at, program, today)}); please review that one instead."
        )
    if problem == "approved" and plan.approved_at is not None:
        return (
            f"Revision {plan.revision} was already approved by <@{plan.approved_by}> "
            f"{when(plan.approved_at, program, today)}. Nothing more to do."
        )
    if problem == "returned" and plan.returned_at is not None:
        return (
            f"Revision {plan.revision} was returned by <@{plan.returned_by}> "
            f"{when(plan.returned_at, program, today)}; the team will send a revision."
        )
    return "This team's mentoring year has ended, so its plan is closed."


def not_reviewer(staff_ids: Sequence[str]) -> str:
    ask = f" Ask <@{staff_ids[0]}> if it should be yours." if staff_ids else ""
    return "Only the team's content advisor or program staff can review this plan." + ask


# --- notices to the team -------------------------------------------------------------------


def plan_submitted_notice(
    people: TeamPeople, plan: PlanRecord, recipients: Sequence[str]
) -> Message:
    text = f"Your Individual Mentoring Plan (revision {plan.revision}) went for approval"
    line = (
        f"*<@{plan.submitted_by}> sent revision {plan.revision} of your Individual Mentoring "
        f"Plan to {_people(recipients)} for approval.*"
    )
    if plan.changed:
        line += " Changed: " + ", ".join(f"Experience {n}" for n in plan.changed) + "."
    blocks = [
        section(line),
        actions(button("Open the plan", OPEN_PLAN, str(people.team_id))),
    ]
    return text, blocks


def plan_received_notice(plan: PlanRecord) -> Message:
    text = (
        f"<@{plan.received_by}> received your Individual Mentoring Plan "
        f"(revision {plan.revision}) and is reviewing it."
    )
    return text, [section(text)]


def plan_approved_notice(program: Program, plan: PlanRecord, today: date) -> Message:
    text = "Your Individual Mentoring Plan is approved"
    line = (
        f"*Your Individual Mentoring Plan is approved.* <@{plan.approved_by}> approved "
        f"revision {plan.revision} {when(plan.approved_at or plan.submitted_at, program, today)}."
    )
    upcoming = sorted((s for s in plan.slots if s.due >= today), key=lambda s: s.due)
    blocks = [section(line)]
    if upcoming:
        first = upcoming[0]
        blocks.append(
            section(
                f"Next: *Experience {first.number}* ({_selection_name(first)}), due "
                f"{human_date(first.due, today)}."
            )
        )
    return text, blocks


def plan_returned_notice(people: TeamPeople, plan: PlanRecord) -> Message:
    text = "Your Individual Mentoring Plan was returned with a comment"
    comment = plan.return_comment or typed("")
    quote = ">" + comment.clip(2500).mrkdwn().replace("\n", "\n>")
    blocks = [
        section(
            f"*<@{plan.returned_by}> returned your Individual Mentoring Plan "
            f"(revision {plan.revision}) with a comment:*\n{quote}"
        ),
        actions(button("Revise the plan", OPEN_PLAN, str(people.team_id), "primary")),
    ]
    return text, blocks


# --- shared pieces -------------------------------------------------------------------------


def _plan_blocks(
    program: Program, people: TeamPeople, plan: PlanRecord, today: date, heading: str
) -> list[Block]:
    title = "*Individual Mentoring Plan*" + (f" {heading}" if heading else "")
    lines = [
        title,
        f"Protégé <@{people.protege}>   Mentor <@{people.mentor}>   {people.area}",
        f"Revision {plan.revision}, sent by <@{plan.submitted_by}> "
        f"{when(plan.submitted_at, program, today)}",
    ]
    if plan.changed:
        lines[-1] += " · changed: " + ", ".join(f"Experience {n}" for n in plan.changed)
    blocks: list[Block] = [section("\n".join(lines))]
    for slot in plan.slots:
        blocks.append(section(_slot_text(program, slot, slot.number in plan.changed, today)))
    return blocks


def _slot_text(program: Program, slot: PlanSlot, changed: bool, today: date) -> str:
    semester = SEMESTER_NAMES[slot.semester].lower()
    head = f"*Experience {slot.number}* · {semester} · due {human_date(slot.due, today)}"
    if changed:
        head += " · _changed_"
    if slot.selection is None:
        what = (
            "*Other* (not on the selection list: needs the advisor's own approval)\n"
            + (slot.other_description or typed("")).clip(1000).mrkdwn()
        )
    else:
        what = f"*Selection {slot.selection}:* " + _selection_text(program, slot.selection)
    return f"{head}\n{what}\n*Planned:* {slot.planned.clip(1200).mrkdwn()}"


def _selection_text(program: Program, number: int) -> str:
    try:
        selection = program.experience_selection(number)
    except KeyError:
        return f"(selection {number} is not in this year's list)"
    # Whole: the plan's summary is where the team and the advisor read what was chosen.
    text = clip(" ".join(selection.text.split()), 2000)
    return f"{typed(text).mrkdwn()} _({'; '.join(selection.focus_areas)})_"


def _selection_name(slot: PlanSlot) -> str:
    return "your own experience" if slot.selection is None else f"selection {slot.selection}"


def _status_line(program: Program, plan: PlanRecord, today: date) -> str:
    parts = [f"Revision {plan.revision} sent {when(plan.submitted_at, program, today)}"]
    if plan.received_at is not None:
        parts.append(f"received by <@{plan.received_by}> {when(plan.received_at, program, today)}")
    if plan.status == "approved" and plan.approved_at is not None:
        parts.append(f"approved by <@{plan.approved_by}> {when(plan.approved_at, program, today)}")
    elif plan.status == "returned" and plan.returned_at is not None:
        parts.append(f"returned by <@{plan.returned_by}> {when(plan.returned_at, program, today)}")
    else:
        parts.append("waiting for approval")
    return "; ".join(parts) + "."


def _people(ids: Sequence[str]) -> str:
    mentions = [f"<@{user}>" for user in ids]
    if len(mentions) <= 2:
        return " and ".join(mentions) or "program staff"
    return ", ".join(mentions[:-1]) + " and " + mentions[-1]
