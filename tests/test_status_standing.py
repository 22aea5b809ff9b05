"""Kept standings: program-wide answers read each team's stored standing, and that standing is
never stale. A filing shows in the very next status; a day passing a due date shows without
any filing; a change committed while a standing is being computed leaves it to be computed
again; and what is read from the rows is what the status rules say of the teams."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from bot.status import rules, standing
from bot.status.deliverables import DONE
from storage import standing as stored
from storage.db import transaction
from storage.logs import CommunicationLog
from storage.models import Person, Team, TeamStatus
from storage.people import active_teams, get_or_create_person
from storage.teams import end_team, replace_member
from tests.conftest import STAFF
from tests.test_experiences_domain import make_team
from tests.test_logs_http import MENTOR, MONDAY_OCT_7, PROTEGE, command, file_entry
from tests.test_status import (  # noqa: F401 (fixtures)
    AT,
    TODAY,
    add_check_in,
    add_log,
    db,
    four_teams,
    program,
)
from tests.test_status_http import text_of

# More teams than a status lists one by one: the answer is counted from the kept rows.
TEAMS = 14


@pytest.fixture
def program_of_many(app_server, standin, program):  # noqa: F811
    base, services = app_server
    fake, _ = standin
    make_team(services.sessions, program, mentor=MENTOR, protege=PROTEGE)
    for n in range(TEAMS - 1):
        make_team(services.sessions, program, mentor=f"U0MENT{n:04d}", protege=f"U0PROT{n:04d}")
    return base, services, fake


def test_a_filing_shows_in_the_very_next_status(program_of_many) -> None:
    base, services, fake = program_of_many
    object.__setattr__(services, "clock", lambda: datetime(2024, 10, 28, 15, tzinfo=UTC))
    _, answer = command(base, STAFF, "status")
    before = text_of(answer)
    assert f"*{TEAMS} teams*" in before and f"🔇 {TEAMS} silent" in before
    assert f"Communication Log for October (due Fri, Oct 18): 0 of {TEAMS}" in before
    # The mentor files October's Communication Log over Slack: no longer silent, and done.
    file_entry(base, fake, day="2024-10-25")
    _, answer = command(base, STAFF, "status")
    after = text_of(answer)
    assert f"🔇 {TEAMS - 1} silent" in after and "⚠️ 1 behind" in after
    assert f"Communication Log for October (due Fri, Oct 18): 1 of {TEAMS}" in after


def test_a_day_passing_a_due_date_shows_without_any_filing(program_of_many) -> None:
    base, services, _ = program_of_many
    object.__setattr__(services, "clock", lambda: MONDAY_OCT_7)
    _, answer = command(base, STAFF, "overdue")
    assert "Communication Log for October" not in text_of(answer)
    late = int(answer["text"].split(": ")[1])
    # October's log was due Fri Oct 18; on Monday the 21st every team owes it.
    object.__setattr__(services, "clock", lambda: datetime(2024, 10, 21, 15, tzinfo=UTC))
    _, answer = command(base, STAFF, "overdue")
    assert "Communication Log for October" in text_of(answer)
    assert answer["text"] == f"Overdue steps: {late + TEAMS}"


def _fresh(db, program, day: date = TODAY) -> list[int]:  # noqa: F811
    standing.refresh(db, program, day)
    with db() as session:
        return list(stored.stale(session, program.id, None, day, standing.basis(program)))


def test_every_change_to_a_teams_inputs_makes_its_standing_stale(db, program) -> None:  # noqa: F811
    teams = four_teams(db, program)
    assert _fresh(db, program) == []
    add_check_in(db, teams["silent"], date(2024, 9, 30))  # a row added
    with db() as session:
        assert list(stored.stale(session, program.id, None, TODAY, standing.basis(program))) == [
            teams["silent"]
        ]
    assert _fresh(db, program) == []
    # A conditional UPDATE (how a revision is superseded) marks its team too.
    with transaction(db) as session:
        session.execute(
            update(CommunicationLog)
            .where(CommunicationLog.team_id == teams["risk"])
            .values(minutes=45)
            .execution_options(synchronize_session=False)
        )
    with db() as session:
        assert list(stored.stale(session, program.id, None, TODAY, standing.basis(program))) == [
            teams["risk"]
        ]
    assert _fresh(db, program) == []
    with transaction(db) as session:  # and so does a change to the team itself
        session.get(Team, teams["on"]).area = "afnr"  # type: ignore[union-attr]
    with db() as session:
        assert list(stored.stale(session, program.id, None, TODAY, standing.basis(program))) == [
            teams["on"]
        ]
    # The next day every standing is computed again: deadlines and silence move with it.
    with db() as session:
        later = stored.stale(
            session, program.id, None, TODAY + timedelta(1), standing.basis(program)
        )
    assert sorted(later) == sorted(teams.values())


def test_a_change_committed_while_counting_leaves_the_standing_stale(db, program) -> None:  # noqa: F811
    teams = four_teams(db, program)
    with transaction(db) as session:
        stored.add_missing(session, program.id, None)
    with db() as session:
        counts = stored.stale(session, program.id, None, TODAY, standing.basis(program))
        ours = [t for t in active_teams(session, program.id) if t.id == teams["behind"]]
        found = rules.program_standings(session, program, ours, TODAY)
    # The log arrives after the count started and before it is stored.
    add_log(db, teams["behind"], date(2024, 9, 19))
    with transaction(db) as session:
        computed = [standing._row(program, found[0], counts[teams["behind"]], TODAY)]
        stored.store(session, program.id, TODAY, standing.basis(program), computed)
    with db() as session:
        assert teams["behind"] in stored.stale(
            session, program.id, None, TODAY, standing.basis(program)
        )
    standing.refresh(db, program, TODAY, [teams["behind"]])
    with db() as session:
        row = session.scalar(
            select(stored.TeamStandingRow).where(stored.TeamStandingRow.team_id == teams["behind"])
        )
        assert row is not None and row.standing == rules.ON_TRACK


def test_what_the_rows_give_is_what_the_rules_say(db, program) -> None:  # noqa: F811
    teams = four_teams(db, program)
    with transaction(db) as session:
        session.get(Team, teams["silent"]).area = "afnr"  # type: ignore[union-attr]
    make_team(db, program, mentor="U0MENTORE", protege="U0PROTEGEE", advisor=None)
    make_team(db, program, mentor="U0MENTORF", protege="U0PROTEGEF", track="year2")
    for day in (TODAY, date(2024, 11, 4), date(2025, 5, 30)):
        with db() as session:
            live = rules.program_standings(session, program, active_teams(session, program.id), day)
        standing.refresh(db, program, day)
        scope = stored.Scope(program.id)
        with db() as session:
            counted = standing.program_status(session, program, scope, day)
            late = standing.overdue(session, program, scope, day)
            done, eligible = standing.completers(session, scope)
        expected = rules.summarize(program, live, day)
        assert counted.groups == expected.groups and counted.totals == expected.totals
        assert counted.completion == expected.completion and counted.count == len(live)
        items = rules.overdue_items(program, live, day)
        assert late == rules.OverdueList.of(items) and late.total > 0
        assert [t.team_id for t in done] == [t.team_id for t in rules.completers(live)]
        assert eligible == len(live)


def _kept_totals(db, program) -> dict[str, list[tuple]]:  # noqa: F811
    tables = (stored._GROUPS, stored._TOTALS, stored._LATE)
    with db() as session:
        return {
            table.name: sorted(
                tuple(row)[1:]  # all but the program
                for row in session.execute(select(table).where(table.c.program_id == program.id))
            )
            for table in tables
        }


def _counted_from_scratch(db, program, day: date) -> dict[str, list[tuple]]:  # noqa: F811
    """The totals as the status rules give them of every active team now, summed here."""
    with db() as session:
        live = rules.program_standings(session, program, active_teams(session, program.id), day)
        advisor_ids = {p.slack_id: p.id for p in session.scalars(select(Person))}
    groups: Counter[tuple] = Counter()
    totals: dict[tuple, list[int]] = {}
    late: dict[int, list] = {}
    for team in live:
        groups[(team.area, team.track, team.standing)] += 1
        for status in rules.counted_so_far(team, day):
            key = (team.area, team.track, status.deadline.key, status.id, status.due)
            total = totals.setdefault(key, [0, 0, team.team_id])
            total[0] += 1
            total[1] += status.state == DONE
            total[2] = min(total[2], team.team_id)
        for item in rules.team_overdue(program, team, day):
            advisor = advisor_ids[item.advisor] if item.advisor else stored.NO_ADVISOR
            steps = late.setdefault(advisor, [0, item.due])
            steps[0] += 1
            steps[1] = min(steps[1], item.due)
    return {
        "team_standing_groups": sorted((*key, n) for key, n in groups.items()),
        "team_standing_totals": sorted((*key, *n) for key, n in totals.items()),
        "team_standing_late": sorted((advisor, *n) for advisor, n in late.items()),
    }


def test_the_totals_equal_a_count_from_scratch_after_filings_ticks_and_changes(
    db,  # noqa: F811
    program,  # noqa: F811
    ticking,
) -> None:
    teams = four_teams(db, program)
    teams["none"] = make_team(db, program, mentor="U0MENTORE", protege="U0PROTEGEE", advisor=None)
    teams["two"] = make_team(db, program, mentor="U0MENTORF", protege="U0PROTEGEF", track="year2")
    checked = []

    def check(day: date) -> None:
        standing.refresh(db, program, day)
        kept = _kept_totals(db, program)
        assert kept == _counted_from_scratch(db, program, day)
        checked.append(kept)

    check(TODAY)
    add_log(db, teams["behind"], date(2024, 9, 20))  # a late step filed
    add_check_in(db, teams["silent"], date(2024, 9, 20))
    check(TODAY)
    # A tick at a month start: notices recorded against teams in the ledger.
    ticking.run(program, datetime(2024, 10, 1, 14, tzinfo=UTC))
    check(date(2024, 10, 1))
    # The only team without an advisor files its most overdue step: the earliest late date
    # of its group moves on.
    add_log(db, teams["none"], date(2024, 9, 30))
    check(date(2024, 10, 1))
    with transaction(db) as session:  # a new mentor, another advisor, another area
        team = session.get(Team, teams["on"])
        new = get_or_create_person(session, "U0MENTORZ", AT)
        replace_member(session, team, "mentor", new, None, STAFF, AT)
        team = session.get(Team, teams["behind"])
        replace_member(session, team, "advisor", new, None, STAFF, AT)
        session.get(Team, teams["two"]).area = "afnr"  # type: ignore[union-attr]
        session.get(Team, teams["on"]).area = "afnr"  # type: ignore[union-attr]
    check(date(2024, 10, 1))
    add_log(db, teams["on"], date(2024, 10, 10), month="2024-10")
    with transaction(db) as session:  # a team that ends leaves every total
        end_team(
            session, session.get(Team, teams["risk"]), TeamStatus.WITHDRAWN, "moved", STAFF, AT
        )
    ticking.run(program, datetime(2024, 10, 21, 15, tzinfo=UTC))
    check(date(2024, 10, 21))
    check(date(2025, 5, 30))  # the end of the year: most of every team's steps are late
    # And from an empty start: the same totals as kept along the way.
    with transaction(db) as session:
        for table in (stored._GROUPS, stored._TOTALS, stored._LATE, stored._STEPS, stored._ROWS):
            session.execute(delete(table))
    check(date(2025, 5, 30))
    assert checked[-1] == checked[-2]
    assert all(checked[-1].values()) and checked[0] != checked[-1]
