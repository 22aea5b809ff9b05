"""The one model of the ids a modal carries in its private_metadata (and Slack hands back).

A modal's metadata is the person's to tamper with: `load` accepts only what `dump` writes
(a flat JSON object of known keys, each a bounded integer or an ISO date) and refuses
anything else with the app's refusal, so every listener reads its ids the same way and
re-checks them against the database and `bot.access`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from bot.access import Refusal
from bot.slack.fields import ID_MAX

STALE_FORM = "This form is out of date. Please close it and open it again."
METADATA_MAX = 3000  # Slack's limit on private_metadata

ROLES = ("mentor", "advisor")  # the members a replacement modal may change
NUMBER_MAX = 99  # a numbered form (experience 1..8, visit report, PD form)
OPENED = ("home", "chat")  # where a modal was opened: the Home tab, or a message or command
PROGRAM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # as the program loader takes them

# key -> (smallest, largest) for the integer fields
_BOUNDS: dict[str, tuple[int, int]] = {
    "team": (1, ID_MAX),
    "plan": (1, ID_MAX),
    "entry": (1, ID_MAX),
    "sub": (1, ID_MAX),
    "comment": (1, ID_MAX),
    "report": (1, ID_MAX),
    "form": (1, ID_MAX),
    "version": (0, ID_MAX),
    "n": (1, NUMBER_MAX),
    "number": (1, NUMBER_MAX),
}


@dataclass(frozen=True)
class Metadata:
    """Which records a modal is about. Every field is optional; `need` says which a
    listener requires."""

    team: int | None = None
    plan: int | None = None
    entry: int | None = None  # a Communication Log entry
    version: int | None = None  # the version of the entry the person was looking at
    sub: int | None = None  # an experience submission
    comment: int | None = None  # a Mentor Comment Form
    report: int | None = None  # a Visit Report version
    form: int | None = None  # a PD Verification Form version
    n: int | None = None  # the number of an experience or PD form
    number: int | None = None  # the number of a Visit Report
    spell: date | None = None  # the start of a silent spell
    role: str | None = None  # the member being replaced: "mentor" or "advisor"
    program: str | None = None  # a program id (the next year a preview showed)
    opened: str | None = None  # where the modal was opened (OPENED); None: not said

    def dump(self) -> str:
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                data[f.name] = value.isoformat() if isinstance(value, date) else value
        if self.role is not None and self.role not in ROLES:
            raise ValueError(f"no replacement of a {self.role}")
        raw = json.dumps(data, separators=(",", ":"))
        if len(raw) > METADATA_MAX:  # cannot happen with ids only; a guard for new fields
            raise ValueError("private_metadata is over Slack's 3,000 characters")
        return raw

    @classmethod
    def load(cls, raw: Any, stale: str = STALE_FORM) -> Metadata:
        """The metadata `dump` wrote, or `Refusal(stale)`: over-long, not JSON, nested,
        unknown keys, ids out of range, "1e400", true, "12" or a date that is not one."""
        if raw in (None, ""):
            return cls()
        if not isinstance(raw, str) or len(raw) > METADATA_MAX or not raw.startswith("{"):
            raise Refusal(stale)
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise Refusal(stale) from None
        if not isinstance(data, dict) or not set(data) <= _KEYS:
            raise Refusal(stale)
        try:
            values = {key: _value(key, value) for key, value in data.items() if value is not None}
        except ValueError:
            raise Refusal(stale) from None
        # _value gave each key a value of its field's type
        return cls(**values)  # type: ignore[arg-type]

    def need(self, *names: str) -> tuple[int, ...]:
        """The named integer ids, in order, when every one is there; else the form is stale."""
        if any(name not in _BOUNDS for name in names):
            raise ValueError(f"not an id: {names}")  # a listener's mistake, not the person's
        values = tuple(getattr(self, name) for name in names)
        if any(value is None for value in values):
            raise Refusal(STALE_FORM)
        return values


_KEYS = frozenset(f.name for f in fields(Metadata))


def _value(key: str, value: Any) -> int | date | str:
    """One field's value, or ValueError."""
    if key == "role":
        if value not in ROLES:
            raise ValueError(key)
        return value
    if key == "opened":
        if value not in OPENED:
            raise ValueError(key)
        return value
    if key == "program":
        if not isinstance(value, str) or not PROGRAM_ID.match(value):
            raise ValueError(key)
        return value
    if key == "spell":
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError(key)
        return date.fromisoformat(value)
    low, high = _BOUNDS[key]
    if type(value) is not int or not low <= value <= high:
        raise ValueError(key)
    return value
