"""Reading and validating modal submissions: Slack's `view.state.values` in, typed data out.

A parser returns its form's dataclass or raises `FieldErrors`, which maps block ids to one
short message each; the handler answers `ack(response_action="errors", errors=...)`, and
Slack keeps everything the user typed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

State = dict[str, dict[str, dict[str, Any]]]  # view["state"]["values"]


class FieldErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{block}: {message}" for block, message in errors.items()))
        self.errors = errors


def _element(state: State, block_id: str) -> dict[str, Any]:
    """The one input element of a block (each input block holds exactly one)."""
    actions = state.get(block_id) or {}
    return next(iter(actions.values()), {})


def text(state: State, block_id: str) -> str:
    """A plain_text_input's value, stripped; '' when empty or absent."""
    return (_element(state, block_id).get("value") or "").strip()


def selected(state: State, block_id: str) -> str | None:
    """The value of a static_select's or radio_buttons' selected option."""
    option = _element(state, block_id).get("selected_option")
    return option.get("value") if option else None


def selected_many(state: State, block_id: str) -> list[str]:
    """The values of checkboxes' or a multi_static_select's selected options."""
    return [option["value"] for option in _element(state, block_id).get("selected_options") or []]


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
