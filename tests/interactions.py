"""Interactive payloads (button presses, modal submissions) posted to the app, signed."""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import urlencode

from tests.block_kit import assert_answer_valid
from tests.conftest import SIGNING_SECRET
from tests.signing import post

# Slack gives every interaction its own trigger id; two equal bodies would be a replay.
_TRIGGERS = itertools.count(1)


def _post_payload(base_url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any] | str]:
    """Posts the payload; the app's answer (an updated or pushed view, field errors) is
    checked as Slack checks it, since it reaches Slack without passing the stand-in."""
    body = urlencode({"payload": json.dumps(payload)})
    status, raw = post(base_url + "/slack/events", body, SIGNING_SECRET)
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        return status, raw
    assert_answer_valid(answer, payload.get("view"))
    return status, answer


def press(
    base_url: str,
    user_id: str,
    action_id: str,
    value: str = "",
    *,
    block_id: str = "actions",
    channel: str = "D0DM",
    message_ts: str = "1700000000.000100",
    view: dict[str, Any] | None = None,
) -> tuple[int, dict[str, Any] | str]:
    """A button press in a message (or, with `view`, inside a modal or the Home tab)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "team": {"id": "T0TEST"},
        "trigger_id": f"1337.42.{next(_TRIGGERS)}",
        "response_url": "http://127.0.0.1:9/response",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": "1700000001.000200",
            }
        ],
    }
    if view is not None:
        payload["view"] = view
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0TEST")}
    else:
        payload["channel"] = {"id": channel}
        payload["message"] = {"ts": message_ts, "text": ""}
        payload["container"] = {"type": "message", "message_ts": message_ts, "channel_id": channel}
    return _post_payload(base_url, payload)


def submit(
    base_url: str,
    user_id: str,
    view: dict[str, Any],
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    private_metadata: str | None = None,
) -> tuple[int, dict[str, Any] | str]:
    """Submit `view` (as the app opened it) with `values` as Slack's view.state.values."""
    return _post_payload(base_url, submission(user_id, view, values, private_metadata))


def submission(
    user_id: str,
    view: dict[str, Any],
    values: dict[str, dict[str, dict[str, Any]]],
    private_metadata: str | None = None,
) -> dict[str, Any]:
    """Slack's view_submission payload: `view` (as the app opened it) with `values`."""
    submitted = {
        **view,
        "id": view.get("id", "V0TEST"),
        "state": {"values": values},
        "private_metadata": view.get("private_metadata", "")
        if private_metadata is None
        else private_metadata,
    }
    return {
        "type": "view_submission",
        "user": {"id": user_id, "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "team": {"id": "T0TEST"},
        "trigger_id": f"1337.42.{next(_TRIGGERS)}",
        "view": submitted,
    }


def text_value(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select_value(value: str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
    }


def date_value(value: str) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": value}


def user_value(user_id: str) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


def radio_value(value: str) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": {"value": value}}


def checkbox_values(*values: str) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [{"value": v} for v in values]}


def last_opened_view(standin) -> dict[str, Any]:
    """The view of the app's latest views.open (or views.push) call to the stand-in."""
    calls = standin.calls_to("views.open") + standin.calls_to("views.push")
    if not calls:
        raise AssertionError("the app opened no modal")
    return calls[-1].params["view"]
