"""`mentorbot run` for real: gunicorn serving the app, as a separate process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.signing import slash_command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, deadline: float) -> int:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return response.status
        except OSError:
            # Refused before gunicorn listens; a read that times out while the worker is
            # still loading the app (a busy machine) is worth another try too.
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in time")


def run_bot(env: dict[str, str]) -> subprocess.Popen[str]:
    """`mentorbot run --no-scheduler` in a process of its own, its output in one pipe."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--no-scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def start_output(env: dict[str, str]) -> str:
    """What `mentorbot run --no-scheduler` says until its /healthz answers (then stopped)."""
    port = _free_port()
    process = run_bot({**env, "PORT": str(port)})
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 30) == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
    return output


def test_run_serves_slack_requests_and_healthz_under_gunicorn(tmp_path, standin) -> None:
    fake, api_url = standin
    port = _free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "MENTORBOT_STAFF": "U0STAFF01",
        "PORT": str(port),
    }
    env.pop("SLACK_APP_TOKEN", None)
    process = run_bot(env)
    try:
        base = f"http://127.0.0.1:{port}"
        assert _wait_for(base + "/healthz", time.monotonic() + 30) == 200
        status, body = slash_command(base + "/slack/events", SIGNING_SECRET, "U0STAFF01", "help")
        assert status == 200 and "/mentor topic" in body["text"]
        assert fake.calls_to("auth.test"), "the app checks its token with Slack at start"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
    assert "gthread" in output  # gunicorn's threaded worker, not a development server
    assert "Traceback" not in output
