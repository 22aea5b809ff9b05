"""Program-wide answers at 5,000 teams, and what they cost everyone else, beside the bare app.

One run: a bare Bolt app (gunicorn, 1 worker × 8 threads) gives the floor for `/mentor help`
at 10 and 50 concurrent; then `mentorbot run` served the same way answers
- `/mentor help` and a Communication Log submission at 10 and 50 concurrent, nothing else
  running;
- staff `/mentor status`, `overdue` and `completers`, one at a time, from the request to the
  answer posted (inline in the ack, or at the response URL);
- `/mentor help` and a log submission at 10 concurrent again while another client keeps
  asking for program-wide answers and the report, without pause;
while the proportional set size (PSS) of `mentorbot run` and every process it started is
sampled (per process too: the gunicorn arbiter, its worker, and the helper processes below
the worker). Three runs; each cell is the median of the three, and p99s are also given as
ratios to the run's own floor.

BENCH_ONLY=memory measures only memory: status, overdue, completers and a report, then the
three again, with PSS sampled throughout (minutes instead of most of an hour).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.ack_latency import (
    BARE,
    _help,
    _log_submitter,
    _served,
    _server_pid,
    server_env,
)
from benchmarks.seeding import STAFF, current_program_file, fresh_database, seed_teams
from tests.conftest import SIGNING_SECRET
from tests.signing import slash_command
from tests.slack_standin import Server, SlackStandIn
from tests.test_status_later import ResponseUrl

TOKEN = "xoxb-bench"
REQUESTS = 300
ASKED = 5  # each program-wide answer, one at a time
PROGRAM_WIDE = ("status", "overdue", "completers")

Latencies = dict[str, float]  # row name -> milliseconds (or MB)


def run(teams: int, database_url: str | None, runs: int = 3, only_memory: bool = False) -> str:
    results: list[Latencies] = []
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "seeded.db"
        url = database_url or f"sqlite:///{template}"
        fresh_database(url)
        program_file = current_program_file(folder)
        seed_teams(url, teams, program_file)
        for n in range(runs):
            run_url = url
            if database_url is None:  # every run starts from the same seeded file
                copy = Path(folder) / f"run{n}.db"
                shutil.copy(template, copy)
                run_url = f"sqlite:///{copy}"
            measure = _memory_run if only_memory else _one_run
            results.append(measure(run_url, program_file))
    backend = "PostgreSQL" if database_url else "SQLite"
    if only_memory:
        return _memory_table(results, teams, backend, runs)
    return _table(results, teams, backend, runs)


def _one_run(url: str, program_file: str) -> Latencies:
    fake = SlackStandIn()
    standin = Server(fake)
    out: Latencies = {}
    env = server_env(url, program_file, standin.url)
    try:
        with _served(BARE, env) as base:
            for c in (10, 50):
                out[f"bare help {c}"] = _p99(base, _help, c)
        with _served([sys.executable, "-m", "bot", "run", "--no-scheduler"], env) as base:
            memory = _PssSampler(_server_pid())
            try:
                submit_log = _log_submitter(base, fake)
                receiver = ResponseUrl()
                try:
                    for kind in PROGRAM_WIDE:
                        first, out[f"{kind} answer"] = _answer_time(base, receiver, kind)
                        out[f"{kind} first"] = first
                    for c in (10, 50):
                        out[f"help {c}"] = _p99(base, _help, c)
                        out[f"log {c}"] = _p99(base, submit_log, c)
                    with _Busy(base, receiver, fake):
                        out["help 10 busy"] = _p99(base, _help, 10)
                        out["log 10 busy"] = _p99(base, submit_log, 10)
                finally:
                    receiver.close()
            finally:
                out.update(memory.stop())
    finally:
        standin.close()
    return out


def _memory_run(url: str, program_file: str) -> Latencies:
    """Only the memory: every program-wide answer and a report, then the answers again."""
    fake = SlackStandIn()
    standin = Server(fake)
    env = server_env(url, program_file, standin.url)
    try:
        with _served([sys.executable, "-m", "bot", "run", "--no-scheduler"], env) as base:
            memory = _PssSampler(_server_pid())
            receiver = ResponseUrl()
            try:
                for kind in PROGRAM_WIDE:
                    _ask(base, receiver, kind, timeout=900)
                _report(base, fake, threading.Event(), timeout=900)
                for kind in PROGRAM_WIDE:
                    _ask(base, receiver, kind)
            finally:
                receiver.close()
                out = memory.stop()
    finally:
        standin.close()
    return out


def _p99(base: str, send: Callable[[str], int], concurrency: int) -> float:
    def one(_: int) -> float:
        started = time.perf_counter()
        status = send(base)
        if status != 200:
            raise RuntimeError(f"answered {status}")
        return time.perf_counter() - started

    for _ in range(10):  # warm-up: imports, connections, caches
        one(0)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        latencies = sorted(pool.map(one, range(REQUESTS)))
    return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000


def _ask(base: str, receiver: ResponseUrl, kind: str, timeout: float = 120) -> float:
    """Seconds from the request to the answer: the ack itself, unless it says it is counting."""
    before = len(receiver.posts)
    started = time.perf_counter()
    status, body = slash_command(
        base + "/slack/events", SIGNING_SECRET, STAFF, kind, response_url=receiver.url
    )
    if status != 200:
        raise RuntimeError(f"{kind} answered {status}")
    counting = "Counting" in json.dumps(body)
    if counting and len(receiver.wait(before + 1, timeout=timeout)) <= before:
        raise RuntimeError(f"no {kind} answer arrived at the response URL")
    return time.perf_counter() - started


def _answer_time(base: str, receiver: ResponseUrl, kind: str) -> tuple[float, float]:
    """The first answer (the first status of a fresh deployment counts every team's standing:
    the scheduler is off), and the median of the next ones, in milliseconds."""
    first = _ask(base, receiver, kind, timeout=900)
    rest = statistics.median(_ask(base, receiver, kind) for _ in range(ASKED))
    return first * 1000, rest * 1000


class _Busy:
    """Another staff member asking for program-wide answers and the report, nonstop."""

    def __init__(self, base: str, receiver: ResponseUrl, fake: SlackStandIn) -> None:
        self.base, self.receiver, self.fake = base, receiver, fake
        self.stopping = threading.Event()

    def __enter__(self) -> _Busy:
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        time.sleep(0.5)
        return self

    def _loop(self) -> None:
        n = 0
        while not self.stopping.is_set():
            kind = (*PROGRAM_WIDE, "report")[n % 4]
            n += 1
            if kind != "report":
                _ask(self.base, self.receiver, kind)
                continue
            _report(self.base, self.fake, self.stopping)

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=180)


def _report(base: str, fake: SlackStandIn, stopping: threading.Event, timeout: float = 120) -> None:
    """Ask for the report and wait until its files are uploaded (or `timeout` seconds)."""
    uploads = len(fake.calls_to("files.completeUploadExternal"))
    slash_command(base + "/slack/events", SIGNING_SECRET, STAFF, "report")
    deadline = time.monotonic() + timeout
    while (
        len(fake.calls_to("files.completeUploadExternal")) <= uploads
        and time.monotonic() < deadline
        and not stopping.is_set()
    ):
        time.sleep(0.05)


ROLES = ("arbiter", "worker", "helpers")


class _PssSampler:
    """The highest sum of PSS over the server and all its descendants, sampled every 50 ms,
    and each role's own peak: the arbiter, its workers, and every process below a worker."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self.peaks = dict.fromkeys(ROLES, 0)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stopping.wait(0.05):
            by_role = dict.fromkeys(ROLES, 0)
            for pid, depth in _descendants(self.pid):
                by_role[ROLES[min(depth, 2)]] += _pss(pid)
            self.peak = max(self.peak, sum(by_role.values()))
            for role, kib in by_role.items():
                self.peaks[role] = max(self.peaks[role], kib)

    def stop(self) -> Latencies:
        """Peaks in MiB: "pss" for the total, "pss <role>" for each role."""
        self.stopping.set()
        self.thread.join()
        return {"pss": self.peak / 1024} | {f"pss {r}": kib / 1024 for r, kib in self.peaks.items()}


