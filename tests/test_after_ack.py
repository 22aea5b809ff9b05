"""The answer to a submission does not wait for the work after it: served as in production
(not settled, unlike the other tests' server), a Communication Log is acknowledged while
Slack still holds the partner's DM, and the DM arrives once Slack answers."""

from __future__ import annotations

import threading
import time

import pytest

from tests.conftest import serve_app
from tests.test_logs_http import MENTOR, PROTEGE, file_entry, world  # noqa: F401 (fixture)


@pytest.fixture
def app_server(sqlite_url, standin, program):
    with serve_app(sqlite_url, standin, program, settle=False) as served:
        yield served


def test_a_filed_log_is_acknowledged_before_slack_takes_the_partners_dm(world) -> None:  # noqa: F811
    base, _, fake, _ = world
    slack_answers = threading.Event()
    answer = fake.answer

    def held(method, params, token):
        if method == "chat.postMessage":
            slack_answers.wait(30)
        return answer(method, params, token)

    fake.answer = held
    try:
        body = file_entry(base, fake)
        assert body["response_action"] == "update"
        # Acknowledged, and the DM is still with Slack: the ack did not wait for it.
        assert fake.messages_to(PROTEGE) == []
    finally:
        slack_answers.set()
    deadline = time.monotonic() + 10
    while not fake.messages_to(PROTEGE) and time.monotonic() < deadline:
        time.sleep(0.02)
    [dm] = fake.messages_to(PROTEGE)
    assert "Please confirm" in dm["text"] and f"<@{MENTOR}>" in dm["text"]
