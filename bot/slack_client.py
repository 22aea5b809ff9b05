"""Slack Web API clients that honour SLACK_API_URL and retry what is worth retrying."""

from __future__ import annotations

import itertools
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web import SlackResponse

from bot.config import Settings


def listener_client(settings: Settings) -> WebClient:
    """For request handlers: no rate-limit sleeps, which would hold a request thread."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
    )


def scheduler_client(settings: Settings) -> WebClient:
    """For the tick: it may wait out a 429's Retry-After; nobody is waiting on an ack."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class RecordingClient(WebClient):
    """Answers like Slack and records every call instead of sending it (demo, dry runs).

    It overrides the lowest common call, so code using it takes the production path.
    """

    def __init__(self) -> None:
        super().__init__(token="xoxb-recording", base_url="http://recording.invalid/")
        self.calls: list[tuple[str, dict[str, Any]]] = []
        # Users who have left the workspace: Slack answers account_inactive for them.
        self.inactive: set[str] = set()
        self._ts = itertools.count(1)

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        params = {**(kwargs.get("params") or {}), **(kwargs.get("json") or {})}
        self.calls.append((api_method, params))
        data: dict[str, Any] = {"ok": True}
        if api_method == "chat.postMessage" and params.get("channel") in self.inactive:
            data = {"ok": False, "error": "account_inactive"}
        elif api_method == "chat.postMessage":
            data.update(channel=params.get("channel"), ts=f"{time.time():.0f}.{next(self._ts):06d}")
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url=self.base_url + api_method,
            req_args=kwargs,
            data=data,
            headers={},
            status_code=200,
        ).validate()
