"""Pausing a team (leave of absence): staff pause and resume it from the team card; its
deadlines move by the pause, its silence count stops, and nothing it filed is lost."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta

from alembic import command as alembic
from sqlalchemy import event, select

from bot.silence.rules import team_health
from bot.status.deliverables import OVERDUE, is_meeting, team_deliverables
from schedules.duties.logs import log_nudges
from storage.db import alembic_config, make_engine, make_session_factory, transaction, upgrade
from storage.models import Role, TeamChange, TeamStatus
from storage.people import get_or_create_person, get_team, grant
from storage.teams import PAUSE, set_paused
from tests import test_teams
from tests.conftest import STAFF
from tests.interactions import press
from tests.test_silence import seed, talk
from tests.test_teams import ADVISOR, MENTOR, PROTEGE, command, register

world = test_teams.world  # the served app with a registered team's people (a fixture)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, tzinfo=UTC)


def _pause(factory, team_id: int, paused: bool, day: date) -> None:
    with transaction(factory) as session:
        team = get_team(session, team_id)
        assert set_paused(session, team, paused, None, STAFF, _at(day))


def test_staff_pause_and_resume_a_team_from_its_card(world) -> None:
    base, services, fake = world
    register(base, fake)
    _, card = command(base, STAFF, f"team <@{MENTOR}>")
    [pause] = [
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "team_pause"
    ]
    assert pause["confirm"]["title"]["text"] == "Pause this team?"
    assert press(base, MENTOR, "team_pause", "1")[0] == 200  # not staff: refused
    assert fake.messages_to(PROTEGE)[-1]["text"].startswith("Welcome")

    press(base, STAFF, "team_pause", "1")
    for person in (MENTOR, PROTEGE, ADVISOR):
        assert "is paused (a leave of absence)" in fake.messages_to(person)[-1]["text"]
    _, card = command(base, STAFF, f"team <@{MENTOR}>")
    shown = json.dumps(card["blocks"])
    assert "paused since today" in shown and "History: paused Sep 10, 2024" in shown
    assert "team_resume" in shown and "team_pause" not in shown
    told = len(fake.messages_to(PROTEGE))
    press(base, STAFF, "team_pause", "1")  # twice: nothing more
    assert len(fake.messages_to(PROTEGE)) == told

    press(base, STAFF, "team_resume", "1")
    assert "back from its pause" in fake.messages_to(PROTEGE)[-1]["text"]
    _, card = command(base, STAFF, f"team <@{MENTOR}>")
    shown = json.dumps(card["blocks"])
    assert "paused since" not in shown and "team_pause" in shown
    assert "paused Sep 10, 2024 · resumed Sep 10, 2024" in json.dumps(card, ensure_ascii=False)
    with services.sessions() as session:
        assert get_team(session, 1).status == TeamStatus.ACTIVE  # the members keep their team


def test_a_pause_moves_what_was_still_to_come_and_nothing_falls_overdue_during_it(
    app_server, program
) -> None:
    _, services = app_server
    team_id = seed(services.sessions, program)
    start, today = date(2024, 10, 1), date(2024, 11, 20)

    def statuses(day: date):
        with services.sessions() as session:
            return team_deliverables(session, program, get_team(session, team_id), day)

    before = statuses(today)
    assert any(s.state == OVERDUE and s.effective_due >= start for s in before)
    _pause(services.sessions, team_id, True, start)
    during = statuses(today)
    waited = timedelta(days=(today - start).days + 1)  # today is paused too
    for old, new in zip(before, during, strict=True):
        moved = old.effective_due + waited if old.effective_due >= start else old.effective_due
        assert (new.id, new.due, new.effective_due) == (old.id, old.due, moved)
        assert new.state != OVERDUE or old.effective_due < start
    # Resumed after a month: the team has the time it had before.
    _pause(services.sessions, team_id, False, date(2024, 12, 1))
    later = date(2024, 12, 10)
    paused = timedelta(days=61)
    # An unrecorded meeting is due on the day asked (never late until recorded, issue 14):
    # it has no date of its own to move.
    pairs = [
        (s, old)
        for s, old in zip(statuses(later), before, strict=True)
        if not is_meeting(old.deadline)
    ]
    assert pairs and [
        s.effective_due - (paused if old.effective_due >= start else timedelta())
        for s, old in pairs
    ] == [old.effective_due for _, old in pairs]


def test_a_paused_teams_silence_count_stops_and_goes_on_after(app_server, program) -> None:
    _, services = app_server
    team_id = seed(services.sessions, program)
    talk(services.sessions, team_id, date(2024, 9, 10))
    today = date(2024, 10, 15)

    def health():
        with services.sessions() as session:
            return team_health(session, program, [get_team(session, team_id)], today)[team_id]

    quiet = health()
    assert quiet.silent
    start, end = date(2024, 9, 25), date(2024, 10, 1)  # paused Sep 25 to Sep 30
    assert quiet.last_activity < start
    _pause(services.sessions, team_id, True, start)
    paused = health()
    before_pause = program.school_days_between(quiet.last_activity, start - timedelta(days=1))
    assert (paused.school_days_quiet, paused.silent) == (before_pause, False)
    _pause(services.sessions, team_id, False, end)
    back = health()
    gap = program.school_days_between(start - timedelta(days=1), end - timedelta(days=1))
    assert gap > 0 and back.school_days_quiet == quiet.school_days_quiet - gap


def test_no_communication_log_reminder_reaches_a_team_paused_on_its_due_date(
    app_server, program
) -> None:
    _, services = app_server
    team_id = seed(services.sessions, program)
    due = program.log_due_dates()[1]
    on_the_day = _at(due) + timedelta(hours=3)

    def reminded() -> list[str]:
        with services.sessions() as session:
            return [n.kind for n in log_nudges(session, program, on_the_day)]

    assert "log_nudge" in reminded()
    _pause(services.sessions, team_id, True, due - timedelta(days=7))
    assert reminded() == []
    _pause(services.sessions, team_id, False, due - timedelta(days=1))
    assert "log_nudge" in reminded()


SECOND_STAFF = "U0STAFF02"


def test_staff_pausing_a_team_just_paused_are_told_who_did(world) -> None:
    base, services, fake = world
    register(base, fake)
    with transaction(services.sessions) as session:
        person = get_or_create_person(session, SECOND_STAFF, _at(date(2024, 9, 1)))
        grant(session, person, Role.STAFF, STAFF, _at(date(2024, 9, 1)))
    press(base, STAFF, "team_pause", "1")
    told = len(fake.messages_to(PROTEGE))
    press(base, SECOND_STAFF, "team_pause", "1")
    [answer] = [
        c.params["text"]
        for c in fake.calls_to("chat.postEphemeral")
        if c.params["user"] == SECOND_STAFF
    ]
    assert answer == (
        f"The team of <@{MENTOR}> and <@{PROTEGE}> was paused already by <@{STAFF}> on "
        "Tue, Sep 10: nothing more changed."
    )
    assert len(fake.messages_to(PROTEGE)) == told
    press(base, STAFF, "team_resume", "1")
    press(base, SECOND_STAFF, "team_resume", "1")
    answers = [
        c.params["text"]
        for c in fake.calls_to("chat.postEphemeral")
        if c.params["user"] == SECOND_STAFF
    ]
    assert f"was resumed already by <@{STAFF}>" in answers[-1]


def test_two_staff_pausing_at_once_pause_the_team_once(database_url, program) -> None:
    """The second staff member's transaction has looked at the team's pause (or is about to
    change it) before the first commits: the read-then-write race, made to happen."""
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    team_id = seed(factory, program)
    with factory() as session:  # as the listener does: the team read before the change
        team = get_team(session, team_id)
    at = _at(date(2024, 10, 1))
    second: dict[str, object] = {}
    looked = threading.Event()

    def mark(writing: bool):
        def listener(conn, cursor, statement: str, *rest) -> None:
            ours = second.get("thread") == threading.get_ident()
            if ours and writing == statement.lstrip().upper().startswith(("UPDATE", "INSERT")):
                looked.set()

        return listener

    # Before its first write, or after its first read: either way before the first commits.
    event.listen(engine, "before_cursor_execute", mark(True))
    event.listen(engine, "after_cursor_execute", mark(False))

    def pause_too() -> None:
        second["thread"] = threading.get_ident()
        try:
            with transaction(factory) as session:
                second["changed"] = set_paused(session, team, True, None, SECOND_STAFF, at)
        except Exception as exc:  # the test's answer, not a crash of the thread
            second["changed"] = exc

    thread = threading.Thread(target=pause_too)
    with transaction(factory) as session:
        assert set_paused(session, team, True, None, STAFF, at)
        thread.start()
        assert looked.wait(30)
    thread.join()
    assert second["changed"] is False
    with factory() as session:
        changes = session.scalars(
            select(TeamChange.changed_by).where(TeamChange.role == PAUSE)
        ).all()
        statuses = team_deliverables(session, program, get_team(session, team_id), at.date())
    assert changes == [STAFF]  # one pause: the deadlines move by it once
    assert all(s.effective_due >= at.date() or s.due < at.date() for s in statuses)
    engine.dispose()


def test_the_migration_marks_the_teams_paused_now_from_their_history(database_url, program) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    paused, resumed, never = (seed(factory, program) for _ in range(3))
    alembic.downgrade(alembic_config(database_url), "0028")
    rows = [
        (paused, "resumed", "paused", date(2024, 10, 1)),
        (resumed, "resumed", "paused", date(2024, 10, 1)),
        (resumed, "paused", "resumed", date(2024, 10, 8)),
    ]
    with transaction(factory) as session:  # team_changes is as it was before 0030
        for team_id, old, new, day in rows:
            session.add(
                TeamChange(
                    team_id=team_id,
                    role=PAUSE,
                    old_value=old,
                    new_value=new,
                    changed_by=STAFF,
                    changed_at=_at(day),
                )
            )
    upgrade(database_url)
    with factory() as session:
        since = {t: get_team(session, t).paused_since for t in (paused, resumed, never)}
    assert since == {paused: _at(date(2024, 10, 1)), resumed: None, never: None}
    engine.dispose()


def test_a_step_a_pause_moved_far_is_reminded_at_its_moved_date(ticking, program) -> None:
    """Experience 1 is due Mon Oct 21; its protégé heard 3 days before, then the team was
    paused on Sun Oct 20 and resumed on Mon Nov 25: 36 days. The step is due Tue Nov 26,
    five weeks past its calendar date, and reminded then, not dropped as long past."""
    team_id = seed(ticking.factory, program)
    [send] = [d for d in program.deadlines("year1") if d.id.endswith("experience-1-send")]
    assert send.due == date(2024, 10, 21)
    step = program.step_key(send)

    def nudges(day: date, hour: int = 14) -> list[tuple[str, str]]:
        at = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)  # 8 or 9 in Chicago
        result = ticking.run(program, at)
        return [(o.notice.key, o.status) for o in result.outcomes if f":{step}:" in o.notice.key]

    before = f"nudge:team{team_id}:{step}:{PROTEGE}"
    assert nudges(date(2024, 10, 18)) == [(f"{before}:d3", "sent")]
    _pause(ticking.factory, team_id, True, date(2024, 10, 20))
    assert nudges(date(2024, 10, 21)) == []  # on leave: nothing, not even the day's own
    assert nudges(date(2024, 11, 4)) == []
    _pause(ticking.factory, team_id, False, date(2024, 11, 25))
    # Its moved 3-day reminder (Fri Nov 22) fell in the pause: not sent, nor recorded.
    assert nudges(date(2024, 11, 25), hour=16) == []
    assert nudges(date(2024, 11, 26)) == [(f"{before}:d0:moved36", "sent")]
    reminder = ticking.fake.messages_to(PROTEGE)[-1]
    assert reminder["text"] == "Reminder: Experience 1 (sent to the mentor), due today."
    assert nudges(date(2024, 11, 26), hour=20) == []  # once
