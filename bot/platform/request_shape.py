"""Is a request body shaped like one of Slack's? Checked after bolt parses it, before bolt
dispatches it.

Bolt trusts a signed body's shape and answers 500 (or raises out of the WSGI app) on a
payload that is not JSON, an event that is not an object, a submission without a view.
Only Slack can sign, but a 500 would make Slack retry, and a stack trace helps nobody:
such a body is refused with 400 before any listener sees it. The check reads the body bolt
parsed (`bot.platform.web`), so a request is decoded once: for a modal's submission the
form's URL-decoding and the payload's JSON were a fifth of the worker's time when done twice.
"""

from __future__ import annotations

from typing import Any

MAX_BODY = 1_000_000  # bytes; Slack's largest payloads (a full modal's state) are far smaller


def is_slack_shaped(body: Any, raw: str, content_type: str | None) -> bool:
    """Whether `body`, parsed by bolt from `raw` (`BoltRequest.body`: parsed once, by bolt),
    is shaped like one of Slack's requests. Bolt reads a body as JSON when its content type
    is JSON or it starts with `{`, as an interactive payload when it mentions `payload`,
    else as a form; each is checked by the same rule."""
    if not isinstance(body, dict):
        return False
    if content_type == "application/json" or raw.startswith("{"):
        return _json_shaped(body)
    if "payload" in raw:
        return _payload_shaped(body)
    return True  # slash commands, ssl_check and unknown forms: bolt answers them itself


def _json_shaped(data: dict[str, Any]) -> bool:
    if not isinstance(data.get("type"), str):
        return False
    if data["type"] == "event_callback":
        event = data.get("event")
        return isinstance(event, dict) and isinstance(event.get("type"), str)
    return True


def _payload_shaped(data: dict[str, Any]) -> bool:
    if not isinstance(data.get("type"), str):
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
