"""`/mentor` end to end: signed HTTP requests into the served app."""

from __future__ import annotations

import time
import urllib.request
from urllib.parse import urlencode

from sqlalchemy import func, select

from storage.models import Person
from tests.conftest import SIGNING_SECRET, STAFF
from tests.signing import post, slash_command


def _events(base: str) -> str:
    return base + "/slack/events"


def test_help_answers_ephemerally_with_what_the_caller_may_use(app_server) -> None:
    base, _ = app_server
    status, body = slash_command(_events(base), SIGNING_SECRET, "U0SOMEONE", "help")
    assert status == 200
    assert body["response_type"] == "ephemeral"
    assert "/mentor topic" in body["text"] and "/mentor calendar" in body["text"]
    assert body["blocks"][0]["type"] == "section"


def test_empty_text_is_help(app_server) -> None:
    base, _ = app_server
    status, body = slash_command(_events(base), SIGNING_SECRET, STAFF, "")
    assert status == 200 and "/mentor help" in body["text"]


def test_an_unknown_subcommand_gets_the_help_text(app_server) -> None:
    base, _ = app_server
    status, body = slash_command(_events(base), SIGNING_SECRET, "U0SOMEONE", "fly <me> `away`")
    assert status == 200 and body["response_type"] == "ephemeral"
    assert "I don't know the command `fly`" in body["text"]
    assert "/mentor help" in body["text"]


def test_topic_and_calendar_answer_from_the_program(app_server, monkeypatch) -> None:
    base, services = app_server
    from datetime import UTC, datetime

    object.__setattr__(services, "clock", lambda: datetime(2024, 10, 7, 15, tzinfo=UTC))
    _, topic = slash_command(_events(base), SIGNING_SECRET, "U0SOMEONE", "topic")
    assert "CTSO Affiliation/Leadership Conference" in topic["text"]
    assert "Registering for Leadership Conference" in str(topic["blocks"])
    _, calendar = slash_command(_events(base), SIGNING_SECRET, "U0SOMEONE", "calendar year1")
    blocks = str(calendar["blocks"])
    assert "Fri, Oct 18" in blocks and "Mon, Oct 21" in blocks
    _, wrong = slash_command(_events(base), SIGNING_SECRET, "U0SOMEONE", "calendar year9")
    assert "There is no track `year9`" in wrong["text"]


def _people_count(services) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Person))


def test_unsigned_and_badly_signed_requests_are_refused(app_server) -> None:
    base, services = app_server
    body = urlencode({"command": "/mentor", "text": "help", "user_id": "U0X"})
    assert post(_events(base), body, None)[0] == 401
    assert post(_events(base), body, "not-the-secret")[0] == 401
    stale = int(time.time()) - 6 * 60
    assert post(_events(base), body, SIGNING_SECRET, timestamp=stale)[0] == 401
    assert _people_count(services) == 0


def test_healthz_reports_the_database(app_server) -> None:
    base, _ = app_server
    with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert response.read() == b"ok\nlast tick: none recorded yet\n"
