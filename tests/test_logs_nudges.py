"""Communication Log reminders and overdue notices on the 2024-25 calendar, with an injected
clock, through the real tick and ledger, on every backend."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.logs.form import LogInput
from bot.logs.rules import confirm_log, file_log, record_check_in
from bot.platform.slack_client import scheduler_client
from bot.program import Break
from schedules.duties.logs import log_nudges
from schedules.tick import tick
from storage.db import make_engine, make_session_factory, transaction
from storage.logs import LogMode
from storage.people import add_team, get_or_create_person, get_team
from tests.conftest import make_settings

MENTOR, PROTEGE, ADVISOR = "U0MENTOR1", "U0PROTEGE1", "U0ADVISOR1"


def at(day: date, hour_utc: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


def morning(day: date) -> datetime:
    """08:00 in Chicago, whichever of CDT and CST is in force."""
    return datetime.combine(day, time(8), ZoneInfo("America/Chicago")).astimezone(UTC)


@pytest.fixture
def world(database_url, standin, program):
    fake, api_url = standin
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    client = scheduler_client(make_settings(database_url, api_url))

    def add(start=date(2024, 8, 26), advisor=True, mentor_tz="America/Chicago", n=1) -> int:
        now = datetime(2024, 8, 1, tzinfo=UTC)
        with transaction(factory) as session:
            team = add_team(
                session,
                program_id=program.id,
                mentor=get_or_create_person(session, f"U0MENTOR{n}", now, "M", mentor_tz),
                protege=get_or_create_person(session, f"U0PROTEGE{n}", now, "P", "America/Chicago"),
                advisor=get_or_create_person(session, ADVISOR, now, "A", "America/Chicago")
                if advisor
                else None,
                area="bmit",
                track="year1",
                start_date=start,
                created_by=None,
                now=now,
            )
            return team.id

    def log(team_id: int, month: str, day: date, author=PROTEGE, cosigned=False) -> None:
        data = LogInput(day, LogMode.PHONE, month, "", "We talked it over.", 20)
        with transaction(factory) as session:
            team = get_team(session, team_id)
            entry, _ = file_log(session, program, team, author, data, at(day, 20), day)
            if cosigned:
                other = MENTOR if author == PROTEGE else PROTEGE
                confirm_log(session, team, entry, other, entry.version, at(day, 21))

    def run(now: datetime, the_program=program):
        return tick(factory, client, the_program, now, (log_nudges,))

    yield fake, add, log, run, factory
    engine.dispose()


def sent(result) -> list[tuple[str, str]]:
    return [(o.notice.key, o.notice.recipient) for o in result.outcomes if o.status == "sent"]


def test_the_mentor_is_reminded_three_days_before_and_on_the_day(world) -> None:
    fake, add, _, run, _ = world
    team = add()
    assert run(morning(date(2024, 9, 16))).outcomes == []
    assert run(at(date(2024, 9, 17), 12)).waiting == 0  # 07:00 CDT: not due before 07:30
    first = run(morning(date(2024, 9, 17)))
    assert sent(first) == [(f"lognudge:team{team}:2024-09:d3", MENTOR)]
    [message] = fake.messages_to(MENTOR)
    assert message["text"] == (
        "A reminder: September's Communication Log is due Fri, Sep 20 (in 3 days)."
    )
    body = str(message["blocks"])
    assert f"<@{PROTEGE}>" in body and "Classroom Management" in body
    assert f"'value': '{team}:2024-09'" in body  # the buttons open this team's month
    assert run(morning(date(2024, 9, 17)) + timedelta(hours=3)).outcomes == []
    on_the_day = run(morning(date(2024, 9, 20)))
    assert sent(on_the_day) == [(f"lognudge:team{team}:2024-09:d0", MENTOR)]
    assert "is due today" in fake.messages_to(MENTOR)[-1]["text"]
    assert fake.messages_to(ADVISOR) == []


def test_the_advisor_hears_once_the_school_day_after(world) -> None:
    fake, add, _, run, _ = world
    team = add()
    run(morning(date(2024, 9, 20)))
    assert run(morning(date(2024, 9, 21))).outcomes == []  # Saturday: not due yet
    monday = run(morning(date(2024, 9, 23)))
    assert sent(monday) == [(f"logoverdue:team{team}:2024-09", ADVISOR)]
    [notice] = fake.messages_to(ADVISOR)
    assert notice["text"] == (
        f"September's Communication Log for <@{MENTOR}> and <@{PROTEGE}> was due "
        "Fri, Sep 20 and isn't filed yet."
    )
    for day in (date(2024, 9, 24), date(2024, 9, 30), date(2024, 10, 4)):
        assert run(morning(day)).outcomes == []
    assert len(fake.messages_to(ADVISOR)) == 1


def test_no_reminder_once_the_months_log_exists(world) -> None:
    fake, add, log, run, _ = world
    team = add()
    # By the protégé and co-signed by the mentor: the log is "Completed by Mentor" (issue 14).
    log(team, "2024-09", date(2024, 9, 10), cosigned=True)
    log(team, "2024-10", date(2024, 9, 12), author=MENTOR)  # October's topic, early
    for day in (date(2024, 9, 17), date(2024, 9, 20), date(2024, 9, 23)):
        assert run(morning(day)).outcomes == []
    # October's log was filed in September: October is quiet as well.
    for day in (date(2024, 10, 15), date(2024, 10, 18), date(2024, 10, 21)):
        assert run(morning(day)).outcomes == []
    assert fake.calls_to("chat.postMessage") == []


def test_a_log_after_the_first_reminder_stops_the_rest(world) -> None:
    fake, add, log, run, _ = world
    team = add()
    run(morning(date(2024, 9, 17)))
    log(team, "2024-09", date(2024, 9, 18), author=MENTOR)
    assert run(morning(date(2024, 9, 20))).outcomes == []
    assert run(morning(date(2024, 9, 23))).outcomes == []
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_a_quick_check_in_is_not_the_monthly_log(world, program) -> None:
    fake, add, _, run, factory = world
    team = add()
    with transaction(factory) as session:
        record_check_in(
            session,
            get_team(session, team),
            MENTOR,
            date(2024, 9, 16),
            LogMode.TEXT,
            at(date(2024, 9, 16), 20),
        )
    assert [key for key, _ in sent(run(morning(date(2024, 9, 17))))] == [
        f"lognudge:team{team}:2024-09:d3"
    ]


def test_reminders_keep_quiet_hours_in_the_mentors_timezone(world) -> None:
    fake, add, _, run, _ = world
    add(mentor_tz="America/Los_Angeles")
    assert run(morning(date(2024, 9, 17))).outcomes == []  # 06:00 in Los Angeles: not yet due
    evening = run(at(date(2024, 9, 18), 3))  # Tue 20:00 PDT: due, but quiet hours
    assert evening.outcomes == [] and evening.waiting == 1
    assert len(sent(run(at(date(2024, 9, 18), 15)))) == 1  # Wed 08:00 PDT


def test_a_reminder_on_a_break_moves_to_the_school_day_before(world, program) -> None:
    fake, add, _, run, _ = world
    team = add()
    one_day = dataclasses.replace(
        program,
        breaks=(*program.breaks, Break("Fall break", date(2024, 10, 15), date(2024, 10, 15))),
    )
    # Oct 18's three-day reminder would fall on the break: it goes out the Monday before.
    assert sent(run(morning(date(2024, 10, 14)), one_day)) == [
        (f"lognudge:team{team}:2024-10:d3", MENTOR)
    ]
    held = run(morning(date(2024, 10, 15)), one_day)
    assert held.outcomes == [] and held.waiting == 0
    # A break over the whole week, the due date in it: both reminders move to the Friday
    # before it and go out in one message; the advisor still hears after the break.
    week = dataclasses.replace(
        program,
        breaks=(*program.breaks, Break("Fall break", date(2024, 11, 11), date(2024, 11, 15))),
    )
    friday = run(morning(date(2024, 11, 8)), week)
    assert sorted(sent(friday)) == [
        (f"lognudge:team{team}:2024-11:d0", MENTOR),
        (f"lognudge:team{team}:2024-11:d3", MENTOR),
    ]
    for day in range(11, 16):
        assert run(morning(date(2024, 11, day)), week).outcomes == []
    monday = run(morning(date(2024, 11, 18)), week)
    assert sorted((o.notice.key, o.status) for o in monday.outcomes) == [
        (f"logoverdue:team{team}:2024-11", "sent"),
    ]
    assert len(fake.messages_to(MENTOR)) == 2  # Oct 14, and Nov 8's one digest


def test_decembers_overdue_notice_waits_for_the_end_of_winter_break(world) -> None:
    fake, add, _, run, _ = world
    team = add()
    run(morning(date(2024, 12, 20)))
    for day in (date(2024, 12, 23), date(2024, 12, 30), date(2025, 1, 3)):
        assert run(morning(day)).outcomes == []
    assert sent(run(morning(date(2025, 1, 6)))) == [(f"logoverdue:team{team}:2024-12", ADVISOR)]


def test_no_overdue_notice_for_a_team_without_an_advisor(world) -> None:
    fake, add, _, run, _ = world
    add(advisor=False)
    run(morning(date(2024, 9, 20)))
    assert run(morning(date(2024, 9, 23))).outcomes == []


def test_a_team_is_not_reminded_for_a_month_it_had_not_started(world) -> None:
    fake, add, _, run, _ = world
    add(start=date(2024, 10, 1), n=1)
    late = add(start=date(2024, 9, 18), n=2)
    assert run(morning(date(2024, 9, 17))).outcomes == []
    assert sent(run(morning(date(2024, 9, 20)))) == [
        (f"lognudge:team{late}:2024-09:d0", "U0MENTOR2")
    ]


def test_reminders_that_lost_their_moment_are_skipped_not_sent_late(world) -> None:
    fake, add, _, run, _ = world
    team = add()
    back = run(morning(date(2024, 9, 23)))  # the bot was down all week
    assert sorted((o.notice.key, o.status) for o in back.outcomes) == [
        (f"lognudge:team{team}:2024-09:d0", "skipped"),
        (f"lognudge:team{team}:2024-09:d3", "skipped"),
        (f"logoverdue:team{team}:2024-09", "sent"),
    ]
    assert fake.messages_to(MENTOR) == []


def test_the_whole_year_on_the_2024_25_calendar(world) -> None:
    """A team that never logs, ticked every school-day morning: three notices a month."""
    fake, add, log, run, _ = world
    team = add()
    log(team, "2025-02", date(2025, 2, 10), author=MENTOR)  # the one month they did log
    keys: dict[str, date] = {}
    day = date(2024, 9, 1)
    while day <= date(2025, 5, 31):
        for _ in range(2):  # twice the same morning: once only
            for key, _recipient in sent(run(morning(day))):
                assert key not in keys
                keys[key] = day
        day += timedelta(days=1)
    months = ["2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-03", "2025-04"]
    expected = {
        "2024-09": (date(2024, 9, 17), date(2024, 9, 20), date(2024, 9, 23)),
        "2024-10": (date(2024, 10, 15), date(2024, 10, 18), date(2024, 10, 21)),
        "2024-11": (date(2024, 11, 12), date(2024, 11, 15), date(2024, 11, 18)),
        "2024-12": (date(2024, 12, 17), date(2024, 12, 20), date(2025, 1, 6)),
        "2025-01": (date(2025, 1, 14), date(2025, 1, 17), date(2025, 1, 20)),
        "2025-03": (date(2025, 3, 18), date(2025, 3, 21), date(2025, 3, 24)),
        "2025-04": (date(2025, 4, 15), date(2025, 4, 18), date(2025, 4, 21)),
    }
    assert keys == {
        key: when
        for month in months
        for key, when in zip(
            (
                f"lognudge:team{team}:{month}:d3",
                f"lognudge:team{team}:{month}:d0",
                f"logoverdue:team{team}:{month}",
            ),
            expected[month],
            strict=True,
        )
    }
    assert len(fake.messages_to(MENTOR)) == 14 and len(fake.messages_to(ADVISOR)) == 7
