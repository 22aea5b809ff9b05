"""One advisor, sixty quiet teams, late August to December: how often the advisor hears.

Nobody on the sixty teams logs anything, so every silence alert, overdue notice and log
notice of the term is due to one content advisor (and every reminder to the teachers). The
tick runs every hour of the term through the production path into a recording client.
"Notices" counts ledger keys sent (before digests each was one message); "messages" counts
what Slack received (a digest is one).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from benchmarks.seeding import fresh_database, seed_teams
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
        f"| days with a message | {len(notices)} | {len(per_day)} |"
    )


if __name__ == "__main__":
    print(run())
