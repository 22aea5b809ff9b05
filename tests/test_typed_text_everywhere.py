"""Text typed by one person never speaks for the bot to another (issue 15 §2).

Every free-text field of the app is filled with Slack's control sequences (`<!channel>`,
`<@U123ABC>`, a masked link `<https://evil.example|label>`) and `&`, `<`, `>`, through signed
HTTP into the served app (and the tick, for the semester note). Then every payload the Slack
stand-in recorded, and every answer the app gave to an interaction, is read: in mrkdwn (a
section, a context, a message's text) none of them passes raw, and where the field is shown it
is shown escaped; plain_text and a form's initial value show it as typed. Exported files hold
it as typed, and never as a formula.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.experiences import views as experience_views
from bot.logs import form as log_form
from bot.logs import views as log_views
from bot.plans.form import notes_block, other_approval_block
from bot.platform.slack_client import scheduler_client
from bot.reports import views as report_views
from bot.slack.text import TypedText
from bot.survey import views as survey_views
from schedules.duties.semester_progress import semester_progress
from schedules.tick import tick
from storage.db import transaction
from storage.models import Person, Team
from storage.people import add_team, get_or_create_person, get_team
from storage.plans import MentoringPlan
from tests.conftest import SIGNING_SECRET, STAFF, make_settings
from tests.interactions import (
    last_opened_view,
    press,
    radio_value,
    text_value,
)
from tests.interactions import submit as post_submission
from tests.signing import slash_command
from tests.test_contact_roles import contact_values
from tests.test_experiences_http import buttons, comment_values, submission_values
from tests.test_logs_http import log_values
from tests.test_plans_http import area_values, decision_values, plan_values
from tests.test_reports_http import pd_values, visit_values
from tests.test_status_http import finished_runs

HOSTILE = "Hi <!channel> and <@U123ABC>: <https://evil.example|label> & a < b > c"
# What must never reach mrkdwn: each would ping, mention, mask a link or open a tag.
RAW = ("<!channel>", "<@U123ABC>", "<https://evil.example|label>", "< b >")
# The same text as mrkdwn shows it when it is shown: escaped, whole.
SHOWN = TypedText(HOSTILE).mrkdwn()

MENTOR, PROTEGE, ADVISOR = "U0MENTOR1", "U0PROTEGE1", "U0ADVISOR1"
SEPTEMBER = datetime(2024, 9, 25, 15, tzinfo=UTC)  # the initial meeting, 10:00 in Missouri


# --- reading what the app sent ------------------------------------------------------------------


def mrkdwn_texts(payload: Any) -> Iterator[str]:
    """Every text Slack reads as mrkdwn in a payload: mrkdwn objects, wherever they sit."""
    if isinstance(payload, dict):
        if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str):
            yield payload["text"]
        for value in payload.values():
            yield from mrkdwn_texts(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from mrkdwn_texts(value)


class Seen:
    """What the app sent to Slack and answered to each interaction, in mrkdwn."""

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.answers: list[Any] = []

    def submit(self, base: str, user: str, view: dict, values: dict, **kw: Any) -> Any:
        status, answer = post_submission(base, user, view, values, **kw)
        assert status == 200, answer
        self.answers.append(answer)
        return answer

    def press(self, base: str, user: str, action_id: str, value: str = "", **kw: Any) -> Any:
        status, answer = press(base, user, action_id, value, **kw)
        assert status == 200, answer
        self.answers.append(answer)
        return answer

    def command(self, base: str, user: str, text: str) -> Any:
        status, answer = slash_command(base + "/slack/events", SIGNING_SECRET, user, text)
        assert status == 200, answer
        self.answers.append(answer)
        return answer

    def mrkdwn(self) -> list[str]:
        """Every mrkdwn text so far: message texts (Slack formats a message's `text`), block
        texts of messages and views, and the answers to interactions and commands."""
        found = []
        messages = ("chat.postMessage", "chat.update", "chat.postEphemeral")
        for call in self.fake.calls:
            text = call.params.get("text")
            if call.method in messages and call.params.get("mrkdwn", True) and text:
                found.append(text)
            found += mrkdwn_texts(call.params)
        for answer in self.answers:
            if isinstance(answer, dict):
                if answer.get("response_type") and isinstance(answer.get("text"), str):
                    found.append(answer["text"])
                found += mrkdwn_texts(answer)
        return found

    def assert_nothing_raw(self) -> None:
        for text in self.mrkdwn():
            for raw in RAW:
                assert raw not in text, (raw, text)

    def shown_to(self, channel: str) -> str:
        """The mrkdwn of every message the app sent to `channel` (a DM: the user's id)."""
        return "\n".join(
            text
            for call in self.fake.calls
            if call.method in ("chat.postMessage", "chat.update")
            and call.params.get("channel") == channel
            for text in [call.params.get("text", ""), *mrkdwn_texts(call.params.get("blocks"))]
        )

    def messages_to(self, channel: str) -> list[dict]:
        """The DMs the app sent to `channel`, in order (chat.postMessage's parameters)."""
        calls = self.fake.calls_to("chat.postMessage")
        return [c.params for c in calls if c.params["channel"] == channel]

    def last_view(self) -> dict:
        return {**last_opened_view(self.fake), "id": f"V{len(self.fake.calls):05d}"}


def view_mrkdwn(view: dict) -> str:
    return "\n".join(mrkdwn_texts(view))


def plain_texts(payload: Any) -> list[str]:
    if isinstance(payload, dict):
        own = [payload["text"]] if payload.get("type") == "plain_text" else []
        return own + [t for value in payload.values() for t in plain_texts(value)]
    if isinstance(payload, list):
        return [t for value in payload for t in plain_texts(value)]
    return []


def initial_values(view: dict) -> dict[str, str]:
    return {
        b["block_id"]: b["element"]["initial_value"]
        for b in view.get("blocks", [])
        if "initial_value" in b.get("element", {})
    }


# --- the world ----------------------------------------------------------------------------------


@pytest.fixture
def world(app_server, standin, program):
    """The served app, a team whose three people all named themselves in Slack with the
    hostile text, and a recorder of everything shown."""
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: SEPTEMBER)
    for user in (MENTOR, PROTEGE, ADVISOR, STAFF):
        fake.add_user(user, HOSTILE)
    with transaction(services.sessions) as session:

        def person(slack_id: str) -> Person:
            return get_or_create_person(session, slack_id, SEPTEMBER, HOSTILE, "America/Chicago")

        team = add_team(
            session,
            program_id=program.id,
            mentor=person(MENTOR),
            protege=person(PROTEGE),
            advisor=person(ADVISOR),
            area="bmit",
            track="year1",
            start_date=date(2024, 8, 26),
            created_by=STAFF,
            now=SEPTEMBER,
        )
        team_id = team.id
    seen = Seen(fake)
    yield base, services, seen, team_id
    seen.assert_nothing_raw()


def at(services, instant: datetime) -> None:
    object.__setattr__(services, "clock", lambda: instant)


# --- the Contact Form, the team card and the semester note ---------------------------------------


def test_the_contact_form_and_the_semester_note_show_typed_text_escaped(
    world, database_url, standin, program
) -> None:
    base, services, seen, team = world
    seen.command(base, PROTEGE, "contact")
    values = contact_values(school_name_address=HOSTILE, admin_name=HOSTILE)
    assert seen.submit(base, PROTEGE, seen.last_view(), values) in ({}, "")
    # The form opens again with what was typed, as typed.
    seen.command(base, PROTEGE, "contact")
    again = initial_values(seen.last_view())
    assert again["school_name_address"] == HOSTILE and again["admin_name"] == HOSTILE
    # The team card (staff, /mentor team) shows the Contact Form's e-mail and phones.
    card = seen.command(base, STAFF, f"team <@{PROTEGE}>")
    assert "luis@school.example" in json.dumps(card)
    # The semester note the advisor forwards: the administrator's name and the protégé's
    # Slack name, escaped; the e-mail a mailto link.
    _, api_url = standin
    client = scheduler_client(make_settings(database_url, api_url))
    result = tick(
        services.sessions,
        client,
        program,
        datetime(2024, 12, 13, 15, tzinfo=UTC),
        (semester_progress,),
    )
    assert [o.status for o in result.outcomes] == ["sent"]
    note = seen.shown_to(ADVISOR)
    assert note.count(SHOWN) >= 2  # the administrator and the protégé's name
    assert "<mailto:reyes@school.example|reyes@school.example>" in note
    # An address stored before the shape was checked is shown escaped, never as a link.
    with transaction(services.sessions) as session:
        protege = get_team(session, team).protege
        protege.admin_email = "<https://evil.example/login|jane@school.org>"
    tick(
        services.sessions,
        client,
        program,
        datetime(2025, 3, 31, 15, tzinfo=UTC),
        (semester_progress,),
    )
    note = seen.shown_to(ADVISOR)
    assert "&lt;https://evil.example/login|jane@school.org&gt;" in note
    assert "mailto:&lt;" not in note and "<https://evil.example/login" not in note


@pytest.mark.parametrize(
    "address",
    [
        "<https://evil.example/login|jane@school.org>",
        "<!channel>@school.org",
        "jane doe@school.org",
        "jane|x@school.org",
        "jane!@school.org",
        "jane@school.org>",
        "jane&co@school.org",
    ],
)
def test_an_e_mail_is_strictly_an_e_mail_and_a_bad_one_keeps_the_form(world, address) -> None:
    base, services, seen, _ = world
    seen.command(base, PROTEGE, "contact")
    view = seen.last_view()
    answer = seen.submit(base, PROTEGE, view, contact_values(email=address, admin_email=address))
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"email", "admin_email"}
    assert "e-mail address" in answer["errors"]["email"]
    with services.sessions() as session:
        person = session.scalars(select(Person).where(Person.slack_id == PROTEGE)).one()
        assert person.email is None and person.admin_email is None


