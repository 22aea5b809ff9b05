"""What waits on the content advisor comes in their morning message, nowhere else (issue 14,
finding 9; issue 13, item 2): their own steps (introduce yourself to the building
administrator, the month's contact with the team) with "Mark done", plans to review with the
school days left of the review week, and meetings whose attendance is not recorded, with
"Record attendance". Each line is struck through in place once it is done. Over signed HTTP
into the Bolt app and the tick against the Slack stand-in."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.advisor import views
from bot.advisor.step import KINDS
from bot.meetings.views import CALLBACK as ATTENDANCE_CALLBACK
from bot.meetings.views import OPEN as ATTENDANCE_OPEN
from bot.meetings.views import block_id as attendance_block
from bot.plans.rules import submit_plan
from bot.plans.views import REVIEW_APPROVE
from bot.platform.slack_client import scheduler_client
from bot.status.deliverables import team_deliverables, tracked_deadlines
from schedules.tick import tick
from storage.db import transaction
from storage.duties import AdvisorDuty
from storage.meetings import MeetingAttendance
from storage.models import Team
from storage.silence import SilenceAction, SilenceActionKind
from tests.conftest import SIGNING_SECRET, STAFF, make_settings
from tests.interactions import _post_payload, last_opened_view, press, submit
from tests.signing import slash_command
from tests.test_advisor_digest import (
    ADVISOR,
    OTHER_ADVISOR,
    at,
    mentor,
    other_team,
    protege,
    seed,
)
from tests.test_home import open_home
from tests.test_plans_storage import plan_form

INTRO = "Your step: Introduce yourself to the building administrator, due Mon, Sep 30"
SEPTEMBER = "Your step: Monthly contact with the team, September, due Mon, Sep 30"


@pytest.fixture
def served(app_server, standin, program):
    base, services = app_server
    fake, api_url = standin
    client = scheduler_client(make_settings("sqlite://", api_url))
    [team] = seed(services.sessions, program, 1)
    other = other_team(services.sessions, program)

    def run(day: date, hour: int = 14):
        object.__setattr__(services, "clock", lambda: at(day, hour))
        return tick(services.sessions, client, program, at(day, hour)).outcomes

    def clock(instant: datetime) -> None:
        object.__setattr__(services, "clock", lambda: instant)

    return base, services, fake, run, clock, team, other


def blocks_of(message: dict) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def pressed_in(base: str, user: str, message: dict, action_id: str, value: str) -> tuple[int, Any]:
    """A button pressed in a message the bot sent, as Slack sends it (the message with it)."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "team": {"id": "T0TEST"},
        "trigger_id": "1337.42.7",
        "actions": [{"type": "button", "action_id": action_id, "value": value}],
        "channel": {"id": message["channel"]},
        "message": {"ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": message["channel"],
        },
    }
    return _post_payload(base, payload)


def last_ephemeral(fake) -> str:
    return fake.calls_to("chat.postEphemeral")[-1].params["text"]


def latest(fake, channel: str, ts: str) -> dict:
    return fake.message(channel, ts)


# -- item 9: the advisor's own steps ---------------------------------------------------------


def test_the_advisors_own_steps_come_in_the_morning_message_and_are_marked_done(served) -> None:
    base, services, fake, run, clock, team, _ = served
    run(date(2024, 9, 23))  # a week before Sep 30
    [message] = fake.messages_to(ADVISOR)  # one morning message, never a DM of its own
    shown = blocks_of(message)
    assert f"• Needs you: {INTRO}" in shown and f"• Needs you: {SEPTEMBER}" in shown
    assert f"<@{mentor(0)}> mentoring <@{protege(0)}>" in shown
    value = f"{team}:advisor_introduction"
    assert f'"value": "{value}"' in shown
    # The members hear nothing of it: it is the advisor's step, not theirs.
    for member in (mentor(0), protege(0)):
        assert "building administrator" not in json.dumps(fake.messages_to(member))
    # Marked done from the message: recorded once, struck through in place.
    clock(at(date(2024, 9, 24)))
    [posted] = [m for m in fake.posted if m["channel"] == ADVISOR]
    pressed_in(base, ADVISOR, posted, views.DUTY_DONE, value)
    assert "is marked done" in last_ephemeral(fake)
    edited = latest(fake, posted["channel"], posted["ts"])
    assert f"~Needs you: {INTRO}~ ✓ done Tue, Sep 24" in blocks_of(edited)
    assert f'"value": "{value}"' not in blocks_of(edited)  # its button is gone
    assert f"• Needs you: {SEPTEMBER}" in blocks_of(edited)  # the month's contact stays
    pressed_in(base, ADVISOR, posted, views.DUTY_DONE, value)  # a replayed press
    assert "already done" in last_ephemeral(fake)
    with services.sessions() as session:
        rows = session.scalars(select(AdvisorDuty)).all()
        assert [(r.team_id, r.step, r.done_by) for r in rows] == [
            (team, "advisor_introduction", ADVISOR)
        ]
    # On the day only the month's contact is reminded; the day after it is late.
    run(date(2024, 9, 30))
    day_of = blocks_of(fake.messages_to(ADVISOR)[-1])
    assert SEPTEMBER in day_of and "building administrator" not in day_of
    run(date(2024, 10, 1))
    assert f"• Late: {SEPTEMBER}" in blocks_of(fake.messages_to(ADVISOR)[-1])


