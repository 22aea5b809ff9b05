"""People set the pace: a delivery time and "away until" on the Home tab (an away advisor's
alerts go to the person they named), and on each reminder "Remind me next school day" and
"Done outside Slack", which the advisor confirms from their morning message."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from bot.advisor import views as advisor_views
from bot.pace import views
from bot.pace.rules import labels, send_from
from bot.platform.slack_client import scheduler_client
from bot.program import load_program
from bot.program.model import DeliveryTimes
from bot.status import export, rules
from bot.status import standing as kept
from schedules.tick import tick
from storage.db import transaction
from storage.models import Delivery, DeliveryStatus, Role
from storage.pace import DeliveryTime, StepPace, StepPaceKind, pace_of, save_pace
from storage.people import active_teams, find_person, get_or_create_person, get_team, grant
from storage.standing import Scope
from tests.conftest import STAFF, make_settings
from tests.interactions import _post_payload, press
from tests.test_advisor_digest import ADVISOR, OTHER_ADVISOR, SETUP, mentor, protege, seed
from tests.test_experiences_http import command
from tests.test_program import SHIPPED, refusal, variant

EXPERIENCE = "2024-25:experience-1-send"  # the protégé sends Experience 1 by Mon, Oct 21


def cdt(month: int, day: int, hour: int = 8, minute: int = 5) -> datetime:
    return datetime(2024, month, day, hour + 5, minute, tzinfo=UTC)


@pytest.fixture
def served(app_server, standin, program):
    base, services = app_server
    fake, api_url = standin
    object.__setattr__(services, "clock", lambda: cdt(9, 16, 10))
    [team] = seed(services.sessions, program, 1)
    with transaction(services.sessions) as session:
        person = get_or_create_person(session, OTHER_ADVISOR, SETUP)
        grant(session, person, Role.ADVISOR, "test", SETUP)
    client = scheduler_client(make_settings("sqlite://", api_url))

    def run(now: datetime):
        return tick(services.sessions, client, services.program, now).outcomes

    return base, services, fake, team, run


def choose(base: str, user: str, action_id: str, key: str, value: object) -> None:
    """A Home tab element changed: a select, a date picker or a user picker."""
    action = {"type": "x", "action_id": action_id, "block_id": "pace", key: value}
    _post_payload(
        base,
        {
            "type": "block_actions",
            "user": {"id": user, "team_id": "T0TEST"},
            "api_app_id": "A0TEST",
            "team": {"id": "T0TEST"},
            "trigger_id": "1337.42.77",
            "actions": [action],
            "view": {"id": "V0HOME", "type": "home"},
            "container": {"type": "view", "view_id": "V0HOME"},
        },
    )


def keys_sent(services, recipient: str) -> list[str]:
    with services.sessions() as session:
        return list(
            session.scalars(
                select(Delivery.key).where(
                    Delivery.recipient == recipient, Delivery.status == DeliveryStatus.SENT
                )
            )
        )


def test_the_home_tab_offers_the_pace_and_saves_each_choice(served) -> None:
    base, services, fake, team, _ = served
    choose(base, mentor(0), views.DELIVERY, "selected_option", {"value": "after_school"})
    choose(base, mentor(0), views.AWAY, "selected_date", "2024-09-20")
    with services.sessions() as session:
        mine = pace_of(session, [mentor(0)])[mentor(0)]
    assert (mine.delivery, mine.away_until) == (DeliveryTime.AFTER_SCHOOL, date(2024, 9, 20))
    home = fake.calls_to("views.publish")[-1].params["view"]
    shown = json.dumps(home)
    assert '"initial_date": "2024-09-20"' in shown and "After school" in shown
    assert "I'm back" in shown and "users_select" not in shown  # a mentor names no cover
    choose(base, mentor(0), views.AWAY, "selected_date", "2024-09-01")  # in the past
    choose(base, mentor(0), views.DELIVERY, "selected_option", {"value": "midnight"})
    with services.sessions() as session:
        again = pace_of(session, [mentor(0)])[mentor(0)]
    assert (again.delivery, again.away_until) == (DeliveryTime.AFTER_SCHOOL, date(2024, 9, 20))
    press(base, mentor(0), views.BACK, "", view={"id": "V0HOME", "type": "home"})
    with services.sessions() as session:
        assert pace_of(session, [mentor(0)])[mentor(0)].away_until is None


def test_only_an_advisor_or_staff_may_cover_and_be_named(served) -> None:
    base, services, fake, _, _ = served
    choose(base, mentor(0), views.COVER, "selected_user", OTHER_ADVISOR)  # not an advisor
    choose(base, ADVISOR, views.COVER, "selected_user", protege(0))  # not one who may cover
    with services.sessions() as session:
        assert all(p.cover is None for p in pace_of(session, [mentor(0), ADVISOR]).values())
    choose(base, ADVISOR, views.COVER, "selected_user", OTHER_ADVISOR)
    with services.sessions() as session:
        assert pace_of(session, [ADVISOR])[ADVISOR].cover == OTHER_ADVISOR


def test_a_person_hears_at_the_time_they_chose(served) -> None:
    _, services, fake, team, run = served
    with transaction(services.sessions) as session:
        save_pace(session, protege(0), SETUP, delivery=DeliveryTime.AFTER_SCHOOL)
    run(cdt(10, 18))  # Experience 1's reminder, three days ahead, at 08:05
    assert fake.messages_to(protege(0)) == [] and fake.messages_to(mentor(0))
    run(cdt(10, 18, 15, 35))
    [message] = fake.messages_to(protege(0))
    assert "Experience 1" in json.dumps(message["blocks"], ensure_ascii=False)


def test_away_holds_all_but_an_away_advisors_alerts_go_to_their_cover(served) -> None:
    _, services, fake, team, run = served
    with transaction(services.sessions) as session:
        save_pace(session, mentor(0), SETUP, away_until=date(2024, 9, 27))
        save_pace(session, ADVISOR, SETUP, away_until=date(2024, 9, 30), cover=OTHER_ADVISOR)
    for day in (18, 19, 20, 23, 24, 25, 26):
        run(cdt(9, day))
    assert fake.messages_to(mentor(0)) == []  # away: nothing, not even reminders
    assert fake.messages_to(protege(0))  # their partner is not away
    assert fake.messages_to(ADVISOR) == []
    covered = fake.messages_to(OTHER_ADVISOR)  # the team's late steps
    assert f"<@{mentor(0)}> mentoring <@{protege(0)}>" in json.dumps(covered[-1]["blocks"])
    overdue = [k for k in keys_sent(services, OTHER_ADVISOR) if k.startswith("overdue:")]
    assert overdue and not keys_sent(services, ADVISOR)
    run(cdt(10, 1))  # the advisor is back: nothing they were covered for comes twice
    assert not [k for k in keys_sent(services, ADVISOR) if k in overdue]


def reminder_buttons(message: dict) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"])
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("pace_")
    ]


def test_remind_me_next_school_day_puts_the_reminders_off_a_day(served) -> None:
    base, services, fake, team, run = served
    run(cdt(10, 18))  # Fri: three days ahead
    [message] = fake.messages_to(protege(0))
    value = f"{team}|{EXPERIENCE}"
    assert (views.LATER, value) in reminder_buttons(message)
    object.__setattr__(services, "clock", lambda: cdt(10, 18, 10))
    press(base, protege(0), views.LATER, "999|" + EXPERIENCE)  # forged team: refused
    press(base, protege(0), views.LATER, f"{team}|2024-25:no_such_step")
    press(base, "U0STRANGER", views.LATER, value)  # not on the team
    with services.sessions() as session:
        assert session.scalars(select(StepPace)).all() == []
    press(base, protege(0), views.LATER, value)
    assert "Mon, Oct 21" in fake.calls_to("chat.postEphemeral")[-1].params["text"]
    run(cdt(10, 21))
    sent = [k for k in keys_sent(services, protege(0)) if k.startswith(f"nudge:team{team}:")]
    assert [k for k in sent if ":later" in k]  # one reminder on the next school day
    assert not [k for k in sent if k.endswith(":d0")]  # instead of the day's own


def test_done_outside_slack_stops_the_reminders_until_the_advisor_confirms(served) -> None:
    base, services, fake, team, run = served
    run(cdt(10, 18))
    object.__setattr__(services, "clock", lambda: cdt(10, 18, 10))
    press(base, protege(0), views.OUTSIDE, f"{team}|{EXPERIENCE}")
    run(cdt(10, 21))
    run(cdt(10, 22))
    sent = keys_sent(services, protege(0)) + keys_sent(services, ADVISOR)
    assert not [k for k in sent if EXPERIENCE in k and not k.endswith(":d3")]
    digests = [m for m in fake.messages_to(ADVISOR) if "done outside Slack" in json.dumps(m)]
    assert digests and "*Needs you*" in json.dumps(digests[0]["blocks"])
    [row] = [
        e
        for b in digests[-1]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == advisor_views.CONFIRM
    ]
    press(base, protege(0), advisor_views.CONFIRM, row["value"])  # not the member's to
    press(base, OTHER_ADVISOR, advisor_views.CONFIRM, row["value"])  # another team's advisor
    press(base, ADVISOR, advisor_views.CONFIRM, "999")
    with services.sessions() as session:
        assert session.scalars(select(StepPace)).one().confirmed_at is None
    press(base, ADVISOR, advisor_views.CONFIRM, row["value"])
    with services.sessions() as session:
        confirmed = session.scalars(select(StepPace)).one()
    assert (confirmed.kind, confirmed.confirmed_by) == (StepPaceKind.OUTSIDE, ADVISOR)
    before = len(fake.messages_to(ADVISOR))
    run(cdt(10, 23))
    assert "done outside Slack" not in json.dumps(fake.messages_to(ADVISOR)[before:])


def said_outside_and_confirmed(base, services, run, team: int) -> None:
    """The protégé says Experience 1 went by e-mail on Fri Oct 18; the advisor confirms it on
    Tue Oct 22 from their morning message."""
    run(cdt(10, 18))
    object.__setattr__(services, "clock", lambda: cdt(10, 18, 10))
    press(base, protege(0), views.OUTSIDE, f"{team}|{EXPERIENCE}")
    run(cdt(10, 22))


def experience_status(services, program, team: int):
    with services.sessions() as session:
        [standing] = rules.program_standings(
            session, program, [get_team(session, team)], date(2024, 10, 22)
        )
    [status] = [s for s in standing.statuses if program.step_key(s.deadline) == EXPERIENCE]
    return standing, status


def kept_completion(services, program, step: str) -> int:
    """How many teams the kept standings (what `/mentor status` reads) count done."""
    today = date(2024, 10, 22)
    kept.refresh(services.sessions, program, today)
    with services.sessions() as session:
        summary = kept.program_status(session, program, Scope(program.id), today)
    return next(row.done for row in summary.completion if row.step == step)


def test_done_outside_slack_counts_everywhere_once_the_advisor_confirms(served, program) -> None:
    base, services, fake, team, run = served
    with transaction(services.sessions) as session:
        find_person(session, ADVISOR).name = "Ann Lee"
    said_outside_and_confirmed(base, services, run, team)
    object.__setattr__(services, "clock", lambda: cdt(10, 22, 10))
    step = EXPERIENCE.partition(":")[2]
    # The member's word alone stops the reminders, and counts nowhere.
    standing, status = experience_status(services, program, team)
    assert status.state == "overdue" and status.outside is None
    assert kept_completion(services, program, step) == 0
    _, body = command(base, protege(0), "progress")
    assert "done outside Slack" not in json.dumps(body, ensure_ascii=False)
    _, late = command(base, STAFF, "overdue")
    assert "Experience 1" in json.dumps(late, ensure_ascii=False)

    [confirm] = [
        e["value"]
        for m in fake.messages_to(ADVISOR)
        for b in m["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == advisor_views.CONFIRM
    ][-1:]
    published = len(fake.calls_to("views.publish"))
    press(base, ADVISOR, advisor_views.CONFIRM, confirm)

    words = f"done outside Slack, confirmed by <@{ADVISOR}> on Tue, Oct 22"
    after, status = experience_status(services, program, team)
    assert status.state == "done" and status.outside is not None
    assert status.outside.words() == words
    assert after.done == standing.done + 1  # the standing's count, from the same rule
    assert kept_completion(services, program, step) == 1  # and the kept one agrees
    _, late = command(base, STAFF, "overdue")
    assert "Experience 1 (sent" not in json.dumps(late, ensure_ascii=False)
    # The checklist, the Home tab (republished at once), the team card.
    _, body = command(base, protege(0), "progress")
    assert f"✅ *Experience 1 (sent to the mentor)*: {words}" in json.dumps(
        body, ensure_ascii=False
    )
    homes = fake.calls_to("views.publish")[published:]
    assert {c.params["user_id"] for c in homes} == {mentor(0), protege(0)}
    assert words in json.dumps(homes[-1].params["view"], ensure_ascii=False)
    _, card = command(base, ADVISOR, f"team <@{protege(0)}>")
    assert words in json.dumps(card, ensure_ascii=False)
    # The mentor's comment form, waiting on it, is theirs now.
    comment = experience_status(services, program, team)[0].statuses
    [next_step] = [s for s in comment if s.deadline.key == "experience-1-comment"]
    assert next_step.waiting_on is None and next_step.holders == ("mentor",)
    # The report names who confirmed it, by name, with the date.
    with services.sessions() as session:
        data = export.gather(
            session, program, active_teams(session, program.id), date(2024, 10, 22)
        )
    rows = list(csv.reader(io.StringIO(export.report_csv(data).decode("utf-8-sig"))))
    column = rows[0].index("Experience 1 (sent to the mentor): status")
    assert rows[1][column] == "done outside Slack, confirmed by Ann Lee on Tue, Oct 22, 2024"
    assert rows[1][column + 1] == "2024-10-18"  # the day the member said it was done


TIMES = 'delivery_times = { before_school = "07:30", planning = "11:30", after_school = "15:30" }'


def test_the_delivery_times_come_from_the_program_file(program, tmp_path) -> None:
    assert TIMES in SHIPPED  # the shipped file states today's values
    assert [send_from(program, choice) for choice in DeliveryTime] == [
        time(7, 30),
        time(11, 30),
        time(15, 30),
    ]
    assert send_from(program, None) == time(7, 30)
    moved = load_program(variant(tmp_path, TIMES, TIMES.replace('"11:30"', '"12:45"')))
    assert send_from(moved, DeliveryTime.PLANNING) == time(12, 45)
    assert labels(moved)[DeliveryTime.PLANNING] == "Planning period (12:45 PM)"
    shown = views.home_section(labels(moved), None, None, None, False, date(2024, 9, 16))
    assert "Planning period (12:45 PM)" in json.dumps(shown)
    # Left out, before school is the end of quiet hours (the default it always was).
    unset = load_program(variant(tmp_path, TIMES, "", "unset.toml"))
    assert unset.settings.delivery_times == DeliveryTimes(time(7, 30))


@pytest.mark.parametrize(
    ("new", "key", "reason"),
    [
        ('"3pm"', "after_school", "'3pm' is not a time like 18:00 (HH:MM, 24-hour)"),
        (
            '"19:00"',
            "after_school",
            "19:00 is in quiet hours (18:00 to 07:30): no message goes out then",
        ),
        ('"11:00"', "after_school", "11:00 is not after planning (11:30)"),
    ],
)
def test_a_bad_delivery_time_is_refused_in_one_line(tmp_path, new, key, reason) -> None:
    error = refusal(variant(tmp_path, TIMES, TIMES.replace('"15:30"', new)))
    assert (error.key, error.reason) == (f"settings.delivery_times.{key}", reason)
