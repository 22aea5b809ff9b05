"""SQLite plans a query with what it knows of the indexes. Without statistics it trusts any
index on a compared column, and finds a person's own teams through teams.status (where every
team is 'active'): a read of every team on each `/mentor help`. `mentorbot run` gathers them
at start."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text

from storage.db import gather_planner_statistics, make_engine, make_session_factory, transaction
from storage.people import _MEMBER_TEAMS, add_team, get_or_create_person, teams_of_member

NOW = datetime(2024, 8, 1, tzinfo=UTC)


def _plan(engine, program_id: str) -> str:
    compiled = _MEMBER_TEAMS.compile(dialect=engine.dialect)
    values = compiled.construct_params({"slack_id": "U0M0007", "program_id": program_id})
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}",
            tuple(values[name] for name in compiled.positiontup or ()),
        ).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_a_persons_teams_are_found_through_their_own_index_once_statistics_are_gathered(
    sqlite_url, program
) -> None:
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        for n in range(40):
            add_team(
                session,
                program_id=program.id,
                mentor=get_or_create_person(session, f"U0M{n:04d}", NOW),
                protege=get_or_create_person(session, f"U0P{n:04d}", NOW),
                advisor=None,
                area="bmit",
                track="year1",
                start_date=date(2024, 8, 1),
                created_by=None,
                now=NOW,
            )
    assert "ix_teams_status" in _plan(engine, program.id)  # SQLite's guess, before

    gather_planner_statistics(engine)

    plan = _plan(engine, program.id)
    assert "ix_teams_mentor_id" in plan and "ix_teams_protege_id" in plan
    assert "ix_teams_status" not in plan
    with engine.connect() as connection:
        sampled = connection.execute(text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'teams'"))
        assert "ix_teams_status" in set(sampled.scalars())
    with factory() as session:  # the same answer either way
        [team] = teams_of_member(session, "U0M0007", program.id)
        assert team.mentor.slack_id == "U0M0007"
    engine.dispose()
