"""Reading and validating modal submissions: Slack's `view.state.values` in, typed data out.

A parser returns its form's dataclass or raises `FieldErrors`, which maps block ids to one
short message each; the handler answers `ack(response_action="errors", errors=...)`, and
Slack keeps everything the user typed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.slack.text import TypedText

State = dict[str, dict[str, dict[str, Any]]]  # view["state"]["values"]

# The largest id a row can have (the id columns are 32-bit integers): a bigger number names
# no record, and past 2**63 looking it up fails in SQLite's driver instead of finding nothing.
ID_MAX = 2**31 - 1


class FieldErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{block}: {message}" for block, message in errors.items()))
        self.errors = errors


def _element(state: State, block_id: str) -> dict[str, Any]:
    """The one input element of a block (each input block holds exactly one)."""
    actions = state.get(block_id) or {}
    return next(iter(actions.values()), {})


def text(state: State, block_id: str) -> TypedText:
    """A plain_text_input's value, stripped; '' when empty or absent. It is what a person
    typed, so it travels as TypedText and each view renders it for where it goes.

    NUL characters are dropped: no person types one, and PostgreSQL cannot store it.
    """
    return TypedText((_element(state, block_id).get("value") or "").replace("\x00", "").strip())


def filled(state: State, block_id: str) -> bool:
    """True when the field holds anything at all, readable or not."""
    return any(v for k, v in _element(state, block_id).items() if k != "type")


def selected(state: State, block_id: str) -> str | None:
    """The value of a static_select's or radio_buttons' selected option."""
    option = _element(state, block_id).get("selected_option")
    return option.get("value") if option else None


def selected_many(state: State, block_id: str) -> list[str]:
    """The values of checkboxes' or a multi_static_select's selected options."""
    options = _element(state, block_id).get("selected_options") or []
    return [option["value"] for option in options if option.get("value") is not None]


def files(state: State, block_id: str) -> list[str]:
    """The permalinks of the files attached through a file_input (Slack sends each file
    as an object in `files`); an entry without a permalink is left out."""
    found = _element(state, block_id).get("files") or []
    return [
        f["permalink"]
        for f in found
        if isinstance(f, dict) and isinstance(f.get("permalink"), str) and f["permalink"]
    ]


def user(state: State, block_id: str) -> str | None:
    """A users_select's selected user id."""
    return _element(state, block_id).get("selected_user")


def day(state: State, block_id: str) -> date | None:
    """A datepicker's selected date; None when empty or not a date."""
    value = _element(state, block_id).get("selected_date")
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def number(state: State, block_id: str) -> str:
    """A number_input's raw value (validated by the caller: Slack checks only its own bounds)."""
    return (_element(state, block_id).get("value") or "").strip()


def record_id(value: Any) -> int | None:
    """A row id carried by a button's value or a modal's private_metadata, or None.

    Those are never trusted: only a positive int (or its ASCII digits) up to ID_MAX is an
    id; "²", "1.5", true, 1e400 or a 30-digit number are not.
    """
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit() and len(value) <= 10):
            return None
        value = int(value)
    if type(value) is not int:
        return None
    return value if 0 < value <= ID_MAX else None