def test_the_end_of_a_team_tells_its_members_the_reason_escaped(world) -> None:
    base, services, seen, team = world
    seen.press(base, STAFF, "team_end_open", str(team))
    view = seen.last_view()
    values = {
        "status": {"value": radio_value("withdrawn")},
        "reason": {"value": text_value(HOSTILE)},
    }
    assert seen.submit(base, STAFF, view, values) in ({}, "")
    for member in (MENTOR, PROTEGE, ADVISOR):
        assert SHOWN in seen.shown_to(member), member
    # An ended team's card (as an alert's "Open team" sends it) says why it ended.
    seen.press(base, STAFF, "silence_open_team", f"{team}:2024-09-02")
    assert f"Ended: {SHOWN}" in seen.shown_to(STAFF)


def test_the_import_report_quotes_pasted_cells_escaped(world) -> None:
    base, _, seen, _ = world
    seen.command(base, STAFF, "import")
    view = seen.last_view()
    pasted = (
        "mentor,protege,advisor,area,track,start_date\n"
        f"{MENTOR},{PROTEGE},,{HOSTILE},year1,2024-09-25"
    )
    answer = seen.submit(base, STAFF, view, {"csv": {"value": text_value(pasted)}})
    assert answer["response_action"] == "update"
    [update] = seen.fake.wait_for("views.update", 1)
    shown = update.params["view"]
    assert SHOWN in view_mrkdwn(shown)
    assert initial_values(shown)["csv"] == pasted


