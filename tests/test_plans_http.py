"""The Focal Points and Decision Points Checklists and the Individual Mentoring Plan over signed
HTTP: modal round trips, the advisor's review, and every refusal the issue lists."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bot.plans.form import (
    concerned_block,
    due_block,
    focal_chunks,
    focal_keys,
    key_value,
    need_block,
    notes_block,
    other_approval_block,
    other_block,
    planned_block,
    selection_block,
    top_block,
)
from storage.db import transaction
from storage.drafts import ChecklistDraft
from storage.models import Team, TeamStatus
from storage.people import add_team, get_or_create_person
from storage.plans import (
    DecisionPointsFiling,
    FocalPointsFiling,
    MentoringPlan,
    PlanReviewMessage,
    PlanStatus,
)
from tests.conftest import SIGNING_SECRET, STAFF
from tests.interactions import (
    checkbox_values,
    date_value,
    last_opened_view,
    press,
    select_value,
    submit,
    text_value,
)
from tests.signing import slash_command

MENTOR, PROTEGE, ADVISOR = "U0MENTOR1", "U0PROTEGE1", "U0ADVISOR1"
MENTOR2, PROTEGE2 = "U0MENTOR2", "U0PROTEGE2"
STRANGER = "U0STRANGER"
NOW = datetime(2024, 9, 25, 15, 0, tzinfo=UTC)  # the initial meeting, 10:00 in Missouri


@pytest.fixture
def served(app_server, standin):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: NOW)
    teams = {}
    with transaction(services.sessions) as session:
        for key, mentor, protege, advisor in (
            ("ours", MENTOR, PROTEGE, ADVISOR),
            ("theirs", MENTOR2, PROTEGE2, None),
        ):
            team = add_team(
                session,
                program_id=services.program.id,
                mentor=get_or_create_person(session, mentor, NOW),
                protege=get_or_create_person(session, protege, NOW),
                advisor=get_or_create_person(session, advisor, NOW) if advisor else None,
                area="bmit",
                track="year1",
                start_date=date(2024, 8, 26),
                created_by=STAFF,
                now=NOW,
            )
            teams[key] = team.id
    return base, services, fake, teams


def command(base: str, user: str, text: str):
    status, body = slash_command(base + "/slack/events", SIGNING_SECRET, user, text)
    assert status == 200
    return body


def count(services, model) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def focal_values(program, concerns=(), highs=()) -> dict:
    """The Focal Points modal's state as Slack sends it: `concerns` ticked as moderate
    needs, `highs` as high needs, every other item left unticked."""
    values: dict = {}
    for c, chunk, keys in focal_chunks(program):
        for need, chosen in (("moderate", concerns), ("high", highs)):
            ticked = [key_value(key) for key in keys if key in chosen]
            values[need_block(c, chunk, need)] = {"need": checkbox_values(*ticked)}
    return values


def area_values(program, concerned) -> dict:
    """The Decision Points' first step: the areas ticked "concerned"."""
    by_group: dict[int, list[str]] = {}
    for g, i in concerned:
        by_group.setdefault(g, []).append(f"{g}.{i}")
    return {
        concerned_block(g, 0): {"concerned": checkbox_values(*by_group.get(g, []))}
        for g in range(len(program.decision_points))
    }


def decision_values(program, concerned, top, notes=None) -> dict:
    """The second step: a notes box for each ticked area, and the top concerns."""
    values: dict = {}
    for key in concerned:
        note = (notes or {}).get(key)
        values[notes_block(*key)] = {"notes": text_value(note) if note else {"value": None}}
    for rank, (g, i) in enumerate(top, 1):
        values[top_block(rank)] = {"area": select_value(f"{g}.{i}")}
    return values


def next_step(base, user, view, program, concerned) -> dict:
    """Ticks `concerned` in the first step and returns the second step it leads to."""
    status, body = submit(base, user, view, area_values(program, concerned))
    assert status == 200 and body["response_action"] == "update", body
    assert body["view"]["callback_id"] == "plans_decision_notes"
    return body["view"]


def in_modal(view: dict, values: dict) -> dict:
    """The modal as a button press inside it carries it: with what is typed so far."""
    return {**view, "id": "V0OPEN", "state": {"values": values}}


def plan_values(other_in: int | None = None, **changes) -> dict:
    values: dict = {}
    for number in (1, 2, 3, 4):
        choice = "other" if number == other_in else str(number + 6)
        description = "Visit a partner district's DECA chapter" if number == other_in else None
        values[selection_block(number)] = {"selection": select_value(choice)}
        values[other_block(number)] = {"description": {"value": description}}
        values[planned_block(number)] = {"planned": text_value(f"Work for experience {number}")}
        values[due_block(number)] = {
            "due": date_value(["2024-10-21", "2024-12-02", "2025-02-03", "2025-03-03"][number - 1])
        }
    for block, value in changes.items():
        values[block] = value
    return values


