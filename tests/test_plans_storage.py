"""The checklists and the Individual Mentoring Plan in storage, on every backend: revisions are
kept, decisions happen once, and the interface other features read gives the right answers."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.access import Refusal
from bot.plans import rules as plans
from bot.plans.form import DecisionPointsForm, FocalPointsForm, PlanForm, SlotForm, focal_keys
from bot.plans.rules import PlanSlot
from bot.plans.step import FOCAL_POINTS
from bot.status.deliverables import deliverables_for
from storage.db import make_engine, make_session_factory, transaction
from storage.models import TeamStatus
from storage.people import add_team, get_or_create_person, get_team
from storage.plans import FocalPointsFiling, MentoringPlan, PlanStatus

MENTOR, PROTEGE, ADVISOR = "U0MENTOR1", "U0PROTEGE1", "U0ADVISOR1"
T0 = datetime(2024, 9, 25, 15, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url, program):
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        team = add_team(
            session,
            program_id=program.id,
            mentor=get_or_create_person(session, MENTOR, T0),
            protege=get_or_create_person(session, PROTEGE, T0),
            advisor=get_or_create_person(session, ADVISOR, T0),
            area="bmit",
            track="year1",
            start_date=date(2024, 8, 26),
            created_by=None,
            now=T0,
        )
        team_id = team.id
    yield factory, team_id
    engine.dispose()


def all_ones(program, **overrides) -> FocalPointsForm:
    ratings = {key: 1 for key in focal_keys(program)}
    ratings.update(overrides.get("ratings", {}))
    return FocalPointsForm(ratings)


def slot(number: int, selection: int | None = 7, **changes) -> SlotForm:
    values = dict(
        number=number,
        semester=1 if number <= 2 else 2,
        selection=selection,
        other_description=None if selection else "Shadow a CTSO advisor at districts",
        planned=f"Plan for experience {number}",
        due=date(2024, 10, 21) + timedelta(days=40 * (number - 1)),
    )
    values.update(changes)
    return SlotForm(**values)


def plan_form(*slots: SlotForm) -> PlanForm:
    given = {s.number: s for s in slots}
    return PlanForm(tuple(given.get(n, slot(n)) for n in (1, 2, 3, 4)))


def test_focal_points_refiled_keeps_the_first_and_the_step_is_done_at_the_first(db, program):
    factory, team_id = db
    with transaction(factory) as session:
        team = get_team(session, team_id)
        plans.file_focal_points(session, program, team, all_ones(program), PROTEGE, T0)
    later = T0 + timedelta(days=2)
    with transaction(factory) as session:
        team = get_team(session, team_id)
        again = all_ones(program, ratings={(1, 0): 3})
        plans.file_focal_points(session, program, team, again, PROTEGE, later)
    with factory() as session:
        team = get_team(session, team_id)
        filings = session.scalars(select(FocalPointsFiling).order_by(FocalPointsFiling.id)).all()
        assert [f.superseded_at for f in filings] == [later, None]
        assert filings[0].superseded_by == PROTEGE
        current = plans.current_focal_points(session, team)
        assert len(current.ratings) == 36  # the manual's checklist, every item
        rating = next(r for r in current.ratings if (r.category_index, r.item_index) == (1, 0))
        assert (rating.category, rating.item, rating.rating) == (
            "Student Motivation",
            "Motivating difficult students",
            3,
        )
        assert plans.completed_steps(session, team) == {"focal-points": T0}


def test_areas_of_collaboration_are_concerned_where_an_item_is_rated_2_or_3(db, program):
    factory, team_id = db
    # Student Motivation (2 → concerned), Workload (3), Relationships (& vs "and" in the file).
    ratings = {(1, 1): 2, (7, 5): 3, (9, 3): 2, (0, 0): 1}
    with transaction(factory) as session:
        team = get_team(session, team_id)
        plans.file_focal_points(
            session, program, team, all_ones(program, ratings=ratings), PROTEGE, T0
        )
        draft = plans.decision_draft(session, program, team)
    assert draft.focal_filed
    assert draft.concerned == {(0, 1), (0, 7), (0, 9)}
    assert draft.from_focal[(0, 1)] == ["Working with special needs students"]
    assert draft.from_focal[(0, 9)] == ["Working effectively with administration and colleagues"]


def test_decision_points_keep_notes_and_top_four_and_the_newer_source_of_concerns(db, program):
    factory, team_id = db
    form = DecisionPointsForm(
        concerned=frozenset({(0, 0), (0, 1), (0, 7), (1, 5)}),
        notes={(0, 0): "Lab procedures first", (1, 5): "Core data due in October"},
        top=((0, 7), (0, 0), (1, 5), (0, 1)),
    )
    with transaction(factory) as session:
        team = get_team(session, team_id)
        filing = plans.file_decision_points(session, program, team, form, MENTOR, T0)
        assert plans.top_concerns(filing) == [
            "Workload",
            "Classroom Management",
            "State reporting",
            "Student Motivation",
        ]
        draft = plans.decision_draft(session, program, team)
        assert draft.concerned == form.concerned and draft.top == form.top
        assert draft.notes == form.notes
        assert not draft.focal_filed
    # The protégé rates the checklist afterwards: its concerns are what the modal now shows.
    with transaction(factory) as session:
        team = get_team(session, team_id)
        plans.file_focal_points(
            session,
            program,
            team,
            all_ones(program, ratings={(4, 0): 3}),
            PROTEGE,
            T0 + timedelta(hours=1),
        )
        draft = plans.decision_draft(session, program, team)
        assert draft.concerned == {(0, 4)} and draft.notes == form.notes
        assert plans.completed_steps(session, team) == {
            "focal-points": T0 + timedelta(hours=1),
            "decision-points": T0,
        }


def test_plan_revisions_approval_and_the_slots_other_features_read(db, program):
    factory, team_id = db
    with transaction(factory) as session:
        team = get_team(session, team_id)
        first = plans.submit_plan(session, program, team, plan_form(slot(2, None)), MENTOR, T0)
        assert first.revision == 1 and first.status == "submitted"
        assert first.other_slots == [2]
        with pytest.raises(Refusal, match="Nothing has changed since revision 1"):
            plans.submit_plan(session, program, team, plan_form(slot(2, None)), PROTEGE, T0)
    with transaction(factory) as session:
        assert plans.current_plan_slots(session, team_id)[0] == PlanSlot(
            1, 1, 7, None, "Plan for experience 1", date(2024, 10, 21), False
        )
        with pytest.raises(Refusal, match="Experience 2 is not on the selection list"):
            plans.approve_plan(session, first.id, ADVISOR, T0, set())
        assert plans.approve_plan(session, first.id, ADVISOR, T0 + timedelta(days=1), {2})
        # A second approval of the same revision changes nothing.
        assert not plans.approve_plan(session, first.id, ADVISOR, T0 + timedelta(days=2), {2})
    with factory() as session:
        row = session.get(MentoringPlan, first.id)
        assert row.status == PlanStatus.APPROVED
        assert row.approved_at == T0 + timedelta(days=1) and row.approved_by == ADVISOR
        # Approving implies having received it, when "received" was never pressed.
        assert row.received_at == T0 + timedelta(days=1)
        other = row.slots[1]
        assert (other.other_approved_by, other.other_approved_at) == (
            ADVISOR,
            T0 + timedelta(days=1),
        )
        assert all(s.approved for s in plans.current_plan_slots(session, team_id))
    # Revision 2 changes Experience 4 only: the other three stay approved while it is reviewed.
    later = T0 + timedelta(days=30)
    with transaction(factory) as session:
        team = get_team(session, team_id)
        changed = plan_form(slot(2, None), slot(4, 12, planned="A different unit"))
        second = plans.submit_plan(session, program, team, changed, PROTEGE, later)
        assert second.revision == 2 and second.changed == (4,)
    with factory() as session:
        slots = plans.current_plan_slots(session, team_id)
        assert [s.approved for s in slots] == [True, True, True, False]
        assert slots[3].selection == 12 and slots[3].planned == "A different unit"
        old = session.get(MentoringPlan, first.id)
        assert old.superseded_at == later and old.superseded_by == PROTEGE
        # The calendar step was done when the first revision went out.
        assert plans.completed_steps(session, get_team(session, team_id)) == {"mentoring-plan": T0}
        assert (
            plans.review_problem(plans.plan_record(session, first.id), get_team(session, team_id))
            == "superseded"
        )


def test_a_returned_plan_may_go_back_unchanged_and_received_is_kept_once(db, program):
    factory, team_id = db
    with transaction(factory) as session:
        team = get_team(session, team_id)
        plan = plans.submit_plan(session, program, team, plan_form(), MENTOR, T0)
        assert plans.receive_plan(session, plan.id, ADVISOR, T0 + timedelta(hours=1))
        assert not plans.receive_plan(session, plan.id, ADVISOR, T0 + timedelta(hours=2))
        assert plans.return_plan(session, plan.id, ADVISOR, "Add dates", T0 + timedelta(hours=3))
        assert not plans.return_plan(session, plan.id, ADVISOR, "Again", T0 + timedelta(hours=4))
        assert not plans.approve_plan(session, plan.id, ADVISOR, T0, set())
        record = plans.plan_record(session, plan.id)
        assert record.status == "returned" and record.return_comment == "Add dates"
        assert record.received_at == T0 + timedelta(hours=1)
        assert plans.review_problem(record, team) == "returned"
        again = plans.submit_plan(
            session, program, team, plan_form(), MENTOR, T0 + timedelta(days=1)
        )
        assert again.revision == 2 and again.changed == ()
    with factory() as session:
        assert [s.approved for s in plans.current_plan_slots(session, team_id)] == [False] * 4


def test_no_plan_yet_and_an_ended_team_is_closed(db, program):
    factory, team_id = db
    with transaction(factory) as session:
        assert plans.current_plan_slots(session, team_id) == []
        assert plans.current_plan_slots(session, 99999) == []
        team = get_team(session, team_id)
        assert plans.completed_steps(session, team) == {}
        team.status = TeamStatus.WITHDRAWN
    with transaction(factory) as session:
        team = get_team(session, team_id)
        with pytest.raises(Refusal, match="ended"):
            plans.submit_plan(session, program, team, plan_form(), MENTOR, T0)


def test_only_one_of_two_simultaneous_approvals_wins(db, program):
    factory, team_id = db
    with transaction(factory) as session:
        plan = plans.submit_plan(
            session, program, get_team(session, team_id), plan_form(), MENTOR, T0
        )
    results: list[bool] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def decide(who: str) -> None:
        barrier.wait()
        try:
            with transaction(factory) as session:
                results.append(plans.approve_plan(session, plan.id, who, T0, set()))
        except Exception as exc:  # SQLite may refuse the second writer outright
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(who,)) for who in (ADVISOR, "U0STAFF01")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    assert len(results) + len(errors) == 2
    with factory() as session:
        assert session.get(MentoringPlan, plan.id).approved_by in (ADVISOR, "U0STAFF01")


def test_a_filing_not_yet_flushed_counts_in_its_own_transactions_deliverables(db, program):
    """A team's deliverables read in the transaction that filed a form see it, flushed or not:
    their reads of plain columns flush what is pending first, as the Session's own do."""
    factory, team_id = db
    focal = program.step("year1", FOCAL_POINTS)
    with transaction(factory) as session:
        team = get_team(session, team_id)
        filing = FocalPointsFiling(
            team_id=team_id, program_id=program.id, version=1, filed_by=PROTEGE, filed_at=T0
        )
        session.add(filing)
        assert filing in session.new  # nothing has flushed it yet
        # The step alone: its filings are the first read.
        (status,) = deliverables_for(session, program, [team], T0.date(), only=[focal.id])[team_id]
        assert status.done_at == T0
