"""The month-start fan-out: one tick that sends every topic prompt, then an idle tick.

Runs on a fresh SQLite file through the production delivery path with the recording client,
so it measures the bot's own work (duties, ledger claims and records), not Slack's latency.
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

from bot.program import load_program
from bot.slack_client import RecordingClient
from schedules.tick import tick
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.people import add_team, get_or_create_person

FIRST_SCHOOL_DAY_0800 = datetime(2024, 9, 3, 13, 0, tzinfo=UTC)


def run(team_counts: tuple[int, ...]) -> str:
    rows = [
        "| teams | notices | fan-out tick | per notice | idle tick | peak memory |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for count in team_counts:
        rows.append(_one(count))
    return "Tick fan-out on SQLite (month-start topic prompts, recording client)\n\n" + "\n".join(
        rows
    )


def _one(team_count: int) -> str:
    program = load_program()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        _seed(factory, program.id, team_count)
        client = RecordingClient()
        tracemalloc.start()
        started = time.perf_counter()
        result = tick(factory, client, program, FIRST_SCHOOL_DAY_0800)
        fanout = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        started = time.perf_counter()
        idle = tick(factory, client, program, FIRST_SCHOOL_DAY_0800)
        idle_s = time.perf_counter() - started
        engine.dispose()
    sent = sum(1 for o in result.outcomes if o.status == "sent")
    assert not idle.outcomes, "the idle tick must send nothing"
    return (
        f"| {team_count:,} | {sent:,} | {fanout:.2f} s | {fanout / max(sent, 1) * 1000:.2f} ms "
        f"| {idle_s:.2f} s | {peak / 2**20:.0f} MiB |"
    )


def _seed(factory, program_id: str, team_count: int) -> None:
    now = datetime(2024, 8, 26, tzinfo=UTC)
    with transaction(factory) as session:
        for n in range(team_count):
            add_team(
                session,
                program_id=program_id,
                mentor=get_or_create_person(session, f"U0M{n:07d}", now, tz="America/Chicago"),
                protege=get_or_create_person(session, f"U0P{n:07d}", now, tz="America/Chicago"),
                advisor=None,
                area="bmit",
                track="year1" if n % 3 else "year2",
                start_date=date(2024, 8, 26),
                created_by=None,
                now=now,
            )
