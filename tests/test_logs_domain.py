"""The Communication Log's rules and queries on every backend: filing, edits with their
history, co-signing, check-ins, contacts a month and the last contact."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.logs import rules as logs
from bot.logs.form import LogInput
from storage import logs as store
from storage.db import make_engine, make_session_factory, transaction
from storage.logs import LogMode, last_contact_dates
from storage.people import add_team, get_or_create_person, get_team

MENTOR, PROTEGE, OTHER_MENTOR, OTHER_PROTEGE = "U0MENTOR1", "U0PROTEGE1", "U0MENTOR2", "U0PROT2"
NOW = datetime(2024, 10, 7, 15, tzinfo=UTC)
TODAY = date(2024, 10, 7)


def entry_input(day=date(2024, 10, 3), month="2024-10", minutes=30, ideas="Ideas.") -> LogInput:
    return LogInput(day, LogMode.PHONE, month, "Help.", ideas, minutes)


@pytest.fixture
def world(database_url, program):
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        ids = []
        for mentor, protege in ((MENTOR, PROTEGE), (OTHER_MENTOR, OTHER_PROTEGE)):
            team = add_team(
                session,
                program_id=program.id,
                mentor=get_or_create_person(session, mentor, NOW),
                protege=get_or_create_person(session, protege, NOW),
                advisor=None,
                area="bmit",
                track="year1",
                start_date=date(2024, 8, 26),
                created_by=None,
                now=NOW,
            )
            ids.append(team.id)
    yield factory, ids
    engine.dispose()


def file(factory, program, team_id, author=MENTOR, view_id=None, **kwargs):
    with transaction(factory) as session:
        team = get_team(session, team_id)
        entry, fresh = logs.file_log(
            session, program, team, author, entry_input(**kwargs), NOW, TODAY, view_id=view_id
        )
        return entry.id, fresh


def test_filing_is_for_members_and_once_per_modal(world, program) -> None:
    factory, (team, other) = world
    first, fresh = file(factory, program, team, view_id="V1")
    again, fresh_again = file(factory, program, team, view_id="V1")
    assert fresh and not fresh_again and first == again
    with pytest.raises(logs.Refusal, match="not a member"):
        file(factory, program, team, author=OTHER_MENTOR)
    with pytest.raises(logs.Refusal, match="already used"):
        file(factory, program, other, author=OTHER_MENTOR, view_id="V1")
    with factory() as session:
        assert store.count_team_logs(session, team) == 1
        assert store.count_team_logs(session, other) == 0


def test_an_edit_keeps_every_earlier_version(world, program) -> None:
    factory, (team_id, _) = world
    entry_id, _ = file(factory, program, team_id)
    later = NOW + timedelta(days=1)
    with transaction(factory) as session:
        team, entry = get_team(session, team_id), store.get_log(session, entry_id)
        assert logs.confirm_log(session, team, entry, PROTEGE, 1, NOW)
        with pytest.raises(logs.Refusal, match="Only <@U0MENTOR1>"):
            logs.edit_log(
                session, program, team, entry, PROTEGE, entry_input(minutes=5), later, TODAY,
                expected_version=1,
            )  # fmt: skip
        changed = logs.edit_log(
            session, program, team, entry, MENTOR, entry_input(minutes=45), later, TODAY,
            expected_version=1,
        )  # fmt: skip
        assert changed == ["minutes"]
        second = logs.edit_log(
            session, program, team, entry, MENTOR,
            entry_input(minutes=45, day=date(2024, 10, 4), ideas="More ideas."),
            later + timedelta(hours=1), TODAY, expected_version=2,
        )  # fmt: skip
        assert second == ["conversation_date", "ideas_discussed"]
        unchanged = logs.edit_log(
            session, program, team, entry, MENTOR,
            entry_input(minutes=45, day=date(2024, 10, 4), ideas="More ideas."),
            later, TODAY, expected_version=3,
        )  # fmt: skip
        assert unchanged == []
        with pytest.raises(logs.Refusal, match="changed after you opened it"):
            logs.edit_log(
                session, program, team, entry, MENTOR, entry_input(minutes=1), later, TODAY,
                expected_version=1,
            )  # fmt: skip
    with factory() as session:
        entry = store.get_log(session, entry_id)
        revisions = store.entry_history(session, entry)
    versions, successors = revisions[:-1], revisions[1:]
    changes = [
        ",".join(logs.changed_fields(v, n)) for v, n in zip(versions, successors, strict=True)
    ]
    assert (entry.version, entry.minutes, entry.ideas_discussed) == (3, 45, "More ideas.")
    assert entry.confirmed_by is None and entry.edited_at == later + timedelta(hours=1)
    assert [(v.version, v.minutes, c) for v, c in zip(versions, changes, strict=True)] == [
        (1, 30, "minutes"),
        (2, 45, "conversation_date,ideas_discussed"),
    ]
    assert versions[0].confirmed_by == PROTEGE and versions[0].confirmed_at == NOW
    assert versions[0].superseded_at == later and versions[1].superseded_by == MENTOR


def test_co_signing_rules(world, program) -> None:
    factory, (team_id, other_id) = world
    entry_id, _ = file(factory, program, team_id)
    with transaction(factory) as session:
        team, entry = get_team(session, team_id), store.get_log(session, entry_id)
        other = get_team(session, other_id)
        with pytest.raises(logs.Refusal, match="is the one to confirm"):
            logs.confirm_log(session, team, entry, MENTOR, 1, NOW)
        with pytest.raises(logs.Refusal, match="Only the team's mentor and protégé"):
            logs.confirm_log(session, team, entry, OTHER_PROTEGE, 1, NOW)
        with pytest.raises(logs.Refusal, match="isn't one of this team's"):
            logs.confirm_log(session, other, entry, OTHER_PROTEGE, 1, NOW)
        with pytest.raises(logs.Refusal, match="edited this entry"):
            logs.confirm_log(session, team, entry, PROTEGE, 2, NOW)
        assert logs.dispute_log(session, team, entry, PROTEGE, 1, "Wrong date.", NOW)
        assert not logs.dispute_log(session, team, entry, PROTEGE, 1, "Again.", NOW)
        assert logs.status(entry) == "disputed" and entry.dispute_comment == "Wrong date."
        assert logs.confirm_log(session, team, entry, PROTEGE, 1, NOW)
        assert not logs.confirm_log(session, team, entry, PROTEGE, 1, NOW)
        assert logs.status(entry) == "confirmed"
        with pytest.raises(logs.Refusal, match="You confirmed this entry"):
            logs.dispute_log(session, team, entry, PROTEGE, 1, "Late.", NOW)


def test_contacts_a_month_and_the_last_contact(world, program) -> None:
    factory, (team_id, other_id) = world
    with factory() as session:
        assert logs.last_contact(session, team_id) is None
        assert last_contact_dates(session, [team_id, other_id]) == {}
    file(factory, program, team_id, day=date(2024, 9, 12), month="2024-09")
    file(factory, program, team_id, day=date(2024, 10, 3))
    with transaction(factory) as session:
        team = get_team(session, team_id)
        # The protégé's "We talked" for the same call adds no contact; another day does.
        logs.record_check_in(session, team, PROTEGE, date(2024, 10, 3), LogMode.PHONE, NOW)
        logs.record_check_in(session, team, PROTEGE, date(2024, 10, 5), LogMode.TEXT, NOW)
        _, fresh = logs.record_check_in(
            session, team, MENTOR, date(2024, 9, 2), LogMode.TEXT, NOW, view_id="V9"
        )
        _, fresh_again = logs.record_check_in(
            session, team, MENTOR, date(2024, 9, 2), LogMode.TEXT, NOW, view_id="V9"
        )
        assert fresh and not fresh_again
        with pytest.raises(logs.Refusal):
            logs.record_check_in(session, team, OTHER_MENTOR, TODAY, LogMode.TEXT, NOW)
    with factory() as session:
        assert logs.contacts_by_month(session, team_id) == {"2024-09": 2, "2024-10": 2}
        assert logs.last_contact(session, team_id) == date(2024, 10, 5)
        assert last_contact_dates(session, [team_id, other_id]) == {team_id: date(2024, 10, 5)}
        assert logs.log_exists_for_month(session, program, team_id, "2024-09")
        assert not logs.log_exists_for_month(session, program, team_id, "2024-11")
        assert not logs.log_exists_for_month(session, program, other_id, "2024-09")
        assert logs.teams_logged(session, program, [team_id, other_id], "2024-10") == {team_id}


def test_the_list_is_newest_conversation_first(world, program) -> None:
    factory, (team_id, _) = world
    for day in (5, 1, 9, 3):
        file(factory, program, team_id, day=date(2024, 10, day))
    with factory() as session:
        page = store.team_logs(session, team_id, offset=1, limit=2)
        september = store.team_logs(session, team_id, month="2024-09")
    assert [e.conversation_date.day for e in page] == [5, 3]
    assert september == []


def test_the_year_closes_after_its_end(world, program) -> None:
    factory, (team_id, _) = world
    with transaction(factory) as session, pytest.raises(logs.Refusal, match="program year ended"):
        logs.file_log(
            session, program, get_team(session, team_id), MENTOR, entry_input(), NOW,
            date(2025, 6, 1),
        )  # fmt: skip


def test_topics_for_the_modal(program) -> None:
    months = [t.month_id for t in logs.topic_choices(program, date(2024, 11, 20))]
    assert months == [
        "2024-11", "2024-10", "2024-09", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04",
    ]  # fmt: skip
    assert logs.topic_choices(program, date(2024, 8, 10))[0].month_id == "2024-09"
    assert logs.topic_choices(program, date(2025, 5, 20))[0].month_id == "2025-04"
    assert logs.topic_choices(program, date(2024, 11, 20), "2024-09")[0].month_id == "2024-09"
    assert logs.topic_choices(program, date(2024, 11, 20), "1999-01")[0].month_id == "2024-11"
    assert logs.previous_month("2025-01") == "2024-12"
    assert [logs.is_month(v) for v in ("2024-10", "2024-13", "2024-1", "abcd-10")] == [
        True,
        False,
        False,
        False,
    ]


def test_concurrent_retries_of_one_modal_file_one_entry(world, program) -> None:
    factory, (team_id, _) = world
    results: list[tuple[int, bool]] = []
    barrier = threading.Barrier(6)

    def submit() -> None:
        barrier.wait()
        results.append(file(factory, program, team_id, view_id="V0SAME"))

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and len({entry_id for entry_id, _ in results}) == 1
    assert sorted(fresh for _, fresh in results) == [False] * 5 + [True]
    with factory() as session:
        assert store.count_team_logs(session, team_id) == 1