# --- Communication Logs ---------------------------------------------------------------------------


def test_a_log_entry_and_its_dispute_are_shown_as_typed_in_plain_text(world) -> None:
    base, services, seen, team = world
    at(services, datetime(2024, 10, 7, 15, tzinfo=UTC))
    seen.command(base, MENTOR, "log")
    values = log_values(help_needed=HOSTILE, ideas=HOSTILE)
    assert seen.submit(base, MENTOR, seen.last_view(), values)["response_action"] == "update"
    [cosign] = seen.messages_to(PROTEGE)
    assert plain_texts(cosign["blocks"]).count(HOSTILE) == 2  # as typed, never as mrkdwn
    value = buttons(cosign)[log_views.DISPUTE]
    seen.press(base, PROTEGE, log_views.DISPUTE, value)
    comment = {log_form.COMMENT: {"value": text_value(HOSTILE)}}
    assert seen.submit(base, PROTEGE, seen.last_view(), comment)["response_action"] == "update"
    to_mentor = seen.messages_to(MENTOR)
    assert HOSTILE in plain_texts(to_mentor[-1]["blocks"])
    seen.press(base, MENTOR, log_views.VIEW, buttons(to_mentor[-1])[log_views.EDIT])
    detail = last_opened_view(seen.fake)
    assert plain_texts(detail["blocks"]).count(HOSTILE) == 3
    seen.press(base, MENTOR, log_views.EDIT, buttons(to_mentor[-1])[log_views.EDIT])
    edit = initial_values(seen.last_view())
    assert edit[log_form.HELP] == HOSTILE and edit[log_form.IDEAS] == HOSTILE


