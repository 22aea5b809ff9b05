"""Requests to the running app, signed as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from tests.block_kit import assert_answer_valid

# Slack gives every invocation its own trigger id; two equal bodies would be a replay.
_TRIGGERS = itertools.count(1)


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def post(
    url: str,
    body: str,
    secret: str | None,
    *,
    content_type: str = "application/x-www-form-urlencoded",
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """POST `body`; signed with `secret` unless it is None. Returns (status, body)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    all_headers = {"Content-Type": content_type}
    if secret is not None:
        all_headers["X-Slack-Request-Timestamp"] = stamp
        all_headers["X-Slack-Signature"] = signature(secret, stamp, body)
    all_headers.update(headers or {})
    request = urllib.request.Request(url, data=body.encode(), headers=all_headers, method="POST")
    try:
        # Generous: a loaded machine (parallel workers on two cores) can take seconds to
        # answer; this guards against a hang, it does not measure speed.
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def slash_command(
    url: str,
    secret: str,
    user_id: str,
    text: str,
    command: str = "/mentor",
    response_url: str = "http://127.0.0.1:9/response",
    **kwargs: Any,
) -> tuple[int, dict[str, Any] | str]:
    body = urlencode(
        {
            "token": "legacy-unused",
            "team_id": "T0TEST",
            "team_domain": "test",
            "channel_id": "C0TEST",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "someone",
            "command": command,
            "text": text,
            "api_app_id": "A0TEST",
            "response_url": response_url,
            "trigger_id": f"1337.42.{next(_TRIGGERS)}",
        }
    )
    status, raw = post(url, body, secret, **kwargs)
    try:
        answer = json.loads(raw)
    except ValueError:
        return status, raw
    # The ack's message reaches Slack without passing the stand-in: check it here.
    assert_answer_valid(answer)
    return status, answer


def post_event(base: str, secret: str, event: dict[str, Any]) -> int:
    """Deliver one Events API event as Slack does (its own event_id); returns the status."""
    user = event.get("user")
    if isinstance(user, dict):  # user_change carries the whole member
        user = user.get("id")
    body = {
        "type": "event_callback",
        "team_id": "T0TEST",
        "api_app_id": "A0TEST",
        "event_id": f"Ev{user}{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "event": event,
    }
    status, _ = post(
        base + "/slack/events", json.dumps(body), secret, content_type="application/json"
    )
    return status
