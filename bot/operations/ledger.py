"""`mentorbot ledger --since DATE`: the notices that did not go out, with why."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from storage.operations import unsent_since


def unsent_lines(session: Session, since: date, tz: ZoneInfo) -> list[str]:
    """One line per notice failed, skipped or held since the start of `since` (the
    program's timezone), oldest first; a closing line with the count."""
    start = datetime.combine(since, time(), tz)
    rows = unsent_since(session, start)
    lines = []
    for row in rows:
        at = (row.finished_at or row.due_at).astimezone(tz)
        lines.append(
            f"#{row.id:<6} {at:%Y-%m-%d %H:%M} {row.status.value:7} {row.kind:16} "
            f"{row.key}  {row.error or ''}".rstrip()
        )
    lines.append(f"{len(rows)} notice(s) failed, skipped or held since {since.isoformat()}")
    return lines
