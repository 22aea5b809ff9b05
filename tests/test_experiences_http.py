"""Structured experiences over signed HTTP: `/mentor experience`, the submission modal, the
Mentor Comment Form, "let's discuss", agreeing, and every refusal (wrong person, wrong team,
out-of-order step, forged metadata, bad input that keeps what was typed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.experiences import views
from bot.platform import scopes
from storage.experiences import ExperienceStatus, current_submission, experience
from tests.conftest import SIGNING_SECRET
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
from tests.test_experiences_domain import (
    MENTOR,
    OTHER_MENTOR,
    OTHER_PROTEGE,
    PROTEGE,
    add_plan,
    make_team,
)

NOW = datetime(2024, 10, 18, 15, tzinfo=UTC)  # Fri Oct 18, 10:00 in Missouri
STRANGER = "U0STRANGER"
LINK = "https://acme.slack.com/files/U0PROTEGE1/F0123/syllabus.pdf"


@pytest.fixture
def served(app_server, standin, program):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: NOW)
    ours = make_team(services.sessions, program)
    theirs = make_team(
        services.sessions, program, mentor=OTHER_MENTOR, protege=OTHER_PROTEGE, advisor=None
    )
    return base, services, fake, ours, theirs


def command(base: str, user: str, text: str):
    return slash_command(base + "/slack/events", SIGNING_SECRET, user, text)


def submission_values(
    selection: str | None = "1",
    link: str = LINK,
    summary: str = "My syllabus for Intro to Business.",
    **extra,
) -> dict:
    values = {
        "link": {"link": {"type": "url_text_input", "value": link}},
        "summary": {"summary": text_value(summary)},
    }
    if selection is not None:
        values["selection"] = {"selection": select_value(selection)}
    values.update(extra)
    return values


def comment_values(comments: str = "Thorough, practical and useful.", day: str = "2024-10-18"):
    return {
        "comment_date": {"comment_date": date_value(day)},
        "area": {"area": select_value("bmit")},
        "experience_text": {"experience_text": text_value("#1 Create a syllabus")},
        "comments": {"comments": text_value(comments)},
    }


def buttons(message: dict) -> dict[str, str]:
    """action_id -> value of every button in a message."""
    found = {}
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                found[element["action_id"]] = element.get("value", "")
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "button":
            found[accessory["action_id"]] = accessory.get("value", "")
    return found


def ephemerals(fake, user: str) -> list[str]:
    return [
        c.params.get("text", "")
        for c in fake.calls_to("chat.postEphemeral")
        if c.params.get("user") == user
    ]


def submit_experience(base, fake, team: int, values=None) -> dict:
    press(base, PROTEGE, views.SUBMIT_OPEN, f"{team}:1")
    view = last_opened_view(fake)
    status, body = submit(base, PROTEGE, view, values or submission_values())
    assert status == 200 and body["response_action"] == "update", body
    return view


def file_comment(base, fake, team: int, comments: str = "Thorough, practical and useful.") -> None:
    press(base, MENTOR, views.COMMENT_OPEN, f"{team}:1")
    view = last_opened_view(fake)
    assert view["callback_id"] == views.COMMENT_CALLBACK
    status, body = submit(base, MENTOR, view, comment_values(comments))
    assert status == 200 and body["response_action"] == "update", body


def test_the_whole_round_trip_with_a_discussion(served) -> None:
    base, services, fake, team, _ = served
    status, body = command(base, PROTEGE, "experience 1")
    assert status == 200 and body in ("", {}), body
    view = last_opened_view(fake)
    assert view["callback_id"] == views.SUBMIT_CALLBACK
    assert json.loads(view["private_metadata"]) == {"team": team, "n": 1}
    assert "Mon, Oct 21" in json.dumps(view)  # Experience 1 is sent by Oct 21
    status, body = submit(base, PROTEGE, view, submission_values())
    assert status == 200 and body["response_action"] == "update"
    assert f"<@{MENTOR}>" in json.dumps(body["view"])

    [to_mentor] = fake.messages_to(MENTOR)
    assert "Experience 1" in to_mentor["text"] and LINK in json.dumps(to_mentor["blocks"])
    assert buttons(to_mentor) == {views.COMMENT_OPEN: f"{team}:1"}
    press(base, MENTOR, views.COMMENT_OPEN, f"{team}:1")
    comment_view = last_opened_view(fake)
    assert "Comments on thoroughness, practicality, and usefulness" in json.dumps(comment_view)
    submit(base, MENTOR, comment_view, comment_values("First thoughts."))

    [to_protege] = fake.messages_to(PROTEGE)
    assert "First thoughts." in json.dumps(to_protege["blocks"])
    first = buttons(to_protege)
    assert set(first) == {views.AGREE, views.DISCUSS_OPEN}
    press(base, PROTEGE, views.DISCUSS_OPEN, first[views.DISCUSS_OPEN])
    discuss_view = last_opened_view(fake)
    submit(base, PROTEGE, discuss_view, {"note": {"note": text_value("Can we talk about goals?")}})
    back = fake.messages_to(MENTOR)[-1]
    assert "Can we talk about goals?" in json.dumps(back["blocks"])
    assert buttons(back) == {views.COMMENT_OPEN: f"{team}:1"}

    # The old comment form's "Agree" no longer works: it went back to the mentor.
    press(base, PROTEGE, views.AGREE, first[views.AGREE])
    assert any("discuss" in text for text in ephemerals(fake, PROTEGE))

    file_comment(base, fake, team, "Revised after our talk.")
    second = buttons(fake.messages_to(PROTEGE)[-1])
    assert second[views.AGREE] != first[views.AGREE]
    to_mentor_before = len(fake.messages_to(MENTOR))
    press(base, PROTEGE, views.AGREE, second[views.AGREE])
    update, news = fake.calls_to("chat.update")
    assert "done" in update.params["text"]
    # The mentor hears it in their latest message about the form (the request to discuss),
    # edited in place, not as another message (issue 13).
    asked = [m for m in fake.posted if m["channel"] == MENTOR][-1]
    assert news.params["channel"] == MENTOR and news.params["ts"] == asked["ts"]
    now_reads = json.dumps(fake.message(MENTOR, asked["ts"])["blocks"])
    assert "agreed" in now_reads and "Can we talk about goals?" in now_reads
    assert len(fake.messages_to(MENTOR)) == to_mentor_before
    with services.sessions() as session:
        record = experience(session, team, 1)
        assert record.status is ExperienceStatus.AGREED
        assert (record.agreed_by, record.agreed_at) == (PROTEGE, NOW)
        assert record.submitted_by == PROTEGE


def test_no_mentor_comment_form_before_a_submission(served) -> None:
    base, services, fake, team, _ = served
    _, body = command(base, MENTOR, "experience 1")
    assert "has not been submitted yet" in body["text"]
    press(base, MENTOR, views.COMMENT_OPEN, f"{team}:1")
    assert any("has not been submitted yet" in t for t in ephemerals(fake, MENTOR))
    assert fake.calls_to("views.open") == []
    with services.sessions() as session:
        assert experience(session, team, 1) is None


def test_the_mentor_reads_it_is_done_in_the_message_that_asked_for_the_form(served) -> None:
    base, _, fake, team, _ = served
    submit_experience(base, fake, team)
    [asked] = [m for m in fake.posted if m["channel"] == MENTOR]
    file_comment(base, fake, team)
    agree = buttons(fake.messages_to(PROTEGE)[-1])[views.AGREE]
    before = len(fake.messages_to(MENTOR))
    press(base, PROTEGE, views.AGREE, agree)
    # No new message for the mentor (issue 13): "your Mentor Comment Form is next" now ends
    # with the news that Experience 1 is done.
    assert len(fake.messages_to(MENTOR)) == before
    reads = json.dumps(fake.message(MENTOR, asked["ts"]))
    assert "your Mentor Comment Form is next" in reads and LINK in reads
    assert f"Experience 1 is done: <@{PROTEGE}> agreed" in reads
    fake.assert_valid()


def test_no_done_before_the_protege_agrees_and_no_second_agreement(served) -> None:
    base, services, fake, team, _ = served
    submit_experience(base, fake, team)
    # Agreeing with a made-up comment id while there is none.
    press(base, PROTEGE, views.AGREE, f"{team}:1:1")
    assert any("no Mentor Comment Form" in t for t in ephemerals(fake, PROTEGE))
    file_comment(base, fake, team)
    agree = buttons(fake.messages_to(PROTEGE)[-1])[views.AGREE]
    press(base, MENTOR, views.AGREE, agree)  # the mentor cannot sign for the protégé
    assert any("Only the protégé" in t for t in ephemerals(fake, MENTOR))
    with services.sessions() as session:
        assert experience(session, team, 1).status is ExperienceStatus.COMMENTED
    press(base, PROTEGE, views.AGREE, agree)
    press(base, PROTEGE, views.AGREE, agree)
    assert any("already done" in t for t in ephemerals(fake, PROTEGE))
    # Once: the protégé's message, and the mentor's, which tells them in place (issue 13).
    updated = [call.params["channel"] for call in fake.calls_to("chat.update")]
    assert len(updated) == 2 and updated.count(MENTOR) == 1


def test_bad_input_answers_with_field_errors(served) -> None:
    base, services, fake, team, _ = served
    press(base, PROTEGE, views.SUBMIT_OPEN, f"{team}:1")
    view = last_opened_view(fake)
    status, body = submit(
        base,
        PROTEGE,
        view,
        submission_values(selection="other", link="not a link", summary="x" * 3001),
    )
    assert status == 200 and body["response_action"] == "errors"
    assert set(body["errors"]) == {"other_description", "link", "summary"}
    assert "3,000" in body["errors"]["summary"]
    _, body = submit(base, PROTEGE, view, submission_values(selection=None))
    assert "selection" in body["errors"]
    with services.sessions() as session:
        assert experience(session, team, 1) is None

    submit_experience(base, fake, team)
    press(base, MENTOR, views.COMMENT_OPEN, f"{team}:1")
    comment_view = last_opened_view(fake)
    _, body = submit(base, MENTOR, comment_view, comment_values("", day="2024-10-30"))
    assert set(body["errors"]) == {"comment_date", "comments"}
    assert "future" in body["errors"]["comment_date"]


def test_forms_of_another_team_and_forged_metadata_are_refused(served) -> None:
    base, services, fake, team, theirs = served
    press(base, PROTEGE, views.SUBMIT_OPEN, f"{team}:1")
    view = last_opened_view(fake)
    # A stranger, and another team's protégé, submit this team's form.
    for user in (STRANGER, OTHER_PROTEGE):
        _, body = submit(base, user, view, submission_values())
        assert body["response_action"] == "errors"
        assert "team you are not on" in body["errors"]["selection"]
    # Our protégé points the form at the other team.
    forged = json.dumps({"team": theirs, "n": 1})
    _, body = submit(base, PROTEGE, view, submission_values(), private_metadata=forged)
    assert "team you are not on" in body["errors"]["selection"]
    _, body = submit(base, PROTEGE, view, submission_values(), private_metadata="{oops")
    assert "out of date" in body["errors"]["selection"]
    # The mentor submitting the protégé's form.
    _, body = submit(base, MENTOR, view, submission_values())
    assert "Only the protégé" in body["errors"]["selection"]
    press(base, OTHER_MENTOR, views.COMMENT_OPEN, f"{team}:1")
    assert any("not on" in t for t in ephemerals(fake, OTHER_MENTOR))
    press(base, PROTEGE, views.SUBMIT_OPEN, "12:nonsense")
    assert any("out of date" in t for t in ephemerals(fake, PROTEGE))
    with services.sessions() as session:
        assert experience(session, team, 1) is None and experience(session, theirs, 1) is None
    assert fake.messages_to(MENTOR) == [] and fake.messages_to(OTHER_MENTOR) == []


def test_with_a_plan_the_modal_shows_the_planned_experience(served, program) -> None:
    base, services, fake, team, _ = served
    add_plan(services.sessions, program, team)
    _, _ = command(base, PROTEGE, "experience 2")
    view = last_opened_view(fake)
    blocks = json.dumps(view["blocks"])
    assert "#7 Incorporate critical thinking" in blocks and "selection" not in [
        b.get("block_id") for b in view["blocks"]
    ]
    status, body = submit(base, PROTEGE, view, submission_values(selection=None))
    assert body["response_action"] == "update"
    with services.sessions() as session:
        assert experience(session, team, 2).selection == 7


def test_without_a_number_each_person_gets_what_is_waiting_for_them(served) -> None:
    base, services, fake, team, _ = served
    command(base, PROTEGE, "experience")
    assert json.loads(last_opened_view(fake)["private_metadata"])["n"] == 1
    _, body = command(base, MENTOR, "experience")  # nothing waiting: the overview
    assert "Your structured experiences" in body["text"]
    assert "not sent yet" in json.dumps(body["blocks"])
    submit_experience(base, fake, team)
    command(base, MENTOR, "experience")
    assert last_opened_view(fake)["callback_id"] == views.COMMENT_CALLBACK
    _, body = command(base, STRANGER, "experience")
    assert "not on a mentoring team" in body["text"]
    _, body = command(base, PROTEGE, "experience 9")
    assert "no Experience 9" in body["text"]


def test_year_two_other_experiences_name_their_focus_areas(served, program) -> None:
    base, services, fake, _, _ = served
    team = make_team(
        services.sessions, program, mentor="U0MENTOR3", protege="U0PROTEGE3", track="year2"
    )
    press(base, "U0PROTEGE3", views.SUBMIT_OPEN, f"{team}:1")
    view = last_opened_view(fake)
    assert "Focus areas still missing" in json.dumps(view["blocks"])
    values = submission_values(
        selection="other",
        other_description={"other_description": text_value("Shadow a CTSO judge")},
    )
    _, body = submit(base, "U0PROTEGE3", view, values)
    assert "focus_areas" in body["errors"]
    values["focus_areas"] = {"focus_areas": checkbox_values("Professional")}
    _, body = submit(base, "U0PROTEGE3", view, values)
    assert body["response_action"] == "update"
    with services.sessions() as session:
        assert experience(session, team, 1).focus_area_list == ("Professional",)


def test_a_mentor_of_two_protégés_names_the_one_they_mean(served, program) -> None:
    base, services, fake, team, _ = served
    second = make_team(services.sessions, program, protege="U0PROTEGE9")
    _, body = command(base, MENTOR, "experience 1")
    assert "You mentor 2 protégés" in body["text"] and "<@U0PROTEGE9>" in body["text"]
    _, body = command(base, MENTOR, "experience 1 <@U0PROTEGE9|sam>")
    assert "has not been submitted yet" in body["text"]  # the second team's Experience 1
    press(base, "U0PROTEGE9", views.SUBMIT_OPEN, f"{second}:1")
    submit(base, "U0PROTEGE9", last_opened_view(fake), submission_values())
    command(base, MENTOR, "experience <@U0PROTEGE9>")
    assert json.loads(last_opened_view(fake)["private_metadata"])["team"] == second
    _, body = command(base, MENTOR, f"experience <@{OTHER_PROTEGE}>")
    assert "don't have a mentoring team with" in body["text"]


def test_help_lists_the_new_commands(served) -> None:
    base, *_ = served
    _, body = command(base, PROTEGE, "help")
    for usage in ("/mentor experience", "/mentor visit", "/mentor pd", "/mentor progress"):
        assert usage in body["text"]


# --- the work attached, not only linked -----------------------------------------------------

# Slack's file input, as a view_submission carries it: each file uploaded is an object.
ATTACHED = {
    "type": "file_input",
    "files": [
        {
            "id": "F0ATTACH1",
            "name": "syllabus.pdf",
            "title": "syllabus.pdf",
            "mimetype": "application/pdf",
            "filetype": "pdf",
            "size": 48213,
            "user": PROTEGE,
            "url_private": "https://files.slack.com/files-pri/T0TEST-F0ATTACH1/syllabus.pdf",
            "permalink": "https://acme.slack.com/files/U0PROTEGE1/F0ATTACH1/syllabus.pdf",
        }
    ],
}


def test_the_protege_attaches_the_work_and_a_link_stays_possible(served):
    base, services, fake, ours, _ = served
    scopes.forget()
    press(base, PROTEGE, views.SUBMIT_OPEN, f"{ours}:1")
    view = last_opened_view(fake)
    by_block = {b.get("block_id"): b for b in view["blocks"]}
    assert by_block["file"]["element"] == {
        "type": "file_input",
        "action_id": "file",
        "max_files": 1,
    }
    assert by_block["file"]["optional"] and by_block["link"]["optional"]
    # Neither a file nor a link: asked for on the link.
    values = submission_values(link="", file={"file": {"type": "file_input", "files": []}})
    _, body = submit(base, PROTEGE, view, values)
    assert body["errors"] == {"link": "Attach your work above, or paste a link to it here."}
    # Both: one of the two.
    _, body = submit(base, PROTEGE, view, submission_values(file={"file": ATTACHED}))
    assert body["errors"] == {"link": "You attached a file: clear this link, or remove the file."}
    status, body = submit(base, PROTEGE, view, submission_values(link="", file={"file": ATTACHED}))
    assert status == 200 and body["response_action"] == "update", body
    with services.sessions() as session:
        sent = current_submission(session, experience(session, ours, 1).id)
        assert sent.link == ATTACHED["files"][0]["permalink"]
    note = fake.messages_to(MENTOR)[-1]
    assert "a file shared in Slack" in json.dumps(note["blocks"])


def test_without_the_files_read_scope_the_form_asks_for_a_link_as_before(served):
    base, services, fake, ours, _ = served
    fake.scopes = tuple(s for s in fake.scopes if s != "files:read")
    scopes.forget()
    press(base, PROTEGE, views.SUBMIT_OPEN, f"{ours}:1")
    view = last_opened_view(fake)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert "file" not in inputs and not inputs["link"]["optional"]
    assert "Copy link" in inputs["link"]["hint"]["text"]
    status, body = submit(base, PROTEGE, view, submission_values())
    assert status == 200 and body["response_action"] == "update"
    scopes.forget()
