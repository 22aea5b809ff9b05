"""The shipped program with every deadline id renamed works exactly as the shipped one: the
same steps, the same year of notices (same keys, same messages), the same progress.

The whole suite can also run against the renamed copy: MENTORBOT_TEST_RENAMED_IDS=1.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.experiences import rules as experiences
from bot.platform.slack_client import scheduler_client
from bot.program import Program, load_program
from bot.reports import rules as reports
from bot.status.deliverables import team_deliverables
from bot.status.semester import progress_dates
from bot.survey import rules as survey
from schedules.tick import ChannelPace, tick
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Delivery
from storage.people import get_team
from tests.conftest import make_settings
from tests.renamed_program import write_renamed
from tests.slack_standin import Server, SlackStandIn
from tests.test_deadline_nudges import agree_at, comment_at, submit_at
from tests.test_experiences_domain import MENTOR, PROTEGE, make_team

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture(scope="module")
def shipped() -> Program:
    return load_program()


@pytest.fixture(scope="module")
def renamed(tmp_path_factory) -> Program:
    return load_program(write_renamed(tmp_path_factory.mktemp("renamed")))


def local(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHICAGO).astimezone(UTC)


def test_every_id_is_new_and_every_step_is_kept(shipped: Program, renamed: Program) -> None:
    for track in ("year1", "year2"):
        before, after = shipped.deadlines(track), renamed.deadlines(track)
        assert not {d.id for d in before} & {d.id for d in after}
        same = [(d.key, d.due, d.title, d.role, d.form, d.step) for d in before]
        assert [(d.key, d.due, d.title, d.role, d.form, d.step) for d in after] == same


def test_the_features_find_their_steps(shipped: Program, renamed: Program) -> None:
    for track in ("year1", "year2"):
        for program in (shipped, renamed):
            assert experiences.scheduled_numbers(program, track) == (
                (1, 2, 3, 4) if track == "year1" else ()
            )
        assert experiences.allows_extras(renamed, track) == (track == "year2")
        assert reports.has_assessment(renamed, track) == (track == "year2")
        assert survey.window(renamed, track) == survey.window(shipped, track)
        parts = experiences.step_deadlines(renamed, track, 2)
        assert {p: d.key for p, d in parts.items()} == {
            p: d.key for p, d in experiences.step_deadlines(shipped, track, 2).items()
        }
    assert [(p.step_key, p.day, p.label) for p in progress_dates(renamed)] == [
        (p.step_key, p.day, p.label) for p in progress_dates(shipped)
    ]
    visit = renamed.step("year1", reports.VISIT_REPORT)
    assert visit is not None and visit.id.startswith("renamed-")


# Tuesdays and Fridays, and the days the work is done and progress is read: every kind of
# notice goes out (or loses its moment and is recorded as skipped), for less than every day.
TICK_WEEKDAYS = (1, 4)
WORK_DAYS = (date(2024, 10, 23), date(2024, 10, 28))
PROGRESS_DAYS = (date(2024, 10, 24), date(2024, 12, 9), date(2025, 3, 10), date(2025, 4, 15))


def _tick_days(program: Program, first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        wanted = day.weekday() in TICK_WEEKDAYS or day in WORK_DAYS or day in PROGRESS_DAYS
        if wanted and program.is_school_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def _year(program: Program, tmp_path, name: str):
    """Two teams through the whole year; year one's first experience comes in late and goes
    through its chain. (The ledger, each person's messages in order, progress on four days.)"""
    url = f"sqlite:///{tmp_path / name}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    fake = SlackStandIn()
    server = Server(fake)
    client = scheduler_client(make_settings(url, server.url))
    one = make_team(factory, program)
    make_team(
        factory,
        program,
        mentor="U0MENTOR2",
        protege="U0PROTEGE2",
        track="year2",
        start=date(2024, 9, 30),
    )
    progress = []
    for day in _tick_days(program, date(2024, 9, 3), date(2025, 5, 30)):
        if day == WORK_DAYS[0]:
            submit_at(factory, program, one, 1, local(day, 7))
        if day == WORK_DAYS[1]:
            comment = comment_at(factory, program, one, 1, local(day, 7))
            agree_at(factory, one, 1, comment, local(day, 7) + timedelta(minutes=30))
        tick(factory, client, program, local(day))
        if day in PROGRESS_DAYS:
            with factory() as session:
                statuses = team_deliverables(session, program, get_team(session, one), day)
                progress.append(
                    [
                        (s.deadline.key, s.state, s.holders, s.effective_due, s.done_at)
                        for s in statuses
                    ]
                )
    with factory() as session:
        ledger = [
            (row.key, row.kind, row.recipient, row.status)
            for row in session.scalars(select(Delivery).order_by(Delivery.key))
        ]
    # Each person's messages in the order they came (sends to different people interleave).
    messages: dict[str, list] = defaultdict(list)
    for call in fake.calls_to("chat.postMessage"):
        messages[call.params["channel"]].append(
            (call.params.get("text"), call.params.get("blocks"))
        )
    server.close()
    engine.dispose()
    return ledger, messages, progress


def test_a_year_of_notices_and_progress_is_the_same(
    shipped, renamed, tmp_path, monkeypatch
) -> None:
    # Slack's per-channel pace is not what this compares; held, it costs seconds a tick.
    monkeypatch.setattr(ChannelPace, "CHANNEL_BURST", 1000)
    ledger, messages, progress = _year(shipped, tmp_path, "shipped.db")
    assert any(key.startswith("nudge:") for key, *_ in ledger)
    assert any(key.startswith("semester:") for key, *_ in ledger)
    assert any(key.startswith("survey:") for key, *_ in ledger)
    assert len(messages[PROTEGE]) > 10 and len(messages[MENTOR]) > 10
    assert _year(renamed, tmp_path, "renamed.db") == (ledger, messages, progress)
