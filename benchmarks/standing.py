"""Program-wide answers at 5,000 teams, and what they cost everyone else, beside the bare app.

One run: a bare Bolt app (gunicorn, 1 worker × 8 threads) gives the floor for `/mentor help`
at 10 and 50 concurrent; then `mentorbot run` served the same way answers
- `/mentor help` from someone on no team (no standing to look up), `/mentor help` from the
  teams' mentors and protégés (a different member each request: each answer looks up the
  member's team and computes its deliverables for their next step), and a Communication Log
  submission, at 10 and 50 concurrent, nothing else running;
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

BENCH_ONLY=help measures only the `/mentor help` rows and their floor (a few minutes); with
BENCH_BEFORE=REF it serves that commit's code too, in the same run, after the floor (before
and after alternate in order between runs, so neither always runs on a warmer machine).
"""

from __future__ import annotations

import itertools
import json
import math
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
from benchmarks.seeding import STAFF, current_program_file, fresh_database, member_id, seed_teams
from benchmarks.web_tier import ROOT, _checkout
from tests.conftest import SIGNING_SECRET
from tests.signing import slash_command
from tests.slack_standin import Server, SlackStandIn
from tests.test_status_later import ResponseUrl

TOKEN = "xoxb-bench"
REQUESTS = 300
ASKED = 5  # each program-wide answer, one at a time
PROGRAM_WIDE = ("status", "overdue", "completers")
BOT = [sys.executable, "-m", "bot", "run", "--no-scheduler"]
# Who asks for `/mentor help` in each row: (row key, name in the table).
HELP_ROWS = (
    ("help", "`/mentor help` from someone on no team"),
    ("member help", "`/mentor help` from team members (a different mentor or protégé each)"),
)

Latencies = dict[str, float]  # row name -> milliseconds (or MB)


def run(
    teams: int,
    database_url: str | None,
    runs: int = 3,
    only: str | None = None,
    before: str | None = None,
) -> str:
    """`only`: "memory" or "help" for those rows alone; `before`: a git ref whose code is
    served beside this checkout's (with only="help")."""
    results: list[Latencies] = []
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "seeded.db"
        url = database_url or f"sqlite:///{template}"
        fresh_database(url)
        program_file = current_program_file(folder)
        seed_teams(url, teams, program_file)
        old_code = _checkout(before, folder) if before else None
        for n in range(runs):
            run_url = url
            if database_url is None:  # every run starts from the same seeded file
                copy = Path(folder) / f"run{n}.db"
                shutil.copy(template, copy)
                run_url = f"sqlite:///{copy}"
            if only == "memory":
                results.append(_memory_run(run_url, program_file))
            elif only == "help":
                results.append(_help_run(run_url, program_file, teams, old_code, n % 2 == 1))
            else:
                results.append(_one_run(run_url, program_file, teams))
    backend = "PostgreSQL" if database_url else "SQLite"
    if only == "memory":
        return _memory_table(results, teams, backend, runs)
    if only == "help":
        return _help_table(results, teams, backend, runs, before)
    return _table(results, teams, backend, runs)


def _one_run(url: str, program_file: str, teams: int) -> Latencies:
    fake = SlackStandIn()
    standin = Server(fake)
    out: Latencies = {}
    env = server_env(url, program_file, standin.url)
    try:
        with _served(BARE, env) as base:
            _floor(base, out)
        with _served(BOT, env) as base:
            memory = _PssSampler(_server_pid())
            try:
                submit_log = _log_submitter(base, fake)
                receiver = ResponseUrl()
                try:
                    for kind in PROGRAM_WIDE:
                        first, out[f"{kind} answer"] = _answer_time(base, receiver, kind)
                        out[f"{kind} first"] = first
                    _helps(base, teams, out)
                    for c in (10, 50):
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


def _help_run(
    url: str, program_file: str, teams: int, old_code: str | None, before_first: bool
) -> Latencies:
    """Only `/mentor help`: the floor, then this checkout's bot (and the *before* code's,
    its rows keyed "before …", first when `before_first`)."""
    fake = SlackStandIn()
    standin = Server(fake)
    out: Latencies = {}
    env = server_env(url, program_file, standin.url)
    apps = [("", str(ROOT))] + ([("before ", old_code)] if old_code else [])
    try:
        with _served(BARE, env) as base:
            _floor(base, out)
        for prefix, code in reversed(apps) if before_first else apps:
            with _served(BOT, env, code) as base:
                _helps(base, teams, out, prefix)
    finally:
        standin.close()
    return out


