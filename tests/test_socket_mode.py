"""`mentorbot run` in Socket Mode, end to end: the real process, slack_sdk's Socket Mode
client (as bolt's SocketModeHandler runs it), a local websocket server speaking Slack's
envelopes, and the Web API stand-in for `apps.connections.open` and the app's calls."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.server import ServerConnection

from bot.home.views import HOME_PAIR
from bot.platform.inbound import inbound_key
from bot.teams.views import PAIR_CALLBACK
from tests.block_kit import assert_answer_valid
from tests.conftest import BOT_TOKEN, STAFF
from tests.interactions import last_opened_view
from tests.slack_standin import SlackStandIn
from tests.socket_standin import SocketModeStandIn

APP_TOKEN = "xapp-1-A0TEST-1-test"


@pytest.fixture
def socket_end() -> Iterator[SocketModeStandIn]:
    end = SocketModeStandIn()
    yield end
    end.close()


class Running:
    """`mentorbot run` as a separate process; its output goes to a file (a pipe nobody reads
    could fill and stall it)."""

    def __init__(self, env: dict[str, str], log: Path, socket_end: SocketModeStandIn) -> None:
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--no-scheduler"],
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        self.socket_end = socket_end
        # Whoever waits for a connection hears at once if the process died instead.
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        self.process.wait()
        self.socket_end.connections.put(None)

    def next_connection(self) -> ServerConnection:
        connection = self.socket_end.connections.get(timeout=60)
        if connection is None:
            raise AssertionError(f"mentorbot run exited:\n{self.log.read_text()}")
        return connection

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self._out.close()


def _slash_command(text: str, trigger: str) -> dict[str, Any]:
    return {
        "token": "legacy-unused",
        "team_id": "T0TEST",
        "team_domain": "test",
        "channel_id": "C0TEST",
        "channel_name": "general",
        "user_id": STAFF,
        "user_name": "pat",
        "command": "/mentor",
        "text": text,
        "api_app_id": "A0TEST",
        "is_enterprise_install": "false",
        "response_url": "http://127.0.0.1:9/response",
        "trigger_id": trigger,
    }


def _button(action_id: str, trigger: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": STAFF, "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "team": {"id": "T0TEST"},
        "trigger_id": trigger,
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0DM"},
        "channel": {"id": "D0DM"},
        "message": {"ts": "1700000000.000100", "text": ""},
        "response_url": "http://127.0.0.1:9/response",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "staff_actions",
                "value": "",
                "action_ts": "1700000001.000200",
            }
        ],
    }


def _submission(view: dict[str, Any], trigger: str) -> dict[str, Any]:
    """The modal sent back with nothing chosen."""
    return {
        "type": "view_submission",
        "user": {"id": STAFF, "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "team": {"id": "T0TEST"},
        "trigger_id": trigger,
        "view": {**view, "state": {"values": {}}},
    }


def _home_opened(event_id: str) -> dict[str, Any]:
    return {
        "token": "legacy-unused",
        "team_id": "T0TEST",
        "api_app_id": "A0TEST",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "event": {
            "type": "app_home_opened",
            "user": STAFF,
            "channel": "D0DM",
            "tab": "home",
            "event_ts": "1700000000.000300",
        },
    }


def test_run_in_socket_mode_answers_every_kind_of_envelope_and_reconnects(
    tmp_path: Path, standin: tuple[SlackStandIn, str], sqlite_url: str, socket_end
) -> None:
    fake, api_url = standin
    fake.socket_url = socket_end.url
    fake.add_user(STAFF, "Pat Morgan")
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": sqlite_url,
        "MENTORBOT_STAFF": STAFF,
    }
    for name in ("SLACK_SIGNING_SECRET", "PORT", "MENTORBOT_PROGRAM"):
        env.pop(name, None)
    running = Running(env, tmp_path / "run.log", socket_end)
    try:
        connection = running.next_connection()
        # The URL came from SLACK_API_URL's apps.connections.open, asked with the app token.
        (opened,) = fake.calls_to("apps.connections.open")
        assert opened.token == APP_TOKEN

        # A slash command: answered in the ack itself.
        sent = socket_end.send(
            connection,
            "slash_commands",
            _slash_command("help", "1337.1.1"),
            accepts_response_payload=True,
        )
        ack = socket_end.ack_of(sent)
        assert ack is not None and ack["envelope_id"] == sent, running.log.read_text()
        assert "/mentor topic" in ack["payload"]["text"]
        assert_answer_valid(ack["payload"])

        # A button: acknowledged with nothing, then the modal opens with its trigger.
        sent = socket_end.send(
            connection,
            "interactive",
            _button(HOME_PAIR, "1337.1.2"),
            accepts_response_payload=False,
        )
        assert socket_end.ack_of(sent) == {"envelope_id": sent}
        assert len(fake.wait_for("views.open", 1)) == 1
        (opened_modal,) = fake.calls_to("views.open")
        assert opened_modal.params["trigger_id"] == "1337.1.2"
        view = last_opened_view(fake)
        assert view["callback_id"] == PAIR_CALLBACK

        # The modal submitted empty: the ack carries the field errors.
        submitted = _submission({**view, "id": "V0OPENED"}, "1337.1.3")
        sent = socket_end.send(connection, "interactive", submitted, accepts_response_payload=True)
        ack = socket_end.ack_of(sent)
        assert ack is not None and ack["envelope_id"] == sent
        assert ack["payload"]["response_action"] == "errors"
        assert set(ack["payload"]["errors"]) == {"mentor", "protege", "area", "track"}
        assert_answer_valid(ack["payload"], submitted["view"])

        # An event: acknowledged at once; the Home tab is published after.
        sent = socket_end.send(
            connection, "events_api", _home_opened("Ev0HOME1"), accepts_response_payload=False
        )
        assert socket_end.ack_of(sent) == {"envelope_id": sent}
        published = fake.wait_for("views.publish", 1)
        assert [call.params["user_id"] for call in published] == [STAFF]

        # Slack drops the connection: the client asks for a new URL and connects again (at
        # its next check of the connection, within slack_sdk's ping interval of 10 s).
        connection.close()
        connection = running.next_connection()
        assert len(fake.wait_for("apps.connections.open", 2)) >= 2
        sent = socket_end.send(
            connection,
            "slash_commands",
            _slash_command("help", "1337.1.4"),
            accepts_response_payload=True,
        )
        ack = socket_end.ack_of(sent)
        assert ack is not None and "/mentor topic" in ack["payload"]["text"]

        # Slack's routine refresh: told to go, the client moves to a new connection.
        socket_end.disconnect(connection, "refresh_requested")
        connection = running.next_connection()
        assert len(fake.wait_for("apps.connections.open", 3)) >= 3
        sent = socket_end.send(
            connection, "events_api", _home_opened("Ev0HOME2"), accepts_response_payload=False
        )
        assert socket_end.ack_of(sent) == {"envelope_id": sent}
        assert len(fake.wait_for("views.publish", 2)) == 2
    finally:
        running.stop()


def test_socket_mode_interactions_are_told_apart_without_a_raw_body() -> None:
    """Socket Mode gives bolt the parsed payload and an empty raw body: the retry guard's
    key comes from the payload, so two presses differ and a re-sent one does not."""
    first, second = _button(HOME_PAIR, "1337.2.1"), _button(HOME_PAIR, "1337.2.2")
    assert inbound_key(first, "") != inbound_key(second, "")
    assert inbound_key(first, "") == inbound_key(dict(reversed(first.items())), "")
