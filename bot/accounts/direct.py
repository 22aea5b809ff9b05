"""A listener's DM to someone other than the person acting (a co-sign request, "thanks,
received", a note for the advisor), delivered as the tick delivers its notices.

To a person whose notices are held (a deactivated account, which would take the DM unread,
or one Slack cannot deliver to) it is not sent: it is recorded in the delivery ledger as
held, with the reason, and skipped when it expires; what it said stays on the Home tab and
in the reminders to come. A DM that Slack refuses with an error about its recipient holds
that person's notices from then on and tells staff once (schedules.duties.accounts); one
refused for the app's token records the refusal, as the tick does.

DMs to the person acting go through bot.slack.replies: they are using Slack right now.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.accounts import rules
from bot.platform.services import Services
from storage import ledger
from storage.db import transaction

log = logging.getLogger(__name__)

KIND = "direct"  # the ledger's kind for a listener's DM held for its recipient
USEFUL_FOR = timedelta(days=14)


def dm(
    services: Services,
    client: WebClient,
    user_id: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> bool:
    """Send `user_id` a DM; False when it was held or could not be sent (never raised)."""
    return send(services.sessions, client, user_id, (text, blocks), services.clock())


def send(
    factory: sessionmaker[Session],
    client: WebClient,
    user_id: str,
    message: tuple[str, list[dict[str, Any]] | None],
    now: datetime,
) -> bool:
    """`dm`, for callers that hold the database and the time rather than Services (the
    demo's events)."""
    hold = rules.held(factory).get(user_id)
    if hold is not None:
        _hold(factory, user_id, rules.hold_reason(hold), now)
        return False
    text, blocks = message
    try:
        client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"http_{exc.response.status_code}")
        if rules.token_error(exc) is not None:
            rules.refused(factory, error, now)
        elif error in rules.RECIPIENT_ERRORS:
            _hold(factory, user_id, rules.unreachable(factory, user_id, error, now), now)
        else:
            log.warning("a DM could not be sent: %s", error)
        return False
    except (SlackClientError, OSError) as exc:
        log.warning("a DM could not be sent: %s", type(exc).__name__)
        return False
    return True


def dm_all(services: Services, client: WebClient, messages: dict[str, str]) -> None:
    for user_id, text in messages.items():
        dm(services, client, user_id, text)


def _hold(factory: sessionmaker[Session], user_id: str, reason: str, now: datetime) -> None:
    # Each DM is its own: a key no other DM shares (a retried request is dropped before
    # its listener runs: bot.platform.inbound).
    key = f"{KIND}:{user_id}:{now:%Y%m%dT%H%M%S}:{secrets.token_hex(4)}"
    claim = ledger.Claim(key, KIND, user_id, now, now + USEFUL_FOR)
    with transaction(factory) as session:
        ledger.record_held_many(session, [claim], {user_id: reason})
    log.info("a DM was held: %s", reason)
