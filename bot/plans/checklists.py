"""The Focal Points and Decision Points Checklists: their modals, the confirmations that lead to
the next form, the partner's DM and the read-only summaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.plans.form import (
    CHECKBOX_MAX,
    RATING_NAMES,
    RATINGS,
    ItemKey,
    chunk_count,
    concerned_block,
    key_value,
    notes_block,
    rating_block,
    top_block,
    top_count,
)
from bot.plans.rules import DecisionDraft, TeamPeople
from bot.program import Program
from bot.slack.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    header,
    input_block,
    modal,
    option,
    plain,
    section,
)
from bot.slack.metadata import Metadata

FOCAL_CALLBACK = "plans_focal"
DECISIONS_CALLBACK = "plans_decisions"
OPEN_DECISIONS = "plans_open_decisions"
OPEN_PLAN = "plans_open_plan"
PICK_TEAM = "plans_pick"  # + "_focal", "_decisions", "_plan"
Message = tuple[str, list[Block]]

_RATING_OPTIONS = [option(f"{r} · {RATING_NAMES[r]}", str(r)) for r in RATINGS]


def clip(text: str, limit: int = 900) -> str:
    """For display only: long answers are shown in part and kept whole in the database."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- Focal Points Checklist ----------------------------------------------------------------


def focal_points_modal(
    program: Program, people: TeamPeople, ratings: dict[ItemKey, int], filed: str | None
) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            "Mark your level of concern about or interest in each topic *at this time*: "
            "*1* low, *2* moderate, *3* high. Review the statements with your mentor "
            f"<@{people.mentor}>."
        )
    ]
    if filed:
        blocks.append(
            context(f"You filed this checklist {filed}. Saving it again keeps that one on record.")
        )
    for c, category in enumerate(program.focal_points):
        blocks.append(header(category.name))
        for i, item in enumerate(category.items):
            element: dict[str, Any] = {
                "type": "static_select",
                "action_id": "rating",
                "placeholder": plain("Rate 1, 2 or 3"),
                "options": _RATING_OPTIONS,
            }
            if (c, i) in ratings:
                element["initial_option"] = _RATING_OPTIONS[ratings[(c, i)] - 1]
            blocks.append(input_block(rating_block(c, i), item, element))
    return modal(
        FOCAL_CALLBACK,
        "Focal Points Checklist",
        blocks,
        submit="Save",
        private_metadata=Metadata(team=people.team_id).dump(),
    )


def focal_points_filed_view(
    people: TeamPeople, concern_areas: Sequence[str], concern_items: int
) -> dict[str, Any]:
    blocks = [
        section(
            "*Thanks, your Focal Points Checklist is filed.* "
            f"Your mentor <@{people.mentor}> can see it now."
        ),
        section(_concern_line(concern_areas, concern_items)),
        section("Next, together: the *Decision Points Checklist*."),
        actions(
            button(
                "Continue to the Decision Points Checklist",
                OPEN_DECISIONS,
                str(people.team_id),
                "primary",
            )
        ),
    ]
    return modal(
        FOCAL_CALLBACK + "_done", "Focal Points Checklist", blocks, submit=None, close="Done"
    )


def focal_points_filed_dm(
    program: Program, people: TeamPeople, ratings: dict[ItemKey, int], revised: bool
) -> Message:
    what = "updated" if revised else "filed"
    text = f"Your protégé {what} the Focal Points Checklist"
    blocks = [
        section(f"*<@{people.protege}> {what} the Focal Points Checklist.*"),
        *_rated_sections(program, ratings, only_concerns=True),
        section("Next, together: the *Decision Points Checklist*."),
        actions(
            button(
                "Open the Decision Points Checklist", OPEN_DECISIONS, str(people.team_id), "primary"
            )
        ),
    ]
    return text, blocks


