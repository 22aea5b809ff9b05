"""Structured experiences on every backend: the signing order, the signatures, the history,
revisions kept, and year two's focus areas. Shared team helpers for the other test modules
of issue 5 live here too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.access import Refusal
from bot.experiences import rules as domain
from bot.experiences.rules import CommentEntry, ExperienceEntry
from storage.db import make_engine, make_session_factory, transaction
from storage.experiences import (
    ExperienceStatus,
    ExperienceSubmission,
    MentorComment,
    experience,
)
from storage.models import Team, TeamStatus
from storage.people import add_team, get_or_create_person, get_team
from storage.plans import SlotRow, add_plan_revision, approve, current_plan
from storage.teams import end_team

MENTOR, PROTEGE, ADVISOR = "U0MENTOR1", "U0PROTEGE1", "U0ADVISOR1"
OTHER_MENTOR, OTHER_PROTEGE = "U0MENTOR2", "U0PROTEGE2"
NOW = datetime(2024, 10, 15, 15, tzinfo=UTC)
_THINKING = "Facilitator of Student Thinking & Learning"
LINK = "https://drive.example.org/d/syllabus"


def make_team(
    factory,
    program,
    *,
    mentor: str = MENTOR,
    protege: str = PROTEGE,
    advisor: str | None = ADVISOR,
    track: str = "year1",
    start: date = date(2024, 8, 26),
    protege_tz: str = "America/Chicago",
) -> int:
    now = datetime(2024, 8, 1, tzinfo=UTC)
    with transaction(factory) as session:
        team = add_team(
            session,
            program_id=program.id,
            mentor=get_or_create_person(
                session, mentor, now, "Mentor " + mentor[-1], "America/Chicago"
            ),
            protege=get_or_create_person(
                session, protege, now, "Protégé " + protege[-1], protege_tz
            ),
            advisor=(
                get_or_create_person(session, advisor, now, "Advisor", "America/Chicago")
                if advisor
                else None
            ),
            area="bmit",
            track=track,
            start_date=start,
            created_by=None,
            now=now,
        )
        return team.id


def add_plan(factory, program, team_id: int, slots=None, *, approved: bool = True) -> None:
    """An Individual Mentoring Plan through part A's storage, approved by the advisor."""
    rows = slots or [
        SlotRow(1, 1, 1, None, "Write the syllabus for Intro to Business", date(2024, 10, 21)),
        SlotRow(2, 1, 7, None, "A problem-solving lesson", date(2024, 12, 2)),
        SlotRow(3, 2, 14, None, "A program flyer", date(2025, 2, 3)),
        SlotRow(4, 2, 11, None, "Recruiting plan", date(2025, 3, 3)),
    ]
    with transaction(factory) as session:
        plan = add_plan_revision(
            session, team_id, program.id, rows, PROTEGE, NOW - timedelta(days=20)
        )
        if approved:
            others = [row.number for row in rows if row.selection is None]
            approve(session, plan, ADVISOR, NOW - timedelta(days=19), others)


def entry(selection: int | None = 1, other: str | None = None, focus=()) -> ExperienceEntry:
    return ExperienceEntry(selection, other, tuple(focus), LINK, "I wrote the syllabus.")


def comment_entry(text: str = "Thorough and practical.") -> CommentEntry:
    return CommentEntry(date(2024, 10, 22), "bmit", "#1 Create a syllabus", text)


@pytest.fixture
def db(database_url, program):
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    yield factory
    engine.dispose()


def _team(session, team_id: int) -> Team:
    team = get_team(session, team_id)
    assert team is not None
    return team


def test_the_full_signing_order_records_both_signatures(db, program) -> None:
    team_id = make_team(db, program)
    with transaction(db) as s:
        domain.submit(s, program, _team(s, team_id), 1, entry(), PROTEGE, NOW)
    with transaction(db) as s:
        sub = experience(s, team_id, 1)
        state = domain.state_of(s, program, _team(s, team_id), 1)
        assert sub.status is ExperienceStatus.SUBMITTED and state.holder == "mentor"
        comment = domain.file_comment(
            s,
            _team(s, team_id),
            1,
            state.submission.id,
            comment_entry(),
            MENTOR,
            NOW + timedelta(days=1),
        )
    with transaction(db) as s:
        domain.agree(s, _team(s, team_id), 1, comment.id, PROTEGE, NOW + timedelta(days=2))
    with db() as s:
        record = experience(s, team_id, 1)
        assert record.status is ExperienceStatus.AGREED
        assert record.submitted_by == PROTEGE and record.submitted_at == NOW
        assert record.commented_at == NOW + timedelta(days=1)
        assert (record.agreed_by, record.agreed_at) == (PROTEGE, NOW + timedelta(days=2))
        assert domain.current_comment(s, record.id).filed_by == MENTOR
        events = [(e.event, e.by) for e in domain.history(s, record)]
    assert events == [("submitted", PROTEGE), ("commented", MENTOR), ("agreed", PROTEGE)]


