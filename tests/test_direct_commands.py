"""`/mentor` over HTTP is answered without bolt's dispatch (bot.platform.direct), exactly as
bolt answers the same signed request; everything else still goes through bolt."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest

from handlers import kit
from tests.conftest import SIGNING_SECRET, STAFF, serve_app
from tests.signing import signature

ASKED = [
    ("U0SOMEONE", "help"),
    (STAFF, ""),  # no text: help
    ("U0SOMEONE", "fly <me> away"),  # unknown: help, naming it
    ("U0SOMEONE", "staff add <@U0NEWSTAFF>"),  # refused: staff only
    ("U0SOMEONE", "topic --program nope"),  # a Refusal raised by the router
]


@pytest.fixture
def served(database_url, standin, program):
    """The served app, the Bolt app behind it, and the commands bolt dispatched."""
    dispatched: list[str] = []
    apps: list[App] = []
    standin[0].add_user("U0NEWSTAFF", "Person U0NEWSTAFF")  # a real account, to be granted

    def prepare(app: App) -> None:
        def record(body: dict[str, Any], next: Any) -> None:
            dispatched.append(str(body.get("command") or body.get("type")))
            next()

        app.use(record)
        apps.append(app)

    with serve_app(database_url, standin, program, prepare=prepare) as (base, services):
        yield base + "/slack/events", apps[0], dispatched


def _signed_post(
    url: str,
    body: str,
    stamp: str | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> tuple[int, str, str]:
    """POST a signed form; (status, content type, body)."""
    stamp = stamp or str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(SIGNING_SECRET, stamp, body),
    }
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def _through_bolt(app: App, body: str) -> tuple[int, str, str]:
    """The same request dispatched by bolt itself (its own replay guard has not seen it)."""
    stamp = str(int(time.time()))
    headers = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [stamp],
        "x-slack-signature": [signature(SIGNING_SECRET, stamp, body)],
    }
    response = app.dispatch(BoltRequest(body=body, headers=headers))
    return response.status, response.headers["content-type"][0], str(response.body)


def _command(user_id: str | None, text: str, trigger: int) -> str:
    fields = {"command": "/mentor", "text": text, "team_id": "T0TEST", "channel_id": "C0TEST"}
    if user_id is not None:
        fields["user_id"] = user_id
    fields["response_url"] = "http://127.0.0.1:9/response"
    fields["trigger_id"] = f"1337.42.{trigger}"
    return urlencode(fields)


@pytest.mark.parametrize("user_id, text", ASKED, ids=range(len(ASKED)))
def test_mentor_is_answered_without_bolt_exactly_as_bolt_answers(served, user_id, text) -> None:
    url, app, dispatched = served
    body = _command(user_id, text, 1)
    direct = _signed_post(url, body)
    assert dispatched == []  # bolt dispatched nothing
    assert direct[0] == 200 and '"response_type": "ephemeral"' in direct[2]
    assert direct == _through_bolt(app, body)
    assert dispatched == ["/mentor"]


def test_an_error_is_the_polite_line_on_either_path(served) -> None:
    url, app, dispatched = served
    body = _command(None, "help", 2)  # no user: the router fails
    direct = _signed_post(url, body)
    assert direct[0] == 200 and kit.SORRY in direct[2] and "Traceback" not in direct[2]
    assert dispatched == []
    assert direct == _through_bolt(app, body)


def test_other_requests_still_go_through_bolt(served) -> None:
    url, _, dispatched = served
    # Slack's ssl_check is answered by bolt (200, empty), whatever else the form holds.
    assert _signed_post(url, "ssl_check=1&token=legacy")[::2] == (200, "")
    assert _signed_post(url, "ssl_check=1&command=%2Fmentor&token=legacy")[::2] == (200, "")
    # another slash command is not ours: bolt finds no listener for it
    other = _command("U0SOMEONE", "help", 3).replace("%2Fmentor", "%2Fother")
    assert _signed_post(url, other)[0] == 404
    assert dispatched == ["/other"]
    # A command's form sent as JSON (with a charset) is bolt's to read, as bolt would: it
    # is not JSON, so it is refused, not answered as a command.
    as_json = _command("U0SOMEONE", "help", 4)
    assert _signed_post(url, as_json, content_type="application/json; charset=utf-8")[0] == 400
    assert dispatched == ["/other"]


def test_a_forged_or_replayed_command_is_refused_as_bolt_refuses_it(served) -> None:
    url, app, dispatched = served
    body = _command(STAFF, "staff add <@U0NEWSTAFF>", 4)
    stamp = str(int(time.time()))
    forged = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + "0" * 64}
    request = urllib.request.Request(url, data=body.encode(), headers=forged, method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401
    assert refused.value.read().decode() == '{"error": "invalid request"}'
    assert _signed_post(url, body, stamp)[0] == 200
    replayed = _signed_post(url, body, stamp)  # the same signature
    assert replayed[::2] == (401, '{"error": "invalid request"}')
    assert dispatched == []


def test_a_role_granted_shows_in_the_very_next_help(served) -> None:
    url, _, dispatched = served
    before = _signed_post(url, _command("U0NEWSTAFF", "help", 5))[2]
    assert "/mentor staff" not in before
    added = _signed_post(url, _command(STAFF, "staff add <@U0NEWSTAFF>", 6))[2]
    assert "can't" not in added
    after = _signed_post(url, _command("U0NEWSTAFF", "help", 7))[2]
    assert "/mentor staff" in after
    assert dispatched == []
