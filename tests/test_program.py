"""The shipped BMIT 2024-25 program file, the model's lookups, and the loader's refusals."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import pytest

from bot.program import (
    Area,
    ChecklistCategory,
    ExperienceSelection,
    Program,
    ProgramError,
    Topic,
    Track,
    default_program_path,
    load_program,
)


@pytest.fixture(scope="module")
def program() -> Program:
    return load_program()


# --- the shipped file ------------------------------------------------------------------------


def test_default_path_is_the_shipped_bmit_file() -> None:
    path = default_program_path()
    assert isinstance(path, Path)
    assert path.name == "bmit-2024-25.toml"
    assert path.parent.name == "programs"
    assert path.is_file()


def test_program_header(program: Program) -> None:
    assert program.id == "bmit-2024-25"
    assert program.name == "BMIT (Business, Marketing and Information Technology) Mentoring Program"
    assert program.organization == "Missouri Career Education Mentoring Program"
    assert program.school_year == "2024-25"
    assert program.timezone_name == "America/Chicago"
    assert program.tz.key == "America/Chicago"
    assert (program.start, program.end) == (dt.date(2024, 8, 1), dt.date(2025, 5, 31))
    assert program.roles == ("mentor", "protege", "advisor", "staff")
    assert program.source_path == str(default_program_path())
    assert load_program(default_program_path()) == program


def test_areas_are_the_four_program_areas(program: Program) -> None:
    assert [a.id for a in program.areas] == ["afnr", "bmit", "fcs", "thsts"]
    assert program.area("bmit") == Area("bmit", "Business, Marketing and Information Technology")
    assert program.area("afnr").name == "Agricultural, Food and Natural Resources"
    with pytest.raises(KeyError):
        program.area("math")


def test_tracks(program: Program) -> None:
    # Year two plans its own shape (issue 14): up to three optional first-semester slots.
    assert program.tracks == (
        Track("year1", "Year One", (2, 2)),
        Track("year2", "Year Two", (3,), plan_slots_optional=True),
    )
    assert program.track("year2").name == "Year Two"
    with pytest.raises(KeyError):
        program.track("year3")


def test_eight_topics_with_every_bullet(program: Program) -> None:
    months = [(t.year, t.month) for t in program.topics]
    assert months == [(2024, m) for m in (9, 10, 11, 12)] + [(2025, m) for m in (1, 2, 3, 4)]
    assert [len(t.bullets) for t in program.topics] == [4, 7, 6, 5, 4, 4, 4, 5]
    assert [t.title for t in program.topics] == [
        "Classroom Management",
        "CTSO Affiliation/Leadership Conference",
        "Classroom Instruction Resources",
        "CTSO Events",
        "Time Management/Workload",
        "Relationships with Parents/Colleagues",
        "Student Motivation",
        "Solitary Work Environment/Summer Conference",
    ]


def test_topic_wording_is_the_manuals(program: Program) -> None:
    assert program.topic_for(2024, 9) == Topic(
        2024,
        9,
        "Classroom Management",
        (
            "Classroom Procedures",
            "Late work",
            "Setting up labs",
            "Strategies for disruptions or lab issues",
        ),
    )
    january = program.topic_for(2025, 1)
    assert january is not None
    assert january.bullets[2] == (
        "Discuss the need and approval to say no to district/building requests of time "
        "based on current duties"
    )
    april = program.topic_for(2025, 4)
    assert april is not None and april.month_id == "2025-04"
    assert april.bullets[-1] == "Connecting with teachers across the state"


def test_no_topic_outside_september_to_april(program: Program) -> None:
    assert program.topic_for(2024, 8) is None
    assert program.topic_for(2025, 5) is None
    assert program.topic_for(2023, 9) is None


def test_focus_areas_are_the_six_teacher_development_roles(program: Program) -> None:
    assert program.focus_areas == (
        "Instructional Designer",
        "Community Builder",
        "Classroom Manager",
        "Professional",
        "Reflective Learner",
        "Facilitator of Student Thinking & Learning",
    )


def test_nineteen_experience_selections_with_their_tags(program: Program) -> None:
    selections = program.experience_selections
    assert [s.number for s in selections] == list(range(1, 20))
    assert program.experience_selection(3).focus_areas == (
        "Professional",
        "Classroom Manager",
        "Community Builder",
        "Reflective Learner",
    )
    # The manual writes "Reflective" here; the file normalises it.
    assert program.experience_selection(5).focus_areas == ("Reflective Learner",)
    assert program.experience_selection(6).focus_areas == (
        "Classroom Manager",
        "Instructional Designer",
        "Facilitator of Student Thinking & Learning",
    )
    assert program.experience_selection(15) == ExperienceSelection(
        15,
        "Write a grant for 1) enhancing student learning in your program and/or 2) for "
        "enhancing technology in your program.",
        ("Community Builder",),
    )
    assert program.experience_selection(19).focus_areas == ("Instructional Designer",)
    every_tag = {tag for s in selections for tag in s.focus_areas}
    assert every_tag == set(program.focus_areas)
    with pytest.raises(KeyError):
        program.experience_selection(20)


def test_experience_texts_keep_their_parts(program: Program) -> None:
    syllabus = program.experience_selection(1).text
    assert syllabus.startswith("Following the district's format, create a syllabus for a course")
    assert syllabus.splitlines()[1:] == [
        "a. rationale which relates the course goals to the district's mission and philosophy",
        "b. general description of the content of the course",
        "c. general goals for graduates in the program area",
        "d. other information students need to know about the course",
    ]
    advisory = program.experience_selection(4).text.splitlines()
    assert len(advisory) == 2
    assert advisory[1].startswith("Revise, as needed, a year-long plan for an advisory council.")
    assert "*" not in "".join(s.text for s in program.experience_selections)


def test_focal_points_checklist(program: Program) -> None:
    counts = {c.name: len(c.items) for c in program.focal_points}
    assert counts == {
        "Classroom Management": 3,
        "Student Motivation": 2,
        "Socio-cultural Awareness of Sensitivity": 2,
        "Classroom Instruction": 5,
        "Technology in the Classroom": 2,
        "Time Management": 4,
        "Accountability": 5,
        "Workload": 6,
        "Solitary Work Environment": 3,
        "Relationships with Parents and Colleagues": 4,
    }
    assert "New Teacher Needs" not in counts
    assert program.focal_points[0] == ChecklistCategory(
        "Classroom Management",
        (
            "Anticipating and preventing disruptions in the classroom",
            "Setting up and organizing classroom, lab and/or shop area",
            "Strategies to use when disruptions occur",
        ),
    )
    instruction = program.focal_points[3].items
    assert "CTSO's-starting a chapter and advising students" in instruction
    assert "Developing curriculum/lessons that align to national and state standards" in (
        instruction
    )


def test_decision_points_checklist(program: Program) -> None:
    collaboration, additional = program.decision_points
    assert collaboration.name == "Possible Areas of Collaboration"
    assert len(collaboration.items) == 10
    assert collaboration.items[-1] == "Relationships with Parents & Colleagues"
    assert additional.name == "Additional Areas"
    assert len(additional.items) == 9
    assert additional.items[0] == "Certification requirements"
    assert additional.items[-1] == "Planned visit(s) when/where"


def test_forms_have_ids_and_names(program: Program) -> None:
    expected = {
        "contact",
        "focal_points",
        "decision_points",
        "mentoring_plan",
        "experience",
        "mentor_comment",
        "visit_report",
        "communication_log",
        "pd_verification",
        "assessment_activity",
        "survey",
    }
    assert set(program.forms) == expected
    assert program.form_name("mentor_comment") == "Mentor Comment Form"
    assert program.form_name("visit_report") == "Mentor/Protégé Visit Report"
    with pytest.raises(KeyError):
        program.form_name("timesheet")
    used = {d.form for d in program.all_deadlines() if d.form is not None}
    assert used <= set(program.forms)


def test_settings(program: Program) -> None:
    s = program.settings
    assert s.reminder_lead_days == (3, 0)
    assert s.silence_threshold_school_days == 15
    assert s.min_contacts_per_month == 2
    assert (s.quiet_hours.start, s.quiet_hours.end) == (dt.time(18, 0), dt.time(7, 30))
    assert s.school_weekdays == (0, 1, 2, 3, 4)


def test_breaks_are_the_district_defaults(program: Program) -> None:
    assert [(b.name, b.start, b.end) for b in program.breaks] == [
        ("Labor Day", dt.date(2024, 9, 2), dt.date(2024, 9, 2)),
        ("Thanksgiving break", dt.date(2024, 11, 27), dt.date(2024, 11, 29)),
        ("Winter break", dt.date(2024, 12, 23), dt.date(2025, 1, 3)),
    ]


def test_program_is_a_frozen_hashable_value(program: Program) -> None:
    with pytest.raises(AttributeError):
        program.name = "other"  # type: ignore[misc]
    assert hash(program) == hash(load_program())
    assert {program: 1}[load_program()] == 1
    assert " _deadlines=" not in repr(program)


# --- refusing bad files ----------------------------------------------------------------------

SHIPPED = default_program_path().read_text(encoding="utf-8")


def variant(tmp_path: Path, old: str, new: str, name: str = "bad.toml") -> Path:
    """The shipped file with the first `old` replaced by `new`, written to tmp_path."""
    assert old in SHIPPED, old
    path = tmp_path / name
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    return path


def refusal(path: Path) -> ProgramError:
    with pytest.raises(ProgramError) as caught:
        load_program(path)
    error = caught.value
    message = str(error)
    assert "\n" not in message
    assert message == f"{path}: {error.key}: {error.reason}"
    assert error.path == str(path)
    return error


def test_the_variant_helper_leaves_a_loadable_file(tmp_path: Path) -> None:
    path = variant(tmp_path, 'name = "Year Two"', 'name = "Second Year"')
    assert load_program(path).track("year2").name == "Second Year"


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    error = refusal(
        variant(
            tmp_path,
            'timezone = "America/Chicago"\n',
            'timezone = "America/Chicago"\ntimezon = "x"\n',
        )
    )
    assert error.key == "program.timezon"
    assert error.reason.startswith("unknown key")
    assert "did you mean 'timezone'?" in error.reason


def test_unknown_key_deep_inside_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'category = "Workload"', 'category = "Workload"\nnote = "x"'))
    assert error.key == "focal_points[7].note"
    assert "unknown key" in error.reason


def test_unknown_top_level_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "top.toml"
    path.write_text('colour = "blue"\n' + SHIPPED, encoding="utf-8")
    assert refusal(path).key == "colour"


def test_quoted_date_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, "date = 2024-10-21", 'date = "2024-10-21"'))
    assert error.key == "deadlines[5].date"
    assert "expected a TOML date" in error.reason


def test_date_time_where_a_date_belongs_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, "start = 2024-08-01", "start = 2024-08-01T08:00:00"))
    assert error.key == "program.start"
    assert "got a date-time" in error.reason


def test_impossible_date_is_a_syntax_error_with_position(tmp_path: Path) -> None:
    path = variant(tmp_path, "date = 2024-10-21", "date = 2024-02-30")
    error = refusal(path)
    line = SHIPPED.splitlines().index("date = 2024-10-21") + 1
    assert error.key == f"line {line}, column 8"
    assert error.reason.startswith("TOML syntax error")


def test_deadline_outside_the_program_year_is_refused(tmp_path: Path) -> None:
    # The manual's own upload table has this slip (02/07/2024 for Experience 3).
    error = refusal(variant(tmp_path, "date = 2025-02-07", "date = 2024-02-07"))
    assert error.key == "deadlines[15].date"
    assert error.reason == "2024-02-07 is outside the program year 2024-08-01 to 2025-05-31"


def test_role_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'role = "advisor"', 'role = "principal"'))
    assert error.key == "deadlines[12].role"
    assert error.reason == "'principal' is not a role (mentor, protege, advisor, staff, team)"


def test_unknown_track_and_form_are_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'track = "year1"', 'track = "year3"'))
    assert (error.key, error.reason) == (
        "deadlines[0].track",
        "'year3' is not a track (year1, year2)",
    )
    error = refusal(variant(tmp_path, 'form = "contact"', 'form = "contact_form"'))
    assert error.key == "deadlines[1].form"
    assert "'contact_form' is not a form" in error.reason


def test_duplicate_deadline_id_in_a_track_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'id = "experience-1-comment"', 'id = "experience-1-send"'))
    assert error.key == "deadlines[6].id"
    assert error.reason == "'experience-1-send' is already used in track year1 by deadlines[5]"


def test_rule_colliding_with_a_fixed_deadline_is_refused(tmp_path: Path) -> None:
    error = refusal(
        variant(tmp_path, 'id = "semester-1-progress"', 'id = "communication-log-2024-12"')
    )
    assert error.key == "rules[0].id"
    assert "'communication-log-2024-12'" in error.reason


def test_bad_rrule_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, "BYDAY=+3FR", "BYDAY=+3XX"))
    assert error.key == "rules[0].rrule"
    assert "is not a valid RRULE" in error.reason
    error = refusal(variant(tmp_path, "BYDAY=+3FR", "BYDAY=+3FR;COUNT=3"))
    assert "must not contain COUNT" in error.reason


def test_a_month_with_no_topic_is_refused(tmp_path: Path) -> None:
    december = SHIPPED.index('[[topics]]\nmonth = "2024-12"')
    january = SHIPPED.index('[[topics]]\nmonth = "2025-01"')
    path = tmp_path / "gap.toml"
    path.write_text(SHIPPED[:december] + SHIPPED[january:], encoding="utf-8")
    error = refusal(path)
    assert error.key == "topics"
    assert error.reason == "no topic for 2024-12 (topics run from 2024-09 to 2025-04)"


def test_month_that_is_not_a_month_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'month = "2024-12"', 'month = "2024-13"'))
    assert (error.key, error.reason) == ("topics[3].month", "13 is not a month (1-12)")
    error = refusal(variant(tmp_path, 'month = "2024-12"', 'month = "December"'))
    assert error.reason == "'December' is not a month like 2024-09"


def test_duplicate_topic_month_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'month = "2024-12"', 'month = "2024-11"'))
    assert (error.key, error.reason) == (
        "topics[3].month",
        "'2024-11' is already used by topics[2]",
    )


def test_bad_quiet_hours_are_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'start = "18:00"', 'start = "6pm"'))
    assert error.key == "settings.quiet_hours.start"
    assert error.reason == "'6pm' is not a time like 18:00 (HH:MM, 24-hour)"
    error = refusal(variant(tmp_path, 'end = "07:30"', 'end = "24:30"'))
    assert error.key == "settings.quiet_hours.end"


def test_unknown_focus_area_is_refused(tmp_path: Path) -> None:
    error = refusal(
        variant(tmp_path, 'focus_areas = ["Reflective Learner"]', 'focus_areas = ["Reflective"]')
    )
    assert error.key == "experience_selections[4].focus_areas[0]"
    assert error.reason.startswith("'Reflective' is not one of the top-level focus_areas")


def test_wrong_type_is_refused(tmp_path: Path) -> None:
    error = refusal(
        variant(
            tmp_path, "silence_threshold_school_days = 15", 'silence_threshold_school_days = "15"'
        )
    )
    assert error.key == "settings.silence_threshold_school_days"
    assert error.reason == "expected an integer, got a string ('15')"


def test_bad_timezone_and_school_year_are_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, '"America/Chicago"', '"America/Springfield"'))
    assert error.key == "program.timezone"
    error = refusal(variant(tmp_path, 'school_year = "2024-25"', 'school_year = "2024-26"'))
    assert (error.key, error.reason) == (
        "program.school_year",
        "'2024-26' is not a school year like 2024-25",
    )


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, "[settings]\n", "[settings]\nreminder lead days = [3, 0]\n"))
    line = SHIPPED.splitlines().index("[settings]") + 2
    assert error.key == f"line {line}, column 10"
    assert error.reason.startswith("TOML syntax error: ")


def test_missing_file_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path / "nowhere.toml")
    assert (error.key, error.reason) == ("file", "no such file")


def test_program_error_survives_pickling() -> None:
    error = ProgramError("a.toml", "topics[3].month", "13 is not a month (1-12)")
    assert str(error) == "a.toml: topics[3].month: 13 is not a month (1-12)"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.key, copy.reason) == (error.path, error.key, error.reason)


def test_reason_is_kept_on_one_line() -> None:
    assert str(ProgramError("a.toml", "k", "first\nsecond")) == "a.toml: k: first second"


def test_minimal_program_uses_default_settings(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(
        "[program]\n"
        'id = "tiny"\nname = "Tiny"\nschool_year = "2030-31"\ntimezone = "UTC"\n'
        'start = 2030-08-01\nend = 2031-06-30\nroles = ["mentor", "protege"]\n'
        '[[tracks]]\nid = "only"\nname = "Only"\n',
        encoding="utf-8",
    )
    tiny = load_program(path)
    assert tiny.settings.reminder_lead_days == (3, 0)
    assert tiny.settings.quiet_hours.allows(dt.time(12, 0))
    assert tiny.topics == () and tiny.deadlines("only") == () and tiny.log_due_dates() == ()
    assert tiny.organization == ""


def test_rule_reaching_outside_the_program_year_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, "until = 2025-04-30", "until = 2025-06-30"))
    assert error.key == "rules[0].until"
    assert error.reason == (
        "the rule produces 2025-06-20, outside the program year 2024-08-01 to 2025-05-31"
    )


def test_break_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, "end = 2024-11-29", "end = 2024-11-26"))
    assert (error.key, error.reason) == ("breaks[1].end", "2024-11-26 is before start 2024-11-27")


def test_track_and_tracks_together_are_refused(tmp_path: Path) -> None:
    error = refusal(
        variant(
            tmp_path,
            'tracks = ["year1", "year2"]\ntitle = "Protégé uploads',
            'track = "year1"\ntracks = ["year1", "year2"]\ntitle = "Protégé uploads',
        )
    )
    assert (error.key, error.reason) == (
        "deadlines[11].tracks",
        "give either track or tracks, not both",
    )