def focal_points_summary(
    program: Program, people: TeamPeople, ratings: dict[ItemKey, int], filed: str | None
) -> Message:
    if not ratings:
        text = (
            f"<@{people.protege}> has not filed the Focal Points Checklist yet. "
            "Protégés fill it in with `/mentor focal`."
        )
        return text, [section(text)]
    text = f"Focal Points Checklist of <@{people.protege}>, filed {filed}"
    blocks = [
        section(f"*Focal Points Checklist* of <@{people.protege}>, filed {filed}"),
        context("Ratings: *1* low, *2* moderate, *3* high level of concern or interest."),
        *_rated_sections(program, ratings, only_concerns=False),
    ]
    return text, blocks


def _rated_sections(
    program: Program, ratings: dict[ItemKey, int], *, only_concerns: bool
) -> list[Block]:
    blocks: list[Block] = []
    for c, category in enumerate(program.focal_points):
        lines = [
            f"`{ratings[(c, i)]}` {item}"
            for i, item in enumerate(category.items)
            if (c, i) in ratings and (not only_concerns or ratings[(c, i)] > 1)
        ]
        if lines:
            blocks.append(section(f"*{category.name}*\n" + "\n".join(lines)))
    if not blocks and only_concerns:
        blocks.append(section("Every item is rated 1 (low concern)."))
    return blocks


def _concern_line(areas: Sequence[str], items: int) -> str:
    if not items:
        return "You rated every item 1 (low concern)."
    plural = "item" if items == 1 else "items"
    return f"You rated {items} {plural} 2 or 3, in: " + ", ".join(areas) + "."


# --- Decision Points Checklist -------------------------------------------------------------


def decision_points_modal(
    program: Program, people: TeamPeople, draft: DecisionDraft, filed: str | None
) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            "Together, decide which areas of collaboration matter most to "
            f"<@{people.protege}> at this time. Use the notes to plan the Individual Mentoring "
            "Plan, and choose the top four concerns at the end."
        )
    ]
    if draft.focal_filed:
        blocks.append(
            context(
                "“Concerned” is ticked where an item was rated 2 or 3 on the "
                "Focal Points Checklist."
            )
        )
    else:
        blocks.append(
            context(
                f"<@{people.protege}> has not filed the Focal Points Checklist yet "
                "(`/mentor focal`), so nothing is ticked for you."
            )
        )
    if filed:
        blocks.append(context(f"Last saved {filed}. Saving again keeps that version on record."))
    options = {}
    for g, group in enumerate(program.decision_points):
        blocks.append(header(group.name))
        group_options = []
        for i, area in enumerate(group.items):
            rated = draft.from_focal.get((g, i))
            hint = f"Focal Points: {len(rated)} rated 2 or 3" if rated else None
            group_options.append(option(area, key_value((g, i)), hint))
            options[(g, i)] = option(area, key_value((g, i)))
        for chunk in range(chunk_count(len(group.items))):
            chunk_options = group_options[chunk * CHECKBOX_MAX : (chunk + 1) * CHECKBOX_MAX]
            element: dict[str, Any] = {
                "type": "checkboxes",
                "action_id": "concerned",
                "options": chunk_options,
            }
            initial = [o for o in chunk_options if _key(o["value"]) in draft.concerned]
            if initial:
                element["initial_options"] = initial
            blocks.append(
                input_block(concerned_block(g, chunk), "Concerned", element, optional=True)
            )
        for i, area in enumerate(group.items):
            notes: dict[str, Any] = {
                "type": "plain_text_input",
                "action_id": "notes",
                "multiline": True,
                "max_length": 3000,
            }
            if (g, i) in draft.notes:
                notes["initial_value"] = draft.notes[(g, i)].raw()
            blocks.append(
                input_block(notes_block(g, i), f"Notes/actions: {area}", notes, optional=True)
            )
    blocks.append(divider())
    blocks.append(header("Top four concerns"))
    groups = [
        {
            "label": plain(group.name, 75),
            "options": [options[(g, i)] for i in range(len(group.items))],
        }
        for g, group in enumerate(program.decision_points)
    ]
    for rank in range(1, top_count(program) + 1):
        element = {
            "type": "static_select",
            "action_id": "area",
            "placeholder": plain("Choose an area"),
            "option_groups": groups,
        }
        if len(draft.top) >= rank:
            element["initial_option"] = options[draft.top[rank - 1]]
        blocks.append(input_block(top_block(rank), f"Concern {rank}", element))
    return modal(
        DECISIONS_CALLBACK,
        "Decision Points",
        blocks,
        submit="Save",
        private_metadata=Metadata(team=people.team_id).dump(),
    )


