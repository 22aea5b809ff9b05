"""One advisor, sixty quiet teams, late August to December: how often the advisor hears.

Nobody on the sixty teams logs anything, so every silence alert, overdue notice and log
notice of the term is due to one content advisor (and every reminder to the teachers). The
tick runs every hour of the term through the production path into a recording client.
"Notices" counts ledger keys sent (before digests each was one message); "messages" counts
what Slack received (a digest is one). The largest message is measured too: its blocks (Slack
takes 50), the teams it shows in full with their buttons, and those behind its one button.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from benchmarks.seeding import fresh_database, seed_teams
from bot.advisor.views import MORE
from bot.platform.slack_client import RecordingClient
from bot.program import load_program
from schedules.tick import tick
from storage.db import make_engine, make_session_factory
from storage.models import Delivery, DeliveryStatus

ADVISOR = "U0A0000000"  # seed_teams' first advisor
TEAMS = 60
FIRST, LAST = date(2024, 8, 26), date(2024, 12, 20)


def run() -> str:
    program = load_program()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'advisor.db'}"
        fresh_database(url)
        seed_teams(url, TEAMS, per_advisor=TEAMS, track="year1")
        engine = make_engine(url)
        factory = make_session_factory(engine)
        client = RecordingClient()
        now = datetime.combine(FIRST, datetime.min.time(), program.tz)
        while now.date() <= LAST:
            tick(factory, client, program, now.astimezone(UTC))
            now += timedelta(hours=1)
        with factory() as session:
            rows = session.execute(
                select(Delivery.ts, Delivery.finished_at).where(
                    Delivery.recipient == ADVISOR, Delivery.status == DeliveryStatus.SENT
                )
            ).all()
        engine.dispose()
    sent = [p for method, p in client.calls if method == "chat.postMessage"]
    largest = max((p for p in sent if p.get("channel") == ADVISOR), key=lambda p: len(p["blocks"]))
    shown, behind = _teams_in(largest["blocks"])
    notices: Counter[date] = Counter()
    messages: dict[date, set[str | None]] = {}
    for ts, at in rows:
        day = at.astimezone(program.tz).date()
        notices[day] += 1
        messages.setdefault(day, set()).add(ts)
    per_day = Counter({day: len(found) for day, found in messages.items()})
    busiest, most = max(notices.items(), key=lambda item: item[1])
    return (
        f"One advisor, {TEAMS} quiet teams, {FIRST:%b %d} to {LAST:%b %d} (a tick every hour)\n\n"
        "| to the advisor | notices (a message each before digests) | messages |\n"
        "| --- | ---: | ---: |\n"
        f"| in all | {sum(notices.values())} | {sum(per_day.values())} |\n"
        f"| on the busiest day ({busiest:%a %b %d}) | {most} | {per_day[busiest]} |\n"
        f"| most on any one day | {max(notices.values())} | {max(per_day.values())} |\n"
        f"| days with a message | {len(notices)} | {len(per_day)} |\n\n"
        f"The largest message: {len(largest['blocks'])} blocks, {shown} teams in full with their "
        f"buttons, {behind} behind its one button."
    )


def _teams_in(blocks: list[dict[str, Any]]) -> tuple[int, int]:
    """Teams shown in full (a section each) and teams behind the "See more" button."""
    shown = sum(
        1
        for b in blocks
        if b.get("block_id", "").startswith("advisor-team") and b["type"] == "section"
    )
    more = [
        e["value"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == MORE
    ]
    return shown, len(more[0].split(",")) if more else 0


if __name__ == "__main__":
    print(run())