def open_form(base, fake, user, text):
    before = len(fake.calls_to("views.open"))
    body = command(base, user, text)
    assert len(fake.calls_to("views.open")) == before + 1, body
    return last_opened_view(fake)


def send_plan(base, fake, user=PROTEGE, values=None, text="plan"):
    view = open_form(base, fake, user, text)
    status, body = submit(base, user, view, values or plan_values())
    assert status == 200
    return body


def buttons(message: dict) -> dict[str, str]:
    return {
        element["action_id"]: element.get("value", "")
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def review_dm(fake, user=ADVISOR) -> dict:
    return [m for m in fake.messages_to(user) if "plans_review_approve" in json.dumps(m)][-1]


def review_updates(fake, user=ADVISOR) -> list:
    """The edits of the reviewer's DMs (the team's messages about the plan take news in
    place too: issue 13)."""
    return [c for c in fake.calls_to("chat.update") if c.params["channel"] == user]


# --- help ----------------------------------------------------------------------------------


def test_help_shows_the_forms_to_team_members_and_advisors_only(served):
    base, _, _, _ = served
    for user in (PROTEGE, MENTOR, ADVISOR, STAFF):
        assert "/mentor plan" in command(base, user, "help")["text"], user
    stranger = command(base, STRANGER, "help")["text"]
    assert "/mentor focal" not in stranger and "/mentor plan" not in stranger


# --- Focal Points --------------------------------------------------------------------------


def test_the_protege_rates_every_item_and_the_mentor_is_told(served):
    base, services, fake, _ = served
    program = services.program
    view = open_form(base, fake, PROTEGE, "focal")
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    # One "moderate" and one "high" tick-box group per category, none required.
    assert len(inputs) == 2 * len(program.focal_points) == 20 and len(view["blocks"]) <= 100
    assert all(b["optional"] and b["element"]["type"] == "checkboxes" for b in inputs)
    assert [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"][:2] == [
        "Classroom Management",
        "Student Motivation",
    ]
    status, body = submit(base, PROTEGE, view, focal_values(program, concerns={(1, 0), (7, 2)}))
    assert status == 200 and body["response_action"] == "update"
    shown = json.dumps(body["view"])
    assert "You marked 2 items as a moderate or high need" in shown
    assert "Student Motivation" in shown
    assert "plans_open_decisions" in shown
    [note] = fake.messages_to(MENTOR)
    assert f"<@{PROTEGE}> filed the Focal Points Checklist" in json.dumps(note["blocks"])
    assert "Motivating difficult students" in json.dumps(note["blocks"])
    assert count(services, FocalPointsFiling) == 1
    # The mentor reads it; the modal is the protégé's alone.
    summary = command(base, MENTOR, "focal")
    assert "Focal Points Checklist" in summary["text"] and "`2` Motivating" in json.dumps(
        summary["blocks"]
    )
    # Opening it again shows the ratings given.
    again = open_form(base, fake, PROTEGE, "focal")
    chosen = {
        b["block_id"]: [o["value"] for o in b["element"].get("initial_options", [])]
        for b in again["blocks"]
        if b["type"] == "input"
    }
    assert chosen[need_block(1, 0, "moderate")] == ["1.0"]
    assert chosen[need_block(0, 0, "moderate")] == [] and chosen[need_block(1, 0, "high")] == []


def test_three_high_and_five_moderate_needs_are_eight_ticks_stored_as_ratings(served):
    """The issue's target: a protégé with three high and five moderate needs ticks eight
    boxes and presses Save (nine taps), on a first screen of 20 inputs, not 36 dropdowns."""
    base, services, fake, _ = served
    program = services.program
    view = open_form(base, fake, PROTEGE, "focal")
    highs = {(0, 0), (3, 4), (9, 0)}
    moderates = {(1, 1), (2, 1), (5, 3), (7, 5), (8, 0)}
    status, body = submit(base, PROTEGE, view, focal_values(program, moderates, highs))
    assert status == 200 and body["response_action"] == "update"
    with services.sessions() as session:
        filing = session.scalars(select(FocalPointsFiling)).one()
        stored = {(r.category_index, r.item_index): r.rating for r in filing.ratings}
    assert len(stored) == len(focal_keys(program)) == 36
    assert {k for k, r in stored.items() if r == 3} == highs
    assert {k for k, r in stored.items() if r == 2} == moderates
    # The long item's tick box is cut at Slack's 75 characters; its whole text is beside it.
    long = "Working with students who are at-risk, abused, come from complicated home lives"
    texts = json.dumps(view["blocks"])
    assert long + ", are pregnant, or transient" in texts


def test_an_item_ticked_twice_or_a_forged_item_is_a_field_error_and_nothing_is_stored(served):
    base, services, fake, _ = served
    view = open_form(base, fake, PROTEGE, "focal")
    values = focal_values(services.program, concerns={(1, 0)}, highs={(1, 0)})
    status, body = submit(base, PROTEGE, view, values)
    assert status == 200
    assert body == {
        "response_action": "errors",
        "errors": {
            need_block(1, 0, "moderate"): "“Motivating difficult students” is ticked as high "
            "too: untick one."
        },
    }
    assert count(services, FocalPointsFiling) == 0
    # A value Slack would never send is no item either, and an item of another category.
    values = focal_values(services.program)
    values[need_block(0, 0, "high")] = {"need": checkbox_values("0.7")}
    values[need_block(1, 0, "high")] = {"need": checkbox_values("0.0")}
    _, body = submit(base, PROTEGE, view, values)
    assert body["errors"] == {
        need_block(0, 0, "high"): "Tick items from this list only.",
        need_block(1, 0, "high"): "Tick items from this list only.",
    }


def test_a_half_filled_focal_points_checklist_is_saved_and_finished_later(served):
    base, services, fake, teams = served
    program = services.program
    view = open_form(base, fake, PROTEGE, "focal")
    half = focal_values(program, concerns={(1, 0)}, highs={(0, 2)})
    status, _ = press(
        base, PROTEGE, "plans_focal_draft", str(teams["ours"]), view=in_modal(view, half)
    )
    assert status == 200
    [update] = fake.calls_to("views.update")
    kept = update.params["view"]
    assert update.params["view_id"] == "V0OPEN" and "Your draft of today" in json.dumps(kept)
    assert count(services, ChecklistDraft) == 1 and count(services, FocalPointsFiling) == 0
    assert not fake.messages_to(MENTOR)  # a draft is nobody's news
    # Later: the form opens with the draft, and saving it files it and drops the draft.
    again = open_form(base, fake, PROTEGE, "focal")
    ticked = {
        b["block_id"]: [o["value"] for o in b["element"].get("initial_options", [])]
        for b in again["blocks"]
        if b["type"] == "input"
    }
    assert ticked[need_block(1, 0, "moderate")] == ["1.0"]
    assert ticked[need_block(0, 0, "high")] == ["0.2"]
    status, body = submit(base, PROTEGE, again, half)
    assert body["response_action"] == "update"
    assert count(services, ChecklistDraft) == 0 and count(services, FocalPointsFiling) == 1
    # The mentor may not save the protégé's draft.
    _, _ = press(base, MENTOR, "plans_focal_draft", str(teams["ours"]), view=in_modal(view, half))
    assert count(services, ChecklistDraft) == 0
    assert "is for the protégé" in str(fake.calls_to("views.push")[-1].params["view"])


def test_a_form_for_another_team_or_forged_metadata_is_refused(served):
    base, services, fake, teams = served
    view = open_form(base, fake, PROTEGE, "focal")
    values = focal_values(services.program)
    for forged in (json.dumps({"team": teams["theirs"]}), "not json", '{"team": true}', ""):
        status, body = submit(base, PROTEGE, view, values, private_metadata=forged)
        assert status == 200 and body["response_action"] == "errors", forged
        assert "a team you are not on" in body["errors"][need_block(0, 0, "moderate")]
    # The other team's own protégé cannot file it on ours either.
    _, body = submit(base, PROTEGE2, view, values)
    assert body["response_action"] == "errors"
    assert count(services, FocalPointsFiling) == 0


def test_only_the_protege_files_focal_points(served):
    base, services, fake, teams = served
    view = open_form(base, fake, PROTEGE, "focal")
    _, body = submit(base, MENTOR, view, focal_values(services.program))
    assert "is for the protégé" in body["errors"][need_block(0, 0, "moderate")]
    assert count(services, FocalPointsFiling) == 0
    # Someone on no team is refused, and no modal opens.
    refusal = command(base, STRANGER, "focal")
    assert "/mentor help" in refusal["text"] and not fake.calls_to("views.open")[1:]
    summary = command(base, ADVISOR, f"focal <@{PROTEGE}>")
    assert "has not filed the Focal Points Checklist yet" in summary["text"]
    assert "can't show you" in command(base, ADVISOR, f"focal <@{PROTEGE2}>")["text"]


# --- Decision Points -----------------------------------------------------------------------


def test_decision_points_open_with_concerns_ticked_and_keep_the_top_four(served):
    base, services, fake, _ = served
    program = services.program
    view = open_form(base, fake, PROTEGE, "focal")
    submit(base, PROTEGE, view, focal_values(program, concerns={(1, 0), (7, 2)}))
    # The mentor continues from the DM's button.
    [note] = fake.messages_to(MENTOR)
    status, _ = press(base, MENTOR, "plans_open_decisions", buttons(note)["plans_open_decisions"])
    assert status == 200
    view = last_opened_view(fake)
    assert view["callback_id"] == "plans_decisions" and len(view["blocks"]) <= 100
    # The first step is the tick boxes alone: two inputs, no notes box yet.
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        concerned_block(0, 0),
        concerned_block(1, 0),
    ]
    ticked = {
        o["value"]
        for b in view["blocks"]
        if b.get("block_id", "").startswith("dp_concerned_")
        for o in b["element"].get("initial_options", [])
    }
    assert ticked == {"0.1", "0.7"}  # Student Motivation, Workload
    # Fewer areas than the top four need is a field error on the tick boxes.
    _, body = submit(base, MENTOR, view, area_values(program, {(0, 1), (0, 7)}))
    assert body["errors"] == {
        concerned_block(0, 0): "Tick at least 4 areas: the top 4 concerns are chosen from them."
    }
    concerned = {(0, 1), (0, 7), (1, 4), (0, 0)}
    notes_view = next_step(base, MENTOR, view, program, concerned)
    # A notes box for each ticked area only, and the top four filled in, highest needs first.
    boxes = {b["block_id"] for b in notes_view["blocks"] if "dp_notes_" in b.get("block_id", "")}
    assert boxes == {notes_block(*key) for key in concerned}
    prefilled = [
        b["element"]["initial_option"]["value"]
        for b in notes_view["blocks"]
        if b.get("block_id", "").startswith("dp_top_")
    ]
    assert prefilled == ["0.1", "0.7", "0.0", "1.4"]
    # Only ticked areas are offered; anything else is a field error on that choice.
    values = decision_values(program, concerned, [(0, 1), (0, 7), (1, 4), (1, 5)])
    _, body = submit(base, MENTOR, notes_view, values)
    assert body["errors"] == {top_block(4): "Choose an area from the list."}
    duplicate = decision_values(program, concerned, [(0, 1), (0, 7), (1, 4), (0, 7)])
    _, body = submit(base, MENTOR, notes_view, duplicate)
    assert body["errors"] == {top_block(4): "Already concern 2: choose another area."}
    long_note = decision_values(
        program, concerned, [(0, 1), (0, 7), (1, 4), (0, 0)], notes={(0, 0): "x" * 3001}
    )
    _, body = submit(base, MENTOR, notes_view, long_note)
    assert "under 3,000 characters" in body["errors"][notes_block(0, 0)]
    assert count(services, DecisionPointsFiling) == 0
    good = decision_values(
        program,
        concerned,
        [(0, 1), (0, 7), (1, 4), (0, 0)],
        notes={(1, 4): "Learn the Core Data cycle"},
    )
    _, body = submit(base, MENTOR, notes_view, good)
    assert body["response_action"] == "update"
    assert "1. Student Motivation" in json.dumps(body["view"])
    dm = fake.messages_to(PROTEGE)[-1]
    assert f"<@{MENTOR}> filed your team's Decision Points Checklist" in json.dumps(dm["blocks"])
    assert "4. Classroom Management" in json.dumps(dm["blocks"])
    # The advisor can read it.
    summary = command(base, ADVISOR, f"decisions <@{MENTOR}>")
    assert "Learn the Core Data cycle" in json.dumps(summary["blocks"])
    with services.sessions() as session:
        filing = session.scalars(select(DecisionPointsFiling)).one()
        assert {(a.group_index, a.item_index) for a in filing.areas if a.concerned} == concerned