def test_only_the_teams_advisor_or_staff_mark_its_advisor_steps(served) -> None:
    base, services, fake, run, clock, team, other = served
    clock(at(date(2024, 9, 24)))
    for who, value in (
        (mentor(0), f"{team}:advisor_introduction"),  # a member of the team
        (OTHER_ADVISOR, f"{team}:advisor_introduction"),  # another team's advisor
        (ADVISOR, f"{other}:advisor_introduction"),  # not their team
        (ADVISOR, "999:advisor_introduction"),  # forged: no such team
        (ADVISOR, "x;DROP:advisor_introduction"),  # forged: not an id
    ):
        press(base, who, views.DUTY_DONE, value)
        assert "content advisor or program staff" in last_ephemeral(fake)
    for forged in ("focal_points", "plan_review", "advisor_contact@2024-09-27", ""):
        press(base, ADVISOR, views.DUTY_DONE, f"{team}:{forged}")
        assert "not one of this team's advisor steps" in last_ephemeral(fake)
    with services.sessions() as session:
        assert session.scalars(select(AdvisorDuty)).all() == []
    press(base, STAFF, views.DUTY_DONE, f"{team}:advisor_contact@2024-09-30")  # staff may
    with services.sessions() as session:
        [row] = session.scalars(select(AdvisorDuty)).all()
        assert (row.step, row.done_by) == ("advisor_contact@2024-09-30", STAFF)


def test_the_team_card_and_home_tab_show_them_as_the_advisors_steps(served) -> None:
    base, services, fake, run, clock, team, _ = served
    clock(at(date(2024, 9, 24)))

    def card(user: str) -> dict:
        status, body = slash_command(
            base + "/slack/events", SIGNING_SECRET, user, f"team <@{protege(0)}>"
        )
        assert status == 200
        return body

    shown = json.dumps(card(ADVISOR), ensure_ascii=False)
    assert (
        "*Content advisor's steps:* 0 done so far · Monthly contact with the team, August" in shown
    )
    assert f'"value": "{team}:advisor_introduction"' in shown  # Mark done, from the card
    member = json.dumps(card(mentor(0)), ensure_ascii=False)
    assert "Content advisor's steps" in member and views.DUTY_DONE not in member
    home = json.dumps(open_home(base, fake, ADVISOR)["blocks"], ensure_ascii=False)
    # August's contact waits on the advisor too, until September's date passes.
    assert "*Your own steps* (3 waiting on you)" in home
    assert "Monthly contact with the team, August: was due Fri, Aug 30" in home
    assert "Introduce yourself to the building administrator: due Mon, Sep 30" in home
    # Marked from the card: the card says so next time.
    press(base, ADVISOR, views.DUTY_DONE, f"{team}:advisor_introduction")
    assert "1 done so far" in json.dumps(card(ADVISOR), ensure_ascii=False)
    # And their Home tab is published again, without the step they marked.
    [published] = fake.wait_for("views.publish", 2, timeout=10)[1:]
    assert published.params["user_id"] == ADVISOR
    republished = json.dumps(published.params["view"], ensure_ascii=False)
    assert "*Your own steps* (2 waiting on you)" in republished


def test_the_advisors_steps_never_make_a_team_incomplete(served, program) -> None:
    _, services, _, run, _, team, _ = served
    for track in ("year1", "year2"):
        assert not [d for d in tracked_deadlines(program, track) if d.step.kind in KINDS]
    with services.sessions() as session:
        found = team_deliverables(session, program, session.get(Team, team), date(2024, 11, 1))
    assert not [s for s in found if s.deadline.step.kind in KINDS]


def test_answering_the_team_from_the_digest_is_the_months_contact(served) -> None:
    _, services, fake, run, _, team, _ = served
    with transaction(services.sessions) as session:
        session.add(
            SilenceAction(
                team_id=team,
                spell=date(2024, 8, 26),
                kind=SilenceActionKind.NUDGED,
                by=ADVISOR,
                at=datetime(2024, 10, 8, 15, tzinfo=UTC),
            )
        )
    run(date(2024, 10, 24))  # a week before Oct 31: October's contact is done already
    assert "Monthly contact with the team, October" not in json.dumps(fake.messages_to(ADVISOR))


# -- issue 13, item 2: plans to review -------------------------------------------------------


def send_plan(services, program, team: int):
    """The protégé sends the team's plan on the meeting's afternoon, through the app's rules."""
    with transaction(services.sessions) as session:
        return submit_plan(
            session,
            program,
            session.get(Team, team),
            plan_form(),
            protege(0),
            datetime(2024, 9, 25, 16, tzinfo=UTC),
        )