# --- the initial meeting's forms ------------------------------------------------------------------


def test_decision_points_notes_are_shown_escaped(world, program) -> None:
    base, _, seen, _ = world
    seen.command(base, MENTOR, "decisions")
    concerns = [(0, 1), (0, 7), (1, 4), (0, 0)]
    step = seen.submit(base, MENTOR, seen.last_view(), area_values(program, set(concerns)))
    values = decision_values(program, set(concerns), concerns, notes={(0, 0): HOSTILE})
    notes_view = {**step["view"], "id": "V0NOTES1"}
    assert seen.submit(base, MENTOR, notes_view, values)["response_action"] == "update"
    summary = seen.command(base, ADVISOR, f"decisions <@{MENTOR}>")
    assert SHOWN in "\n".join(mrkdwn_texts(summary))
    # The notes come back, as typed, in the second step.
    seen.command(base, PROTEGE, "decisions")
    step = seen.submit(base, PROTEGE, seen.last_view(), area_values(program, set(concerns)))
    assert initial_values(step["view"])[notes_block(0, 0)] == HOSTILE


def test_the_plan_its_review_its_return_and_the_experience_show_typed_text_escaped(
    world,
) -> None:
    base, services, seen, team = world
    seen.command(base, PROTEGE, "plan")
    values = plan_values(
        other_in=1,
        **{
            "imp_other_1": {"description": text_value(HOSTILE)},
            "imp_planned_1": {"planned": text_value(HOSTILE)},
        },
    )
    assert seen.submit(base, PROTEGE, seen.last_view(), values)["response_action"] == "update"
    review = seen.shown_to(ADVISOR)
    assert review.count(SHOWN) == 2  # the "Other" description and the planned work
    with services.sessions() as session:
        plan_id = session.scalars(select(MentoringPlan.id)).one()
    # The approval modal shows both again; returning the plan tells the team the comment.
    seen.press(base, ADVISOR, "plans_review_approve", str(plan_id))
    approve = last_opened_view(seen.fake)
    assert approve["callback_id"] == "plans_approve" and view_mrkdwn(approve).count(SHOWN) == 2
    assert other_approval_block(1) in json.dumps(approve)
    seen.press(base, ADVISOR, "plans_review_return", str(plan_id))
    answer = seen.submit(
        base, ADVISOR, seen.last_view(), {"return_comment": {"comment": text_value(HOSTILE)}}
    )
    assert answer in ({}, "")
    for member in (MENTOR, PROTEGE):
        assert SHOWN in seen.shown_to(member)
    seen.command(base, PROTEGE, "plan")
    modal = seen.last_view()
    assert SHOWN in view_mrkdwn(modal)  # the returned comment, quoted
    assert initial_values(modal)["imp_planned_1"] == HOSTILE
    # The experience modal shows the plan's "Other" experience and its planned work.
    at(services, datetime(2024, 10, 18, 15, tzinfo=UTC))
    seen.command(base, PROTEGE, "experience 1")
    experience = last_opened_view(seen.fake)
    assert experience["callback_id"] == experience_views.SUBMIT_CALLBACK
    assert view_mrkdwn(experience).count(SHOWN) == 2


# --- structured experiences -----------------------------------------------------------------------


def test_an_experience_its_comment_form_and_a_discussion_show_typed_text_escaped(world) -> None:
    base, services, seen, team = world
    at(services, datetime(2024, 10, 18, 15, tzinfo=UTC))
    seen.press(base, PROTEGE, experience_views.SUBMIT_OPEN, f"{team}:1")
    values = submission_values(
        selection="other",
        summary=HOSTILE,
        other_description={"other_description": text_value(HOSTILE)},
    )
    answer = seen.submit(base, PROTEGE, seen.last_view(), values)
    assert answer["response_action"] == "update", answer
    assert seen.shown_to(MENTOR).count(SHOWN) == 2  # what it is, and the summary
    seen.press(base, MENTOR, experience_views.COMMENT_OPEN, f"{team}:1")
    comment_form = seen.last_view()
    assert view_mrkdwn(comment_form).count(SHOWN) == 2
    values = comment_values(HOSTILE)
    values["experience_text"] = {"experience_text": text_value(HOSTILE)}
    assert seen.submit(base, MENTOR, comment_form, values)["response_action"] == "update"
    assert seen.shown_to(PROTEGE).count(SHOWN) == 2  # both of the form's fields
    review = seen.messages_to(PROTEGE)[-1]
    seen.press(
        base, PROTEGE, experience_views.DISCUSS_OPEN, buttons(review)[experience_views.DISCUSS_OPEN]
    )
    assert seen.submit(base, PROTEGE, seen.last_view(), {"note": {"note": text_value(HOSTILE)}})
    assert seen.shown_to(MENTOR).count(SHOWN) == 3  # and the note
    # The mentor's next move opens the form again, with what it is, the summary and the note.
    assert seen.command(base, MENTOR, "experience") in ({}, "")
    assert view_mrkdwn(last_opened_view(seen.fake)).count(SHOWN) == 3