def test_a_second_step_without_its_notes_boxes_is_stale_and_stores_nothing(served):
    base, services, fake, teams = served
    program = services.program
    view = open_form(base, fake, MENTOR, "decisions")
    notes_view = next_step(base, MENTOR, view, program, {(0, 1), (0, 7), (1, 4), (0, 0)})
    forged = {**notes_view, "blocks": [b for b in notes_view["blocks"] if "dp_notes" not in str(b)]}
    values = decision_values(program, set(), [(0, 1), (0, 7), (1, 4), (0, 0)])
    _, body = submit(base, MENTOR, forged, values)
    assert "out of date" in body["errors"][top_block(1)]
    assert count(services, DecisionPointsFiling) == 0


def test_a_half_filled_decision_points_checklist_is_saved_and_finished_later(served):
    base, services, fake, teams = served
    program = services.program
    team = str(teams["ours"])
    view = open_form(base, fake, MENTOR, "decisions")
    concerned = {(0, 1), (0, 7), (1, 4), (0, 0)}
    notes_view = next_step(base, MENTOR, view, program, concerned)
    half = decision_values(program, concerned, [(0, 7)], notes={(1, 4): "Ask about Core Data"})
    status, _ = press(base, MENTOR, "plans_decisions_draft", team, view=in_modal(notes_view, half))
    assert status == 200
    kept = fake.calls_to("views.update")[-1].params["view"]
    assert kept["callback_id"] == "plans_decision_notes" and "Draft saved today" in json.dumps(kept)
    assert count(services, ChecklistDraft) == 1 and count(services, DecisionPointsFiling) == 0
    # The protégé finishes it later: the ticks, the note and the chosen concern are kept.
    again = open_form(base, fake, PROTEGE, "decisions")
    assert "Your saved draft is filled in" in json.dumps(again)
    ticked = {
        o["value"]
        for b in again["blocks"]
        if b.get("block_id", "").startswith("dp_concerned_")
        for o in b["element"].get("initial_options", [])
    }
    assert ticked == {"0.1", "0.7", "1.4", "0.0"}
    notes_again = next_step(base, PROTEGE, again, program, concerned)
    initial = {
        b["block_id"]: b["element"].get("initial_value") or b["element"].get("initial_option")
        for b in notes_again["blocks"]
        if b["type"] == "input"
    }
    assert initial[notes_block(1, 4)] == "Ask about Core Data"
    assert initial[top_block(1)]["value"] == "0.7"  # chosen before, then the highest needs
    # "Change the ticked areas" goes back to the first step, keeping the notes in the draft.
    half = decision_values(program, concerned, [], notes={(0, 0): "Seating chart"})
    press(base, PROTEGE, "plans_decisions_back", team, view=in_modal(notes_again, half))
    back = fake.calls_to("views.update")[-1].params["view"]
    assert back["callback_id"] == "plans_decisions"
    good = decision_values(program, concerned, [(0, 1), (0, 7), (1, 4), (0, 0)])
    _, body = submit(base, PROTEGE, next_step(base, PROTEGE, back, program, concerned), good)
    assert body["response_action"] == "update"
    assert count(services, ChecklistDraft) == 0 and count(services, DecisionPointsFiling) == 1
    # Someone on another team cannot save over it.
    press(base, MENTOR2, "plans_decisions_draft", team, view=in_modal(notes_view, half))
    assert count(services, ChecklistDraft) == 0


