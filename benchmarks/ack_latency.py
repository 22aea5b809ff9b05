"""Ack latency over signed HTTP with 5,000 teams, beside a bare Bolt app served the same way.

Each app runs as its own gunicorn process (1 worker, 8 threads) on loopback; the load comes
from this process's threads. Rows: `/mentor help` (anyone), `/mentor status` (staff, every
team), a Communication Log submission (a mentor), and the bare app's ack. The Slack Web API
is the local stand-in. After the runs, the bot's peak resident memory is read from /proc.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.seeding import STAFF, current_program_file, fresh_database, seed_teams
from tests.conftest import SIGNING_SECRET
from tests.interactions import last_opened_view, press, submit
from tests.signing import slash_command
from tests.slack_standin import Server, SlackStandIn
from tests.test_status_later import ResponseUrl

TOKEN = "xoxb-bench"
MENTOR = "U0M0000001"
STATUS_REQUESTS = 5


def run(requests: int, concurrencies: tuple[int, ...], teams: int, database_url: str | None) -> str:
    fake = SlackStandIn()
    standin = Server(fake)
    rows = [
        "| app | backend | concurrent | p50 | p99 | requests/s |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    memory = []
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        fresh_database(url)
        program_file = current_program_file(folder)
        seed_teams(url, teams, program_file)
        env = server_env(url, program_file, standin.url)
        with _served(BARE, env) as base:
            for concurrency in concurrencies:
                rows.append(
                    _measure("bare bolt (floor)", backend, base, _help, requests, concurrency)
                )
        with _served([sys.executable, "-m", "bot", "run", "--no-scheduler"], env) as base:
            process_id = _server_pid
            submit_log = _log_submitter(base, fake)
            cases: list[tuple[str, Callable[[str], int], int]] = [
                ("`/mentor help`", _help, requests),
                ("log submission", submit_log, requests),
            ]
            rows += _status_rows(base, backend)
            for name, send, count in cases:
                for concurrency in concurrencies:
                    try:
                        rows.append(_measure(name, backend, base, send, count, concurrency))
                    except (OSError, RuntimeError) as exc:  # a timeout is a result too
                        rows.append(f"| {name} | {backend} | {concurrency} | failed: {exc} | | |")
            memory.append(_peak_rss(process_id()))
    standin.close()
    title = (
        f"Ack latency over signed HTTP, {teams:,} teams on {backend} "
        f"({requests} requests per row; status: {STATUS_REQUESTS}, one at a time), loopback"
    )
    note = f"\n\nPeak memory of `mentorbot run` serving {teams:,} teams: {memory[0]}"
    return title + "\n\n" + "\n".join(rows) + note


# The floor: a bolt app that only acks, served as `mentorbot run` serves the bot (the same
# workers and threads: bot.platform.server reads the same two variables).
BARE = [sys.executable, "-m", "gunicorn", "-k", "gthread"]
BARE += ["--threads", os.environ.get("WEB_THREADS", "8")]
BARE += ["-w", os.environ.get("WEB_CONCURRENCY", "1")]
BARE += ["--log-level", "warning", "benchmarks.bare_app:application"]


def server_env(url: str, program_file: str, slack_url: str) -> dict[str, str]:
    """The environment both servers run in: HTTP, the Slack stand-in, the seeded database."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
        "DATABASE_URL": url,
        "MENTORBOT_STAFF": STAFF,
        "MENTORBOT_PROGRAM": program_file,
    }
    env.pop("SLACK_APP_TOKEN", None)
    return env


def _help(base: str) -> int:
    return slash_command(base + "/slack/events", SIGNING_SECRET, "U0BENCH01", "help")[0]


def _status_rows(base: str, backend: str) -> list[str]:
    """Staff status over every team, one request at a time: the ack (a placeholder), and the
    answer the bot posts to the response URL once counted."""
    receiver = ResponseUrl()
    acks, answers = [], []
    try:
        for n in range(STATUS_REQUESTS + 1):  # the first warms up
            started = time.perf_counter()
            status, body = slash_command(
                base + "/slack/events", SIGNING_SECRET, STAFF, "status", response_url=receiver.url
            )
            acked = time.perf_counter() - started
            if status != 200 or "Counting" not in json.dumps(body):
                raise RuntimeError(f"status answered {status}: {str(body)[:200]}")
            if len(receiver.wait(n + 1, timeout=120)) <= n:
                raise RuntimeError("no status answer arrived at the response URL")
            if n:
                acks.append(acked)
                answers.append(time.perf_counter() - started)
    finally:
        receiver.close()
    return [
        _row("`/mentor status` (staff, all teams): ack", backend, 1, acks, 1),
        _row("`/mentor status` (staff, all teams): answer posted", backend, 1, answers, 1),
    ]