# --- Visit Report, PD Verification Form, Assessment Activity -------------------------------------


def test_the_visit_report_and_a_change_request_show_typed_text_escaped(world) -> None:
    base, services, seen, team = world
    at(services, datetime(2024, 11, 20, 16, tzinfo=UTC))
    seen.command(base, MENTOR, "visit")
    values = visit_values(topics=HOSTILE)
    values["location"] = {"location": text_value(HOSTILE)}
    values["strategies"] = {"strategies": text_value(HOSTILE)}
    assert seen.submit(base, MENTOR, seen.last_view(), values)["response_action"] == "update"
    assert seen.shown_to(PROTEGE).count(SHOWN) == 3
    review = seen.messages_to(PROTEGE)[-1]
    seen.press(
        base,
        PROTEGE,
        report_views.VISIT_CHANGE_OPEN,
        buttons(review)[report_views.VISIT_CHANGE_OPEN],
    )
    assert seen.submit(base, PROTEGE, seen.last_view(), {"note": {"note": text_value(HOSTILE)}})
    assert SHOWN in seen.shown_to(MENTOR)
    back = seen.messages_to(MENTOR)[-1]
    seen.press(base, MENTOR, report_views.VISIT_OPEN, buttons(back)[report_views.VISIT_OPEN])
    form = seen.last_view()
    assert SHOWN in view_mrkdwn(form)  # the change asked for
    assert initial_values(form)["location"] == HOSTILE


def test_a_pd_form_and_its_mentor_comments_show_typed_text_escaped(world) -> None:
    base, services, seen, team = world
    at(services, datetime(2024, 11, 20, 16, tzinfo=UTC))
    seen.command(base, PROTEGE, "pd 1")
    values = pd_values()
    values["location"] = {"location": text_value(HOSTILE)}
    values["description"] = {"description": text_value(HOSTILE)}
    assert seen.submit(base, PROTEGE, seen.last_view(), values)["response_action"] == "update"
    assert seen.shown_to(MENTOR).count(SHOWN) == 2
    filed = seen.messages_to(MENTOR)[-1]
    seen.press(base, MENTOR, report_views.PD_SIGN_OPEN, buttons(filed)[report_views.PD_SIGN_OPEN])
    sign = seen.last_view()
    assert view_mrkdwn(sign).count(SHOWN) == 2
    answer = seen.submit(
        base, MENTOR, sign, {"mentor_comments": {"mentor_comments": text_value(HOSTILE)}}
    )
    assert answer["response_action"] == "update"
    assert seen.shown_to(PROTEGE).count(SHOWN) == 3


def test_the_assessment_activity_shows_its_link_escaped(world, program) -> None:
    base, services, seen, team = world
    with transaction(services.sessions) as session:
        session.get(Team, team).track = "year2"
    at(services, datetime(2024, 10, 18, 15, tzinfo=UTC))
    seen.command(base, PROTEGE, "assessment")
    link = "https://docs.example.org/d/work?a=1&b=<2>"
    values = {
        "link": {"link": {"type": "url_text_input", "value": link}},
        "summary": {"summary": text_value(HOSTILE)},
    }
    answer = seen.submit(base, PROTEGE, seen.last_view(), values)
    if answer.get("response_action") == "errors":  # a link with < or > is no link at all
        assert "link" in answer["errors"]
        values["link"] = {"link": {"type": "url_text_input", "value": link.replace("<2>", "2")}}
        answer = seen.submit(base, PROTEGE, seen.last_view(), values)
    assert answer["response_action"] == "update"
    assert "&amp;b=" in seen.shown_to(MENTOR)
    seen.command(base, PROTEGE, "assessment")
    assert initial_values(seen.last_view())["summary"] == HOSTILE


