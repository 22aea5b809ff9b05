"""Where the program stands (bot.status.rules) on every backend: the four standings, completion of
each deliverable so far, the overdue list's order, completers (with the survey), and the
plain-text table the demo prints."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.program.calendar import Deadline
from bot.program.steps import Step, StepKind
from bot.status import rules as status
from bot.status.deliverables import DONE
from storage.db import make_engine, make_session_factory, transaction
from storage.logs import CheckIn, CommunicationLog, LogMode
from storage.people import active_teams, get_team
from storage.survey import record_response
from tests.renamed_program import program_id, shipped_id
from tests.test_experiences_domain import make_team

TODAY = date(2024, 9, 23)  # Mon: September's log was due Fri Sep 20; the forms are due Sep 25
AT = datetime(2024, 9, 10, 15, tzinfo=UTC)


@pytest.fixture
def program(program):
    """The shipped program plus an orientation day on Aug 26 for year one (no form: untracked).

    A team's silence is counted from its first deadline; the shipped first one (September's
    log, Sep 20) is too late for a team to be silent by TODAY.
    """
    orientation = Deadline(
        "orientation",
        "year1",
        "Orientation",
        date(2024, 8, 26),
        "team",
        None,
        # Numbered: a track holds each step once (the loader refuses a second "meeting"),
        # and kept standings are keyed by step.
        Step(StepKind.MEETING, number=0),
    )
    return replace(program, fixed_deadlines=(orientation, *program.fixed_deadlines))


@pytest.fixture
def db(database_url):
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def add_log(factory, team_id: int, day: date, month: str = "2024-09", minutes: int = 30) -> None:
    with transaction(factory) as session:
        team = get_team(session, team_id)
        session.add(
            CommunicationLog(
                team_id=team_id,
                author=team.mentor.slack_id,
                author_role="mentor",
                conversation_date=day,
                mode=LogMode.PHONE,
                topic_month=month,
                help_needed="Pacing the first unit.",
                ideas_discussed="Weekly planning.",
                minutes=minutes,
                version=1,
                filed_at=AT,
            )
        )


def add_check_in(factory, team_id: int, day: date) -> None:
    with transaction(factory) as session:
        team = get_team(session, team_id)
        session.add(
            CheckIn(
                team_id=team_id,
                person=team.protege.slack_id,
                conversation_date=day,
                mode=LogMode.EMAIL,
                recorded_at=AT,
            )
        )


def four_teams(factory, program) -> dict[str, int]:
    """One team in each standing on TODAY."""
    teams = {
        "on": make_team(factory, program, mentor="U0MENTORA", protege="U0PROTEGEA"),
        "risk": make_team(factory, program, mentor="U0MENTORB", protege="U0PROTEGEB"),
        "behind": make_team(factory, program, mentor="U0MENTORC", protege="U0PROTEGEC"),
        "silent": make_team(
            factory, program, mentor="U0MENTORD", protege="U0PROTEGED", advisor="U0ADVISOR2"
        ),
    }
    add_log(factory, teams["on"], date(2024, 9, 18))
    add_check_in(factory, teams["on"], date(2024, 9, 12))
    add_log(factory, teams["risk"], date(2024, 9, 19))  # one contact day in September
    add_check_in(factory, teams["behind"], date(2024, 9, 16))
    add_check_in(factory, teams["behind"], date(2024, 9, 19))  # talked twice, filed no log
    return teams


def standings(factory, program, today: date = TODAY) -> dict[int, status.TeamStanding]:
    with factory() as session:
        teams = active_teams(session, program.id)
        return {s.team_id: s for s in status.program_standings(session, program, teams, today)}


def test_each_team_gets_the_worst_standing_that_applies(db, program) -> None:
    teams = four_teams(db, program)
    found = standings(db, program)
    assert found[teams["on"]].standing == status.ON_TRACK
    assert found[teams["risk"]].standing == status.AT_RISK
    assert found[teams["behind"]].standing == status.BEHIND
    overdue = found[teams["behind"]].overdue
    assert [shipped_id(s.deadline) for s in overdue] == ["communication-log-2024-09"]
    # Silent wins over behind: nothing since the start, and September's log is missing too.
    assert found[teams["silent"]].standing == status.SILENT
    assert found[teams["silent"]].overdue


def test_the_summary_counts_by_area_and_track_and_completion_so_far(db, program) -> None:
    teams = four_teams(db, program)
    with transaction(db) as session:
        get_team(session, teams["silent"]).area = "afnr"
    found = list(standings(db, program).values())
    summary = status.summarize(program, found, TODAY)
    assert summary.totals == {"on track": 1, "behind": 1, "at risk": 1, "silent": 1}
    groups = {(g.area, g.track): g.counts for g in summary.groups}
    assert groups[("afnr", "year1")] == {"on track": 0, "behind": 0, "at risk": 0, "silent": 1}
    assert groups[("bmit", "year1")]["on track"] == 1
    assert [g.area for g in summary.groups] == ["afnr", "bmit"]  # the program's order
    # Only the orientation meeting (attendance counts since issue 14; nobody recorded it) and
    # September's log are due by Sep 23.
    meeting, log = summary.completion
    assert (meeting.step, meeting.done, meeting.total) == ("meeting-0", 0, 4)
    assert (log.deadline_id, log.done, log.total, log.percent) == (
        program_id(program, "year1", "communication-log-2024-09"),
        2,
        4,
        50,
    )
    table = status.status_table(program, summary)
    assert "4 team(s), 1 on track, 1 behind, 1 at risk, 1 silent" in table
    assert "Communication Log for September" in table and "2/4" in table


def test_overdue_is_grouped_by_advisor_most_late_first(db, program) -> None:
    teams = four_teams(db, program)
    later = date(2024, 10, 1)
    found = list(standings(db, program, later).values())
    items = status.overdue_items(program, found, later)
    assert items, "every team owes the September forms by Oct 1"
    advisors = [i.advisor for i in items]
    # Grouped: one advisor's items are together.
    assert advisors == sorted(advisors, key=lambda a: advisors.index(a))
    for advisor in set(advisors):
        lates = [i.days_late for i in items if i.advisor == advisor]
        assert lates == sorted(lates, reverse=True)
    log_item = next(
        i
        for i in items
        if i.team_id == teams["behind"]
        and i.deadline_id == program_id(program, "year1", "communication-log-2024-09")
    )
    assert log_item.days_late == 11 and log_item.responsible == ("U0MENTORC",)


def test_completers_need_every_required_deliverable_and_the_survey(db, program) -> None:
    team = make_team(db, program)
    end = date(2025, 5, 31)
    with db() as session:
        [one] = status.program_standings(session, program, [get_team(session, team)], end)
    assert not one.complete and status.completers([one]) == []
    assert "survey" in {shipped_id(s.deadline) for s in one.statuses}  # counted as a deliverable
    # Marking every other step done by hand: the survey still holds the team back.
    done_but_survey = replace(
        one,
        statuses=tuple(
            s if shipped_id(s.deadline) == "survey" else replace(s, state=DONE)
            for s in one.statuses
        ),
    )
    assert not done_but_survey.complete
    with transaction(db) as session:
        t = get_team(session, team)
        for person, role in ((t.mentor, "mentor"), (t.protege, "protege")):
            record_response(
                session,
                program_id=program.id,
                team_id=team,
                slack_id=person.slack_id,
                role=role,
                ratings={"relationship": 5, "benefits": 4, "materials": 4},
                comments=None,
                now=datetime(2025, 4, 10, tzinfo=UTC),
            )
    with db() as session:
        [again] = status.program_standings(session, program, [get_team(session, team)], end)
    survey = next(s for s in again.statuses if shipped_id(s.deadline) == "survey")
    assert survey.state == DONE and survey.done_at == datetime(2025, 4, 10, tzinfo=UTC)


def test_areas_are_found_by_id_or_name_in_any_case(program) -> None:
    assert status.area_matching(program, "BMIT") == "bmit"
    assert status.area_matching(program, "family consumer sciences and human services") == "fcs"
    assert status.area_matching(program, "cooking") is None


def test_a_quiet_may_makes_no_team_silent_after_the_last_log_is_due(db, program) -> None:
    # April's log, the last of the year, is due Fri Apr 18: quiet is expected after it.
    quiet_since_april = make_team(db, program, mentor="U0MENTORE", protege="U0PROTEGEE")
    silent_in_march = make_team(db, program, mentor="U0MENTORF", protege="U0PROTEGEF")
    add_log(db, quiet_since_april, date(2025, 4, 10), month="2025-04")
    add_log(db, silent_in_march, date(2025, 3, 3), month="2025-03")
    found = standings(db, program, date(2025, 5, 30))
    assert found[quiet_since_april].standing != status.SILENT
    assert found[silent_in_march].standing == status.SILENT  # silent in season: still so
