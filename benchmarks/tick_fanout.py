"""The month-start fan-out: compute and claim every notice, the whole tick, an idle tick.

"Compute and claim" is the duties plus the claims of every due notice, rolled back
afterwards (Slack calls, composing each message and per-notice records excluded). The
fan-out is a whole `mentorbot tick` process sending every notice through the production
path to the Slack stand-in over loopback (no latency or rate limit simulated: that is
benchmarks/fanout_rate.py); its time includes the process's start. The idle tick runs
right after, everything settled (median of three).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.seeding import fresh_database, seed_teams
from bot.platform.slack_client import RecordingClient
from bot.program import load_program
from schedules.delivery import claim_of
from schedules.duties import DUTIES
from schedules.tick import tick
from storage import ledger
from storage.db import make_engine, make_session_factory
from tests.slack_standin import Server, SlackStandIn

FIRST_SCHOOL_DAY_0800 = datetime(2024, 9, 3, 13, 0, tzinfo=UTC)

# `mentorbot tick` in a process of its own, reporting its peak resident memory.
_TICK_AND_REPORT = (
    "import resource, sys\n"
    "from bot.cli import main\n"
    "code = main(['tick', '--now', sys.argv[1]])\n"
    "print('peak-kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def run(team_counts: tuple[int, ...], database_url: str | None = None) -> str:
    rows = [
        "| backend | teams | notices | compute + claim | fan-out tick process | per notice "
        "| idle tick | peak RSS of the tick process |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for count in team_counts:
        rows.append(_one(count, database_url))
    return "Tick at a month start\n\n" + "\n".join(rows)


def _one(team_count: int, database_url: str | None) -> str:
    program = load_program()
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        fresh_database(url)
        seed_teams(url, team_count)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        compute_claim, due = _compute_and_claim(factory, program)
        fanout, sent, peak = _tick_process(url, FIRST_SCHOOL_DAY_0800)
        idle_runs = []
        for _ in range(3):
            started = time.perf_counter()
            idle = tick(factory, RecordingClient(), program, FIRST_SCHOOL_DAY_0800)
            idle_runs.append(time.perf_counter() - started)
            assert not idle.outcomes, "the idle tick must send nothing"
        engine.dispose()
    assert sent == due, (sent, due)
    idle_s = sorted(idle_runs)[1]
    return (
        f"| {backend} | {team_count:,} | {sent:,} | {compute_claim:.2f} s | {fanout:.2f} s "
        f"| {fanout / max(sent, 1) * 1000:.2f} ms | {idle_s:.2f} s | {peak / 1024:.0f} MiB |"
    )


def _tick_process(url: str, now: datetime) -> tuple[float, int, int]:
    """`mentorbot tick` as its own process, sending to the Slack stand-in over loopback:
    (wall time with start-up, notices sent, peak resident KiB)."""
    standin = Server(SlackStandIn())
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_API_URL": standin.url,
    }
    try:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _TICK_AND_REPORT, now.isoformat()],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - started
    finally:
        standin.close()
    lines = done.stdout.splitlines()
    sent = sum(1 for line in lines if line.startswith("sent "))
    return elapsed, sent, int(lines[-1].split()[1])


def _compute_and_claim(factory, program) -> tuple[float, int]:
    started = time.perf_counter()
    with factory() as session:
        notices = [n for duty in DUTIES for n in duty(session, program, FIRST_SCHOOL_DAY_0800)]
        settled = ledger.final_keys(session, (n.key for n in notices))
        due = [n for n in notices if n.key not in settled and n.due_at <= FIRST_SCHOOL_DAY_0800]
        # The reads above began the transaction; the claims are rolled back after timing.
        won = ledger.claim_many(session, [claim_of(n) for n in due], FIRST_SCHOOL_DAY_0800)
        session.flush()
        elapsed = time.perf_counter() - started
        session.rollback()
    return elapsed, len(won)