# --- silent teams, the survey, status and the report ---------------------------------------------


def test_my_partner_is_not_responding_reaches_the_advisor_escaped(world) -> None:
    base, services, seen, _ = world
    at(services, datetime(2024, 11, 20, 16, tzinfo=UTC))
    seen.command(base, PROTEGE, "noresponse")
    assert seen.submit(
        base, PROTEGE, seen.last_view(), {"note": {"value": text_value(HOSTILE)}}
    ) in ({}, "")
    seen.fake.wait_for("chat.postMessage", 2)
    assert SHOWN in seen.shown_to(ADVISOR)


def test_words_typed_after_a_command_are_echoed_escaped(world) -> None:
    base, _, seen, _ = world
    # (A mention is a mention in a command: Slack sends one when a person picks someone.)
    answer = seen.command(
        base, STAFF, "status Hi <!channel> <https://evil.example|label> & a < b > c"
    )
    assert "Hi &amp; a b &gt; c" in answer["text"]
    answer = seen.command(base, PROTEGE, "calendar <!channel>")
    assert "&lt;!channel&gt;" in answer["text"]


def test_the_report_holds_names_and_survey_comments_as_typed_and_never_a_formula(world) -> None:
    base, services, seen, team = world
    at(services, datetime(2025, 4, 10, 15, tzinfo=UTC))
    for user in (MENTOR, PROTEGE):
        seen.press(base, user, survey_views.SURVEY_OPEN, str(team))
        values = {
            name: {name: radio_value("4")} for name in ("relationship", "benefits", "materials")
        }
        values[survey_views.COMMENTS] = {survey_views.COMMENTS: text_value(HOSTILE)}
        assert seen.submit(base, user, seen.last_view(), values)["response_action"] == "update"
    # Three more people answer for three more teams, so five people have answered.
    with transaction(services.sessions) as session:
        for n in range(3):
            extra = add_team(
                session,
                program_id=services.program.id,
                mentor=get_or_create_person(session, f"U0MENTOR{n + 5}", SEPTEMBER),
                protege=get_or_create_person(session, f"U0PROTEGE{n + 5}", SEPTEMBER),
                advisor=None,
                area="bmit",
                track="year1",
                start_date=date(2024, 8, 26),
                created_by=STAFF,
                now=SEPTEMBER,
            )
            extra_id = extra.id
            from storage.survey import record_response

            record_response(
                session,
                program_id=services.program.id,
                team_id=extra_id,
                slack_id=f"U0MENTOR{n + 5}",
                role="mentor",
                ratings={"relationship": 3, "benefits": 3, "materials": 3},
                comments=None,
                now=datetime(2025, 4, 10, 15, tzinfo=UTC),
            )
    at(services, datetime(2025, 4, 20, 15, tzinfo=UTC) + timedelta(days=1))
    assert "Preparing your report" in seen.command(base, STAFF, "report")["text"]
    seen.fake.wait_for("files.completeUploadExternal", 1, timeout=20)
    assert finished_runs(services) == [("sent", None)]
    files = list(seen.fake.uploads.values())
    [table] = [d for d in files if d.startswith(b"\xef\xbb\xbfteam,")]
    rows = list(csv.DictReader(io.StringIO(table.decode("utf-8-sig"), newline="")))
    ours = next(r for r in rows if r["team"] == str(team))
    assert ours["mentor name"] == ours["protégé name"] == ours["advisor name"] == HOSTILE
    [xlsx] = [d for d in files if d.startswith(b"PK")]
    book = load_workbook(io.BytesIO(xlsx))
    comments = [c.value for c in book["Survey comments"]["A"][1:]]
    assert comments == [HOSTILE, HOSTILE]
    assert all(c.data_type == "s" for c in book["Survey comments"]["A"])


# --- by construction ----------------------------------------------------------------------------

# Columns a person types into (every Text column but copies of the program's own text, and the
# short ones of the Contact Form), and people's names from their Slack profiles as view data
# calls them. The program file's own text (bot.program) is the program's, not a person's.
PROGRAM_TEXT = {"item", "focus_areas"}
TYPED_STRINGS = {"email", "cell_phone", "school_phone", "admin_name", "admin_email", "admin_phone"}
PEOPLES_NAMES = {"mentor_name", "protege_name", "advisor_name"}
# Fields named like a typed column that hold the app's own words.
APP_TEXT = {
    "DeliverableStatus.note",  # "filed; waiting for the mentor's comments" …
    "topics",  # a parameter: the program's monthly topics, by month
    "Subcommand.summary",  # what a /mentor subcommand does, for /mentor help
}