def _floor(base: str, out: Latencies) -> None:
    """The bare app's p99 for `/mentor help` at 10 and 50 concurrent: every run's floor."""
    for c in (10, 50):
        out[f"bare help {c}"] = _p99(base, _help, c)


def _helps(base: str, teams: int, out: Latencies, prefix: str = "") -> None:
    """`/mentor help` at 10 and 50 concurrent, from someone on no team and from members."""
    for c in (10, 50):
        out[f"{prefix}help {c}"] = _p99(base, _help, c)
        out[f"{prefix}member help {c}"] = _p99(base, _member_help(teams), c)


def _member_help(teams: int) -> Callable[[str], int]:
    """`/mentor help` from the seeded teams' mentors and protégés in turn, a different person
    each request: the teams are stepped through by a stride prime to their number (both
    tracks come up; no member's answer is asked for twice in a row)."""
    asked = itertools.count()
    stride = next(s for s in itertools.count(teams * 618 // 1000) if math.gcd(s, teams) == 1)

    def send(base: str) -> int:
        n = next(asked)  # one step of the C iterator: safe across the pool's threads
        # Mentor, mentor, protégé, protégé…: an odd stride alternates the teams' parity.
        person = member_id("protege" if n // 2 % 2 else "mentor", n * stride % teams)
        return slash_command(base + "/slack/events", SIGNING_SECRET, person, "help")[0]

    return send


def _memory_run(url: str, program_file: str) -> Latencies:
    """Only the memory: every program-wide answer and a report, then the answers again."""
    fake = SlackStandIn()
    standin = Server(fake)
    env = server_env(url, program_file, standin.url)
    try:
        with _served(BOT, env) as base:
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


def _summaries(
    results: list[Latencies],
) -> tuple[Callable[[str], float], Callable[[str, str], str]]:
    """A row's median over the runs, and its median ratio to another row of the same run."""

    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    def ratio(key: str, floor: str) -> str:
        return f"{statistics.median(r[key] / r[floor] for r in results):.2f}×"

    return med, ratio


def _table(results: list[Latencies], teams: int, backend: str, runs: int) -> str:
    med, ratio = _summaries(results)
    lines = [
        f"Program-wide answers over {teams:,} teams on {backend} (median of {runs} runs; "
        f"{REQUESTS} requests per concurrent row; ratios are to the same run's floor)",
        "",
        "| measured | concurrent | p99 or time | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += _help_lines(med, ratio)
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


def _help_lines(
    med: Callable[[str], float], ratio: Callable[[str, str], str], before: str | None = None
) -> list[str]:
    """The floor's rows, then each `/mentor help` row at 10 and 50 concurrent (with `before`,
    the *before* code's row above each of this checkout's)."""
    lines = [
        f"| bare bolt `/mentor help` (floor) | {c} | {med(f'bare help {c}'):.1f} ms | 1× |"
        for c in (10, 50)
    ]
    versions = [(f"before ({before}): ", "before "), ("after: ", "")] if before else [("", "")]
    for key, name in HELP_ROWS:
        for c in (10, 50):
            for label, prefix in versions:
                row = f"{prefix}{key} {c}"
                lines.append(
                    f"| {label}{name} | {c} | {med(row):.1f} ms "
                    f"| {ratio(row, f'bare help {c}')} of the floor |"
                )
    return lines


def _help_table(
    results: list[Latencies], teams: int, backend: str, runs: int, before: str | None
) -> str:
    med, ratio = _summaries(results)
    return "\n".join(
        [
            f"`/mentor help` over {teams:,} teams on {backend} (median of {runs} runs; "
            f"{REQUESTS} requests per row; ratios are to the same run's floor)",
            "",
            "| measured | concurrent | p99 | ratio |",
            "| --- | ---: | ---: | ---: |",
            *_help_lines(med, ratio, before),
        ]
    )


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
            only=os.environ.get("BENCH_ONLY"),
            before=os.environ.get("BENCH_BEFORE"),
        )
    )
