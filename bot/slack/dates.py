"""Dates and times as people read them, and the timezone arithmetic behind them."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None, default: ZoneInfo) -> ZoneInfo:
    """The named zone, or `default` when the name is missing or unknown to this machine."""
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """An aware instant for a wall-clock time on a local date (zoneinfo resolves DST gaps)."""
    return datetime.combine(day, at, tzinfo=tz)


def human_date(day: date, today: date | None = None) -> str:
    """'Fri, Oct 18', or 'today' / 'tomorrow' / 'yesterday' when that reads better."""
    if today is not None:
        delta = (day - today).days
        if delta == 0:
            return "today"
        if delta == 1:
            return "tomorrow"
        if delta == -1:
            return "yesterday"
    text = f"{day:%a, %b} {day.day}"
    if today is not None and day.year != today.year:
        text += f", {day.year}"
    return text


def when(instant: datetime, tz: ZoneInfo, today: date | None = None) -> str:
    """'on Wed, Oct 9 at 3:12 PM', or 'today at 3:12 PM', in `tz`."""
    local = instant.astimezone(tz)
    day = human_date(local.date(), today)
    if day[0].isupper():
        day = f"on {day}"
    return f"{day} at {local.hour % 12 or 12}:{local.minute:02d} {local:%p}"
