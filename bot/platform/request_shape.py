"""Is a request body shaped like one of Slack's? Checked before bolt parses it.

Bolt trusts a signed body's shape and answers 500 (or raises out of the WSGI app) on a
payload that is not JSON, an event that is not an object, a submission without a view.
Only Slack can sign, but a 500 would make Slack retry, and a stack trace helps nobody:
such a body is refused with 400 before any listener sees it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

MAX_BODY = 1_000_000  # bytes; Slack's largest payloads (a full modal's state) are far smaller


def is_slack_shaped(body: str, content_type: str) -> bool:
    if content_type.startswith("application/json"):
        return _json_shaped(body)
    try:
        form = parse_qs(body, keep_blank_values=True, strict_parsing=False)
    except ValueError:
        return False
    if "payload" in form:
        return _payload_shaped(form["payload"][0])
    return True  # slash commands, ssl_check and unknown forms: bolt answers them itself


def _json_shaped(body: str) -> bool:
    data = _object(body)
    if data is None or not isinstance(data.get("type"), str):
        return False
    if data["type"] == "event_callback":
        event = data.get("event")
        return isinstance(event, dict) and isinstance(event.get("type"), str)
    return True


def _payload_shaped(raw: str) -> bool:
    data = _object(raw)
    if data is None or not isinstance(data.get("type"), str):
        return False
    user = data.get("user")
    if user is not None and not (isinstance(user, dict) and isinstance(user.get("id"), str)):
        return False
    kind = data["type"]
    if kind == "block_actions":
        actions = data.get("actions")
        return (
            isinstance(actions, list)
            and bool(actions)
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
            and isinstance(user, dict)
        )
    if kind in ("view_submission", "view_closed"):
        view = data.get("view")
        if not (isinstance(view, dict) and isinstance(view.get("callback_id"), str)):
            return False
        state = view.get("state", {"values": {}})
        return (
            isinstance(user, dict)
            and isinstance(state, dict)
            and isinstance(state.get("values"), dict)
            and all(isinstance(block, dict) for block in state["values"].values())
            and isinstance(view.get("private_metadata", ""), str)
        )
    return True


def _object(raw: str) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
