"""Deadline nudges on the 2024-25 calendar with an injected clock, on every backend: who gets
a reminder when, the advisor's overdue notice, a step done early, a late step moving the next,
and (through the tick) quiet hours, weekends and exactly-once delivery."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.experiences import rules as domain
from bot.platform.slack_client import scheduler_client
from bot.reports import rules as reports
from schedules.duties.status import deadline_nudges
from schedules.tick import tick
from storage.db import make_engine, make_session_factory, transaction
from storage.people import find_person, get_team
from tests.conftest import make_settings
from tests.test_experiences_domain import (
    ADVISOR,
    MENTOR,
    PROTEGE,
    comment_entry,
    entry,
    make_team,
)

YEAR = "2024-25"  # the program year, in every delivery key


def cdt(month: int, day: int, hour: int = 7, minute: int = 30, year: int = 2024) -> datetime:
    """A wall-clock time in Missouri (CDT until Nov 3, CST after), as an aware UTC instant."""
    local = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("America/Chicago"))
    return local.astimezone(UTC)


@pytest.fixture
def world(database_url, program):
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    yield factory
    engine.dispose()


def notices(factory, program, now: datetime, part: str = "") -> dict[str, object]:
    with factory() as session:
        return {n.key: n for n in deadline_nudges(session, program, now) if part in n.key}


def submit_at(factory, program, team_id: int, number: int, at: datetime) -> None:
    with transaction(factory) as s:
        domain.submit(s, program, get_team(s, team_id), number, entry(), PROTEGE, at)


def comment_at(factory, program, team_id: int, number: int, at: datetime) -> int:
    with transaction(factory) as s:
        team = get_team(s, team_id)
        sub = domain.state_of(s, program, team, number).submission.id
        return domain.file_comment(s, team, number, sub, comment_entry(), MENTOR, at).id


def agree_at(factory, team_id: int, number: int, comment_id: int, at: datetime) -> None:
    with transaction(factory) as s:
        domain.agree(s, get_team(s, team_id), number, comment_id, PROTEGE, at)


def test_experience_1_reminders_and_the_overdue_notice(world, program) -> None:
    t = make_team(world, program)
    send = f"nudge:team{t}:{YEAR}:experience-1-send:{PROTEGE}"
    assert notices(world, program, cdt(10, 18, 7, 29), "experience-1") == {}
    at_d3 = notices(world, program, cdt(10, 18), "experience-1")
    assert set(at_d3) == {f"{send}:d3"}  # Fri Oct 18, three days before Mon Oct 21
    reminder = at_d3[f"{send}:d3"]
    assert reminder.recipient == PROTEGE and reminder.due_at == cdt(10, 18)
    assert reminder.expires_at == cdt(10, 21)  # the day's own reminder takes over
    assert "Experience 1 (sent to the mentor), due Mon, Oct 21" in reminder.text
    assert "exp_submit_open" in str(reminder.blocks)
    assert set(notices(world, program, cdt(10, 21), "experience-1")) == {f"{send}:d3", f"{send}:d0"}
    on_the_day = notices(world, program, cdt(10, 21), "experience-1")[f"{send}:d0"]
    assert on_the_day.text.endswith("due today.")
    assert on_the_day.expires_at == cdt(10, 22, 0, 0)
    late = notices(world, program, cdt(10, 22), "experience-1")
    overdue = late[f"overdue:team{t}:{YEAR}:experience-1-send"]
    assert overdue.recipient == ADVISOR and overdue.due_at == cdt(10, 22)
    assert "Experience 1 (sent to the mentor)" in overdue.text
    assert f"<@{PROTEGE}>" in str(overdue.blocks)
    # Nothing about the Mentor Comment Form while there is nothing to comment on.
    assert not [k for k in notices(world, program, cdt(10, 28), "") if "experience-1-comment" in k]


def test_a_step_done_early_stops_its_nudges_and_hands_over_to_the_next(world, program) -> None:
    t = make_team(world, program)
    submit_at(world, program, t, 1, cdt(10, 17, 15))
    keys = set(notices(world, program, cdt(10, 21, 12), "experience-1"))
    assert not [k for k in keys if "send" in k]
    comment = f"nudge:team{t}:{YEAR}:experience-1-comment:{MENTOR}"
    # Mentor Comment Form due Wed Oct 23: three days before is Sunday (the tick holds it).
    assert f"{comment}:d3" in keys
    c = comment_at(world, program, t, 1, cdt(10, 23, 9))
    keys = set(notices(world, program, cdt(10, 25), "experience-1"))
    assert not [k for k in keys if "comment" in k]
    file_key = f"nudge:team{t}:{YEAR}:experience-1-file:{PROTEGE}"
    # The d3 moment (Tue Oct 22) came before the comment form was in: only the day's reminder.
    assert f"{file_key}:d0" in keys and f"{file_key}:d3" not in keys
    agree_at(world, t, 1, c, cdt(10, 25, 9))
    assert notices(world, program, cdt(10, 28), "experience-1") == {}


def test_a_late_submission_moves_the_mentors_date_instead_of_flagging_them(world, program) -> None:
    t = make_team(world, program)
    # Oct 24, the Mentor Comment Form's calendar date has passed, but nothing came in yet.
    assert not [k for k in notices(world, program, cdt(10, 24), "") if "comment" in k]
    submit_at(world, program, t, 1, cdt(10, 28, 10))  # a week late
    keys = notices(world, program, cdt(10, 29), "experience-1-comment")
    assert keys == {}  # the comment form is now due Wed Oct 30 (the calendar's two days)
    on_day = notices(world, program, cdt(10, 30), "experience-1-comment")
    reminder = on_day[f"nudge:team{t}:{YEAR}:experience-1-comment:{MENTOR}:d0"]
    assert "due today" in reminder.text
    late = notices(world, program, cdt(10, 31), "experience-1-comment")
    assert f"overdue:team{t}:{YEAR}:experience-1-comment" in late
    assert (
        "Mentor Comment Form for Experience 1"
        in late[f"overdue:team{t}:{YEAR}:experience-1-comment"].text
    )


def test_asking_to_discuss_puts_the_last_step_with_the_mentor(world, program) -> None:
    t = make_team(world, program)
    submit_at(world, program, t, 1, cdt(10, 17, 9))
    c = comment_at(world, program, t, 1, cdt(10, 21, 9))
    with transaction(world) as s:
        domain.ask_to_discuss(s, get_team(s, t), 1, c, "Let's talk", PROTEGE, cdt(10, 22, 9))
    keys = notices(world, program, cdt(10, 25), "experience-1-file")
    assert f"nudge:team{t}:{YEAR}:experience-1-file:{MENTOR}:d0" in keys
    assert not [k for k in keys if PROTEGE in k]
    assert "asked to talk over" in str(
        keys[f"nudge:team{t}:{YEAR}:experience-1-file:{MENTOR}:d0"].blocks
    )


def test_team_steps_go_to_whoever_has_not_done_their_part(world, program) -> None:
    t = make_team(world, program)
    with transaction(world) as s:
        find_person(s, MENTOR).contact_filed_at = cdt(9, 10)
    # Due at the initial meeting (Wed Sep 25), the day's reminder comes with the first, on
    # Fri Sep 20, both merged into the meeting's reminder (tests/test_meetings.py).
    found = notices(world, program, cdt(9, 20), "contact_form")
    assert set(found) == {
        f"nudge:team{t}:{YEAR}:contact_form:{PROTEGE}:d3",
        f"nudge:team{t}:{YEAR}:contact_form:{PROTEGE}:d0",
    }
    meeting = f"meeting:team{t}:{YEAR}:meeting:{PROTEGE}"
    assert {(n.merged_into, n.due_at) for n in found.values()} == {(meeting, cdt(9, 20))}
    both = set(notices(world, program, cdt(9, 25), "decision_points"))
    assert {k.split(":")[4] for k in both} == {MENTOR, PROTEGE}


def test_the_visit_report_is_with_whoever_holds_it(world, program) -> None:
    t = make_team(world, program)
    keys = notices(world, program, cdt(12, 3), "visit_report")
    assert set(keys) == {f"nudge:team{t}:{YEAR}:visit_report:{MENTOR}:d3"}
    with transaction(world) as s:
        reports.file_visit_report(
            s,
            get_team(s, t),
            None,
            reports.VisitEntry("bmit", date(2024, 12, 2), "School", "Labs", "Stations"),
            MENTOR,
            cdt(12, 4, 9),
        )
    keys = notices(world, program, cdt(12, 6), "visit_report")
    assert f"nudge:team{t}:{YEAR}:visit_report:{PROTEGE}:d0" in keys
    assert f"nudge:team{t}:{YEAR}:visit_report:{MENTOR}:d0" not in keys


def test_pd_forms_remind_the_protege_then_the_mentor(world, program) -> None:
    t = make_team(world, program)
    keys = set(notices(world, program, cdt(3, 4, year=2025), "pd_verification"))
    assert keys == {
        f"nudge:team{t}:{YEAR}:pd_verification-1:{PROTEGE}:d3",
        f"nudge:team{t}:{YEAR}:pd_verification-2:{PROTEGE}:d3",
    }
    with transaction(world) as s:
        reports.file_pd_form(
            s,
            get_team(s, t),
            1,
            reports.PdEntry("bmit", date(2025, 2, 20), "MBEA", 180, "Workshop"),
            PROTEGE,
            cdt(3, 5, 9, year=2025),
        )
    keys = set(notices(world, program, cdt(3, 7, year=2025), "pd_verification-1"))
    assert f"nudge:team{t}:{YEAR}:pd_verification-1:{MENTOR}:d0" in keys
    assert f"nudge:team{t}:{YEAR}:pd_verification-1:{PROTEGE}:d0" not in keys


def test_no_advisor_means_no_overdue_notice_and_a_late_start_skips_earlier_dates(
    world, program
) -> None:
    lone = make_team(world, program, advisor=None)
    late = make_team(
        world, program, mentor="U0MENTOR2", protege="U0PROTEGE2", start=date(2024, 11, 4)
    )
    keys = set(notices(world, program, cdt(10, 22)))
    assert f"nudge:team{lone}:{YEAR}:experience-1-send:{PROTEGE}:d0" in keys
    assert not [k for k in keys if k.startswith(f"overdue:team{lone}:")]
    assert not [k for k in keys if f"team{late}:" in k]  # Oct 21 came before the team began
    december = set(notices(world, program, cdt(12, 2)))
    assert f"nudge:team{late}:{YEAR}:experience-2-send:U0PROTEGE2:d0" in december


def test_other_features_steps_are_not_nudged_here(world, program) -> None:
    make_team(world, program)
    seen: set[str] = set()
    for day in (date(2024, 10, 18), date(2025, 4, 14), date(2025, 4, 18), date(2025, 3, 31)):
        seen |= set(notices(world, program, cdt(day.month, day.day, 12, year=day.year)))
    assert not [k for k in seen if "communication_log" in k or "survey" in k]
    assert not [k for k in seen if "progress" in k or "payment" in k or "meeting" in k]


def test_year_two_assessment_and_the_focus_areas_rule(world, program) -> None:
    t = make_team(world, program, track="year2", start=date(2024, 10, 1))
    keys = notices(world, program, cdt(10, 22))
    assert f"nudge:team{t}:{YEAR}:assessment:{PROTEGE}:d3" in keys
    extra = notices(world, program, cdt(12, 2), "extra_experiences")
    reminder = extra[f"nudge:team{t}:{YEAR}:extra_experiences:{PROTEGE}:d0"]
    assert "Instructional Designer" in str(reminder.blocks)  # what is still missing
    assert f"overdue:team{t}:{YEAR}:extra_experiences" in notices(world, program, cdt(12, 3))


def test_through_the_tick_quiet_hours_weekends_and_exactly_once(world, program, standin) -> None:
    fake, api_url = standin
    client = scheduler_client(make_settings("sqlite://", api_url))
    t = make_team(world, program)
    submit_at(world, program, t, 1, cdt(10, 17, 15))

    def run(now: datetime):
        return tick(world, client, program, now, duties=(deadline_nudges,))

    evening = run(cdt(10, 19, 21, 0))  # Saturday evening: nothing goes out
    assert evening.outcomes == []
    assert run(cdt(10, 20, 12)).outcomes == []  # Sunday: the d3 reminder waits
    monday = run(cdt(10, 21, 7, 45))
    sent = [
        (o.notice.recipient, o.notice.key.rsplit(":", 1)[-1], o.status) for o in monday.outcomes
    ]
    assert (MENTOR, "d3", "sent") in sent
    assert run(cdt(10, 21, 8)).outcomes == []  # the same tick again: nothing twice
    assert len(fake.messages_to(MENTOR)) == 1
    run(cdt(10, 23, 7, 45))
    assert len(fake.messages_to(MENTOR)) == 2  # the day's own reminder
    comment_at(world, program, t, 1, cdt(10, 23, 9))
    overdue = run(cdt(10, 24, 8))
    assert not [o for o in overdue.outcomes if o.notice.recipient == ADVISOR]
    assert len(fake.messages_to(ADVISOR)) == 0
    # The bot is down from Oct 25 to Mon Oct 28: the protégé's reminder for Oct 25 lost its
    # moment and is recorded as skipped; the advisor's notice (due Oct 28) still goes out.
    late = run(cdt(10, 28, 9))
    outcomes = {(o.notice.recipient, o.notice.key.split(":")[3], o.status) for o in late.outcomes}
    assert (PROTEGE, "experience-1-file", "skipped") in outcomes
    assert (ADVISOR, "experience-1-file", "sent") in outcomes
    assert fake.messages_to(PROTEGE) == []


def test_a_recipient_in_another_timezone_gets_it_at_their_morning(world, program) -> None:
    t = make_team(world, program, protege_tz="America/Los_Angeles")
    key = f"nudge:team{t}:{YEAR}:experience-1-send:{PROTEGE}:d3"
    assert key not in notices(world, program, cdt(10, 18, 8))  # 06:00 in Los Angeles
    pacific = notices(world, program, cdt(10, 18, 9, 30))[key]
    assert pacific.due_at == cdt(10, 18, 9, 30) and pacific.tz == "America/Los_Angeles"
    assert timedelta(0) < pacific.expires_at - pacific.due_at <= timedelta(days=3)


def test_a_reminder_that_falls_in_thanksgiving_break_goes_out_before_it(world, program) -> None:
    t = make_team(world, program)
    d3 = f"nudge:team{t}:{YEAR}:experience-2-send:{PROTEGE}:d3"
    # Experience 2 is due Mon Dec 2; three days before is Fri Nov 29, in the break (Nov 27-29):
    # the reminder goes out on Tue Nov 26, the last school day before it.
    assert d3 not in notices(world, program, cdt(11, 25, 9), "experience-2")
    reminder = notices(world, program, cdt(11, 26, 7, 30), "experience-2")[d3]
    assert reminder.due_at == cdt(11, 26, 7, 30)
    assert reminder.expires_at == cdt(12, 2, 7, 30)  # the day's own reminder takes over
    assert "Experience 2 (sent to the mentor), due Mon, Dec 2" in reminder.text
