"""A filing's earlier revisions, worded the same way for every filing (storage.revisions)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.slack.dates import when


class Replaced(Protocol):
    """A revision (storage.revisions.Revised), stored or as views show it."""

    @property
    def version(self) -> int: ...
    @property
    def superseded_by(self) -> str | None: ...
    @property
    def superseded_at(self) -> datetime | None: ...


def replaced_line(revision: Replaced, tz: ZoneInfo, today: date) -> str:
    """'Version 1, replaced by <@U…> today at 11:00 AM', for a superseded revision."""
    if revision.superseded_at is None:
        raise ValueError("a current revision has no replacement to describe")
    at = when(revision.superseded_at, tz, today)
    return f"Version {revision.version}, replaced by <@{revision.superseded_by}> {at}"
