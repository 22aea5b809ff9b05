"""What a duty asks the delivery path to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Notice:
    key: str  # the idempotency key, e.g. "prompt:team42:U123:2024-10"
    kind: str  # a short family name for reports and the ledger, e.g. "topic_prompt"
    recipient: str  # a Slack user id; DMs go to the user id
    due_at: datetime  # aware; the notice may go out from here on (inside quiet hours rules)
    expires_at: datetime  # aware; after this it is no longer useful and is recorded as skipped
    text: str  # the notification fallback, also what the demo prints
    blocks: list[dict[str, Any]] = field(default_factory=list, compare=False)
    tz: str | None = None  # the recipient's timezone name, if known


@dataclass(frozen=True)
class Outcome:
    notice: Notice
    status: str  # "sent", "skipped", "retry" or "failed"
    detail: str = ""