def test_no_comment_before_a_submission_and_no_agreement_before_a_comment(db, program) -> None:
    team_id = make_team(db, program)
    with transaction(db) as s, pytest.raises(Refusal, match="has not been submitted yet"):
        domain.file_comment(s, _team(s, team_id), 1, 1, comment_entry(), MENTOR, NOW)
    with transaction(db) as s, pytest.raises(Refusal, match="no Mentor Comment Form"):
        domain.agree(s, _team(s, team_id), 1, 1, PROTEGE, NOW)
    with transaction(db) as s:
        domain.submit(s, program, _team(s, team_id), 1, entry(), PROTEGE, NOW)
    with transaction(db) as s, pytest.raises(Refusal, match="no Mentor Comment Form"):
        domain.agree(s, _team(s, team_id), 1, 1, PROTEGE, NOW)
    with db() as s:
        assert experience(s, team_id, 1).status is ExperienceStatus.SUBMITTED
        assert experience(s, team_id, 1).agreed_at is None


def test_each_step_belongs_to_one_person(db, program) -> None:
    team_id = make_team(db, program)
    with transaction(db) as s, pytest.raises(Refusal, match="Only the protégé"):
        domain.submit(s, program, _team(s, team_id), 1, entry(), MENTOR, NOW)
    with transaction(db) as s:
        domain.submit(s, program, _team(s, team_id), 1, entry(), PROTEGE, NOW)
    with transaction(db) as s:
        state = domain.state_of(s, program, _team(s, team_id), 1)
        with pytest.raises(Refusal, match="Only the mentor"):
            domain.file_comment(
                s, _team(s, team_id), 1, state.submission.id, comment_entry(), PROTEGE, NOW
            )
    with transaction(db) as s:
        c = domain.file_comment(
            s, _team(s, team_id), 1, state.submission.id, comment_entry(), MENTOR, NOW
        )
    with transaction(db) as s, pytest.raises(Refusal, match="Only the protégé"):
        domain.agree(s, _team(s, team_id), 1, c.id, MENTOR, NOW)


def test_discussing_returns_it_to_the_mentor_and_a_revised_form_is_agreed(db, program) -> None:
    team_id = make_team(db, program)
    with transaction(db) as s:
        domain.submit(s, program, _team(s, team_id), 1, entry(), PROTEGE, NOW)
        sub_id = domain.state_of(s, program, _team(s, team_id), 1).submission.id
        first = domain.file_comment(
            s, _team(s, team_id), 1, sub_id, comment_entry("v1"), MENTOR, NOW
        )
    with transaction(db) as s:
        domain.ask_to_discuss(
            s, _team(s, team_id), 1, first.id, "Can we talk about B?", PROTEGE, NOW
        )
    with transaction(db) as s:
        state = domain.state_of(s, program, _team(s, team_id), 1)
        assert state.status is ExperienceStatus.DISCUSS and state.holder == "mentor"
        assert state.discuss_note == "Can we talk about B?"
        with pytest.raises(Refusal, match="asked to discuss"):
            domain.agree(s, _team(s, team_id), 1, first.id, PROTEGE, NOW)
    later = NOW + timedelta(days=1)
    with transaction(db) as s:
        second = domain.file_comment(
            s, _team(s, team_id), 1, sub_id, comment_entry("v2"), MENTOR, later
        )
    with transaction(db) as s, pytest.raises(Refusal, match="revised the Mentor Comment Form"):
        domain.agree(s, _team(s, team_id), 1, first.id, PROTEGE, later)  # the old version
    with transaction(db) as s:
        domain.agree(s, _team(s, team_id), 1, second.id, PROTEGE, later)
    with db() as s:
        record = experience(s, team_id, 1)
        # The mentor's step was met at the first filing; both versions are kept.
        assert record.commented_at == NOW and record.status is ExperienceStatus.AGREED
        versions = (
            s.query(MentorComment)
            .filter_by(experience_id=record.id)
            .order_by(MentorComment.id)
            .all()
        )
        assert [(v.comments, v.superseded_at is not None) for v in versions] == [
            ("v1", True),
            ("v2", False),
        ]
        assert [e.event for e in domain.history(s, record)] == [
            "submitted",
            "commented",
            "discuss",
            "comment_revised",
            "agreed",
        ]
        assert domain.history(s, record)[2].note == "Can we talk about B?"


