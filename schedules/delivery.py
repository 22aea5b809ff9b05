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

# A read timeout: whether Slack posted the message is unknown.
UNKNOWN = "timeout: delivery unknown"

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
        UNKNOWN,
    }
)


def deliver(
    factory: sessionmaker[Session], client: WebClient, notice: Notice, now: datetime
) -> Outcome | None:
    """Send `notice` once; None when another sender holds it or it is already settled."""
    with transaction(factory) as session:
        if not ledger.claim(session, claim_of(notice), now):
            return None
    return send_claimed(factory, client, notice, now)


def claim_of(notice: Notice) -> ledger.Claim:
    return ledger.Claim(notice.key, notice.kind, notice.recipient, notice.due_at, notice.expires_at)


def send_claimed(
    factory: sessionmaker[Session], client: WebClient, notice: Notice, now: datetime
) -> Outcome:
    """Send a notice this process has claimed, and record what Slack answered."""
    try:
        response = client.chat_postMessage(
            channel=notice.recipient,
            text=notice.text,
            blocks=notice.blocks or None,
            # The key travels with the message, so a sender that takes over a dead
            # sender's claim can see whether the message went out (find_sent).
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": notice.key}},
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"http_{exc.response.status_code}")
        return _record_error(factory, notice, now, error)
    except TimeoutError:
        # The request reached Slack and the answer did not come back: Slack may have
        # posted it. Sending again could double it, so it is given up, visibly.
        return _record_error(factory, notice, now, UNKNOWN)
    except (SlackClientError, OSError) as exc:
        # Connection errors (nothing was sent): slack_sdk's retry handler already tried
        # again; later ticks try once more.
        return _record_error(factory, notice, now, type(exc).__name__)
    with transaction(factory) as session:
        ledger.record_sent(session, notice.key, now, response["channel"], response["ts"])
    return Outcome(notice, "sent")


METADATA_EVENT = "mentorbot_notice"


def find_sent(client: WebClient, notice: Notice, since: datetime) -> tuple[str, str] | None:
    """(channel, ts) of `notice` if it is already in the recipient's DM, else None.

    Asked only for a claim whose sender died: it may have died after Slack posted the
    message and before the ledger heard. Raises SlackClientError when Slack cannot say.
    """
    channel = client.conversations_open(users=notice.recipient)["channel"]["id"]
    history = client.conversations_history(
        channel=channel,
        oldest=f"{since.timestamp() - 60:.6f}",
        include_all_metadata=True,
        limit=200,
    )
    for message in history.get("messages", []):
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if payload.get("key") == notice.key:
            return channel, message["ts"]
    return None


def resume_claimed(
    factory: sessionmaker[Session], client: WebClient, notice: Notice, now: datetime
) -> Outcome:
    """A claim taken over from a sender whose lease ran out: send unless it already went."""
    try:
        found = find_sent(client, notice, notice.due_at)
    except (SlackClientError, OSError) as exc:
        log.warning("cannot check whether %s went out (%s); sending", notice.key, exc)
        found = None
    if found is None:
        return send_claimed(factory, client, notice, now)
    with transaction(factory) as session:
        ledger.record_sent(session, notice.key, now, *found)
    return Outcome(notice, "sent", "found in Slack after a restart")


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
