"""What operators see: the tick's heartbeat in /healthz of a process that runs no tick, JSON
log lines that name notices by ledger row, and `mentorbot ledger --since`."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.operations import heartbeat
from bot.platform.log_format import JsonLines
from schedules.duties.topic_prompts import topic_prompts
from storage import ledger
from storage.db import make_engine, make_session_factory, transaction
from storage.models import Delivery
from tests import test_accounts, test_cli
from tests.conftest import STAFF
from tests.test_accounts import FIRST_DAY_0800_CDT
from tests.test_cli import _one_team
from tests.test_silence import ADVISOR, MENTOR, PROTEGE, seed

# Their fixtures: the web tier with ticks beside it, and the command line's environment.
world, env = test_accounts.world, test_cli.env

SLACK_IDS = (MENTOR, PROTEGE, ADVISOR, STAFF)


def full_health(base: str) -> tuple[int, list[str]]:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
            return response.status, response.read().decode().splitlines()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode().splitlines()


# -- the heartbeat -------------------------------------------------------------------------


def test_healthz_of_the_web_tier_reports_the_last_tick_and_a_stale_one(world, program) -> None:
    base, services, fake, run = world
    seed(services.sessions, program)
    assert full_health(base) == (200, ["ok", "last tick: none recorded yet"])
    fake.fail("chat.postMessage", error="invalid_blocks", channel=PROTEGE)
    before = datetime.now(UTC).replace(microsecond=0)
    run(FIRST_DAY_0800_CDT, (topic_prompts,))
    status, lines = full_health(base)
    assert status == 200 and lines[0] == "ok"
    stamp, outcome = lines[1].removeprefix("last tick: ").split(" ", 1)
    assert before <= datetime.fromisoformat(stamp) <= datetime.now(UTC)  # the real clock
    assert outcome == "ok (1 sent, 1 failed)"

    # The scheduler stopped: three intervals on, the web tier says so.
    long_ago = datetime.now(UTC) - heartbeat.STALE_AFTER - timedelta(minutes=1)
    heartbeat.record(services.sessions, FIRST_DAY_0800_CDT, [], 0, None, clock=lambda: long_ago)
    status, lines = full_health(base)
    assert status == 503
    assert lines[0] == (
        f"no tick has finished since {long_ago.isoformat(timespec='seconds')} (over 15 minutes)"
    )
    assert lines[1] == f"last tick: {long_ago.isoformat(timespec='seconds')} ok"
    # Two intervals late is still healthy.
    recent = datetime.now(UTC) - 2 * heartbeat.TICK_INTERVAL
    heartbeat.record(services.sessions, FIRST_DAY_0800_CDT, [], 0, None, clock=lambda: recent)
    assert full_health(base)[0] == 200


def test_a_tick_that_raises_is_recorded_and_healthz_is_unhealthy(world, program) -> None:
    base, services, _, run = world
    seed(services.sessions, program)

    def broken(session, program, now):
        raise RuntimeError("a message that may quote someone's words")

    with pytest.raises(RuntimeError):
        run(FIRST_DAY_0800_CDT, (broken,))
    status, lines = full_health(base)
    assert status == 503 and lines[0] == "no tick has finished yet"
    assert lines[1].endswith(" error: RuntimeError") and "quote" not in lines[1]
    run(FIRST_DAY_0800_CDT, (topic_prompts,))  # the next tick catches up
    status, lines = full_health(base)
    assert status == 200 and lines[1].endswith(" ok (2 sent)")


def test_a_refused_token_and_the_tick_are_both_reported(world, program) -> None:
    base, services, fake, run = world
    seed(services.sessions, program)
    fake.revoke("xoxb-test-token", "invalid_auth")
    run(FIRST_DAY_0800_CDT, (topic_prompts,))
    status, lines = full_health(base)
    assert status == 503
    assert lines[0] == "Slack refuses the app's token: invalid_auth"
    assert lines[1].endswith(" refused: invalid_auth (2 waiting)")


# -- JSON log lines ------------------------------------------------------------------------


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_json_log_lines_name_each_notice_by_ledger_row_and_no_slack_id(
    world, program, json_log
) -> None:
    _, services, fake, run = world
    seed(services.sessions, program)
    fake.fail("chat.postMessage", error="invalid_blocks", channel=PROTEGE)
    run(FIRST_DAY_0800_CDT, (topic_prompts,))
    text = json_log.getvalue()
    assert not any(slack_id in text for slack_id in SLACK_IDS)
    entries = [json.loads(line) for line in text.splitlines()]
    with services.sessions() as session:
        rows = {
            row.id: row
            for row in session.scalars(select(Delivery).where(Delivery.kind != ledger.INBOUND))
        }
    about = {entry["delivery"]: entry for entry in entries if "delivery" in entry}
    assert set(about) == set(rows)
    for row_id, entry in about.items():
        assert entry["outcome"] == rows[row_id].status.value
        assert entry["kind"] == rows[row_id].kind == "topic_prompt"
        assert entry["message"] == f"notice #{row_id} {entry['outcome']} (topic_prompt)"
    [failed] = [entry for entry in about.values() if entry["outcome"] == "failed"]
    assert failed["reason"] == "invalid_blocks"
    # delivery's own warning names the key: its Slack id is withheld in JSON.
    [warning] = [entry for entry in entries if entry["level"] == "WARNING"]
    assert "<id>" in warning["message"] and "failed: invalid_blocks" in warning["message"]


def test_the_log_format_setting_switches_the_command_line_to_json_lines(env, tmp_path) -> None:
    assert main(["db", "upgrade"]) == 0
    _one_team(env)

    def tick_as(log_format: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "tick", "--dry-run", "--now", "2024-09-03T13:00Z"],
            env={**os.environ, "DATABASE_URL": env, "MENTORBOT_LOG_FORMAT": log_format},
            capture_output=True,
            text=True,
            timeout=60,
        )

    done = tick_as("json")
    assert done.returncode == 0, done.stderr
    entries = [json.loads(line) for line in done.stderr.splitlines()]
    assert {entry["outcome"] for entry in entries if "delivery" in entry} == {"sent"}
    assert "U0MENTOR1" not in done.stderr and "U0PROTEGE1" not in done.stderr
    bad = tick_as("yaml")
    assert bad.returncode == 2
    assert bad.stderr == "mentorbot: MENTORBOT_LOG_FORMAT must be text or json, got 'yaml'\n"


# -- mentorbot ledger ----------------------------------------------------------------------


def _claim(key: str, recipient: str, due: datetime) -> ledger.Claim:
    return ledger.Claim(key, "topic_prompt", recipient, due, due + timedelta(days=3))


def test_ledger_lists_failed_skipped_and_held_notices_since_a_day(env, capsys) -> None:
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(env)
    day = datetime(2024, 9, 3, 13, tzinfo=UTC)
    with transaction(make_session_factory(engine)) as session:
        ledger.claim(session, _claim("sent:1", MENTOR, day), day)
        ledger.record_sent(session, "sent:1", day, "D1", "1.0")
        ledger.claim(session, _claim("failed:1", PROTEGE, day), day)
        ledger.record_failed(session, "failed:1", day, "channel_not_found")
        ledger.claim(session, _claim("failed:old", PROTEGE, day), day - timedelta(days=9))
        ledger.record_failed(session, "failed:old", day - timedelta(days=9), "user_not_found")
        ledger.record_skipped_many(
            session, [(_claim("skipped:1", MENTOR, day), "its moment passed")], day
        )
        ledger.record_held_many(session, [_claim("held:1", ADVISOR, day + timedelta(hours=1))])
        ledger.claim_inbound(session, "inbound:1", MENTOR, day, timedelta(hours=1))
    engine.dispose()
    capsys.readouterr()
    assert main(["ledger", "--since", "2024-09-01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[3] for line in lines[:-1]] == ["failed", "skipped", "held"]
    assert lines[0].endswith("failed  topic_prompt     failed:1  channel_not_found")
    assert lines[0].split()[1:3] == ["2024-09-03", "08:00"]  # the program's timezone
    assert lines[1].endswith("skipped:1  its moment passed")
    assert lines[2].endswith("held:1  held: the recipient's Slack account is deactivated")
    assert lines[-1] == "3 notice(s) failed, skipped or held since 2024-09-01"


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01", ""])
def test_ledger_with_a_bad_date_is_one_line_and_exit_2(env, capsys, value) -> None:
    assert main(["ledger", "--since", value]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == f"mentorbot: --since must be a date (YYYY-MM-DD), got {value!r}\n"
