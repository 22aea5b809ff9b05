"""The Focal Points and Decision Points Checklists: their modals, the confirmations that lead to
the next form, the partner's DM and the read-only summaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.plans.form import (
    CHECKBOX_MAX,
    NEED_LABELS,
    NEEDS,
    ItemKey,
    chunk_count,
    clip,
    concerned_block,
    focal_chunks,
    key_value,
    need_block,
    notes_block,
    top_block,
    top_count,
)
from bot.plans.rules import DecisionDraft, TeamPeople
from bot.program import Program
from bot.slack.blocks import (
    OPTION_TEXT_MAX,
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
from bot.slack.text import TypedText

FOCAL_CALLBACK = "plans_focal"
FOCAL_DRAFT = "plans_focal_draft"
DECISIONS_CALLBACK = "plans_decisions"  # first step: the areas of concern
DECISION_NOTES_CALLBACK = "plans_decision_notes"  # second step: notes and the top four
DECISIONS_DRAFT = "plans_decisions_draft"
DECISIONS_BACK = "plans_decisions_back"
OPEN_DECISIONS = "plans_open_decisions"
OPEN_PLAN = "plans_open_plan"
PICK_TEAM = "plans_pick"  # + "_focal", "_decisions", "_plan"
Message = tuple[str, list[Block]]

__all__ = ["clip"]  # the plan's views clip long answers the same way


# --- Focal Points Checklist ----------------------------------------------------------------


def focal_points_modal(
    program: Program,
    people: TeamPeople,
    ratings: dict[ItemKey, int],
    filed: str | None,
    draft_saved: str | None = None,
) -> dict[str, Any]:
    """One pair of tick boxes per category: what is a moderate and what is a high need.
    Whatever is left unticked is stored as 1 (low), as the paper form's circled 1."""
    blocks: list[Block] = [
        section(
            "Tick what is a *moderate* or a *high* need for you *at this time*; whatever you "
            "leave unticked counts as low. Review the statements with your mentor "
            f"<@{people.mentor}>."
        )
    ]
    if draft_saved:
        blocks.append(context(f"Your draft of {draft_saved} is filled in. *Save* files it."))
    elif filed:
        blocks.append(
            context(f"You filed this checklist {filed}. Saving it again keeps that one on record.")
        )
    for c, chunk, keys in focal_chunks(program):
        category = program.focal_points[c]
        if chunk == 0:
            blocks.append(header(category.name))
        long = [category.items[i] for _, i in keys if len(category.items[i]) > OPTION_TEXT_MAX]
        if long:
            # A tick box's text is cut at Slack's 75 characters: the whole item is here.
            blocks.append(context("In full: " + " · ".join(long)))
        part = (
            f" ({chunk + 1} of {chunk_count(len(category.items))})"
            if chunk_count(len(category.items)) > 1
            else ""
        )
        options = {key: option(category.items[key[1]], key_value(key)) for key in keys}
        for need, rating in NEEDS.items():
            element: dict[str, Any] = {
                "type": "checkboxes",
                "action_id": "need",
                "options": list(options.values()),
            }
            initial = [options[key] for key in keys if ratings.get(key) == rating]
            if initial:
                element["initial_options"] = initial
            blocks.append(
                input_block(
                    need_block(c, chunk, need), NEED_LABELS[need] + part, element, optional=True
                )
            )
    blocks.append(_draft_row(FOCAL_DRAFT, people.team_id))
    return team_form(FOCAL_CALLBACK, "Focal Points Checklist", blocks, "Save", people)


def team_form(
    callback: str, title: str, blocks: list[Block], submit: str, people: TeamPeople
) -> dict[str, Any]:
    """A modal one of the team's forms opens in, naming the team in its metadata."""
    return modal(
        callback,
        title,
        blocks,
        submit=submit,
        private_metadata=Metadata(team=people.team_id).dump(),
    )