def _descendants(pid: int) -> list[tuple[int, int]]:
    """(pid, depth below `pid`) of `pid` and every process under it. Found by each process's
    parent in /proc/*/stat: /proc/PID/task/PID/children lists only the children of the main
    thread, and the helper process is started from a request thread."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # the name in (...) may hold spaces
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [(pid, 0)]
    while queue:
        current, depth = queue.pop()
        found.append((current, depth))
        queue += [(child, depth + 1) for child in children.get(current, [])]
    return found


def _pss(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def _table(results: list[Latencies], teams: int, backend: str, runs: int) -> str:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    def ratio(key: str, floor: str) -> str:
        return f"{statistics.median(r[key] / r[floor] for r in results):.2f}×"

    lines = [
        f"Program-wide answers over {teams:,} teams on {backend} (median of {runs} runs; "
        f"{REQUESTS} requests per concurrent row; ratios are to the same run's floor)",
        "",
        "| measured | concurrent | p99 or time | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for c in (10, 50):
        lines.append(
            f"| bare bolt `/mentor help` (floor) | {c} | {med(f'bare help {c}'):.1f} ms | 1× |"
        )
    for c in (10, 50):
        lines.append(
            f"| `/mentor help` | {c} | {med(f'help {c}'):.1f} ms "
            f"| {ratio(f'help {c}', f'bare help {c}')} of the floor |"
        )
    for c in (10, 50):
        lines.append(
            f"| log submission | {c} | {med(f'log {c}'):.1f} ms "
            f"| {ratio(f'log {c}', f'bare help {c}')} of the floor |"
        )
    lines.append(
        f"| `/mentor help` while program-wide answers and reports are made | 10 "
        f"| {med('help 10 busy'):.1f} ms | {ratio('help 10 busy', 'help 10')} of idle |"
    )
    lines.append(
        f"| log submission while program-wide answers and reports are made | 10 "
        f"| {med('log 10 busy'):.1f} ms | {ratio('log 10 busy', 'log 10')} of idle |"
    )
    lines.append(
        f"| staff `/mentor status`, first after a fresh start (every standing counted) | 1 "
        f"| {med('status first'):.0f} ms | |"
    )
    for kind in PROGRAM_WIDE:
        lines.append(
            f"| staff `/mentor {kind}`: request to answer posted (median of {ASKED}) | 1 "
            f"| {med(f'{kind} answer'):.0f} ms | |"
        )
    lines.append(
        f"| peak PSS of `mentorbot run` and every process it started | | {med('pss'):.0f} MiB | |"
    )
    return "\n".join(lines)


def _memory_table(results: list[Latencies], teams: int, backend: str, runs: int) -> str:
    """Peak PSS per role and in all, each the median of the runs' peaks (a role's peak and
    the total's need not fall at the same moment)."""
    lines = [
        f"Peak PSS of `mentorbot run` after status, overdue, completers and a report over "
        f"{teams:,} teams on {backend} (median of {runs} runs)",
        "",
        "| process | peak PSS |",
        "| --- | ---: |",
    ]
    for role in ROLES:
        lines.append(f"| {role} | {statistics.median(r[f'pss {role}'] for r in results):.0f} MiB |")
    lines.append(f"| all, at once | {statistics.median(r['pss'] for r in results):.0f} MiB |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(
        run(
            int(os.environ.get("BENCH_TEAMS", "5000")),
            os.environ.get("BENCH_DATABASE_URL"),
            int(os.environ.get("BENCH_RUNS", "3")),
            only_memory=os.environ.get("BENCH_ONLY") == "memory",
        )
    )
