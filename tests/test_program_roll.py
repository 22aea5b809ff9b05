"""Rolling the program to another school year: rules by their rule, fixed dates by their
month and day, an experience's steps as a chain, the file's comments kept, and a report."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from itertools import pairwise
from pathlib import Path

import pytest

from bot.cli import main
from bot.program import (
    Program,
    ProgramError,
    StepKind,
    default_program_path,
    load_program,
    loads_program,
    roll_program,
)
from bot.program.roll import Rolled, shift_years
from tests.test_program import SHIPPED, variant

D = dt.date
YEARS = {"2025-26": 1, "2026-27": 2}


@pytest.fixture(scope="module")
def original() -> Program:
    return load_program()


@pytest.fixture(scope="module", params=sorted(YEARS))
def rolled(request: pytest.FixtureRequest) -> Rolled:
    return roll_program(default_program_path(), request.param)


def program_of(result: Rolled) -> Program:
    return loads_program(result.text, f"rolled to {result.to_year}")


def third_fridays(first_year: int) -> tuple[dt.date, ...]:
    months = [(first_year, m) for m in (9, 10, 11, 12)] + [
        (first_year + 1, m) for m in (1, 2, 3, 4)
    ]
    out = []
    for year, month in months:
        d = D(year, month, 1)
        d += dt.timedelta(days=(4 - d.weekday()) % 7 + 14)
        out.append(d)
    return tuple(out)


def test_third_fridays_helper() -> None:
    assert third_fridays(2024)[0] == D(2024, 9, 20)
    assert third_fridays(2024)[-1] == D(2025, 4, 18)


def test_the_communication_log_keeps_the_3rd_friday(rolled: Rolled) -> None:
    program = program_of(rolled)
    first = 2024 + YEARS[rolled.to_year]
    assert program.log_due_dates() == third_fridays(first)
    assert all(d.weekday() == 4 and 15 <= d.day <= 21 for d in program.log_due_dates())


@pytest.mark.parametrize(
    ("to_year", "thanksgiving", "labor_day"),
    [
        ("2025-26", (D(2025, 11, 26), D(2025, 11, 28)), D(2025, 9, 1)),
        ("2026-27", (D(2026, 11, 25), D(2026, 11, 27)), D(2026, 9, 7)),
    ],
)
def test_breaks_defined_by_a_rule_roll_by_it(
    to_year: str, thanksgiving: tuple[dt.date, dt.date], labor_day: dt.date
) -> None:
    program = program_of(roll_program(default_program_path(), to_year))
    breaks = {b.name: b for b in program.breaks}
    # Wednesday to Friday around the 4th Thursday of November.
    assert (breaks["Thanksgiving break"].start, breaks["Thanksgiving break"].end) == thanksgiving
    assert [d.weekday() for d in thanksgiving] == [2, 4]
    assert breaks["Labor Day"].start == breaks["Labor Day"].end == labor_day
    assert str(breaks["Thanksgiving break"].rule) == "4th THU of NOV"
    # A break with no rule keeps its month and day.
    winter = breaks["Winter break"]
    years = YEARS[to_year]
    assert (winter.start, winter.end) == (D(2024 + years, 12, 23), D(2025 + years, 1, 3))


def test_fixed_dates_keep_month_and_day_or_the_nearest_school_day_of_the_month(
    rolled: Rolled, original: Program
) -> None:
    program = program_of(rolled)
    years = YEARS[rolled.to_year]
    # Recurring steps (the log, the advisor's monthly contact) are named by their dates.
    chained = {StepKind("experience"), StepKind.COMMUNICATION_LOG, StepKind("advisor_contact")}
    for track in ("year1", "year2"):
        before = {d.id: d for d in original.deadlines(track) if d.step.kind not in chained}
        after = {d.id: d for d in program.deadlines(track) if d.step.kind not in chained}
        assert before.keys() == after.keys()
        for deadline_id, old in before.items():
            new, same_day = after[deadline_id].due, shift_years(old.due, years)
            assert new.month == old.due.month, deadline_id
            assert program.is_school_day(new), deadline_id
            if program.is_school_day(same_day):
                assert new == same_day, deadline_id
            else:  # a weekend: Saturday goes back to Friday, Sunday on to Monday
                assert abs((new - same_day).days) == 1, deadline_id
            assert (after[deadline_id].title, after[deadline_id].role) == (old.title, old.role)


@pytest.mark.parametrize(
    ("to_year", "expected"),
    [
        # 30 May 2026 is a Saturday: Friday the 29th, still in May.
        ("2025-26", {"payment-finalized": D(2026, 5, 29), "semester-2-progress": D(2026, 3, 31)}),
        # 30 May 2027 is a Sunday: Monday the 31st, not June; 6 Dec 2026 a Sunday too.
        ("2026-27", {"payment-finalized": D(2027, 5, 31), "visit-report": D(2026, 12, 7)}),
    ],
)
def test_dates_near_a_months_edge_stay_in_their_month(
    to_year: str, expected: dict[str, dt.date]
) -> None:
    program = program_of(roll_program(default_program_path(), to_year))
    for deadline_id, due in expected.items():
        assert program.deadline("year1", deadline_id).due == due


def test_the_initial_meetings_keep_their_month_and_day(rolled: Rolled) -> None:
    program = program_of(rolled)
    first = 2024 + YEARS[rolled.to_year]
    assert program.deadline("year1", "initial-meeting").due == D(first, 9, 25)
    assert program.deadline("year2", "initial-meeting").due == D(first, 10, 1)
    # The forms done at a meeting stay on its day.
    for track in ("year1", "year2"):
        meeting = program.deadline(track, "initial-meeting").due
        for form in ("contact-form", "focal-points", "decision-points", "mentoring-plan"):
            assert program.deadline(track, form).due == meeting


def test_an_experiences_steps_keep_their_order_and_school_days(
    rolled: Rolled, original: Program
) -> None:
    program = program_of(rolled)
    for number in (1, 2, 3, 4):
        parts = ("send", "comment", "file")
        old = [original.deadline("year1", f"experience-{number}-{p}").due for p in parts]
        new = [program.deadline("year1", f"experience-{number}-{p}").due for p in parts]
        assert new == sorted(new)
        assert {d.month for d in new} == {old[0].month}
        assert all(program.is_school_day(d) for d in new)
        for (a, b), (c, d) in zip(pairwise(old), pairwise(new), strict=True):
            assert program.school_days_between(c, d) == original.school_days_between(a, b) == 2
    # 2026-27: Wednesday 21 October, Friday 23rd, then two school days on: Tuesday 27th.
    if rolled.to_year == "2026-27":
        assert [
            program.deadline("year1", f"experience-1-{p}").due for p in ("send", "comment", "file")
        ] == [D(2026, 10, 21), D(2026, 10, 23), D(2026, 10, 27)]


def test_a_chain_that_would_leave_its_month_starts_earlier(tmp_path: Path) -> None:
    # Experience 1 sent Monday 28 October, comment Wednesday 30th, filed Thursday 31st.
    text = SHIPPED
    for part, day in (("send", "2024-10-28"), ("comment", "2024-10-30"), ("file", "2024-10-31")):
        text = re.sub(
            rf'(id = "experience-1-{part}"(?:\n.*?)*?\ndate = )\d{{4}}-\d{{2}}-\d{{2}}',
            rf"\g<1>{day}",
            text,
            count=1,
        )
    source = tmp_path / "late.toml"
    source.write_text(text, encoding="utf-8")
    result = roll_program(source, "2026-27")
    program = program_of(result)
    dues = [program.deadline("year1", f"experience-1-{p}").due for p in ("send", "comment", "file")]
    # 28 Oct 2026 is a Wednesday: Friday 30th, then Monday 2 November would leave October,
    # so the chain starts a school day earlier and ends on Friday the 30th.
    assert dues == [D(2026, 10, 27), D(2026, 10, 29), D(2026, 10, 30)]
    assert "moved earlier so that every step stays in October" in result.report()


def test_a_deadline_with_a_rule_moves_by_it(tmp_path: Path) -> None:
    meeting = 'date = 2024-09-25\nrole = "team"\n'
    source = variant(tmp_path, meeting, meeting.replace("role", 'rule = "4th WED of SEP"\nrole'))
    assert str(load_program(source).deadline("year1", "initial-meeting").rule) == "4th WED of SEP"
    result = roll_program(source, "2026-27")
    program = program_of(result)
    assert program.deadline("year1", "initial-meeting").due == D(2026, 9, 23)
    # The forms due the same day are fixed dates: they keep 25 September.
    assert program.deadline("year1", "contact-form").due == D(2026, 9, 25)
    assert re.search(
        r"initial-meeting \(year1\) .* -> Wed 2026-09-23 .*by its rule: 4th WED of SEP",
        result.report(),
    )


def test_the_header_and_program_keys_name_the_new_year(rolled: Rolled) -> None:
    to_year = rolled.to_year
    program = program_of(rolled)
    assert (program.id, program.school_year) == (f"bmit-{to_year}", to_year)
    head = rolled.text.split("[program]")[0]
    assert f"rolled from bmit-2024-25.toml (school year 2024-25) to {to_year}" in head
    assert "MUST review" in head
    assert f"Mentoring Program, school year {to_year}." in head
    assert "school year 2024-25." not in head.replace("(school year 2024-25)", "")
    # The source manual's title is a citation: it keeps its year.
    assert '"2024-2025 BMIT' in head


def test_every_comment_and_line_is_kept_but_the_dates(rolled: Rolled) -> None:
    old_lines = SHIPPED.splitlines()
    new_lines = [ln for ln in rolled.text.splitlines() if not ln.startswith("# ROLLED:")]
    new_lines = new_lines[1:]  # the "#" closing the notice
    assert len(new_lines) == len(old_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    dated = re.compile(r"^(date|start|end|first_semester_end|from|until|month|id|school_year) = ")
    for old, new in changed:
        if old.startswith("#"):  # the header, naming the new year
            assert new == old.replace("2024-25", rolled.to_year)
        else:
            assert dated.match(old) and dated.match(new), (old, new)
    comments = [ln for ln in old_lines if ln.lstrip().startswith("#")]
    assert len(comments) > 100
    assert sum(1 for ln in new_lines if ln.lstrip().startswith("#")) == len(comments)


def test_the_rolled_file_says_the_same_but_its_dates(rolled: Rolled, original: Program) -> None:
    program = program_of(rolled)
    assert program.name == original.name
    assert program.experience_selections == original.experience_selections
    assert program.focal_points == original.focal_points
    assert program.decision_points == original.decision_points
    assert [(t.title, t.bullets) for t in program.topics] == [
        (t.title, t.bullets) for t in original.topics
    ]
    years = YEARS[rolled.to_year]
    assert [(t.year, t.month) for t in program.topics] == [
        (t.year + years, t.month) for t in original.topics
    ]
    assert program.settings == original.settings
    assert program.areas == original.areas and program.tracks == original.tracks
    assert program.form_defs == original.form_defs
    assert (program.start, program.end) == (D(2024 + years, 8, 1), D(2025 + years, 5, 31))
    data = tomllib.loads(rolled.text)
    rule, contact = data["rules"]
    assert contact["rrule"] == "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"
    assert (contact["from"], contact["until"]) == (D(2024 + years, 8, 1), D(2025 + years, 5, 31))
    assert rule["rrule"] == "FREQ=MONTHLY;BYDAY=+3FR"
    assert (rule["from"], rule["until"]) == (D(2024 + years, 9, 1), D(2025 + years, 4, 30))


def test_the_report_lists_every_changed_date_and_why(rolled: Rolled) -> None:
    report = rolled.report()
    lines = report.splitlines()
    assert lines[0].startswith(
        f"Roll of bmit-2024-25.toml (school year 2024-25) to {rolled.to_year}"
    )
    data = tomllib.loads(SHIPPED)
    for i, _ in enumerate(data["deadlines"]):
        assert sum(f"(deadlines[{i}].date: " in line for line in lines) == 1, i
    for i, _ in enumerate(data["breaks"]):
        assert any(f"(breaks[{i}].start: " in line for line in lines)
    assert sum("(rules[0]: by its rule: FREQ=MONTHLY;BYDAY=+3FR)" in ln for ln in lines) == 8
    assert any("break Thanksgiving break starts" in ln and "4th THU of NOV" in ln for ln in lines)
    assert any(
        "experience-1-file (year1)" in ln and "2 school day(s) after experience-1-comment" in ln
        for ln in lines
    )
    assert any("a fixed date: same month and day" in ln for ln in lines)
    assert any(
        re.search(r"is a (Saturday|Sunday), so the nearest school day of", ln) for ln in lines
    )
    assert any("program school_year" in ln and f"-> {rolled.to_year}" in ln for ln in lines)
    assert len(lines) == len(rolled.changes) + 1


def test_rolling_a_rolled_file_keeps_one_notice(tmp_path: Path) -> None:
    first = tmp_path / "bmit-2025-26.toml"
    first.write_text(roll_program(default_program_path(), "2025-26").text, encoding="utf-8")
    result = roll_program(first, "2026-27")
    assert result.text.count("rolled from") == 1
    assert "rolled from bmit-2025-26.toml (school year 2025-26)" in result.text
    program = program_of(result)
    assert program.id == "bmit-2026-27"
    assert program.log_due_dates() == third_fridays(2026)


def test_rolling_to_the_same_year_changes_no_date(original: Program) -> None:
    result = roll_program(default_program_path(), "2024-25")
    same = program_of(result)
    assert same.all_deadlines() == original.all_deadlines()
    assert same.breaks == original.breaks
    assert result.changes == ()


def test_bad_target_year_is_refused() -> None:
    with pytest.raises(ProgramError) as caught:
        roll_program(default_program_path(), "2026-28")
    assert caught.value.key == "to_year"
    assert str(caught.value).startswith(f"{default_program_path()}: to_year: ")


def test_a_broken_source_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[program]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(ProgramError) as caught:
        roll_program(path, "2026-27")
    assert caught.value.path == str(path)
    assert caught.value.key == "program.name"


def test_a_rule_with_no_day_next_year_is_named(tmp_path: Path) -> None:
    # November 2024 has a 5th Friday (the 29th); November 2026 has none.
    source = variant(tmp_path, 'rule = "4th THU of NOV"', 'rule = "5th FRI of NOV"')
    load_program(source)
    with pytest.raises(ProgramError) as caught:
        roll_program(source, "2026-27")
    assert caught.value.key == "breaks[1].rule"
    assert "November 2026 has no 5th FRI of NOV" in str(caught.value)


# --- the command -----------------------------------------------------------------------------


def test_the_command_writes_the_file_and_its_report(tmp_path: Path, capsys) -> None:
    source = tmp_path / "bmit-2024-25.toml"
    source.write_text(SHIPPED, encoding="utf-8")
    assert main(["program", "roll", str(source), "--to", "2026-27"]) == 0
    out = capsys.readouterr().out
    rolled = load_program(tmp_path / "bmit-2026-27.toml")
    assert rolled.school_year == "2026-27"
    report = (tmp_path / "bmit-2026-27.roll-report.txt").read_text(encoding="utf-8")
    assert report in out
    assert "break Thanksgiving break starts" in report
    assert "wrote " in out.splitlines()[-1]
    # Never over what exists: one line, exit 2, nothing changed.
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert main(["program", "roll", str(source), "--to", "2026-27"]) == 2
    err = capsys.readouterr().err
    assert "exists already" in err and err.count("\n") == 1
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--to", "2026-28"], "to_year: '2026-28' is not a school year"),
        (["--to", "26-27"], "to_year: '26-27' is not a school year"),
        (["--to", "2026-27", "--out", "{tmp}/no/such/dir/x.toml"], "cannot write"),
    ],
)
def test_the_command_refuses_bad_input_in_one_line(
    tmp_path: Path, capsys, args: list[str], says: str
) -> None:
    source = tmp_path / "bmit-2024-25.toml"
    source.write_text(SHIPPED, encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(["program", "roll", str(source), *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert says in captured.err and captured.err.count("\n") == 1
    assert captured.err.startswith("mentorbot: ")
    assert [p.name for p in tmp_path.iterdir()] == ["bmit-2024-25.toml"]


def test_the_command_refuses_a_bad_file_in_one_line(tmp_path: Path, capsys) -> None:
    broken = variant(
        tmp_path, 'rule = "4th THU of NOV"', 'rule = "4th THU of NOWHERE"', "broken.toml"
    )
    for source in (broken, tmp_path / "missing.toml"):
        assert main(["program", "roll", str(source), "--to", "2026-27"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["broken.toml"]
