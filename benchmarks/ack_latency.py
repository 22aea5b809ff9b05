"""Ack latency of `/mentor help` over signed HTTP, beside a bare Bolt app served the same way.

Both run as separate gunicorn processes (1 worker, 8 threads) on loopback; the load comes
from this process's threads. The Slack Web API is the local stand-in.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.signing import slash_command
from tests.slack_standin import Server, SlackStandIn

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


def run(requests: int, concurrencies: tuple[int, ...]) -> str:
    standin = Server(SlackStandIn())
    rows = [
        "| app | concurrent | p50 | p99 | requests/s |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": standin.url,
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
        }
        env.pop("SLACK_APP_TOKEN", None)
        servers = {
            "bare bolt (floor)": [
                sys.executable,
                "-m",
                "gunicorn",
                "-k",
                "gthread",
                "--threads",
                "8",
                "-w",
                "1",
                "--log-level",
                "warning",
                "benchmarks.bare_app:application",
            ],
            "mentorbot `/mentor help`": [sys.executable, "-m", "bot", "run", "--no-scheduler"],
        }
        for name, argv in servers.items():
            port = _free_port()
            process = subprocess.Popen(
                [*argv, "--bind", f"127.0.0.1:{port}"] if "gunicorn" in argv else argv,
                env={**env, "PORT": str(port)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                url = f"http://127.0.0.1:{port}/slack/events"
                _wait_until_serving(url)
                for concurrency in concurrencies:
                    rows.append(_measure(name, url, requests, concurrency))
            finally:
                process.terminate()
                process.wait(timeout=15)
    standin.close()
    title = f"Ack latency over signed HTTP ({requests} requests per row, loopback)"
    return title + "\n\n" + "\n".join(rows)


def _measure(name: str, url: str, requests: int, concurrency: int) -> str:
    def one(_: int) -> float:
        started = time.perf_counter()
        status, _body = slash_command(url, SECRET, "U0BENCH01", "help")
        if status != 200:
            raise RuntimeError(f"{name} answered {status}")
        return time.perf_counter() - started

    for _ in range(20):  # warm-up: imports, connections, caches
        one(0)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        latencies = sorted(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - started
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return f"| {name} | {concurrency} | {p50:.1f} ms | {p99:.1f} ms | {requests / elapsed:.0f} |"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url.replace("/slack/events", "/healthz"), timeout=1)
            return
        except OSError as exc:
            # The bare app has no /healthz: a 404 still means it is serving.
            if getattr(exc, "code", None) == 404:
                return
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")
