"""Request security over signed HTTP: forged, stale, replayed and malformed requests store
nothing; Slack's retries never double a side effect."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, inspect, select, text

from bot.platform.inbound import SIGNATURE_WINDOW, ReplayGuard
from storage.models import Team
from tests.conftest import SIGNING_SECRET, STAFF
from tests.interactions import last_opened_view
from tests.signing import post, signature, slash_command
from tests.test_teams import ADVISOR, MENTOR, PROTEGE, pair_values

COMMAND = urlencode(
    {
        "command": "/mentor",
        "text": "staff add <@U0NEWSTAFF>",
        "user_id": STAFF,
        "trigger_id": "1.2.forged",
        "team_id": "T0TEST",
    }
)


@pytest.fixture
def served(app_server, standin):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: datetime(2024, 9, 10, 15, tzinfo=UTC))
    for user_id in (MENTOR, PROTEGE, ADVISOR, STAFF, "U0NEWSTAFF"):
        fake.add_user(user_id, f"Person {user_id}")
    return base + "/slack/events", services, fake


def snapshot(services) -> dict[str, int]:
    """Row counts of every table: what 'nothing stored' is checked against."""
    with services.sessions() as session:
        names = inspect(session.get_bind()).get_table_names()
        return {n: session.scalar(text(f'SELECT count(*) FROM "{n}"')) for n in names}


def _raw_post(url: str, body: str, headers: dict[str, str]) -> int:
    return post(url, body, None, headers=headers)[0]


def test_a_wrong_signature_is_refused_and_nothing_stored(served) -> None:
    url, services, _ = served
    before = snapshot(services)
    assert post(url, COMMAND, "not-the-secret")[0] == 401
    stamp = str(int(time.time()))
    good = signature(SIGNING_SECRET, stamp, COMMAND)
    tampered = COMMAND.replace("U0NEWSTAFF", "U0EVILGUY")
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": good}
    assert _raw_post(url, tampered, headers) == 401
    assert snapshot(services) == before


@pytest.mark.parametrize("age", [5 * 60 + 5, 60 * 60, -(5 * 60 + 5)])
def test_a_stale_or_future_timestamp_is_refused(served, age: int) -> None:
    url, services, _ = served
    before = snapshot(services)
    assert post(url, COMMAND, SIGNING_SECRET, timestamp=int(time.time()) - age)[0] == 401
    assert snapshot(services) == before


@pytest.mark.parametrize(
    "drop", ["X-Slack-Request-Timestamp", "X-Slack-Signature", "both"], ids=str
)
def test_missing_headers_are_refused(served, drop: str) -> None:
    url, services, _ = served
    before = snapshot(services)
    stamp = str(int(time.time()))
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(SIGNING_SECRET, stamp, COMMAND),
    }
    for name in list(headers):
        if drop in (name, "both"):
            del headers[name]
    assert _raw_post(url, COMMAND, headers) == 401
    bad_stamp = {"X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": "v0=00"}
    assert _raw_post(url, COMMAND, bad_stamp) == 401
    # Digits to str.isdigit() that int() refuses: a superscript, thousands of digits.
    for stamp in ("\u00b2", "9" * 5000):
        odd = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=00"}
        assert _raw_post(url, COMMAND, odd) == 401
    assert snapshot(services) == before


def test_a_replayed_request_is_refused(served) -> None:
    url, services, _ = served
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(SIGNING_SECRET, stamp, COMMAND),
    }
    status, first = post(url, COMMAND, None, headers=headers)
    assert status == 200 and "U0NEWSTAFF" in first
    after_first = snapshot(services)
    status, _ = post(url, COMMAND, None, headers=headers)
    assert status == 401
    assert snapshot(services) == after_first


class _Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_signature_is_refused_again_for_five_minutes_then_forgotten() -> None:
    clock = _Clock()
    guard = ReplayGuard(clock)
    assert guard.first_time("v0=aa")
    clock.now += SIGNATURE_WINDOW - 1
    assert not guard.first_time("v0=aa")  # within its five minutes: a replay
    assert guard.first_time("v0=bb")
    clock.now += 1
    assert guard.first_time("v0=aa")  # its five minutes are over (bolt refuses it anyway)
    assert not guard.first_time("v0=bb")


def test_the_guard_holds_only_the_last_five_minutes_of_signatures() -> None:
    clock = _Clock()
    guard = ReplayGuard(clock)
    for n in range(4_800):  # 4 a second for twenty minutes
        clock.now += 0.25
        assert guard.first_time(f"v0={n:064x}")
    assert len(guard) == SIGNATURE_WINDOW * 4
    assert not guard.first_time(f"v0={4_799:064x}")
    assert guard.first_time(f"v0={0:064x}")  # long forgotten


NOT_SLACK = [
    ("application/x-www-form-urlencoded", "hello=world"),
    ("application/x-www-form-urlencoded", "payload=%7Bnot+json"),
    ("application/x-www-form-urlencoded", "payload=" + json.dumps([1, 2, 3])),
    ("application/x-www-form-urlencoded", urlencode({"payload": json.dumps({"type": "nope"})})),
    (
        "application/x-www-form-urlencoded",
        urlencode({"payload": json.dumps({"type": "block_actions", "actions": "x"})}),
    ),
    (
        "application/x-www-form-urlencoded",
        urlencode({"payload": json.dumps({"type": "view_submission", "view": None})}),
    ),
    ("application/x-www-form-urlencoded", urlencode({"command": "/mentor"})),
    ("application/x-www-form-urlencoded", urlencode({"command": "/other", "text": "help"})),
    ("application/json", "{"),
    ("application/json", json.dumps({"type": "event_callback", "event": "x"})),
    ("application/json", json.dumps({"type": "event_callback", "event": {"type": "nope"}})),
    ("application/json", "\x00\xff" * 100),
    ("text/plain", "\u202e" * 1000),
    ("application/x-www-form-urlencoded", "a=" + "x" * 200_000),
    ("application/json", "[" * 100_000),  # deeper than the JSON parser goes
    ("application/x-www-form-urlencoded", "payload=" + "%5B" * 100_000),
]


@pytest.mark.parametrize("content_type, body", NOT_SLACK, ids=range(len(NOT_SLACK)))
def test_a_body_not_of_slacks_shape_is_refused_without_a_500(
    served, content_type: str, body: str
) -> None:
    url, services, _ = served
    before = snapshot(services)
    status, answer = post(url, body, SIGNING_SECRET, content_type=content_type)
    assert status < 500, answer
    assert "Traceback" not in answer
    assert snapshot(services) == before


def test_a_url_verification_challenge_is_answered(served) -> None:
    url, _, _ = served
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"})
    status, answer = post(url, body, SIGNING_SECRET, content_type="application/json")
    assert status == 200 and "abc123" in answer


# -- Slack's retries ---------------------------------------------------------------------


def _signed_headers(body: str, retry: int | None) -> dict[str, str]:
    stamp = str(int(time.time()) - 60 * (retry or 0))  # each retry is signed anew
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(SIGNING_SECRET, stamp, body),
    }
    if retry:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


def test_a_retried_submission_registers_one_team_and_welcomes_once(served) -> None:
    url, services, fake = served
    slash_command(url, SIGNING_SECRET, STAFF, f"pair <@{MENTOR}> <@{PROTEGE}>")
    view = {**last_opened_view(fake), "id": "V0PAIR", "state": {"values": pair_values()}}
    payload = {
        "type": "view_submission",
        "user": {"id": STAFF, "team_id": "T0TEST"},
        "team": {"id": "T0TEST"},
        "api_app_id": "A0TEST",
        "trigger_id": "555.1.pair",
        "view": view,
    }
    body = urlencode({"payload": json.dumps(payload)})
    statuses = [post(url, body, None, headers=_signed_headers(body, n))[0] for n in (None, 1, 2)]
    assert statuses == [200, 200, 200]
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Team)) == 1
    assert sorted(c.params["channel"] for c in fake.calls_to("chat.postMessage")) == sorted(
        [MENTOR, PROTEGE, ADVISOR]
    )


def test_a_retried_event_is_handled_once(served) -> None:
    url, _, fake = served
    event = {
        "type": "event_callback",
        "team_id": "T0TEST",
        "api_app_id": "A0TEST",
        "event_id": "Ev0RETRY01",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": MENTOR, "tab": "home", "channel": "D0X"},
    }
    body = json.dumps(event)
    for retry in (None, 1, 2, 3):
        headers = {**_signed_headers(body, retry), "Content-Type": "application/json"}
        assert post(url, body, None, headers=headers)[0] == 200
    assert len(fake.calls_to("views.publish")) == 1
    # A new event (another event_id) is handled again.
    body = json.dumps({**event, "event_id": "Ev0RETRY02"})
    headers = {**_signed_headers(body, None), "Content-Type": "application/json"}
    assert post(url, body, None, headers=headers)[0] == 200
    assert len(fake.wait_for("views.publish", 2)) == 2


def test_a_button_pressed_twice_by_a_person_is_two_requests(served) -> None:
    """Different presses carry different trigger ids: the guard only drops true repeats."""
    url, services, fake = served
    status, body = slash_command(url, SIGNING_SECRET, STAFF, "staff add <@U0NEWSTAFF>")
    assert status == 200
    status, again = slash_command(url, SIGNING_SECRET, STAFF, "staff add <@U0NEWSTAFF>")
    assert status == 200 and isinstance(again, dict) and again.get("text")