# --- the Individual Mentoring Plan ---------------------------------------------------------


def test_the_plan_goes_to_the_advisor_who_approves_an_other_experience_explicitly(served):
    base, services, fake, teams = served
    view = open_form(base, fake, MENTOR, "plan")
    assert view["callback_id"] == "plans_plan" and len(view["blocks"]) <= 100
    dues = {
        b["block_id"]: b["element"].get("initial_date")
        for b in view["blocks"]
        if b.get("block_id", "").startswith("imp_due_")
    }
    assert dues[due_block(1)] == "2024-10-21"  # the calendar's date for Experience 1
    options = next(b for b in view["blocks"] if b.get("block_id") == selection_block(1))
    assert len(options["element"]["options"]) == 20  # 19 selections and "other"
    _, body = submit(base, MENTOR, view, plan_values(other_in=3))
    assert body["response_action"] == "update"
    assert f"<@{ADVISOR}>" in json.dumps(body["view"])
    review = review_dm(fake)
    assert "*Other* (not on the selection list" in json.dumps(review["blocks"])
    assert f"<@{MENTOR}> sent revision 1" in fake.latest(PROTEGE)
    plan_id = buttons(review)["plans_review_approve"]
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PlanReviewMessage)) == 1
    # Not the mentor, not another team's mentor: only the advisor or staff.
    for user in (MENTOR, MENTOR2):
        press(base, user, "plans_review_approve", plan_id)
        assert (
            "Only the team's content advisor or program staff"
            in fake.calls_to("chat.postEphemeral")[-1].params["text"]
        )
    # The advisor's Approve asks for the "other" experience explicitly.
    press(base, ADVISOR, "plans_review_approve", plan_id)
    approve_view = last_opened_view(fake)
    assert approve_view["callback_id"] == "plans_approve"
    _, body = submit(
        base, ADVISOR, approve_view, {other_approval_block(3): {"approve": checkbox_values()}}
    )
    assert other_approval_block(3) in body["errors"]
    with services.sessions() as session:
        assert session.get(MentoringPlan, int(plan_id)).status == PlanStatus.SUBMITTED
    # Forged metadata naming another plan id does not approve anything.
    _, body = submit(
        base,
        MENTOR,
        approve_view,
        {other_approval_block(3): {"approve": checkbox_values("approve")}},
    )
    assert body["response_action"] == "errors"
    _, body = submit(
        base,
        ADVISOR,
        approve_view,
        {other_approval_block(3): {"approve": checkbox_values("approve")}},
    )
    assert body == {} or body.get("response_action") is None
    with services.sessions() as session:
        plan = session.get(MentoringPlan, int(plan_id))
        assert plan.status == PlanStatus.APPROVED and plan.approved_by == ADVISOR
        assert plan.approved_at == NOW and plan.received_at == NOW
        assert plan.slots[2].other_approved_by == ADVISOR
    for member in (MENTOR, PROTEGE):
        assert "is approved" in fake.latest(member)
    [update] = review_updates(fake)
    assert "Approved by" in json.dumps(update.params["blocks"])
    assert "plans_review_approve" not in json.dumps(update.params["blocks"])
    # A second approval is refused politely and changes nothing.
    press(base, ADVISOR, "plans_review_approve", plan_id)
    assert "already approved" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    assert len(review_updates(fake)) == 1