def test_a_second_agreement_and_late_changes_are_refused(db, program) -> None:
    team_id = make_team(db, program)
    with transaction(db) as s:
        domain.submit(s, program, _team(s, team_id), 1, entry(), PROTEGE, NOW)
        sub_id = domain.state_of(s, program, _team(s, team_id), 1).submission.id
        c = domain.file_comment(s, _team(s, team_id), 1, sub_id, comment_entry(), MENTOR, NOW)
    with (
        transaction(db) as s,
        pytest.raises(Refusal, match="agree to it or ask to discuss"),
    ):
        domain.submit(s, program, _team(s, team_id), 1, entry(), PROTEGE, NOW)
    with transaction(db) as s:
        domain.agree(s, _team(s, team_id), 1, c.id, PROTEGE, NOW)
    for attempt in (
        lambda s: domain.agree(s, _team(s, team_id), 1, c.id, PROTEGE, NOW),
        lambda s: domain.submit(s, program, _team(s, team_id), 1, entry(), PROTEGE, NOW),
        lambda s: domain.file_comment(
            s, _team(s, team_id), 1, sub_id, comment_entry(), MENTOR, NOW
        ),
        lambda s: domain.ask_to_discuss(s, _team(s, team_id), 1, c.id, None, PROTEGE, NOW),
    ):
        with transaction(db) as s, pytest.raises(Refusal, match="done"):
            attempt(s)
    with db() as s:
        assert len(domain.history(s, experience(s, team_id, 1))) == 3


def test_a_revised_submission_keeps_the_earlier_one_and_a_stale_comment_is_refused(
    db, program
) -> None:
    team_id = make_team(db, program)
    with transaction(db) as s:
        domain.submit(s, program, _team(s, team_id), 1, entry(), PROTEGE, NOW)
        old = domain.state_of(s, program, _team(s, team_id), 1).submission.id
    with transaction(db) as s:
        domain.submit(s, program, _team(s, team_id), 1, entry(), PROTEGE, NOW + timedelta(hours=1))
    with transaction(db) as s, pytest.raises(Refusal, match="new version"):
        domain.file_comment(s, _team(s, team_id), 1, old, comment_entry(), MENTOR, NOW)
    with db() as s:
        rows = s.query(ExperienceSubmission).order_by(ExperienceSubmission.id).all()
        assert [r.superseded_at is None for r in rows] == [False, True]
        # The calendar's "sent" step was met at the first submission.
        assert experience(s, team_id, 1).submitted_at == NOW


def test_experience_n_is_plan_slot_n(db, program) -> None:
    team_id = make_team(db, program)
    add_plan(db, program, team_id)
    with transaction(db) as s:
        # The entry asks for selection 3, the plan says 7: the plan wins.
        domain.submit(s, program, _team(s, team_id), 2, entry(3), PROTEGE, NOW)
    with db() as s:
        record = experience(s, team_id, 2)
        assert record.selection == 7
        assert record.focus_area_list == program.experience_selection(7).focus_areas


def test_an_other_slot_needs_the_advisors_approval_first(db, program) -> None:
    team_id = make_team(db, program)
    rows = [SlotRow(1, 1, None, "Shadow a DECA advisor", "Notes", date(2024, 10, 21))]
    add_plan(db, program, team_id, rows, approved=False)
    with transaction(db) as s, pytest.raises(Refusal, match="not approved it yet"):
        domain.submit(
            s, program, _team(s, team_id), 1, entry(None, focus=["Professional"]), PROTEGE, NOW
        )
    with transaction(db) as s:
        plan = current_plan(s, team_id, program.id)
        approve(s, plan, ADVISOR, NOW, [1])
    with transaction(db) as s:
        domain.submit(
            s, program, _team(s, team_id), 1, entry(None, focus=["Professional"]), PROTEGE, NOW
        )
    with db() as s:
        record = experience(s, team_id, 1)
        assert record.other_description == "Shadow a DECA advisor"
        assert record.focus_area_list == ("Professional",)


def test_year_one_has_four_experiences_and_year_two_adds_extras(db, program) -> None:
    assert domain.experience_numbers(program, "year1", [], []) == (1, 2, 3, 4)
    assert domain.experience_numbers(program, "year2", [], []) == (1,)
    assert domain.experience_numbers(program, "year2", [], [1, 2]) == (1, 2, 3)
    team_id = make_team(db, program)
    with transaction(db) as s, pytest.raises(Refusal, match="no Experience 5"):
        domain.submit(s, program, _team(s, team_id), 5, entry(), PROTEGE, NOW)


