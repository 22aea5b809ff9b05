"""The Communication Log modal, the "We talked" check-in and the dispute comment: read and check.

Each parser returns its dataclass or raises `FieldErrors` naming every field that is wrong, so
the person fixes everything in one go and Slack keeps what they typed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from bot.slack.dates import human_date
from bot.slack.fields import FieldErrors, State, day, number, record_id, selected, text
from storage.logs import LogMode

# Block ids, shared with bot/logs/views.py.
TEAM = "log_team"
DATE = "log_date"
MODE = "log_mode"
TOPIC = "log_topic"
HELP = "log_help"
IDEAS = "log_ideas"
MINUTES = "log_minutes"
CHECKIN_TEAM = "checkin_team"
CHECKIN_DATE = "checkin_date"
CHECKIN_MODE = "checkin_mode"
COMMENT = "dispute_comment"

TEXT_MAX = 3000
MINUTES_MAX = 600  # ten hours: more is a typo, not a conversation


@dataclass(frozen=True)
class LogInput:
    conversation_date: date
    mode: LogMode
    topic_month: str  # "YYYY-MM"
    help_needed: str
    ideas_discussed: str
    minutes: int


@dataclass(frozen=True)
class CheckInInput:
    conversation_date: date
    mode: LogMode


def selected_team(state: State, block_id: str) -> int | None:
    """The team id picked in the modal's team select; None when the modal has no such select."""
    if block_id not in state:
        return None
    value = selected(state, block_id)
    if value is None:
        raise FieldErrors({block_id: "Pick the protégé this conversation was with."})
    team_id = record_id(value)
    if team_id is None:
        raise FieldErrors({block_id: "Pick one of your teams from the list."})
    return team_id


def parse_log(
    state: State, *, today: date, earliest: date, topic_months: Collection[str]
) -> LogInput:
    errors: dict[str, str] = {}
    when = _conversation_date(state, DATE, today, earliest, errors)
    mode = _mode(state, MODE, errors)
    topic = selected(state, TOPIC)
    if topic is None:
        errors[TOPIC] = "Pick the monthly topic."
    elif topic not in topic_months:
        errors[TOPIC] = "Pick one of the program's monthly topics."
    help_needed = _long_text(state, HELP, errors)
    ideas = _long_text(
        state, IDEAS, errors, required="Write a line or two about what you discussed."
    )
    minutes = _minutes(state, errors)
    if errors:
        raise FieldErrors(errors)
    assert when is not None and mode is not None and topic is not None and minutes is not None
    return LogInput(when, mode, topic, help_needed, ideas, minutes)


def parse_check_in(state: State, *, today: date, earliest: date) -> CheckInInput:
    errors: dict[str, str] = {}
    when = _conversation_date(state, CHECKIN_DATE, today, earliest, errors)
    mode = _mode(state, CHECKIN_MODE, errors)
    if errors:
        raise FieldErrors(errors)
    assert when is not None and mode is not None
    return CheckInInput(when, mode)


def parse_dispute(state: State) -> str:
    errors: dict[str, str] = {}
    comment = _long_text(state, COMMENT, errors, required="Say what isn't right, in a line or two.")
    if errors:
        raise FieldErrors(errors)
    return comment


def _conversation_date(
    state: State, block_id: str, today: date, earliest: date, errors: dict[str, str]
) -> date | None:
    when = day(state, block_id)
    if when is None:
        errors[block_id] = "Pick the date of the conversation."
    elif when > today:
        errors[block_id] = "The date can't be in the future: pick the day you talked."
    elif when < earliest:
        errors[block_id] = f"Your team started on {human_date(earliest)}: pick a date from then on."
    return when


def _mode(state: State, block_id: str, errors: dict[str, str]) -> LogMode | None:
    value = selected(state, block_id)
    if value is None:
        errors[block_id] = "Pick how you talked."
        return None
    try:
        return LogMode(value)
    except ValueError:
        errors[block_id] = "Pick one of the listed ways of talking."
        return None


def _long_text(
    state: State, block_id: str, errors: dict[str, str], *, required: str | None = None
) -> str:
    """The text of `block_id`; `required` is the message for an empty field, None if optional."""
    value = text(state, block_id)
    if required and not value:
        errors[block_id] = required
    elif len(value) > TEXT_MAX:
        errors[block_id] = (
            f"This is {len(value):,} characters; the limit is {TEXT_MAX:,}. "
            "Please shorten it (your text is still here)."
        )
    return value


def _minutes(state: State, errors: dict[str, str]) -> int | None:
    raw = number(state, MINUTES)
    message = f"Enter the minutes you spent, a whole number from 1 to {MINUTES_MAX}."
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4) or not 1 <= int(raw) <= MINUTES_MAX:
        errors[MINUTES] = message
        return None
    return int(raw)
