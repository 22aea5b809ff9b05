"""The one path every outgoing notice takes: claim in the ledger, send, record."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from schedules.notice import Notice, Outcome
from storage import ledger
from storage.db import transaction

log = logging.getLogger(__name__)

# Slack errors that will not change by trying again: the notice is given up.
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "channel_not_found",
        "cannot_dm_bot",
        "is_archived",
        "not_in_channel",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
    }
)


def deliver(
    factory: sessionmaker[Session], client: WebClient, notice: Notice, now: datetime
) -> Outcome | None:
    """Send `notice` once; None when another sender holds it or it is already settled."""
    item = ledger.Claim(notice.key, notice.kind, notice.recipient, notice.due_at, notice.expires_at)
    with transaction(factory) as session:
        if not ledger.claim(session, item, now):
            return None
    try:
        response = client.chat_postMessage(
            channel=notice.recipient, text=notice.text, blocks=notice.blocks or None
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"http_{exc.response.status_code}")
        return _record_error(factory, notice, now, error)
    except (SlackClientError, OSError) as exc:
        # Connection errors and timeouts: slack_sdk's retry handler already tried again.
        return _record_error(factory, notice, now, type(exc).__name__)
    with transaction(factory) as session:
        ledger.record_sent(session, notice.key, now, response["channel"], response["ts"])
    return Outcome(notice, "sent")


def skip(
    factory: sessionmaker[Session], notice: Notice, now: datetime, reason: str
) -> Outcome | None:
    item = ledger.Claim(notice.key, notice.kind, notice.recipient, notice.due_at, notice.expires_at)
    with transaction(factory) as session:
        if ledger.record_skipped(session, item, now, reason):
            return Outcome(notice, "skipped", reason)
    return None


def _record_error(
    factory: sessionmaker[Session], notice: Notice, now: datetime, error: str
) -> Outcome:
    # Keys name teams and Slack ids only: no personal data reaches the log.
    log.warning("delivery of %s failed: %s", notice.key, error)
    with transaction(factory) as session:
        if error in PERMANENT_ERRORS:
            ledger.record_failed(session, notice.key, now, error)
            return Outcome(notice, "failed", error)
        status = ledger.record_transient(session, notice.key, now, error)
    return Outcome(notice, status.value, error)