def test_a_plan_to_review_waits_in_needs_you_with_the_review_weeks_days(served, program) -> None:
    base, services, fake, run, clock, team, _ = served
    plan = send_plan(services, program, team)
    sent = "Individual Mentoring Plan to review, revision 1, sent Wed, Sep 25"
    assert not [o for o in run(date(2024, 9, 25), 22) if o.notice.kind == "plan_review"]
    run(date(2024, 9, 26))
    first = fake.messages_to(ADVISOR)[-1]
    assert f"• Needs you: {sent}: 5 school days left of the review week" in blocks_of(first)
    assert f'"action_id": "{REVIEW_APPROVE}", "value": "{plan.id}"' in blocks_of(first)
    run(date(2024, 9, 27))
    second = fake.messages_to(ADVISOR)[-1]
    assert f"{sent}: 4 school days left of the review week" in blocks_of(second)
    # Approved over signed HTTP: both mornings' lines are struck, no new message.
    clock(datetime(2024, 9, 27, 18, tzinfo=UTC))
    press(base, ADVISOR, REVIEW_APPROVE, str(plan.id))
    messages = len(fake.messages_to(ADVISOR))
    edits = [o for o in run(date(2024, 9, 27), 20) if o.notice.kind == "plan_reviewed"]
    assert [o.status for o in edits] == ["sent"]
    assert len(fake.messages_to(ADVISOR)) == messages
    for said in [m for m in fake.posted if m["channel"] == ADVISOR][-2:]:
        assert f"~Needs you: {sent}" in blocks_of(said)
        assert "✓ approved Fri, Sep 27" in blocks_of(said)
    assert not [o for o in run(date(2024, 9, 30)) if o.notice.kind == "plan_review"]


def test_a_plan_past_its_review_week_says_so(served, program) -> None:
    _, services, fake, run, _, team, _ = served
    send_plan(services, program, team)
    run(date(2024, 10, 2))
    assert "last school day of the review week" in blocks_of(fake.messages_to(ADVISOR)[-1])
    run(date(2024, 10, 4))
    assert "2 school days past the review week" in blocks_of(fake.messages_to(ADVISOR)[-1])


# -- meeting attendance ----------------------------------------------------------------------


def test_record_attendance_from_the_morning_after_the_meeting(served) -> None:
    base, services, fake, run, clock, team, _ = served
    line = "Mentor & Protégé Initial Meeting, Wed, Sep 25: attendance not recorded yet"
    assert not [o for o in run(date(2024, 9, 25), 20) if o.notice.kind == "attendance_to_record"]
    run(date(2024, 9, 26))
    message = [m for m in fake.posted if m["channel"] == ADVISOR][-1]
    assert f"• Needs you: {line}" in blocks_of(message)
    assert f'"action_id": "{ATTENDANCE_OPEN}", "value": "{team}"' in blocks_of(message)
    # The button opens the team card's modal; a member may not.
    press(base, mentor(0), ATTENDANCE_OPEN, str(team))
    assert "content advisor or program staff" in last_ephemeral(fake)
    clock(datetime(2024, 9, 26, 17, tzinfo=UTC))
    pressed_in(base, ADVISOR, message, ATTENDANCE_OPEN, str(team))
    view = last_opened_view(fake)
    assert view["callback_id"] == ATTENDANCE_CALLBACK
    choice = {"state": {"type": "radio_buttons", "selected_option": {"value": "attended"}}}
    submit(base, ADVISOR, view, {attendance_block("meeting"): choice})
    with services.sessions() as session:
        [record] = session.scalars(select(MeetingAttendance)).all()
        assert (record.team_id, record.state) == (team, "attended")
    edits = [o for o in run(date(2024, 9, 26), 20) if o.notice.kind == "attendance_recorded"]
    assert [o.status for o in edits] == ["sent"]
    edited = latest(fake, message["channel"], message["ts"])
    assert f"~Needs you: {line}~ ✓ recorded: attended" in blocks_of(edited)
    assert ATTENDANCE_OPEN not in blocks_of(edited)
    # Nothing more about it, the week after either.
    later = run(date(2024, 10, 3)) + run(date(2024, 10, 4))
    assert not [o for o in later if o.notice.key.startswith(f"attendance:team{team}:")]


def test_unrecorded_attendance_comes_back_a_week_later(served) -> None:
    _, _, fake, run, _, _, _ = served
    run(date(2024, 9, 26))
    again = [
        o
        for o in run(date(2024, 10, 3))
        if o.notice.kind == "attendance_to_record" and o.notice.recipient == ADVISOR
    ]
    assert [(o.notice.key.rsplit(":", 1)[1], o.status) for o in again] == [("2", "sent")]
    assert "attendance not recorded yet" in blocks_of(fake.messages_to(ADVISOR)[-1])
