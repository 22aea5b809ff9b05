"""Draft next year's program file from this year's.

Meetings and deadlines are set by weekday ("the Wednesday of the last full week of
September"), so each event date keeps its weekday: add the whole years, then move to the
nearest day with the original weekday (at most three days either way). Ranges that are really
months (the program year, a rule's from/until, topic months) move by whole years instead, so
a rule keeps exactly the months it had. Rules stay rules and are recomputed on load.

The result is a draft: the header says it was rolled and must be reviewed by staff.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from typing import Any

from bot.program import calendar
from bot.program.loader import (
    loads_program,
    parse_program,
    parse_toml,
    read_text,
    school_year_start,
)
from bot.program.model import ProgramError

_ROLL_MARK = "# ROLLED:"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_INLINE_LIMIT = 100


def roll_program(path: str | os.PathLike[str], to_year: str) -> str:
    """The program at `path` moved to school year `to_year` ("2026-27"), as TOML text."""
    source = os.fspath(path)
    text = read_text(source)
    data = parse_toml(text, source)
    # Rolling a broken file would only move its errors into next year's file.
    program = parse_program(data, source)

    new_first = school_year_start(to_year)
    if new_first is None:
        raise ProgramError(source, "to_year", f"{to_year!r} is not a school year like 2026-27")
    old_first = school_year_start(program.school_year)
    assert old_first is not None  # parse_program has checked it
    years = new_first - old_first

    rolled = _roll_data(data, program.school_year, to_year, years)
    out = _header(text, os.path.basename(source), program.school_year, to_year) + dumps(rolled)
    loads_program(out, f"{source} (rolled to {to_year})")
    return out


def shift_years(d: dt.date, years: int) -> dt.date:
    """Same month and day `years` later; 29 February becomes the 28th in a common year."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def same_weekday(d: dt.date, years: int) -> dt.date:
    """`years` later, moved to the nearest day with d's weekday (within three days)."""
    moved = shift_years(d, years)
    delta = (d.weekday() - moved.weekday()) % 7
    if delta > 3:
        delta -= 7
    return moved + dt.timedelta(days=delta)


def _roll_data(data: dict[str, Any], from_year: str, to_year: str, years: int) -> dict[str, Any]:
    out = copy.deepcopy(data)
    prog = out["program"]
    prog["id"] = (
        prog["id"].replace(from_year, to_year)
        if from_year in prog["id"]
        else f"{prog['id']}-{to_year}"
    )
    prog["school_year"] = to_year

    events: list[dt.date] = []
    for entry in out.get("deadlines", []):
        entry["date"] = same_weekday(entry["date"], years)
        events.append(entry["date"])
    for entry in out.get("breaks", []):
        entry["start"] = same_weekday(entry["start"], years)
        entry["end"] = same_weekday(entry["end"], years)
        events += [entry["start"], entry["end"]]
    for entry in out.get("rules", []):
        entry["from"] = shift_years(entry["from"], years)
        entry["until"] = shift_years(entry["until"], years)
        events += calendar.rule_dates(entry["rrule"], entry["from"], entry["until"])
    for entry in out.get("topics", []):
        match = _MONTH.match(entry["month"])
        assert match is not None  # parse_program has checked it
        entry["month"] = f"{int(match[1]) + years:04d}-{match[2]}"

    # An event near the edge of the year can cross it by moving to its weekday, so the program
    # year widens to keep every event inside it.
    start, end = shift_years(prog["start"], years), shift_years(prog["end"], years)
    prog["start"] = min([start, *events])
    prog["end"] = max([end, *events])
    return out


def _header(text: str, name: str, from_year: str, to_year: str) -> str:
    notice = [
        f"{_ROLL_MARK} rolled from {name} (school year {from_year}) to {to_year}.",
        f"{_ROLL_MARK} Event dates were moved to the same weekday of the same week; topic months,",
        f"{_ROLL_MARK} rule ranges and the program year by whole years. Comments inside the",
        f"{_ROLL_MARK} original were not kept. Program staff MUST review every date (meetings,",
        f"{_ROLL_MARK} deadlines, breaks, holidays) against the new year's manual before use.",
    ]
    kept = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        if not stripped.startswith(_ROLL_MARK):
            kept.append(line)
    # A file rolled before keeps one notice: the current one.
    while kept and kept[0].strip() in ("", "#"):
        kept.pop(0)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join([*notice, "#", *kept, "", ""])


# --- a small TOML writer for what tomllib reads back ------------------------------------------


def dumps(data: dict[str, Any]) -> str:
    """TOML text for a tomllib-shaped dict: top-level values, then tables, then [[arrays]]."""
    lines: list[str] = []
    for key, value in data.items():
        if not _is_table(value) and not _is_table_array(value):
            lines.append(f"{_key(key)} = {_value(value, 0)}")
    for key, value in data.items():
        if _is_table(value):
            lines += ["", f"[{_key(key)}]", *_body(value)]
        elif _is_table_array(value):
            for item in value:
                lines += ["", f"[[{_key(key)}]]", *_body(item)]
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _body(table: dict[str, Any]) -> list[str]:
    # Nested tables are written inline: the program format nests only small ones.
    return [f"{_key(key)} = {_value(value, 0)}" for key, value in table.items()]


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _value(value: Any, indent: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _multiline_string(value) if "\n" in value else _string(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_value(v, indent)}" for k, v in value.items())
        return f"{{ {inner} }}" if inner else "{}"
    if isinstance(value, list):
        items = [_value(v, indent + 4) for v in value]
        inline = f"[{', '.join(items)}]"
        if len(inline) + indent <= _INLINE_LIMIT and all("\n" not in i for i in items):
            return inline
        pad = " " * (indent + 4)
        return "[\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ord(ch) < 0x20 or ord(ch) == 0x7F:
        return f"\\u{ord(ch):04x}"
    return ch


def _string(text: str) -> str:
    return '"' + "".join(_escape(ch) for ch in text) + '"'


def _multiline_string(text: str) -> str:
    # Newlines stay literal so long texts remain readable; everything else is escaped as in
    # a basic string, which also rules out a stray closing delimiter.
    body = "".join(ch if ch == "\n" else _escape(ch) for ch in text)
    return '"""\n' + body + '"""'