def decision_points_filed_view(
    people: TeamPeople, top: Sequence[str], partner: str
) -> dict[str, Any]:
    blocks = [
        section(
            f"*The Decision Points Checklist is saved.* <@{partner}> has a copy in their messages."
        ),
        section(_top_lines(top)),
        section("Next: the *Individual Mentoring Plan*, built on these concerns."),
        actions(
            button(
                "Continue to the Individual Mentoring Plan",
                OPEN_PLAN,
                str(people.team_id),
                "primary",
            )
        ),
    ]
    return modal(DECISIONS_CALLBACK + "_done", "Decision Points", blocks, submit=None, close="Done")


def decision_points_filed_dm(
    people: TeamPeople, filer: str, top: Sequence[str], revised: bool
) -> Message:
    what = "updated" if revised else "filed"
    text = f"The Decision Points Checklist was {what}"
    blocks = [
        section(f"*<@{filer}> {what} your team's Decision Points Checklist.*"),
        section(_top_lines(top)),
        actions(
            button("Open the Individual Mentoring Plan", OPEN_PLAN, str(people.team_id), "primary")
        ),
    ]
    return text, blocks


def decision_points_summary(
    program: Program, people: TeamPeople, draft: DecisionDraft | None, filed: str | None
) -> Message:
    if draft is None:
        text = (
            f"The team of <@{people.protege}> and <@{people.mentor}> has not filed the "
            "Decision Points Checklist yet."
        )
        return text, [section(text)]
    text = f"Decision Points Checklist of <@{people.protege}> and <@{people.mentor}>"
    blocks = [
        section(
            f"*Decision Points Checklist* of <@{people.protege}> and <@{people.mentor}>, "
            f"saved {filed}"
        )
    ]
    top = [program.decision_points[g].items[i] for g, i in draft.top]
    blocks.append(section(_top_lines(top)))
    for g, group in enumerate(program.decision_points):
        lines = []
        for i, area in enumerate(group.items):
            if (g, i) not in draft.concerned and (g, i) not in draft.notes:
                continue
            mark = "☑ concerned" if (g, i) in draft.concerned else "☐"
            note = f": {draft.notes[(g, i)].clip(400).mrkdwn()}" if (g, i) in draft.notes else ""
            lines.append(f"• *{area}* {mark}{note}")
        if lines:
            blocks.append(section(f"*{group.name}*\n" + "\n".join(lines)))
    return text, blocks


def _top_lines(top: Sequence[str]) -> str:
    return "*Top four concerns*\n" + "\n".join(f"{n}. {area}" for n, area in enumerate(top, 1))


def _key(value: str) -> ItemKey:
    g, i = value.split(".")
    return int(g), int(i)


# --- choosing a team -----------------------------------------------------------------------


def team_chooser(form: str, form_name: str, teams: Sequence[TeamPeople]) -> Message:
    """For a mentor with several protégés: which team's form to open."""
    text = f"Which team's {form_name}?"
    blocks: list[Block] = [section(f"*{text}*")]
    for team in teams[:20]:
        blocks.append(
            section(
                f"<@{team.protege}> (protégé) with <@{team.mentor}>",
                accessory=button("Open", f"{PICK_TEAM}_{form}", str(team.team_id)),
            )
        )
    return text, blocks
