"""Which scopes the app's token was granted, as Slack says in the `x-oauth-scopes` header of
`auth.test`: a feature that needs a scope an older install lacks (`files:read` for the file
input) asks here and falls back until the app is reinstalled.

The answer is kept for a few minutes per token, so opening a form costs one `auth.test` now
and then, not one each time; a failed question counts as "not granted" (the fallback is the
safe side).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

KEEP_SECONDS = 300.0
FILES_READ = "files:read"  # Slack's file input element needs it

_lock = threading.Lock()
# "API URL token" -> (when asked, the scopes)
_known: dict[str, tuple[float, frozenset[str] | None]] = {}


def from_headers(headers: Mapping[str, Any]) -> frozenset[str] | None:
    """The scopes an answer's headers name; None when Slack did not say."""
    for key, value in headers.items():
        if key.lower() == "x-oauth-scopes":
            text = ",".join(value) if isinstance(value, list) else str(value)
            return frozenset(s.strip() for s in text.split(",") if s.strip())
    return None


def granted(client: WebClient, scope: str, clock: Callable[[], float] = time.monotonic) -> bool:
    """True when the token is known to hold `scope`."""
    token = f"{client.base_url} {client.token or ''}"
    now = clock()
    with _lock:
        known = _known.get(token)
    if known is None or now - known[0] > KEEP_SECONDS:
        try:
            scopes = from_headers(client.auth_test().headers)
        except (SlackApiError, SlackClientError, OSError):
            log.warning("could not ask Slack for the token's scopes: %s falls back", scope)
            scopes = None
        known = (now, scopes)
        with _lock:
            _known[token] = known
    return known[1] is not None and scope in known[1]


def forget() -> None:
    """Ask again next time (tests; a reinstall is also picked up within KEEP_SECONDS)."""
    with _lock:
        _known.clear()