def test_bad_plan_input_is_a_field_error_and_what_was_typed_stays(served):
    base, services, fake, _ = served
    view = open_form(base, fake, PROTEGE, "plan")
    cases = {
        due_block(2): ({due_block(2): {"due": date_value("2025-07-01")}}, "2024-25 program year"),
        other_block(3): (
            {selection_block(3): {"selection": select_value("other")}},
            "Describe the experience",
        ),
        selection_block(4): (
            {selection_block(4): {"selection": {"selected_option": None}}},
            "Choose an experience",
        ),
        planned_block(1): ({planned_block(1): {"planned": text_value("y" * 3001)}}, "3,000"),
    }
    for block, (changes, message) in cases.items():
        _, body = submit(base, PROTEGE, view, plan_values(**{k: v for k, v in changes.items()}))
        assert body["response_action"] == "errors", block
        assert list(body["errors"]) == [block] and message in body["errors"][block]
    description_without_other = plan_values(
        **{other_block(1): {"description": text_value("Something else")}}
    )
    _, body = submit(base, PROTEGE, view, description_without_other)
    assert "only for “Other”" in body["errors"][other_block(1)]
    assert count(services, MentoringPlan) == 0
    assert not [m for m in fake.calls_to("chat.postMessage")]


def test_return_with_comment_then_a_revision_goes_back_to_the_advisor(served):
    base, services, fake, _ = served
    send_plan(base, fake)
    first = buttons(review_dm(fake))
    press(base, ADVISOR, "plans_review_received", first["plans_review_received"])
    assert "received your Individual Mentoring Plan" in fake.latest(PROTEGE)
    press(base, ADVISOR, "plans_review_received", first["plans_review_received"])
    assert "marked it received" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    press(base, ADVISOR, "plans_review_return", first["plans_review_return"])
    return_view = last_opened_view(fake)
    assert return_view["callback_id"] == "plans_return"
    _, body = submit(base, ADVISOR, return_view, {"return_comment": {"comment": {"value": ""}}})
    assert body["errors"] == {"return_comment": "Tell the team what to change."}
    comment = "Experience 2 needs a product <@U0EVIL> & a date"
    _, body = submit(
        base, ADVISOR, return_view, {"return_comment": {"comment": text_value(comment)}}
    )
    assert body == {} or "response_action" not in body
    for member in (PROTEGE, MENTOR):
        message = fake.messages_to(member)[-1]
        assert "returned" in message["text"]
        shown = json.dumps(message["blocks"])
        assert "&lt;@U0EVIL&gt; &amp; a date" in shown and "plans_open_plan" in shown
    # Deciding it again is refused.
    press(base, ADVISOR, "plans_review_approve", first["plans_review_approve"])
    assert "was returned by" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    # The protégé revises from the DM's button; the revision goes back to the advisor.
    revise = buttons(fake.messages_to(PROTEGE)[-1])["plans_open_plan"]
    press(base, PROTEGE, "plans_open_plan", revise)
    view = last_opened_view(fake)
    assert "Experience 2 needs a product" in json.dumps(view["blocks"])
    changed = plan_values(**{planned_block(2): {"planned": text_value("A brochure and a date")}})
    _, body = submit(base, PROTEGE, view, changed)
    assert body["response_action"] == "update"
    second = buttons(review_dm(fake))
    assert second["plans_review_approve"] != first["plans_review_approve"]
    assert "changed: Experience 2" in json.dumps(review_dm(fake)["blocks"])
    # Revision 1 had been returned: its DM keeps saying so (no "replaced" update on top).
    assert "Replaced by" not in json.dumps([c.params for c in fake.calls_to("chat.update")])
    # The old revision's buttons now point at the new one.
    press(base, ADVISOR, "plans_review_return", first["plans_review_return"])
    assert "newer revision (2" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    # A revision sent while revision 2 waits replaces it: its DM loses the buttons.
    view = open_form(base, fake, MENTOR, "plan")
    third = plan_values(**{planned_block(3): {"planned": text_value("Portfolio rubric")}})
    submit(base, MENTOR, view, third)
    # (the advisor's copy: the protégé's message about the plan tells them in place)
    replaced = review_updates(fake)[-1].params
    assert "Replaced by revision 3, sent Wed, Sep 25" in json.dumps(replaced["blocks"])
    assert "plans_review_approve" not in json.dumps(replaced["blocks"])
    second = buttons(review_dm(fake))
    changed = third
    # Sending the same again is refused: the advisor already has it.
    view = open_form(base, fake, MENTOR, "plan")
    _, body = submit(base, MENTOR, view, changed)
    assert "Nothing has changed since revision 3" in body["errors"][selection_block(1)]
    press(base, ADVISOR, "plans_review_approve", second["plans_review_approve"])
    with services.sessions() as session:
        statuses = session.execute(
            select(MentoringPlan.revision, MentoringPlan.status).order_by(MentoringPlan.revision)
        ).all()
    assert statuses == [
        (1, PlanStatus.RETURNED),
        (2, PlanStatus.SUBMITTED),
        (3, PlanStatus.APPROVED),
    ]


