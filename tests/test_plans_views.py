"""The checklist and plan views stay inside Slack's limits with the longest answers, and the
parsers read exactly what the views build."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

import pytest

from bot.plans import checklists
from bot.plans import views as plans
from bot.plans.form import (
    concerned_block,
    decision_keys,
    focal_chunks,
    focal_keys,
    need_block,
    parse_decision_areas,
    parse_decision_points,
    parse_focal_points,
    parse_plan,
    top_block,
)
from bot.plans.rules import DecisionDraft, PlanRecord, PlanSlot, TeamPeople
from bot.program import ChecklistCategory
from bot.slack.fields import FieldErrors
from bot.slack.text import typed
from tests.block_kit import view_problems

PEOPLE = TeamPeople(7, "U0MENTOR1", "U0PROTEGE1", "U0ADVISOR1", "Business", "year1")
# As long as a field may be, with markup that must not ping; typed, as the plan reaches views.
LONG = typed("<@U0EVIL> " + "w" * 2990)
SENT = datetime(2024, 9, 25, 16, tzinfo=UTC)


def inside_limits(blocks: list[dict], most: int) -> None:
    assert len(blocks) <= most
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
        for option in block.get("element", {}).get("options", []):
            assert len(option["text"]["text"]) <= 75
            assert len(option.get("description", {}).get("text", "")) <= 75


def long_plan() -> PlanRecord:
    slots = tuple(
        PlanSlot(
            n,
            1 if n < 3 else 2,
            None if n == 2 else 4,
            LONG if n == 2 else None,
            LONG,
            date(2024, 10, 21),
            False,
        )
        for n in (1, 2, 3, 4)
    )
    return PlanRecord(
        1,
        7,
        3,
        "submitted",
        "U0PROTEGE1",
        SENT,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        slots,
        (2, 4),
    )


def test_the_review_dm_with_the_longest_answers_fits_and_pings_nobody(program):
    text, blocks = plans.plan_review_message(
        program, PEOPLE, long_plan(), date(2024, 9, 25), to_staff=True
    )
    inside_limits(blocks, 50)
    shown = json.dumps(blocks)
    assert "<@U0EVIL>" not in shown and "&lt;@U0EVIL&gt;" in shown
    assert "changed: Experience 2, Experience 4" in shown
    assert "came to program staff" in shown
    modal = plans.approve_modal(program, PEOPLE, long_plan())
    inside_limits(modal["blocks"], 100)
    assert [b["block_id"] for b in modal["blocks"] if b["type"] == "input"] == ["approve_other_2"]


def test_the_modals_fit_slacks_limits(program):
    for view in (
        checklists.focal_points_modal(program, PEOPLE, {}, None),
        checklists.focal_points_modal(
            program, PEOPLE, dict.fromkeys(focal_keys(program), 3), "Sep 20", "today"
        ),
        checklists.decision_points_modal(
            program, PEOPLE, DecisionDraft(frozenset(), {}, {}, (), False), "Wed, Sep 25"
        ),
        checklists.decision_notes_modal(
            program,
            PEOPLE,
            frozenset(decision_keys(program)),
            dict.fromkeys(decision_keys(program), LONG),
            decision_keys(program)[:4],
            "today",
        ),
        plans.plan_modal(
            program, PEOPLE, long_plan().slots, {}, ["Workload"], long_plan(), date(2024, 9, 25)
        ),
        plans.selections_modal(program),
        plans.return_modal(PEOPLE, long_plan()),
    ):
        inside_limits(view["blocks"], 100)
        assert view_problems(view) == [], view["callback_id"]  # as the Slack stand-in checks
        assert len(view["title"]["text"]) <= 24 and len(view["private_metadata"]) <= 3000
        ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
        assert len(ids) == len(set(ids))


def test_more_than_ten_areas_in_a_group_are_split_into_checkbox_groups(program):
    areas = tuple(f"Area {n}" for n in range(12))
    wide = dataclasses.replace(
        program, decision_points=(ChecklistCategory("Possible Areas of Collaboration", areas),)
    )
    draft = DecisionDraft(frozenset({(0, 11)}), {}, {}, (), True)
    view = checklists.decision_points_modal(wide, PEOPLE, draft, None)
    groups = [b for b in view["blocks"] if b.get("block_id", "").startswith("dp_concerned_")]
    assert [len(b["element"]["options"]) for b in groups] == [10, 2]
    assert groups[1]["element"]["initial_options"][0]["value"] == "0.11"
    state = {
        concerned_block(0, 0): {
            "concerned": {"selected_options": [{"value": "0.3"}, {"value": "0.4"}]}
        },
        concerned_block(0, 1): {
            "concerned": {"selected_options": [{"value": "0.10"}, {"value": "0.11"}]}
        },
    }
    for rank, value in enumerate(("0.3", "0.4", "0.10", "0.11"), 1):
        state[top_block(rank)] = {"area": {"selected_option": {"value": value}}}
    concerned = parse_decision_areas(wide, state)
    parsed = parse_decision_points(wide, state, concerned)
    assert parsed.concerned == {(0, 3), (0, 4), (0, 10), (0, 11)}
    assert parsed.top == ((0, 3), (0, 4), (0, 10), (0, 11))
    assert len(decision_keys(wide)) == 12


def test_forged_values_are_errors_not_data(program):
    state = {concerned_block(0, 0): {"concerned": {"selected_options": [{"value": "9.9"}]}}}
    with pytest.raises(FieldErrors) as caught:
        parse_decision_areas(program, state)
    assert caught.value.errors[concerned_block(0, 0)] == "Tick areas from this list only."
    with pytest.raises(FieldErrors) as caught:
        parse_plan(
            program,
            "year1",
            {"imp_selection_1": {"selection": {"selected_option": {"value": "20"}}}},
        )
    assert caught.value.errors["imp_selection_1"] == "Choose an experience selection, or “Other”."
    assert caught.value.errors["imp_due_1"] == "Choose a due date."


def test_a_category_of_more_than_ten_items_is_split_and_read_back(program):
    """A checkbox group holds ten options: a longer category gets a second pair of groups,
    and the parser reads each item from the part it is in."""
    items = tuple(f"Item {n}" for n in range(12))
    wide = dataclasses.replace(program, focal_points=(ChecklistCategory("Workload", items),))
    view = checklists.focal_points_modal(wide, PEOPLE, {(0, 11): 3}, None)
    groups = [b for b in view["blocks"] if b.get("block_id", "").startswith("fp_")]
    assert [(b["label"]["text"], len(b["element"]["options"])) for b in groups] == [
        ("Moderate need (1 of 2)", 10),
        ("High need (1 of 2)", 10),
        ("Moderate need (2 of 2)", 2),
        ("High need (2 of 2)", 2),
    ]
    assert groups[3]["element"]["initial_options"][0]["value"] == "0.11"
    assert [chunk for _, chunk, _ in focal_chunks(wide)] == [0, 1]
    state = {
        need_block(0, 1, "high"): {"need": {"selected_options": [{"value": "0.11"}]}},
        need_block(0, 0, "moderate"): {"need": {"selected_options": [{"value": "0.2"}]}},
    }
    ratings = parse_focal_points(wide, state).ratings
    assert ratings[(0, 11)] == 3 and ratings[(0, 2)] == 2 and ratings[(0, 0)] == 1
    # An item offered in one part is not taken from the other.
    with pytest.raises(FieldErrors):
        parse_focal_points(
            wide, {need_block(0, 0, "high"): {"need": {"selected_options": [{"value": "0.11"}]}}}
        )
