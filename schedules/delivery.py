"""The one path every outgoing notice takes: claim in the ledger, send, record."""

from __future__ import annotations

import logging
from datetime import datetime
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.platform.slack_client import never_reached_slack
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


# Slack errors after which, its documentation says, "some aspect of the operation" may
# have succeeded: the message may be posted. The retry looks in the DM first.
MAYBE_POSTED = frozenset({"internal_error", "fatal_error", "http_500"})


def deliver(
    factory: sessionmaker[Session], client: WebClient, notice: Notice, now: datetime
) -> Outcome | None:
    """Send `notice` once; None when another sender holds it or it is already settled.

    For listeners (welcome DMs): the same claim and takeover rules as the tick's, so a
    claim left by a sender that died is sent only if it is not already in the DM.
    """
    with transaction(factory) as session:
        won = ledger.claim_many(session, [claim_of(notice)], now)
    if notice.key not in won:
        return None
    send = resume_claimed if notice.key in won.uncertain else send_claimed
    return send(factory, client, notice, now)


def claim_of(notice: Notice) -> ledger.Claim:
    return ledger.Claim(notice.key, notice.kind, notice.recipient, notice.due_at, notice.expires_at)


def send_claimed(
    factory: sessionmaker[Session], client: WebClient, notice: Notice, now: datetime
) -> Outcome:
    """Send a notice this process has claimed, and record what Slack answered."""
    text, blocks = notice.message
    try:
        response = client.chat_postMessage(
            channel=notice.recipient,
            text=text,
            blocks=blocks or None,
            # The key travels with the message, so a sender that takes over a dead
            # sender's claim can see whether the message went out (find_sent).
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": notice.key}},
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"http_{exc.response.status_code}")
        if error in MAYBE_POSTED:
            return _record_uncertain(factory, notice, now, error)
        return _record_error(factory, notice, now, error)
    except SlackClientError as exc:
        # Raised before any request went out (bad arguments, a rate-limit pause too long
        # to wait here): nothing was sent; later ticks try again.
        return _record_error(factory, notice, now, type(exc).__name__)
    except (OSError, HTTPException) as exc:
        if never_reached_slack(exc):
            # The client's retry handler already tried again; later ticks try once more.
            return _record_error(factory, notice, now, type(exc).__name__)
        # A read timeout, or the connection reset or closed while waiting for the answer:
        # Slack may have posted it. The retry looks in the DM first (resume_claimed).
        return _record_uncertain(factory, notice, now, _describe(exc))
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
    messages: list[dict[str, Any]] = history.get("messages", [])
    for message in messages:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if payload.get("key") == notice.key:
            return channel, message["ts"]
    return None


def resume_claimed(
    factory: sessionmaker[Session], client: WebClient, notice: Notice, now: datetime
) -> Outcome:
    """A claim whose last sender may have sent it (it died, or lost Slack's answer): send
    unless it is already in the DM."""
    try:
        found = find_sent(client, notice, notice.due_at)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"http_{exc.response.status_code}")
        if error in CHECK_LATER:
            return _record_uncertain(factory, notice, now, f"cannot check: {error}")
        # Slack will not say (a missing im:history scope, a user who left): sending is
        # the only way forward, and a user who left cannot be messaged twice.
        log.warning("cannot check whether %s went out (%s); sending", notice.key, error)
        found = None
    except (SlackClientError, OSError, HTTPException) as exc:
        return _record_uncertain(factory, notice, now, f"cannot check: {_describe(exc)}")
    if found is None:
        return send_claimed(factory, client, notice, now)
    with transaction(factory) as session:
        ledger.record_sent(session, notice.key, now, *found)
    return Outcome(notice, "sent", "found in Slack after a restart")


def give_back(
    factory: sessionmaker[Session], notice: Notice, now: datetime, uncertain: bool
) -> Outcome:
    """A claimed notice this sender will not send now (its claim ran short): a later tick
    sends it, checking the DM first if an earlier sender may have sent it."""
    if uncertain:
        return _record_uncertain(factory, notice, now, "given back unsent")
    return _record_error(factory, notice, now, "given back unsent")


# Slack errors of a history check that pass with time: the check is tried again later.
CHECK_LATER = frozenset(
    {"ratelimited", "http_429", "internal_error", "fatal_error", "service_unavailable"}
)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    reason = getattr(exc, "reason", None)
    return type(reason if isinstance(reason, BaseException) else exc).__name__


def _record_uncertain(
    factory: sessionmaker[Session], notice: Notice, now: datetime, what: str
) -> Outcome:
    log.warning("delivery of %s unknown (%s): checking before a retry", notice.key, what)
    with transaction(factory) as session:
        status = ledger.record_uncertain(session, notice.key, now, what)
    return Outcome(notice, status.value, f"{ledger.UNCERTAIN}: {what}")


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