def test_a_team_without_an_advisor_sends_its_plan_to_program_staff(served):
    base, services, fake, _ = served
    body = send_plan(base, fake, user=PROTEGE2)
    assert "program staff" in json.dumps(body["view"])
    review = review_dm(fake, STAFF)
    assert "no content advisor yet" in json.dumps(review["blocks"])
    # Staff see it waiting, and approve it.
    pending = command(base, STAFF, "plan")
    assert f"<@{PROTEGE2}>" in pending["text"] or f"<@{PROTEGE2}>" in json.dumps(pending["blocks"])
    press(base, STAFF, "plans_review_approve", buttons(review)["plans_review_approve"])
    with services.sessions() as session:
        assert session.scalars(select(MentoringPlan.status)).one() == PlanStatus.APPROVED


def test_the_advisor_sees_a_teams_plan_with_the_review_buttons(served):
    base, _, fake, _ = served
    send_plan(base, fake)
    answer = command(base, ADVISOR, f"plan <@{PROTEGE}>")
    assert "plans_review_approve" in json.dumps(answer["blocks"])
    assert "Selection 7" in json.dumps(answer["blocks"])
    waiting = command(base, ADVISOR, "plan")
    assert "waiting for your decision" in json.dumps(waiting["blocks"])


def test_a_mentor_of_two_teams_chooses_which(served):
    base, services, fake, _ = served
    with transaction(services.sessions) as session:
        add_team(
            session,
            program_id=services.program.id,
            mentor=get_or_create_person(session, MENTOR, NOW),
            protege=get_or_create_person(session, "U0PROTEGE3", NOW),
            advisor=None,
            area="bmit",
            track="year1",
            start_date=date(2024, 8, 26),
            created_by=STAFF,
            now=NOW,
        )
    answer = command(base, MENTOR, "decisions")
    assert "Which team's Decision Points Checklist?" in answer["text"]
    assert not fake.calls_to("views.open")
    picks = [b["accessory"] for b in answer["blocks"] if "accessory" in b]
    assert len(picks) == 2
    press(base, MENTOR, picks[1]["action_id"], picks[1]["value"])
    assert "U0PROTEGE3" in json.dumps(last_opened_view(fake)["blocks"])
    # A mention picks the team directly.
    open_form(base, fake, MENTOR, f"decisions <@{PROTEGE}>")
    # A forged team id in a pick button is refused.
    press(base, STRANGER, "plans_pick_plan", picks[0]["value"])
    assert "not yours to open" in fake.calls_to("chat.postEphemeral")[-1].params["text"]


