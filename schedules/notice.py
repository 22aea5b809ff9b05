"""What a duty asks the delivery path to send."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.advisor.views import TeamItem

# A message as Slack takes it: the notification fallback text and the Block Kit blocks.
Message = tuple[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Notice:
    """One notice a duty computed; its words are composed only when it goes out.

    Every tick recomputes every notice of the moment and nearly all of them are settled
    already, so `compose` is deferred to the send, and not kept after it (a month-start
    fan-out would otherwise hold ten thousand messages). It reads no database: the duty
    gathers what the words need.
    """

    key: str  # the idempotency key, e.g. "prompt:team42:U123:2024-10"
    kind: str  # a short family name for reports and the ledger, e.g. "topic_prompt"
    recipient: str  # a Slack user id; DMs go to the user id
    due_at: datetime  # aware; the notice may go out from here on (inside quiet hours rules)
    expires_at: datetime  # aware; after this it is no longer useful and is recorded as skipped
    compose: Callable[[], Message] = field(compare=False, repr=False)
    tz: str | None = None  # the recipient's timezone name, if known
    # The key of the notice whose message says this one's part too (a form filled in at a
    # meeting, in the meeting's reminder). When both are in one digest this one adds no
    # section; it is still claimed, sent and settled with that message under its own key.
    merged_into: str | None = None
    # An alert about a team for its content advisor (or staff): the line the advisor's
    # digest shows under the team's name, composed when it goes out, like the message.
    item: Callable[[], TeamItem] | None = field(default=None, compare=False, repr=False)
    # Not a message but an edit of messages already sent (a team back in touch, a late step
    # done): the keys whose messages it edits in place with chat.update, and how (their
    # blocks in, new blocks out). It never becomes a message of its own.
    edits: tuple[str, ...] = ()
    edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def message(self) -> Message:
        """Composed anew on each call: take it once per send."""
        return self.compose()

    @property
    def text(self) -> str:
        """The notification fallback, also what the demo prints."""
        return self.message[0]

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return self.message[1]


def composed(text: str, blocks: list[dict[str, Any]] | None = None) -> Callable[[], Message]:
    """For a message that is already written."""
    message = (text, blocks or [])
    return lambda: message


@dataclass(frozen=True)
class Outcome:
    notice: Notice
    status: str  # "sent", "skipped", "retry", "failed" or "held" (a deactivated account)
    detail: str = ""