def test_year_two_coverage_names_the_missing_focus_areas(db, program) -> None:
    team_id = make_team(db, program, track="year2", start=date(2024, 10, 1))

    def done(number: int, selection: int | None, at: datetime, focus=()) -> None:
        with transaction(db) as s:
            team = _team(s, team_id)
            domain.submit(
                s, program, team, number, entry(selection, "Own design", focus), PROTEGE, at
            )
            sub = domain.state_of(s, program, team, number).submission.id
            c = domain.file_comment(s, team, number, sub, comment_entry(), MENTOR, at)
            domain.agree(s, team, number, c.id, PROTEGE, at)

    done(1, 3, NOW)  # Professional, Classroom Manager, Community Builder, Reflective Learner
    with db() as s:
        covered = domain.team_coverage(s, program, _team(s, team_id))
    assert covered.missing == (
        "Instructional Designer",
        "Facilitator of Student Thinking & Learning",
    )
    assert covered.complete_at is None
    with transaction(db) as s:  # under way, not yet counted
        domain.submit(s, program, _team(s, team_id), 2, entry(9), PROTEGE, NOW)
    with db() as s:
        covered = domain.team_coverage(s, program, _team(s, team_id))
    assert covered.in_progress == covered.missing
    with transaction(db) as s:
        team = _team(s, team_id)
        sub = domain.state_of(s, program, team, 2).submission.id
        c = domain.file_comment(s, team, 2, sub, comment_entry(), MENTOR, NOW + timedelta(days=3))
        domain.agree(s, team, 2, c.id, PROTEGE, NOW + timedelta(days=3))
    with db() as s:
        covered = domain.team_coverage(s, program, _team(s, team_id))
    assert covered.complete and covered.complete_at == NOW + timedelta(days=3)


def test_a_proteges_experiences_and_approvals_follow_them_into_their_next_team(db, program) -> None:
    """Year one's experiences, an approved one of the team's own design among them, count
    toward the same protégé's year-two focus areas when a batch of teams is read at once;
    another protégé's team in the batch counts none of them."""
    first = make_team(db, program)  # year one
    approved_at = NOW + timedelta(days=2)
    with transaction(db) as s:
        team = _team(s, first)
        own = entry(None, "Own design", ("Instructional Designer", _THINKING))
        for number, chosen in ((1, entry(3)), (2, own)):
            domain.submit(s, program, team, number, chosen, PROTEGE, NOW)
            sub = domain.state_of(s, program, team, number).submission.id
            c = domain.file_comment(s, team, number, sub, comment_entry(), MENTOR, NOW)
            domain.agree(s, team, number, c.id, PROTEGE, NOW)
        own_id = domain.state_of(s, program, team, 2).submission.id
        domain.approve_other(s, team, 2, own_id, ADVISOR, approved_at)
        end_team(s, team, TeamStatus.COMPLETED, "year one done", ADVISOR, approved_at)
    second = make_team(db, program, track="year2", start=date(2025, 8, 25))
    other = make_team(db, program, mentor=OTHER_MENTOR, protege=OTHER_PROTEGE, track="year2")
    with db() as s:
        records, approvals = domain.protege_records(s, [_team(s, second), _team(s, other)])
    assert [(r.team_id, r.number) for r in records[second]] == [(first, 1), (first, 2)]
    assert list(approvals.values()) == [approved_at]
    covered = domain.coverage(program, records[second], approvals)
    assert covered.complete_at == approved_at  # the approval made year one's own design count
    assert records[other] == []
    assert domain.coverage(program, records[other], approvals).covered == ()


def test_two_people_taking_the_same_step_at_once_only_one_wins(db, program) -> None:
    team_id = make_team(db, program)
    with transaction(db) as s:
        domain.submit(s, program, _team(s, team_id), 1, entry(), PROTEGE, NOW)
        sub = domain.state_of(s, program, _team(s, team_id), 1).submission.id
        c = domain.file_comment(s, _team(s, team_id), 1, sub, comment_entry(), MENTOR, NOW)
    # Two sessions load the commented experience, then both try to agree.
    first, second = db(), db()
    try:
        team_a, team_b = _team(first, team_id), _team(second, team_id)
        experience(first, team_id, 1), experience(second, team_id, 1)
        domain.agree(first, team_a, 1, c.id, PROTEGE, NOW)
        first.commit()
        with pytest.raises(Refusal):
            domain.agree(second, team_b, 1, c.id, PROTEGE, NOW)
        second.rollback()
    finally:
        first.close()
        second.close()
    with db() as s:
        assert [e.event for e in domain.history(s, experience(s, team_id, 1))].count("agreed") == 1