def test_each_confirmation_leads_to_the_next_form_and_the_selections_open_on_top(served):
    base, services, fake, teams = served
    view = open_form(base, fake, PROTEGE, "focal")
    _, body = submit(base, PROTEGE, view, focal_values(services.program))
    done = {**body["view"], "id": "V0DONE"}
    value = buttons(done)["plans_open_decisions"]
    press(base, PROTEGE, "plans_open_decisions", value, view=done)
    [update] = fake.calls_to("views.update")
    assert update.params["view_id"] == "V0DONE"
    assert update.params["view"]["callback_id"] == "plans_decisions"
    # Nothing was rated 2 or 3: nothing is pre-ticked.
    assert "initial_options" not in json.dumps(update.params["view"])
    plan = open_form(base, fake, PROTEGE, "plan")
    see = next(
        b["accessory"]
        for b in plan["blocks"]
        if b.get("accessory", {}).get("action_id") == "plans_show_selections"
    )
    press(base, PROTEGE, see["action_id"], view={**plan, "id": "V0PLAN"})
    [pushed] = fake.calls_to("views.push")
    sections = [b for b in pushed.params["view"]["blocks"] if b["type"] == "section"]
    assert len(sections) == 19
    assert "Develop curriculum for student portfolios" in sections[8]["text"]["text"]
    assert (
        "_Instructional Designer; Facilitator of Student Thinking & Learning_"
        in sections[8]["text"]["text"]
    )


