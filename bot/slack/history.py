"""A filing's earlier revisions, worded the same way for every filing (storage.revisions)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.slack.dates import when
from storage.revisions import Revised


def replaced_line(revision: Revised, tz: ZoneInfo, today: date) -> str:
    """'Version 1, replaced by <@U…> today at 11:00 AM', for a superseded revision."""
    if revision.superseded_at is None:
        raise ValueError("a current revision has no replacement to describe")
    at = when(revision.superseded_at, tz, today)
    return f"Version {revision.version}, replaced by <@{revision.superseded_by}> {at}"
