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
    focal_keys,
    notes_block,
    other_approval_block,
    other_block,
    planned_block,
    rating_block,
    selection_block,
    top_block,
)
from storage.db import transaction
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


def focal_values(program, skip: tuple[int, int] | None = None, concerns=()) -> dict:
    return {
        rating_block(*key): {"rating": select_value("2" if key in concerns else "1")}
        for key in focal_keys(program)
        if key != skip
    }


def decision_values(program, concerned, top, notes=None) -> dict:
    values: dict = {}
    by_group: dict[int, list[str]] = {}
    for g, i in concerned:
        by_group.setdefault(g, []).append(f"{g}.{i}")
    for g, group in enumerate(program.decision_points):
        values[concerned_block(g, 0)] = {"concerned": checkbox_values(*by_group.get(g, []))}
        for i in range(len(group.items)):
            note = (notes or {}).get((g, i))
            values[notes_block(g, i)] = {"notes": text_value(note) if note else {"value": None}}
    for rank, (g, i) in enumerate(top, 1):
        values[top_block(rank)] = {"area": select_value(f"{g}.{i}")}
    return values


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
    assert len(inputs) == len(focal_keys(program)) == 36 and len(view["blocks"]) <= 100
    assert [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"][:2] == [
        "Classroom Management",
        "Student Motivation",
    ]
    status, body = submit(base, PROTEGE, view, focal_values(program, concerns={(1, 0), (7, 2)}))
    assert status == 200 and body["response_action"] == "update"
    shown = json.dumps(body["view"])
    assert "You rated 2 items 2 or 3" in shown and "Student Motivation" in shown
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
        b["block_id"]: b["element"].get("initial_option", {}).get("value")
        for b in again["blocks"]
        if b["type"] == "input"
    }
    assert chosen[rating_block(1, 0)] == "2" and chosen[rating_block(0, 0)] == "1"


def test_a_missing_rating_is_a_field_error_and_nothing_is_stored(served):
    base, services, fake, _ = served
    view = open_form(base, fake, PROTEGE, "focal")
    status, body = submit(base, PROTEGE, view, focal_values(services.program, skip=(3, 2)))
    assert status == 200
    assert body == {
        "response_action": "errors",
        "errors": {rating_block(3, 2): "Rate this item 1, 2 or 3."},
    }
    assert count(services, FocalPointsFiling) == 0
    # A value Slack would never send is no rating either.
    values = focal_values(services.program)
    values[rating_block(0, 0)] = {"rating": select_value("7")}
    _, body = submit(base, PROTEGE, view, values)
    assert body["errors"] == {rating_block(0, 0): "Rate this item 1, 2 or 3."}


def test_a_form_for_another_team_or_forged_metadata_is_refused(served):
    base, services, fake, teams = served
    view = open_form(base, fake, PROTEGE, "focal")
    values = focal_values(services.program)
    for forged in (json.dumps({"team": teams["theirs"]}), "not json", '{"team": true}', ""):
        status, body = submit(base, PROTEGE, view, values, private_metadata=forged)
        assert status == 200 and body["response_action"] == "errors", forged
        assert "a team you are not on" in body["errors"][rating_block(0, 0)]
    # The other team's own protégé cannot file it on ours either.
    _, body = submit(base, PROTEGE2, view, values)
    assert body["response_action"] == "errors"
    assert count(services, FocalPointsFiling) == 0


def test_only_the_protege_files_focal_points(served):
    base, services, fake, teams = served
    view = open_form(base, fake, PROTEGE, "focal")
    _, body = submit(base, MENTOR, view, focal_values(services.program))
    assert "is for the protégé" in body["errors"][rating_block(0, 0)]
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
    ticked = {
        o["value"]
        for b in view["blocks"]
        if b.get("block_id", "").startswith("dp_concerned_")
        for o in b["element"].get("initial_options", [])
    }
    assert ticked == {"0.1", "0.7"}  # Student Motivation, Workload
    # A top concern that is not ticked "concerned" is a field error on that choice.
    values = decision_values(program, {(0, 1), (0, 7), (1, 4)}, [(0, 1), (0, 7), (1, 4), (0, 0)])
    _, body = submit(base, MENTOR, view, values)
    assert body["errors"] == {
        top_block(4): "Tick “concerned” for Classroom Management above, or choose another area."
    }
    duplicate = decision_values(program, {(0, 1), (0, 7), (1, 4)}, [(0, 1), (0, 7), (1, 4), (0, 7)])
    _, body = submit(base, MENTOR, view, duplicate)
    assert body["errors"] == {top_block(4): "Already concern 2: choose another area."}
    long_note = decision_values(
        program,
        {(0, 1), (0, 7), (1, 4), (0, 0)},
        [(0, 1), (0, 7), (1, 4), (0, 0)],
        notes={(0, 0): "x" * 3001},
    )
    _, body = submit(base, MENTOR, view, long_note)
    assert "under 3,000 characters" in body["errors"][notes_block(0, 0)]
    assert count(services, DecisionPointsFiling) == 0
    good = decision_values(
        program,
        {(0, 1), (0, 7), (1, 4), (0, 0)},
        [(0, 1), (0, 7), (1, 4), (0, 0)],
        notes={(1, 4): "Learn the Core Data cycle"},
    )
    _, body = submit(base, MENTOR, view, good)
    assert body["response_action"] == "update"
    assert "1. Student Motivation" in json.dumps(body["view"])
    dm = fake.messages_to(PROTEGE)[-1]
    assert f"<@{MENTOR}> filed your team's Decision Points Checklist" in json.dumps(dm["blocks"])
    assert "4. Classroom Management" in json.dumps(dm["blocks"])
    # The advisor can read it.
    summary = command(base, ADVISOR, f"decisions <@{MENTOR}>")
    assert "Learn the Core Data cycle" in json.dumps(summary["blocks"])


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
    assert f"<@{MENTOR}> sent revision 1" in json.dumps(fake.messages_to(PROTEGE)[-1]["blocks"])
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
        assert "is approved" in fake.messages_to(member)[-1]["text"]
    [update] = fake.calls_to("chat.update")
    assert "Approved by" in json.dumps(update.params["blocks"])
    assert "plans_review_approve" not in json.dumps(update.params["blocks"])
    # A second approval is refused politely and changes nothing.
    press(base, ADVISOR, "plans_review_approve", plan_id)
    assert "already approved" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    assert len(fake.calls_to("chat.update")) == 1


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
    assert "received your Individual Mentoring Plan" in fake.messages_to(PROTEGE)[-1]["text"]
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
    replaced = fake.calls_to("chat.update")[-1].params
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
    [update] = fake.calls_to("chat.update")
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