def test_a_review_dm_slack_refuses_does_not_lose_the_plan(served):
    base, services, fake, _ = served
    fake.fail("chat.postMessage", error="channel_not_found", channel=ADVISOR)
    body = send_plan(base, fake)
    assert body["response_action"] == "update"
    assert count(services, MentoringPlan) == 1 and count(services, PlanReviewMessage) == 0
    # The advisor still finds it waiting.
    assert f"<@{PROTEGE}>" in json.dumps(command(base, ADVISOR, "plan")["blocks"])


def test_received_updates_the_review_dm_and_an_ended_team_is_closed(served):
    base, services, fake, teams = served
    send_plan(base, fake)
    value = buttons(review_dm(fake))["plans_review_received"]
    press(base, ADVISOR, "plans_review_received", value)
    [update] = review_updates(fake)
    shown = json.dumps(update.params["blocks"])
    assert f"received by <@{ADVISOR}> Wed, Sep 25" in shown
    assert "plans_review_received" not in shown and "plans_review_approve" in shown
    with services.sessions() as session:
        plan = session.scalars(select(MentoringPlan)).one()
        assert (plan.received_by, plan.received_at, plan.status) == (
            ADVISOR,
            NOW,
            PlanStatus.SUBMITTED,
        )
    # The team ends: its plan can no longer be approved, nor a revision sent.
    view = open_form(base, fake, PROTEGE, "plan")
    with transaction(services.sessions) as session:
        session.get(Team, teams["ours"]).status = TeamStatus.WITHDRAWN
    press(base, ADVISOR, "plans_review_approve", value)
    assert "mentoring year has ended" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    _, body = submit(
        base, PROTEGE, view, plan_values(**{planned_block(1): {"planned": text_value("New")}})
    )
    assert "ended" in body["errors"][selection_block(1)]
    assert count(services, MentoringPlan) == 1


# --- the whole choice visible ---------------------------------------------------------------


def test_a_chosen_experience_shows_its_whole_text_on_the_form_and_in_the_summary(served):
    base, services, fake, _ = served
    program = services.program
    two = " ".join(program.experience_selection(2).text.split())
    assert len(two) > 75  # its option is cut at Slack's 75 characters
    view = open_form(base, fake, MENTOR, "plan")
    select = next(b for b in view["blocks"] if b.get("block_id") == selection_block(1))
    assert select["dispatch_action"] is True
    cut = next(o for o in select["element"]["options"] if o["value"] == "2")["text"]["text"]
    assert cut.endswith("…") and len(cut) == 75
    # Choosing it shows the whole text under the choice; the inputs keep their ids.
    values = plan_values(**{selection_block(1): {"selection": select_value("2")}})
    status, _ = press(
        base,
        MENTOR,
        "plans_selection",
        block_id=selection_block(1),
        view={**in_modal(view, values), "hash": "1700000000.abc"},
    )
    assert status == 200
    [update] = fake.calls_to("views.update")
    assert update.params["hash"] == "1700000000.abc"
    shown = update.params["view"]
    chosen = next(b for b in shown["blocks"] if b.get("block_id") == "imp_chosen_1")
    assert two in chosen["elements"][0]["text"]
    assert [b.get("block_id") for b in shown["blocks"] if b["type"] == "input"] == [
        b.get("block_id") for b in view["blocks"] if b["type"] == "input"
    ]
    assert (
        shown["callback_id"] == "plans_plan"
        and shown["private_metadata"] == view["private_metadata"]
    )
    # Filed, the summary and the form opened again show the whole text too.
    send_plan(base, fake, values=values)
    summary = command(base, ADVISOR, f"plan <@{PROTEGE}>")
    assert two in json.dumps(summary["blocks"], ensure_ascii=False)
    again = open_form(base, fake, MENTOR, "plan")
    assert two in json.dumps(again["blocks"], ensure_ascii=False)
