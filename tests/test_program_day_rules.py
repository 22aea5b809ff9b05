"""Dates named by a rule ("4th THU of NOV") beside a deadline's date or a break."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.program import load_program
from bot.program.day_rule import DayRule, parse_day_rule
from tests.test_program import refusal, variant

D = dt.date


@pytest.mark.parametrize(
    ("text", "rule", "year", "month", "day"),
    [
        ("4th THU of NOV", DayRule(4, 3, 11), 2026, None, D(2026, 11, 26)),
        ("3rd Friday", DayRule(3, 4), 2026, 10, D(2026, 10, 16)),
        ("first Monday of September", DayRule(1, 0, 9), 2026, None, D(2026, 9, 7)),
        ("last MON of MAY", DayRule(-1, 0, 5), 2027, None, D(2027, 5, 31)),
        ("2nd tues of sept", DayRule(2, 1, 9), 2025, None, D(2025, 9, 9)),
    ],
)
def test_rules_people_write_are_read(
    text: str, rule: DayRule, year: int, month: int | None, day: dt.date
) -> None:
    assert parse_day_rule(text) == rule
    assert rule.on(year, month) == day
    assert parse_day_rule(str(rule)) == rule  # the canonical form reads back


@pytest.mark.parametrize("text", ["", "fourth", "4th xyz of NOV", "4th THU of nowhere", "9th THU"])
def test_what_is_not_a_rule_is_said(text: str) -> None:
    with pytest.raises(ValueError, match="is not a rule like"):
        parse_day_rule(text)


def test_a_month_without_the_day_is_said() -> None:
    with pytest.raises(ValueError, match="February 2026 has no 5th FRI of FEB"):
        parse_day_rule("5th FRI of FEB").on(2026)


def test_the_shipped_breaks_name_their_rules() -> None:
    breaks = {b.name: b for b in load_program().breaks}
    assert str(breaks["Labor Day"].rule) == "1st MON of SEP"
    assert str(breaks["Thanksgiving break"].rule) == "4th THU of NOV"
    assert breaks["Winter break"].rule is None


def test_a_rule_that_is_not_its_date_is_refused(tmp_path: Path) -> None:
    meeting = 'date = 2024-09-25\nrole = "team"\n'
    error = refusal(variant(tmp_path, meeting, meeting.replace("role", 'rule = "3rd WED"\nrole')))
    assert error.key == "deadlines[0].rule"
    assert error.reason == "3rd WED is Wed 2024-09-18, not the date Wed 2024-09-25"
    error = refusal(
        variant(tmp_path, meeting, meeting.replace("role", 'rule = "4th WED of OCT"\nrole'))
    )
    assert error.reason == "4th WED of OCT is not in the month of the date 2024-09-25"
    error = refusal(variant(tmp_path, meeting, meeting.replace("role", 'rule = "tomorrow"\nrole')))
    assert error.key == "deadlines[0].rule" and "is not a rule like" in error.reason
    # The right rule loads.
    path = variant(tmp_path, meeting, meeting.replace("role", 'rule = "4th WED"\nrole'))
    assert str(load_program(path).deadline("year1", "initial-meeting").rule) == "4th WED"


def test_a_break_far_from_its_rule_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'rule = "4th THU of NOV"', 'rule = "2nd THU of NOV"'))
    assert error.key == "breaks[1].rule"
    assert error.reason == "2nd THU of NOV is Thu 2024-11-14, more than a week from the break"
