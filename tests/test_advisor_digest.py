"""The advisor's digest: one morning message of their teams (needs you, late, quiet), the
most in need first within Slack's 50 blocks, the rest behind one button; its buttons and
their access checks over signed HTTP; alerts answered by editing the message in place
(chat.update), under Slack's faults, each notice still settled once in the ledger."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from bot.advisor import views
from bot.platform.slack_client import scheduler_client
from schedules.tick import tick
from storage.db import transaction
from storage.logs import CheckIn, LogMode
from storage.models import Delivery, DeliveryStatus, Role
from storage.people import add_team, get_or_create_person, grant
from storage.silence import SilenceAction, SilenceActionKind
from tests.conftest import SIGNING_SECRET, STAFF, make_settings
from tests.interactions import _post_payload, last_opened_view, press, submit, text_value
from tests.signing import slash_command

ADVISOR, OTHER_ADVISOR = "U0ADVISOR1", "U0ADVISOR2"
SETUP = datetime(2024, 8, 1, tzinfo=UTC)


def mentor(n: int) -> str:
    return f"U0M{n:07d}"


def protege(n: int) -> str:
    return f"U0P{n:07d}"


def at(day: date, hour_utc: int = 14) -> datetime:
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


def seed(factory, program, count: int, advisor: str = ADVISOR) -> list[int]:
    with transaction(factory) as session:
        grant(session, get_or_create_person(session, STAFF, SETUP), Role.STAFF, "test", SETUP)
        chief = get_or_create_person(session, advisor, SETUP, tz="America/Chicago")
        ids = []
        for n in range(count):
            team = add_team(
                session,
                program_id=program.id,
                mentor=get_or_create_person(session, mentor(n), SETUP, tz="America/Chicago"),
                protege=get_or_create_person(session, protege(n), SETUP, tz="America/Chicago"),
                advisor=chief,
                area="bmit",
                track="year1",
                start_date=date(2024, 8, 26),
                created_by=None,
                now=SETUP,
            )
            ids.append(team.id)
        return ids


def talk(factory, team_id: int, day: date, by: str) -> None:
    with transaction(factory) as session:
        session.add(
            CheckIn(
                team_id=team_id,
                person=by,
                conversation_date=day,
                mode=LogMode.PHONE,
                recorded_at=at(day),
            )
        )


def ledger_rows(factory, recipient: str) -> dict[str, tuple[DeliveryStatus, str | None]]:
    with factory() as session:
        rows = session.execute(
            select(Delivery.key, Delivery.status, Delivery.ts).where(
                Delivery.recipient == recipient
            )
        )
        return {key: (status, ts) for key, status, ts in rows}


@pytest.fixture
def world(ticking, program):
    return ticking.fake, ticking.factory, partial(ticking.run, program), program


# -- the morning message --------------------------------------------------------------------


def test_sixty_quiet_teams_make_one_message_most_in_need_first(world) -> None:
    fake, factory, run, program = world
    teams = seed(factory, program, 60)
    # Ten teams talked in early October; the other fifty never did, so they fall quiet (and
    # behind) first and stay behind on more steps.
    for team in teams[:10]:
        talk(factory, team, date(2024, 10, 1), mentor(0))
    day = date(2024, 9, 26)  # the morning after the initial meeting: every team is late
    run(at(day))
    [message] = fake.messages_to(ADVISOR)
    fake.assert_valid()  # within 50 blocks, every button and section as Slack takes them
    assert len(message["blocks"]) <= 50
    # Each team's meeting of the day before waits for its attendance: a line under *needs
    # you* (issue 14), beside the team's late steps.
    assert message["text"].startswith("Your teams today: 60 needs you")
    sections = [b for b in message["blocks"] if b.get("block_id", "").startswith("advisor-team")]
    shown = [b["block_id"] for b in sections if not b["block_id"].endswith("-actions")]
    assert 10 <= len(shown) < 60
    # Every shown team has its four buttons, named by its people, with the bot's step names.
    first = next(b for b in sections if b["block_id"] == shown[0])
    assert f"<@{mentor(0)}> mentoring <@{protege(0)}>" in first["text"]["text"]
    assert "• Late: Mentor/Protégé Contact Form, due Wed, Sep 25" in first["text"]["text"]
    assert "team 1" not in json.dumps(message["blocks"], ensure_ascii=False).lower()
    buttons = [b for b in sections if b["block_id"].endswith("-actions")][0]["elements"]
    assert [e["action_id"] for e in buttons] == [
        "meeting_attendance_open",
        "advisor_nudge",
        "progress_open",
        "advisor_reached_out",
        "advisor_snooze",
    ]
    # The rest behind one button that names them.
    [more] = [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == views.MORE
    ]
    hidden = [int(i) for i in more["value"].split(",")]
    shown_ids = [int(s.removeprefix("advisor-team")) for s in shown]
    assert sorted(hidden + shown_ids) == sorted(teams)
    assert more["text"]["text"] == f"See {len(hidden)} more teams"
    # Every notice is settled with the one message's ts (but the advisor's own steps'
    # reminders of the week before, whose moment passed before this first tick).
    rows = ledger_rows(factory, ADVISOR)
    skipped = {key for key, (status, _) in rows.items() if status == DeliveryStatus.SKIPPED}
    assert skipped and all(key.startswith("advisorstep:") for key in skipped)
    rows = {key: row for key, row in rows.items() if key not in skipped}
    assert rows and {status for status, _ in rows.values()} == {DeliveryStatus.SENT}
    assert len({ts for _, ts in rows.values()}) == 1


def test_the_most_in_need_come_first() -> None:
    quiet = views.TeamItem(1, "UM1", "UP1", views.Part.QUIET, "20 school days", 20)
    late = views.TeamItem(2, "UM2", "UP2", views.Part.LATE, "Visit Report, due Fri, Oct 4")
    later = views.TeamItem(2, "UM2", "UP2", views.Part.LATE, "Experience 1, due Fri, Oct 11")
    needs = views.TeamItem(3, "UM3", "UP3", views.Part.NEEDS_YOU, "<@UP3> says …")
    text, blocks = views.advisor_digest([quiet, late, later, needs])
    assert text == "Your teams today: 1 needs you, 1 late, 1 quiet"
    order = [b["block_id"] for b in blocks if b.get("block_id", "").endswith(("1", "2", "3"))]
    assert order == ["advisor-team3", "advisor-team2", "advisor-team1"]
    headings = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert headings == ["*Needs you*", "*Late*", "*Quiet*"]
    # In little room: the first team, and one button for the other two.
    _, tight = views.advisor_digest([quiet, late, later, needs], room=6)
    assert len(tight) <= 6 and tight[-1]["elements"][0]["value"] == "2,1"


# -- answered in place ------------------------------------------------------------------------


def test_a_step_done_is_struck_through_in_the_message_that_said_it(world) -> None:
    fake, factory, run, program = world
    [team] = seed(factory, program, 1)
    run(at(date(2024, 9, 26)))
    [message] = fake.messages_to(ADVISOR)
    assert "Mentor/Protégé Contact Form, due Wed, Sep 25" in json.dumps(
        message["blocks"], ensure_ascii=False
    )
    # The protégé files the Focal Points Checklist late, through the app's own rules.
    with transaction(factory) as session:
        _file_focal(session, program, team)
    outcomes = run(at(date(2024, 9, 26), 20)).outcomes
    done = [o for o in outcomes if o.notice.kind == "step_done"]
    assert [(o.status, o.notice.recipient) for o in done] == [("sent", ADVISOR)]
    assert len(fake.messages_to(ADVISOR)) == 1  # no new message
    [posted] = [m for m in fake.posted if m["channel"] == ADVISOR]
    shown = json.dumps(posted["blocks"], ensure_ascii=False)
    assert "~Late: Focal Points Checklist, due Wed, Sep 25~ ✓ done" in shown
    assert "advisor_nudge" in shown  # the team's other late steps keep its buttons
    rows = ledger_rows(factory, ADVISOR)
    assert rows[done[0].notice.key] == (DeliveryStatus.SENT, posted["ts"])
    later = run(at(date(2024, 9, 27))).outcomes
    assert "step_done" not in {o.notice.kind for o in later}  # edited once
    assert len(fake.calls_to("chat.update")) == 1


def _file_focal(session, program, team_id: int) -> None:
    from bot.plans.rules import file_focal_points
    from storage.models import Team
    from tests.test_plans_storage import all_ones

    team = session.get(Team, team_id)
    when = datetime(2024, 9, 26, 19, tzinfo=UTC)
    file_focal_points(session, program, team, all_ones(program), protege(0), when)


def test_reaching_out_holds_the_teams_late_alerts_for_a_week(world) -> None:
    fake, factory, run, program = world
    [team] = seed(factory, program, 1)
    with transaction(factory) as session:
        session.add(
            SilenceAction(
                team_id=team,
                spell=date(2024, 8, 26),
                kind=SilenceActionKind.REACHED_OUT,
                by=ADVISOR,
                at=at(date(2024, 9, 20)),
            )
        )
    run(at(date(2024, 9, 26)))
    assert fake.messages_to(ADVISOR) == []  # held: the advisor is on it
    run(at(date(2024, 9, 27)))
    [message] = fake.messages_to(ADVISOR)  # a week after reaching out, in one message
    assert "Mentor/Protégé Contact Form" in json.dumps(message["blocks"], ensure_ascii=False)


# -- under faults -----------------------------------------------------------------------------


def _quiet_then_back(world, fail: dict | None = None):
    """One team falls quiet (the alert goes out), then talks again: the alert is edited."""
    fake, factory, run, program = world
    [team] = seed(factory, program, 1)
    talk(factory, team, date(2024, 10, 28), mentor(0))
    run(at(date(2024, 11, 19)))
    [alert] = [m for m in fake.posted if f"silent:team{team}:" in json.dumps(m["metadata"])]
    talk(factory, team, date(2024, 11, 20), mentor(0))
    if fail:
        fake.fail("chat.update", **fail)
    return team, alert


@pytest.mark.parametrize(
    "fail",
    [
        {"status": 429, "retry_after": 1},
        {"error": "internal_error"},
        {"delay": 1.6},  # a read timeout: Slack edited it, its answer came too late
        {"disconnect": "reset"},
    ],
    ids=["429", "internal_error", "timeout", "reset"],
)
def test_an_edit_lands_once_through_slacks_faults(world, standin, fail) -> None:
    from tests.test_faults import scheduler_client_for

    fake, factory, _, program = world
    client = scheduler_client_for(standin[1], timeout=1.0)

    def run(now):
        return tick(factory, client, program, now)

    team, alert = _quiet_then_back((fake, factory, run, program), fail)
    posts = len(fake.posted)
    first = [o for o in run(at(date(2024, 11, 20), 20)).outcomes if o.notice.edits]
    second = [o for o in run(at(date(2024, 11, 21), 20)).outcomes if o.notice.edits]
    third = [o for o in run(at(date(2024, 11, 22), 20)).outcomes if o.notice.edits]
    statuses = [o.status for o in first + second + third]
    assert statuses.count("sent") == 1 and statuses[-1:] != ["retry"], statuses
    # Never a new message for the good news (the advisor's own step of the month, due that
    # week, is a line of its own morning message).
    assert not [m for m in fake.posted[posts:] if "silent" in json.dumps(m["metadata"])]
    edited = fake.message(alert["channel"], alert["ts"])
    assert "Back in touch" in json.dumps(edited["blocks"])
    [key] = [o.notice.key for o in first + second + third if o.status == "sent"]
    assert ledger_rows(factory, ADVISOR)[key] == (DeliveryStatus.SENT, alert["ts"])


@pytest.mark.parametrize(
    "error", ["message_not_found", "cant_update_message", "edit_window_closed"]
)
def test_an_alert_that_cannot_take_the_edit_is_given_up_without_a_new_message(world, error) -> None:
    fake, factory, run, program = world
    team, alert = _quiet_then_back(world, {"error": error, "times": None})
    posts = len(fake.posted)
    [back] = [o for o in run(at(date(2024, 11, 20), 20)).outcomes if o.notice.edits]
    assert (back.status, back.detail) == ("failed", error)
    assert not [o for o in run(at(date(2024, 11, 21), 20)).outcomes if o.notice.edits]
    assert len(fake.posted) == posts
    assert ledger_rows(factory, ADVISOR)[back.notice.key][0] == DeliveryStatus.FAILED


def test_a_deleted_alert_is_reported_by_slack_as_not_found(world) -> None:
    fake, factory, run, program = world
    team, alert = _quiet_then_back(world)
    with fake._lock:  # the advisor deleted the message in Slack
        fake.posted.remove(alert)
    [back] = [o for o in run(at(date(2024, 11, 20), 20)).outcomes if o.notice.edits]
    assert (back.status, back.detail) == ("failed", "message_not_found")


@pytest.mark.parametrize("posted", [True, False], ids=["died-after-posting", "died-before"])
def test_a_sender_that_died_mid_advisor_digest_is_taken_over_once(world, standin, posted) -> None:
    from schedules.delivery import METADATA_EVENT, claim_of
    from schedules.duties import DUTIES
    from storage import ledger

    fake, factory, run, program = world
    seed(factory, program, 30)
    day = at(date(2024, 9, 26))
    died_at = day - timedelta(minutes=1)
    with factory() as session:
        theirs = [
            n
            for duty in DUTIES
            for n in duty(session, program, day)
            if n.recipient == ADVISOR and n.due_at <= day < n.expires_at
        ]
    assert len(theirs) > 60  # every team's late steps
    with transaction(factory) as session:
        ledger.claim_many(session, [claim_of(n) for n in theirs], died_at)
    if posted:
        client = scheduler_client(make_settings("sqlite://", standin[1]))
        client.chat_postMessage(
            channel=ADVISOR,
            text="Your teams today",
            metadata={
                "event_type": METADATA_EVENT,
                "event_payload": {"keys": [n.key for n in theirs]},
            },
        )
    inside = run(day).outcomes
    # The lease holds (the advisor's own steps' reminders of the week before are past).
    assert ADVISOR not in {o.notice.recipient for o in inside if o.status != "skipped"}
    taken = [
        o
        for o in run(died_at + ledger.LEASE + timedelta(minutes=1)).outcomes
        if o.notice.recipient == ADVISOR
    ]
    assert Counter(o.status for o in taken) == {"sent": len(theirs)}
    assert len([m for m in fake.posted if m["channel"] == ADVISOR]) == 1
    rows = ledger_rows(factory, ADVISOR)
    assert {rows[n.key][0] for n in theirs} == {DeliveryStatus.SENT}
    assert len({rows[n.key][1] for n in theirs}) == 1


# -- the buttons, over signed HTTP -----------------------------------------------------------

HOSTILE = "Hi <!channel>, see <https://evil.example|this> & more"


@pytest.fixture
def served(app_server, standin, program):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: datetime(2024, 11, 20, 16, tzinfo=UTC))
    mine = seed(services.sessions, program, 2)
    return base, services, fake, mine, other_team(services.sessions, program)


def other_team(factory, program) -> int:
    """A team of another content advisor."""
    with transaction(factory) as session:
        return add_team(
            session,
            program_id=program.id,
            mentor=get_or_create_person(session, "U0M9999999", SETUP),
            protege=get_or_create_person(session, "U0P9999999", SETUP),
            advisor=get_or_create_person(session, OTHER_ADVISOR, SETUP),
            area="bmit",
            track="year1",
            start_date=date(2024, 8, 26),
            created_by=None,
            now=SETUP,
        ).id


def answers(services) -> list[SilenceAction]:
    with services.sessions() as session:
        return list(session.scalars(select(SilenceAction).order_by(SilenceAction.id)))


def last_ephemeral(fake) -> str:
    return fake.calls_to("chat.postEphemeral")[-1].params["text"]


@pytest.mark.parametrize("action_id", [views.NUDGE, views.REACHED_OUT, views.SNOOZE])
def test_only_the_teams_advisor_or_staff_may_answer_for_it(served, action_id) -> None:
    base, services, fake, (team, _), other = served
    for who, value in (
        (mentor(0), str(team)),  # a member of the team
        (OTHER_ADVISOR, str(team)),  # another team's advisor
        (ADVISOR, str(other)),  # not their team
        (ADVISOR, "999"),  # forged: no such team
        (ADVISOR, "1;DROP"),  # forged: not an id
        (ADVISOR, ""),
    ):
        press(base, who, action_id, value)
        assert "Only the team's content advisor or program staff" in last_ephemeral(fake)
    assert answers(services) == [] and fake.calls_to("views.open") == []
    press(base, STAFF, action_id, str(team))  # staff may
    assert answers(services) or fake.calls_to("views.open")


def test_nudge_the_team_sends_the_advisors_edited_words_to_each_member(served) -> None:
    base, services, fake, (team, _), _ = served
    press(base, ADVISOR, views.NUDGE, str(team))
    view = last_opened_view(fake)
    [field] = [b for b in view["blocks"] if b.get("block_id") == "message"]
    assert "Could you look at" in field["element"]["initial_value"]  # prepared, editable
    _, body = submit(base, ADVISOR, view, {"message": {"value": text_value("")}})
    assert "message" in body["errors"]
    _, body = submit(base, mentor(0), view, {"message": {"value": text_value("hi")}})
    assert body["response_action"] == "errors"  # a member cannot send it as the advisor
    forged = json.dumps({"team": 999})
    _, body = submit(
        base, ADVISOR, view, {"message": {"value": text_value("hi")}}, private_metadata=forged
    )
    assert body["response_action"] == "errors"
    submit(base, ADVISOR, view, {"message": {"value": text_value(HOSTILE)}})
    fake.wait_for("chat.postMessage", 2)
    for member in (mentor(0), protege(0)):
        [note] = fake.messages_to(member)
        assert note["text"] == f"A note from your content advisor <@{ADVISOR}>"
        shown = json.dumps(note["blocks"])
        assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert [(a.kind, a.by) for a in answers(services)] == [(SilenceActionKind.NUDGED, ADVISOR)]


def test_reached_out_and_snooze_are_recorded_and_shown_in_the_message(served) -> None:
    base, services, fake, (team, second), _ = served
    text, blocks = views.advisor_digest(
        [
            views.TeamItem(team, mentor(0), protege(0), views.Part.QUIET, "17 school days"),
            views.TeamItem(second, mentor(1), protege(1), views.Part.QUIET, "17 school days"),
        ]
    )
    payload = {
        "type": "block_actions",
        "user": {"id": ADVISOR, "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "team": {"id": "T0TEST"},
        "trigger_id": "1337.42.9",
        "actions": [{"type": "button", "action_id": views.REACHED_OUT, "value": str(team)}],
        "channel": {"id": "D0DM"},
        "message": {"ts": "1700000000.000100", "text": text, "blocks": blocks},
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0DM"},
    }
    _post_payload(base, payload)
    [update] = fake.calls_to("chat.update")
    edited = (
        json.loads(update.params["blocks"])
        if isinstance(update.params["blocks"], str)
        else update.params["blocks"]
    )
    ids = [b.get("block_id") for b in edited]
    assert f"advisor-team{team}-actions" not in ids  # this team's buttons are gone
    assert f"advisor-team{second}-actions" in ids  # the other team's stay
    assert "You reached out Wed, Nov 20" in json.dumps(edited)
    assert "no alerts about this team until" in last_ephemeral(fake)
    press(base, ADVISOR, views.SNOOZE, str(second))
    press(base, ADVISOR, views.SNOOZE, str(second))  # a replayed press records nothing more
    assert "Already snoozed" in last_ephemeral(fake)
    kinds = [(a.team_id, a.kind) for a in answers(services)]
    assert kinds == [(team, SilenceActionKind.REACHED_OUT), (second, SilenceActionKind.SNOOZED)]
    [snooze] = [a for a in answers(services) if a.kind == SilenceActionKind.SNOOZED]
    assert snooze.until == date(2024, 11, 27)


def test_the_rest_of_the_teams_open_in_a_modal_and_forged_ids_are_left_out(served) -> None:
    base, services, fake, (team, second), other = served
    press(base, ADVISOR, views.MORE, f"{team},{other},999,abc,{second}")
    view = last_opened_view(fake)
    ids = {b.get("block_id") for b in view["blocks"]}
    assert {f"advisor-team{team}", f"advisor-team{second}"} <= ids
    assert f"advisor-team{other}" not in ids and "advisor-team999" not in ids
    assert f"<@{mentor(0)}> mentoring <@{protege(0)}>" in json.dumps(view["blocks"])
    opened = len(fake.calls_to("views.open"))
    press(base, mentor(0), views.MORE, f"{team},{second}")
    assert len(fake.calls_to("views.open")) == opened
    assert "Only the team's content advisor" in last_ephemeral(fake)


def test_my_partner_isnt_responding_stays_in_the_digest_until_handled(served, standin) -> None:
    base, services, fake, (team, _), _ = served
    slash_command(base + "/slack/events", SIGNING_SECRET, protege(0), "noresponse")
    submit(base, protege(0), last_opened_view(fake), {"note": {"value": text_value(HOSTILE)}})
    [at_once] = [
        c.params for c in fake.wait_for("chat.postMessage", 2) if c.params["channel"] == ADVISOR
    ]
    assert "isn't responding" in at_once["text"]  # at once, the same afternoon
    client = scheduler_client(make_settings("sqlite://", standin[1]))

    def reports(day: date) -> list:
        outcomes = tick(services.sessions, client, services.program, at(day)).outcomes
        return [o for o in outcomes if o.notice.kind == "partner_report"]

    assert reports(date(2024, 11, 20)) == []  # already told today
    [kept] = reports(date(2024, 11, 21))  # the next school day, in the needs-you part
    assert kept.status == "sent"
    digest = fake.messages_to(ADVISOR)[-1]
    shown = json.dumps(digest["blocks"])
    assert "*Needs you*" in shown and "says their partner isn't responding" in shown
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    press(base, ADVISOR, views.REACHED_OUT, str(team))
    assert reports(date(2024, 11, 22)) == []  # handled
