"""The web tier at 50 concurrent: `/mentor help` and a log submission, beside the bare app.

One run serves, one after the other on the same seeded database (a fresh copy each): the bare
Bolt app (the floor), `mentorbot run` of an earlier commit when one is named (*before*), and
`mentorbot run` of this checkout (*after*), each under gunicorn with the same workers and
threads (WEB_CONCURRENCY and WEB_THREADS apply to all three). Each is sent `/mentor help`
(the floor's only answer), then a mentor's Communication Log submissions, each from a modal
of its own (as Slack gives every modal its own view id), so each files a new entry before its
ack; p99s are given as ratios to the same run's floor. Medians of three runs; the order of
*before* and *after* alternates between runs, so neither always runs on a warmer machine.

    python -m benchmarks.web_tier [--before REF] [--runs 3] [--teams 5000]

PostgreSQL when BENCH_DATABASE_URL names a database it may empty (each server then gets a
copy made with CREATE DATABASE ... TEMPLATE).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.ack_latency import BARE, _help, _log_submitter, _served, server_env, timed
from benchmarks.seeding import current_program_file, fresh_database, seed_teams
from tests.slack_standin import Server, SlackStandIn

REQUESTS = 300
CONCURRENT = 50
ROOT = Path(__file__).resolve().parent.parent

Sample = dict[str, float]  # "help p99" and the like -> milliseconds


def run(teams: int, database_url: str | None, runs: int = 3, before: str | None = None) -> str:
    apps = ["bare"] + (["before"] if before else []) + ["after"]
    samples: dict[str, list[Sample]] = {app: [] for app in apps}
    with tempfile.TemporaryDirectory() as folder:
        seeded = database_url or f"sqlite:///{Path(folder) / 'seeded.db'}"
        fresh_database(seeded)
        program_file = current_program_file(folder)
        seed_teams(seeded, teams, program_file)
        old_code = _checkout(before, folder) if before else None
        for n in range(runs):
            order = apps if n % 2 == 0 else ["bare", *reversed(apps[1:])]
            for app in order:
                with _copy_of(seeded, Path(folder) / f"run{n}-{app}.db") as url:
                    samples[app].append(_measure_app(app, url, program_file, old_code))
    backend = "PostgreSQL" if database_url else "SQLite"
    return _table(samples, teams, backend, runs, before)


def _measure_app(app: str, url: str, program_file: str, old_code: str | None) -> Sample:
    fake = SlackStandIn()
    standin = Server(fake)
    env = server_env(url, program_file, standin.url)
    argv, cwd = BARE, None
    if app != "bare":
        argv = [sys.executable, "-m", "bot", "run", "--no-scheduler"]
        cwd = old_code if app == "before" else str(ROOT)
    out: Sample = {}
    try:
        with _served(argv, env, cwd) as base:
            out["help p50"], out["help p99"] = _latencies(base, _help)
            if app != "bare":
                out["log p50"], out["log p99"] = _latencies(base, _log_submitter(base, fake))
    finally:
        standin.close()
    return out


def _latencies(base: str, send: Callable[[str], int]) -> tuple[float, float]:
    latencies = timed(base, send, REQUESTS, CONCURRENT)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies) * 1000, p99 * 1000


def _checkout(ref: str, folder: str) -> str:
    """The named commit's files, to serve the *before* app from."""
    target = Path(folder) / "before"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return str(target)


@contextmanager
def _copy_of(seeded: str, path: Path) -> Iterator[str]:
    """A fresh copy of the seeded database, dropped afterwards."""
    if not seeded.startswith("postgresql"):
        shutil.copy(make_url(seeded).database or "", path)
        yield f"sqlite:///{path}"
        return
    url = make_url(seeded)
    copy = f"{url.database}_{path.stem.replace('-', '_')}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{copy}"'))
        connection.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{url.database}"'))
    try:
        yield url.set(database=copy).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        admin.dispose()


def _table(
    samples: dict[str, list[Sample]], teams: int, backend: str, runs: int, before: str | None
) -> str:
    def med(app: str, key: str) -> float:
        return statistics.median(s[key] for s in samples[app])

    def ratio(app: str, key: str) -> float:
        floor = samples["bare"]
        return statistics.median(
            s[key] / f["help p99"] for s, f in zip(samples[app], floor, strict=True)
        )

    names = {"bare": "bare bolt (floor)", "before": f"before ({before})", "after": "after"}
    lines = [
        f"Web tier at {CONCURRENT} concurrent, {teams:,} teams on {backend} (median of {runs} "
        f"runs, {REQUESTS} requests each; p99 ratios are to the same run's floor p99)",
        "",
        "| app | `/mentor help` p50 / p99 | ratio | log submission p50 / p99 | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for app in samples:
        help_cell = f"{med(app, 'help p50'):.1f} / {med(app, 'help p99'):.1f} ms"
        if app == "bare":
            lines.append(f"| {names[app]} | {help_cell} | 1× | | |")
            continue
        log_cell = f"{med(app, 'log p50'):.1f} / {med(app, 'log p99'):.1f} ms"
        lines.append(
            f"| {names[app]} | {help_cell} | {ratio(app, 'help p99'):.2f}× "
            f"| {log_cell} | {ratio(app, 'log p99'):.2f}× |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a git ref to measure beside this checkout")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--teams", type=int, default=5000)
    args = parser.parse_args()
    print(run(args.teams, os.environ.get("BENCH_DATABASE_URL"), args.runs, args.before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
