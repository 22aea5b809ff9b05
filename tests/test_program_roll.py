"""Rolling the program to another school year."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from bot.program import (
    Program,
    ProgramError,
    StepKind,
    default_program_path,
    load_program,
    roll_program,
)
from bot.program.roll import dumps, same_weekday, shift_years

D = dt.date


@pytest.fixture(scope="module")
def original() -> Program:
    return load_program()


def rolled(tmp_path: Path, to_year: str, source: Path | None = None) -> tuple[str, Program]:
    text = roll_program(source or default_program_path(), to_year)
    path = tmp_path / f"bmit-{to_year}.toml"
    path.write_text(text, encoding="utf-8")
    return text, load_program(path)


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


def test_roll_to_2025_26(tmp_path: Path) -> None:
    _, program = rolled(tmp_path, "2025-26")
    assert program.id == "bmit-2025-26"
    assert program.school_year == "2025-26"
    assert program.log_due_dates() == third_fridays(2025)
    assert program.log_due_dates()[0] == D(2025, 9, 19)
    # Wednesday 25 September 2024 -> Wednesday 24 September 2025.
    assert program.deadline("year1", "initial-meeting").due == D(2025, 9, 24)
    assert program.first_school_day(2025, 9) == D(2025, 9, 2)


def test_roll_to_2026_27(tmp_path: Path, original: Program) -> None:
    _, program = rolled(tmp_path, "2026-27")
    assert program.id == "bmit-2026-27"
    assert program.name == original.name
    assert program.log_due_dates() == third_fridays(2026)
    assert program.deadline("year1", "initial-meeting").due == D(2026, 9, 23)
    assert program.deadline("year2", "initial-meeting").due == D(2026, 9, 29)  # a Tuesday
    assert [(t.year, t.month) for t in program.topics] == [
        (t.year + 2, t.month) for t in original.topics
    ]
    assert (program.start, program.end) == (D(2026, 8, 1), D(2027, 5, 31))


def test_every_fixed_date_keeps_its_weekday_and_week(tmp_path: Path, original: Program) -> None:
    _, program = rolled(tmp_path, "2026-27")
    for track in ("year1", "year2"):
        before = {
            d.id: d for d in original.deadlines(track) if not d.is_(StepKind.COMMUNICATION_LOG)
        }
        after = {d.id: d for d in program.deadlines(track) if not d.is_(StepKind.COMMUNICATION_LOG)}
        assert before.keys() == after.keys()
        for deadline_id, old in before.items():
            new = after[deadline_id]
            assert new.due.weekday() == old.due.weekday(), deadline_id
            assert abs((new.due - shift_years(old.due, 2)).days) <= 3, deadline_id
            assert (new.title, new.role, new.form) == (old.title, old.role, old.form)
    # The three days of each experience stay Monday, Wednesday, Friday.
    steps = [
        program.deadline("year1", f"experience-2-{s}").due for s in ("send", "comment", "file")
    ]
    assert [d.weekday() for d in steps] == [0, 2, 4]
    assert steps[2] - steps[0] == dt.timedelta(days=4)


def test_breaks_keep_their_weekdays(tmp_path: Path) -> None:
    _, program = rolled(tmp_path, "2026-27")
    winter = next(b for b in program.breaks if b.name == "Winter break")
    assert (winter.start, winter.end) == (D(2026, 12, 21), D(2027, 1, 1))
    assert (winter.start.weekday(), winter.end.weekday()) == (0, 4)


def test_content_other_than_dates_is_unchanged(tmp_path: Path, original: Program) -> None:
    _, program = rolled(tmp_path, "2026-27")
    assert program.experience_selections == original.experience_selections
    assert program.focal_points == original.focal_points
    assert program.decision_points == original.decision_points
    assert [(t.title, t.bullets) for t in program.topics] == [
        (t.title, t.bullets) for t in original.topics
    ]
    assert program.settings == original.settings
    assert program.areas == original.areas and program.tracks == original.tracks
    assert program.form_defs == original.form_defs


def test_rules_stay_rules(tmp_path: Path) -> None:
    text, program = rolled(tmp_path, "2026-27")
    data = tomllib.loads(text)
    (rule,) = data["rules"]
    assert rule["rrule"] == "FREQ=MONTHLY;BYDAY=+3FR"
    assert (rule["from"], rule["until"]) == (D(2026, 9, 1), D(2027, 4, 30))
    assert "deadlines" in data and all(
        not d["id"].startswith("communication-log") for d in data["deadlines"]
    )


def test_header_says_rolled_and_must_be_reviewed(tmp_path: Path) -> None:
    text, _ = rolled(tmp_path, "2026-27")
    head = text.splitlines()[:6]
    assert "rolled from bmit-2024-25.toml (school year 2024-25) to 2026-27" in head[0]
    assert any("MUST review" in line for line in head)
    assert "# FORMAT" in text  # the original header comment is kept


def test_rolling_a_rolled_file_keeps_one_notice(tmp_path: Path) -> None:
    _, first = rolled(tmp_path, "2025-26")
    text, second = rolled(tmp_path, "2026-27", Path(first.source_path))
    assert text.count("rolled from") == 1
    assert "rolled from bmit-2025-26.toml (school year 2025-26)" in text
    assert second.id == "bmit-2026-27"
    assert second.log_due_dates() == third_fridays(2026)


def test_rolling_to_the_same_year_changes_no_date(original: Program, tmp_path: Path) -> None:
    _, same = rolled(tmp_path, "2024-25")
    assert same.all_deadlines() == original.all_deadlines()
    assert same.breaks == original.breaks


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


@pytest.mark.parametrize(
    ("before", "years", "after"),
    [
        (D(2024, 9, 25), 2, D(2026, 9, 23)),  # Wed -> Wed, two days earlier
        (D(2024, 10, 1), 1, D(2025, 9, 30)),  # Tue -> Tue, crossing into September
        (D(2025, 5, 30), 1, D(2026, 5, 29)),  # Fri -> Fri
        (D(2024, 2, 29), 1, D(2025, 2, 27)),  # leap day: 28 Feb 2025 is Fri, Thursday is 27
    ],
)
def test_same_weekday(before: dt.date, years: int, after: dt.date) -> None:
    assert same_weekday(before, years) == after
    assert after.weekday() == before.weekday()


def test_writer_round_trips_awkward_values() -> None:
    data = {
        "top": ["a", "b"],
        "table": {
            "quote": 'say "hi" \\ there',
            "lines": 'one\ntwo "" """ three\\',
            "tab": "a\tb\u0001",
            "n": 3,
            "flag": True,
            "when": D(2024, 9, 25),
            "inline": {"start": "18:00", "end": "07:30"},
            "empty": [],
            "key with space": "é",
        },
        "rows": [{"id": "x", "items": ["long item " * 5, "another long item " * 4]}, {"id": "y"}],
    }
    assert tomllib.loads(dumps(data)) == data