def _draft_row(action_id: str, team_id: int, *extra: dict[str, Any]) -> Block:
    return actions(
        button("Save draft, finish later", action_id, str(team_id)),
        *extra,
        block_id="draft",
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
        return "You marked no item as a moderate or high need: every one is rated 1 (low)."
    plural = "item" if items == 1 else "items"
    return (
        f"You marked {items} {plural} as a moderate or high need (rated 2 or 3), in: "
        + ", ".join(areas)
        + "."
    )


# --- Decision Points Checklist -------------------------------------------------------------


def decision_points_modal(
    program: Program, people: TeamPeople, draft: DecisionDraft, filed: str | None
) -> dict[str, Any]:
    """The first step: only the areas of concern, ticked from the Focal Points ratings."""
    blocks: list[Block] = [
        section(
            "Together, tick the areas of collaboration that matter most to "
            f"<@{people.protege}> at this time. *Next* asks for notes on those areas only, "
            "and the top four concerns."
        )
    ]
    if draft.draft_saved is not None:
        blocks.append(context("Your saved draft is filled in."))
    elif draft.focal_filed:
        blocks.append(
            context(
                "Ticked where an item was rated moderate or high on the Focal Points Checklist."
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
    for g, group in enumerate(program.decision_points):
        blocks.append(header(group.name))
        group_options = []
        for i, area in enumerate(group.items):
            rated = draft.from_focal.get((g, i))
            hint = f"Focal Points: {len(rated)} rated moderate or high" if rated else None
            group_options.append(option(area, key_value((g, i)), hint))
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
    return team_form(DECISIONS_CALLBACK, "Decision Points", blocks, "Next", people)


def decision_notes_modal(
    program: Program,
    people: TeamPeople,
    concerned: frozenset[ItemKey],
    notes: dict[ItemKey, TypedText],
    top: Sequence[ItemKey],
    draft_saved: str | None = None,
) -> dict[str, Any]:
    """The second step: a notes box for each ticked area, and the top four concerns, filled
    in from the highest needs."""
    blocks: list[Block] = [
        section(
            "Notes and actions for the areas you ticked, to plan the Individual Mentoring "
            "Plan; then the top four concerns, filled in from the highest needs (change them "
            "if you like)."
        )
    ]
    if draft_saved:
        blocks.append(context(f"Draft saved {draft_saved}. *Save* files the checklist."))
    groups: list[dict[str, Any]] = []
    for g, group in enumerate(program.decision_points):
        ticked = [(g, i) for i in range(len(group.items)) if (g, i) in concerned]
        if not ticked:
            continue
        blocks.append(header(group.name))
        for key in ticked:
            element: dict[str, Any] = {
                "type": "plain_text_input",
                "action_id": "notes",
                "multiline": True,
                "max_length": 3000,
            }
            if key in notes:
                element["initial_value"] = notes[key].raw()
            area = group.items[key[1]]
            blocks.append(
                input_block(notes_block(*key), f"Notes/actions: {area}", element, optional=True)
            )
        groups.append(
            {
                "label": plain(group.name, 75),
                "options": [option(group.items[i], key_value((g, i))) for _, i in ticked],
            }
        )
    blocks.append(divider())
    blocks.append(header("Top four concerns"))
    options = {_key(o["value"]): o for group in groups for o in group["options"]}
    for rank in range(1, top_count(program) + 1):
        select: dict[str, Any] = {
            "type": "static_select",
            "action_id": "area",
            "placeholder": plain("Choose an area"),
            "option_groups": groups,
        }
        if len(top) >= rank and top[rank - 1] in options:
            select["initial_option"] = options[top[rank - 1]]
        blocks.append(input_block(top_block(rank), f"Concern {rank}", select))
    blocks.append(
        _draft_row(
            DECISIONS_DRAFT,
            people.team_id,
            button("Change the ticked areas", DECISIONS_BACK, str(people.team_id)),
        )
    )
    return team_form(DECISION_NOTES_CALLBACK, "Decision Points", blocks, "Save", people)


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