def typed_columns() -> set[str]:
    from sqlalchemy import Text

    import storage.schema  # noqa: F401  (every model, registered on the metadata)
    from storage.models import Base

    texts = {
        column.name
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, Text)
    }
    return (texts - PROGRAM_TEXT) | TYPED_STRINGS | PEOPLES_NAMES


def view_builders() -> Iterator[tuple[str, Any]]:
    import importlib
    import inspect
    import pkgutil

    import bot

    names = [m.name for m in pkgutil.walk_packages(bot.__path__, "bot.")]
    modules = [n for n in names if n.endswith(".views")]
    modules += ["bot.plans.checklists", "bot.teams.changes", "bot.teams.welcome"]
    modules += ["bot.status.progress"]
    modules += [n for n in names if n.startswith("bot.home.")]
    for name in modules:
        module = importlib.import_module(name)
        for function in vars(module).values():
            if inspect.isfunction(function) and function.__module__ == name:
                yield f"{name}.{function.__name__}", function


def reachable(hint: Any, seen: set[type]) -> Iterator[tuple[str, Any]]:
    """(field name, its type) of every dataclass a parameter's type holds, however deep."""
    import typing

    for arg in typing.get_args(hint):
        yield from reachable(arg, seen)
    program_file = isinstance(hint, type) and hint.__module__.startswith("bot.program.")
    if isinstance(hint, type) and dataclasses_is(hint) and hint not in seen and not program_file:
        seen.add(hint)
        hints = typing.get_type_hints(hint)
        for name in hints:
            yield f"{hint.__name__}.{name}", hints[name]
            yield from reachable(hints[name], seen)


def dataclasses_is(kind: type) -> bool:
    import dataclasses

    return dataclasses.is_dataclass(kind)


def test_view_builders_take_no_record_and_typed_text_only_as_typed_text() -> None:
    """A view is given view data, never a stored record; a field or parameter named after a
    column a person types into is TypedText. A new view or view-data field that takes a
    plain str there fails here (and mypy refuses a str passed where TypedText is declared)."""
    import typing

    from storage.models import Base

    columns, checked = typed_columns(), 0
    for where, function in view_builders():
        hints = typing.get_type_hints(function)
        seen: set[type] = set()
        for parameter, hint in hints.items():
            found = [(parameter, hint), *reachable(hint, seen)]
            for name, kind in found:
                kinds = [kind, *typing.get_args(kind)]
                assert not any(isinstance(k, type) and issubclass(k, Base) for k in kinds), (
                    f"{where}: {name} is a stored record; give the view view data"
                )
                if name.rsplit(".", 1)[-1] in columns and name not in APP_TEXT:
                    checked += 1
                    assert "TypedText" in str(kind), f"{where}: {name} is {kind}, not TypedText"
    assert checked > 20  # the check reached the view data


def test_typed_text_stays_typed_and_renders_escaped_unless_asked() -> None:
    from bot.slack.blocks import context, option, plain, section

    text = TypedText(HOSTILE)
    for made in (text[:12], text + "!", "x: " + text, text.strip(), text.replace("Hi", "Yo")):
        assert isinstance(made, TypedText), made
    assert isinstance(text.split()[0], TypedText) and isinstance(text.clip(10), TypedText)
    assert f"{text}" == SHOWN and "{}".format(text) == SHOWN  # noqa: UP032 (format's path)
    assert f"said: {text[:10]}" == "said: Hi &lt;!chann"
    assert section(text)["text"]["text"] == SHOWN and context(text)["elements"][0]["text"] == SHOWN
    assert plain(text)["text"] == HOSTILE and option(text[:20], "v")["text"]["text"] == HOSTILE[:20]
    assert text.raw() == HOSTILE and type(text.raw()) is str
    # Stored and compared as the text it is.
    assert text == HOSTILE and json.dumps(text) == json.dumps(HOSTILE)
    assert TypedText("jane@school.org").mailto() == "<mailto:jane@school.org|jane@school.org>"
    assert TypedText("<https://x.example|a@b.org>").mailto() == "&lt;https://x.example|a@b.org&gt;"
