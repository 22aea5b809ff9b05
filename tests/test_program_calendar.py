"""The BMIT 2024-25 calendars as the manual states them, school days and quiet hours."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.advisor.step import KINDS as ADVISOR_KINDS
from bot.experiences.rules import EXPERIENCE
from bot.program import Break, Deadline, Program, QuietHours, Step, StepKind, load_program
from bot.program import calendar as cal

D = dt.date


@pytest.fixture(scope="module")
def program() -> Program:
    return load_program()


LOG_DATES = (
    D(2024, 9, 20),
    D(2024, 10, 18),
    D(2024, 11, 15),
    D(2024, 12, 20),
    D(2025, 1, 17),
    D(2025, 2, 21),
    D(2025, 3, 21),
    D(2025, 4, 18),
)

# (id, due, role, form) for every fixed Year One date in the manual's calendar and upload table.
YEAR_ONE = [
    ("initial-meeting", D(2024, 9, 25), "team", None),
    ("contact-form", D(2024, 9, 25), "team", "contact"),
    ("focal-points", D(2024, 9, 25), "protege", "focal_points"),
    ("decision-points", D(2024, 9, 25), "team", "decision_points"),
    ("mentoring-plan", D(2024, 9, 25), "team", "mentoring_plan"),
    ("experience-1-send", D(2024, 10, 21), "protege", "experience"),
    ("experience-1-comment", D(2024, 10, 23), "mentor", "mentor_comment"),
    ("experience-1-file", D(2024, 10, 25), "protege", "experience"),
    ("experience-2-send", D(2024, 12, 2), "protege", "experience"),
    ("experience-2-comment", D(2024, 12, 4), "mentor", "mentor_comment"),
    ("experience-2-file", D(2024, 12, 6), "protege", "experience"),
    ("visit-report", D(2024, 12, 6), "protege", "visit_report"),
    ("semester-1-progress", D(2024, 12, 13), "advisor", None),
    ("experience-3-send", D(2025, 2, 3), "protege", "experience"),
    ("experience-3-comment", D(2025, 2, 5), "mentor", "mentor_comment"),
    ("experience-3-file", D(2025, 2, 7), "protege", "experience"),
    ("experience-4-send", D(2025, 3, 3), "protege", "experience"),
    ("experience-4-comment", D(2025, 3, 5), "mentor", "mentor_comment"),
    ("experience-4-file", D(2025, 3, 7), "protege", "experience"),
    ("pd-verification-1", D(2025, 3, 7), "protege", "pd_verification"),
    ("pd-verification-2", D(2025, 3, 7), "protege", "pd_verification"),
    ("semester-2-progress", D(2025, 3, 31), "advisor", None),
    ("survey-link", D(2025, 4, 7), "staff", None),
    ("survey", D(2025, 4, 14), "team", "survey"),
    ("completers", D(2025, 4, 14), "advisor", None),
    ("payment-requests", D(2025, 4, 30), "staff", None),
    ("payment-finalized", D(2025, 5, 30), "staff", None),
]

YEAR_TWO = [
    ("initial-meeting", D(2024, 10, 1), "team", None),
    ("contact-form", D(2024, 10, 1), "team", "contact"),
    ("focal-points", D(2024, 10, 1), "protege", "focal_points"),
    ("decision-points", D(2024, 10, 1), "team", "decision_points"),
    ("mentoring-plan", D(2024, 10, 1), "team", "mentoring_plan"),
    ("assessment-activity", D(2024, 10, 25), "protege", "assessment_activity"),
    ("extra-experiences", D(2024, 12, 2), "protege", "experience"),
    ("visit-report", D(2024, 12, 6), "protege", "visit_report"),
    ("semester-1-progress", D(2024, 12, 13), "advisor", None),
    ("semester-2-progress", D(2025, 3, 31), "advisor", None),
    ("survey-link", D(2025, 4, 7), "staff", None),
    ("survey", D(2025, 4, 14), "team", "survey"),
    ("completers", D(2025, 4, 14), "advisor", None),
    ("payment-requests", D(2025, 4, 30), "staff", None),
    ("payment-finalized", D(2025, 5, 30), "staff", None),
]


def fixed(program: Program, track: str) -> list[tuple[str, dt.date, str, str | None]]:
    """The calendar's dates: the monthly log and the advisor's own steps (from the manual's
    list of the content advisor's duties, not its calendar) are pinned on their own."""
    return [
        (d.id, d.due, d.role, d.form)
        for d in program.deadlines(track)
        if not d.is_(StepKind.COMMUNICATION_LOG) and d.step.kind not in ADVISOR_KINDS
    ]


def by_due(rows: list[tuple[str, dt.date, str, str | None]]) -> list:
    return sorted(rows, key=lambda row: (row[1], row[0]))


def test_communication_log_is_due_the_third_friday_september_to_april(program: Program) -> None:
    assert program.log_due_dates() == LOG_DATES
    assert all(d.weekday() == 4 and 15 <= d.day <= 21 for d in LOG_DATES)


@pytest.mark.parametrize("track", ["year1", "year2"])
def test_both_tracks_have_the_monthly_log(program: Program, track: str) -> None:
    logs = program.steps(track, StepKind.COMMUNICATION_LOG)
    assert tuple(d.due for d in logs) == LOG_DATES
    assert [d.id for d in logs][:2] == ["communication-log-2024-09", "communication-log-2024-10"]
    assert {(d.role, d.form, d.track) for d in logs} == {("mentor", "communication_log", track)}
    assert logs[0].title == "Communication Log Completed Monthly by the 3rd Friday of the Month"


@pytest.mark.parametrize("track", ["year1", "year2"])
def test_the_advisors_own_steps_are_the_manuals_duties(program: Program, track: str) -> None:
    # "Keeps open lines of communication with mentor teams monthly starting in early August";
    # "Introduce yourself in August or September"; a plan's concerns "notified within a
    # week by your content advisor" (issue 14, finding 9).
    steps = [d for d in program.deadlines(track) if d.step.kind in ADVISOR_KINDS]
    assert {d.role for d in steps} == {"advisor"}
    contact = [d.due for d in steps if d.step.kind == "advisor_contact"]
    assert [(d.year, d.month) for d in contact] == [(2024, m) for m in range(8, 13)] + [
        (2025, m) for m in range(1, 6)
    ]
    assert all(d.weekday() < 5 and (d + dt.timedelta(days=3)).month != d.month for d in contact)
    [intro] = [d for d in steps if d.step.kind == "advisor_introduction"]
    assert intro.due == D(2024, 9, 30)
    [review] = [d for d in steps if d.step.kind == "plan_review"]
    meeting = program.deadline(track, "mentoring-plan").due
    assert program.school_days_between(meeting, review.due) == 5
    assert program.settings.plan_review_school_days == 5
    assert program.settings.advisor_reminder_lead_days == (7, 0)


def test_year_one_deadlines_match_the_manual(program: Program) -> None:
    assert fixed(program, "year1") == by_due(YEAR_ONE)


def test_year_two_deadlines_match_the_manual(program: Program) -> None:
    assert fixed(program, "year2") == by_due(YEAR_TWO)


def test_experience_steps_keep_the_manuals_wording(program: Program) -> None:
    assert program.deadline("year1", "experience-1-send") == Deadline(
        id="experience-1-send",
        track="year1",
        title="E-mail completed Experience 1 by the protégé to mentor",
        due=D(2024, 10, 21),
        role="protege",
        form="experience",
        step=Step(EXPERIENCE, number=1, part="send"),
    )
    assert program.deadline("year1", "experience-4-comment").title == (
        "Mentor completes/discusses Comment Form"
    )
    assert program.deadline("year1", "initial-meeting").title == (
        "Mentor & Protégé Initial Meeting, Jefferson City, MO – Mandatory in-person meeting"
    )
    assert program.deadline("year2", "extra-experiences").title == (
        "Completes any extra experiences needed to make sure you have an experience in each "
        "of the six focus areas."
    )


def test_deadlines_are_sorted_and_cached(program: Program) -> None:
    year1 = program.deadlines("year1")
    assert list(year1) == sorted(year1, key=lambda d: (d.due, d.id))
    assert program.deadlines("year1") is year1
    advisor = [d for d in year1 if d.step.kind in ADVISOR_KINDS]
    assert len(year1) == len(YEAR_ONE) + len(LOG_DATES) + len(advisor)
    every = program.all_deadlines()
    assert len(every) == len(year1) + len(program.deadlines("year2"))
    assert [d.due for d in every] == sorted(d.due for d in every)


def test_unknown_track_or_deadline_raises_key_error(program: Program) -> None:
    with pytest.raises(KeyError):
        program.deadlines("year3")
    with pytest.raises(KeyError):
        program.deadline("year2", "experience-1-send")


def test_first_school_day_skips_labor_day(program: Program) -> None:
    assert program.first_school_day(2024, 9) == D(2024, 9, 3)
    assert program.first_school_day(2024, 10) == D(2024, 10, 1)
    assert program.first_school_day(2025, 1) == D(2025, 1, 6)  # winter break to 3 January
    assert program.first_school_day(2025, 3) == D(2025, 3, 3)  # 1 March is a Saturday


def test_is_school_day(program: Program) -> None:
    assert program.is_school_day(D(2024, 9, 3))
    assert not program.is_school_day(D(2024, 9, 2))  # Labor Day
    assert not program.is_school_day(D(2024, 9, 7))  # Saturday
    assert not program.is_school_day(D(2024, 11, 28))  # Thanksgiving
    assert program.is_school_day(D(2024, 12, 20))
    assert not program.is_school_day(D(2024, 12, 23))
    assert not program.is_school_day(D(2025, 1, 3))
    assert program.is_school_day(D(2025, 1, 6))


def test_school_days_between_skips_the_winter_break(program: Program) -> None:
    # Fri 20 Dec to Mon 6 Jan: only the Monday counts.
    assert program.school_days_between(D(2024, 12, 20), D(2025, 1, 6)) == 1
    # (Mon 16 Dec, Fri 10 Jan]: 17-20 Dec and 6-10 Jan.
    assert program.school_days_between(D(2024, 12, 16), D(2025, 1, 10)) == 9
    assert program.school_days_between(D(2025, 1, 6), D(2024, 12, 20)) == 0
    assert program.school_days_between(D(2024, 12, 20), D(2024, 12, 20)) == 0


def test_school_days_between_agrees_with_counting_day_by_day(program: Program) -> None:
    start = D(2024, 8, 1)
    for offset in range(0, 300, 7):
        for length in (0, 1, 5, 16, 40, 120):
            a = start + dt.timedelta(days=offset)
            b = a + dt.timedelta(days=length)
            slow = sum(
                program.is_school_day(a + dt.timedelta(days=i)) for i in range(1, length + 1)
            )
            assert program.school_days_between(a, b) == slow, (a, b)


def test_overlapping_breaks_are_not_subtracted_twice() -> None:
    breaks = [
        Break("a", D(2024, 12, 23), D(2024, 12, 27)),
        Break("b", D(2024, 12, 26), D(2025, 1, 3)),
    ]
    weekdays = (0, 1, 2, 3, 4)
    assert cal.school_days_between(D(2024, 12, 20), D(2025, 1, 6), weekdays, breaks) == 1


def test_first_school_day_fails_for_a_month_with_none() -> None:
    with pytest.raises(ValueError):
        cal.first_school_day(2024, 12, (0,), [Break("all", D(2024, 12, 1), D(2024, 12, 31))])


@pytest.mark.parametrize(
    ("local", "allowed"),
    [
        (dt.time(7, 29), False),
        (dt.time(7, 30), True),
        (dt.time(12, 0), True),
        (dt.time(17, 59), True),
        (dt.time(18, 0), False),
        (dt.time(23, 59), False),
        (dt.time(0, 0), False),
        (dt.time(3, 0), False),
    ],
)
def test_quiet_hours_wrap_midnight(program: Program, local: dt.time, allowed: bool) -> None:
    assert program.settings.quiet_hours.allows(local) is allowed


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(dt.time(12, 0), dt.time(13, 0))
    assert lunch.allows(dt.time(11, 59))
    assert not lunch.allows(dt.time(12, 30))
    assert lunch.allows(dt.time(13, 0))


def test_rule_ids_add_the_day_when_a_month_repeats() -> None:
    dates = cal.rule_dates("FREQ=WEEKLY;BYDAY=MO", D(2024, 9, 1), D(2024, 9, 30))
    assert dates == (D(2024, 9, 2), D(2024, 9, 9), D(2024, 9, 16), D(2024, 9, 23), D(2024, 9, 30))
    assert cal.occurrence_ids("check-in", dates)[0] == "check-in-2024-09-02"
    assert cal.occurrence_ids("log", (D(2024, 9, 20),)) == ["log-2024-09"]


def test_rule_range_is_inclusive() -> None:
    dates = cal.rule_dates("FREQ=MONTHLY;BYDAY=+3FR", D(2024, 9, 20), D(2024, 10, 18))
    assert dates == (D(2024, 9, 20), D(2024, 10, 18))