def _row(name: str, backend: str, concurrency: int, latencies: list[float], rate: float) -> str:
    latencies = sorted(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return f"| {name} | {backend} | {concurrency} | {p50:.1f} ms | {p99:.1f} ms | {rate:.0f} |"


def _log_submitter(base: str, fake: SlackStandIn) -> Callable[[str], int]:
    """A mentor's Communication Log submission, the view as the app opened it. Each comes
    from a modal of its own, as Slack gives every modal its own view id, and files a new
    entry (one modal submitted again would find its entry and file nothing)."""
    from tests.test_access_matrix import fill

    status, _ = press(base, MENTOR, "log_open", "2")
    if not (fake.calls_to("views.open")):
        raise RuntimeError(f"no log modal: {[c.params for c in fake.calls[-2:]]}")
    view = last_opened_view(fake)
    values = fill(view, {"protege": "U0P0000001"})
    # The server runs on today's clock, in the program's timezone (a day behind UTC's in the
    # evening): the date the modal opened with.
    today = next(
        block["element"]["initial_date"]
        for block in view["blocks"]
        if block.get("element", {}).get("type") == "datepicker"
    )
    for block in values.values():
        for value in block.values():
            if value.get("type") == "datepicker":
                value["selected_date"] = today

    views = itertools.count(1)

    def send(_base: str) -> int:
        shown = {**view, "id": f"VBENCH{next(views):06d}"}
        status, body = submit(base, MENTOR, shown, values)
        # A refused submission (a field error) is cheaper than filing one: measure filings.
        if status == 200 and (
            not isinstance(body, dict) or body.get("response_action") != "update"
        ):
            raise RuntimeError(f"the log was not filed: {str(body)[:200]}")
        return status

    return send


def _measure(name, backend, base, send, requests: int, concurrency: int) -> str:
    started = time.perf_counter()
    latencies = timed(base, send, requests, concurrency, name)
    elapsed = time.perf_counter() - started
    return _row(name, backend, concurrency, latencies, requests / elapsed)


def timed(
    base: str, send: Callable[[str], int], requests: int, concurrency: int, name: str = "app"
) -> list[float]:
    """Seconds each request took, sorted, `concurrency` at a time (after a warm-up)."""

    def one(_: int) -> float:
        started = time.perf_counter()
        status = send(base)
        if status != 200:
            raise RuntimeError(f"{name} answered {status}")
        return time.perf_counter() - started

    for _ in range(min(10, requests)):  # warm-up: imports, connections, caches
        one(0)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return sorted(pool.map(one, range(requests)))


_current: list[subprocess.Popen] = []


def _server_pid() -> int:
    return _current[-1].pid


class _served:
    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None = None) -> None:
        self.argv, self.env, self.cwd = argv, env, cwd

    def __enter__(self) -> str:
        port = _free_port()
        argv = [*self.argv, "--bind", f"127.0.0.1:{port}"] if "gunicorn" in self.argv else self.argv
        self.process = subprocess.Popen(
            argv,
            env={**self.env, "PORT": str(port)},
            cwd=self.cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _current.append(self.process)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(base)
        except BaseException:  # no `with` body, so no __exit__: stopped here
            self.__exit__()
            raise
        return base

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a loaded machine: stop it rather than wait on
            self.process.kill()
            self.process.wait()


def _peak_rss(pid: int) -> str:
    """The highest resident set of the process and its gunicorn worker(s)."""
    peaks = []
    for candidate in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{candidate}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return " + ".join(f"{p:.0f} MiB" for p in peaks) or "unknown"


def _children(pid: int) -> list[int]:
    try:
        raw = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in raw.split()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return
        except OSError as exc:
            # The bare app has no /healthz: a 404 still means it is serving.
            if getattr(exc, "code", None) == 404:
                return
            time.sleep(0.2)
    raise RuntimeError(f"{base} did not start")
