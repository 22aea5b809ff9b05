"""The one path every outgoing notice takes: claim in the ledger, send, record."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.accounts import rules as accounts
from bot.accounts.rules import TokenRefused
from bot.platform.slack_client import never_reached_slack
from schedules.digest import Digest
from schedules.notice import Notice, Outcome
from storage import ledger
from storage.db import transaction

log = logging.getLogger(__name__)

# Slack errors about the message that will not change by trying again: the notice is given
# up. Errors about the recipient (bot.accounts.rules.RECIPIENT_ERRORS) hold it, and the
# recipient's other notices, until their account changes; errors about the app's own token
# (TOKEN_ERRORS) stop sending and leave every notice pending.
PERMANENT_ERRORS = frozenset(
    {
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
    """Send `notice` once; None when another sender holds it, it is already settled, or
    Slack refuses the app's token (the tick sends it once Slack takes the token again).

    For listeners (welcome DMs): the same claim and takeover rules as the tick's, so a
    claim left by a sender that died is sent only if it is not already in the DM.
    """
    if accounts.standing_refusal(factory) is not None:
        return None
    hold = accounts.held(factory).get(notice.recipient)
    if hold is not None:
        # As the tick does: a deactivated account still takes DMs, unread.
        reason = accounts.hold_reason(hold)
        with transaction(factory) as session:
            held = ledger.record_held_many(session, [claim_of(notice)], {notice.recipient: reason})
        return Outcome(notice, "held", reason) if notice.key in held else None
    with transaction(factory) as session:
        won = ledger.claim_many(session, [claim_of(notice)], now)
    if notice.key not in won:
        return None
    try:
        if notice.edits:
            return edit_claimed(factory, client, notice, now)
        send = resume_claimed if notice.key in won.uncertain else send_claimed
        return send(factory, client, [notice], now)[0]
    except TokenRefused as refusal:
        with transaction(factory) as session:
            ledger.give_back_many(session, [notice.key], won.uncertain, now)
        accounts.refused(factory, refusal.error, now)
        return None


def claim_of(notice: Notice) -> ledger.Claim:
    return ledger.Claim(notice.key, notice.kind, notice.recipient, notice.due_at, notice.expires_at)


def send_claimed(
    factory: sessionmaker[Session], client: WebClient, notices: Sequence[Notice], now: datetime
) -> list[Outcome]:
    """Send claimed notices for one recipient as one message (a digest of one is the notice
    itself), and record what Slack answered against each notice's key. Raises TokenRefused,
    recording nothing, when Slack refuses the app's token: the caller gives the claims back."""
    digest = Digest(notices[0].recipient, tuple(notices))
    text, blocks = digest.message
    try:
        response = client.chat_postMessage(
            channel=digest.recipient,
            text=text,
            blocks=blocks or None,
            # The keys travel with the message, so a sender that takes over a dead
            # sender's claims can see whether the message went out (find_sent).
            metadata={"event_type": METADATA_EVENT, "event_payload": {"keys": digest.keys}},
        )
    except SlackApiError as exc:
        error = _error_of(exc)
        if error in MAYBE_POSTED:
            return _record_uncertain(factory, notices, now, error)
        return _record_error(factory, notices, now, error)
    except SlackClientError as exc:
        # Raised before any request went out (bad arguments, a rate-limit pause too long
        # to wait here): nothing was sent; later ticks try again.
        return _record_error(factory, notices, now, type(exc).__name__)
    except (OSError, HTTPException) as exc:
        if never_reached_slack(exc):
            # The client's retry handler already tried again; later ticks try once more.
            return _record_error(factory, notices, now, type(exc).__name__)
        # A read timeout, or the connection reset or closed while waiting for the answer:
        # Slack may have posted it. The retry looks in the DM first (resume_claimed).
        return _record_uncertain(factory, notices, now, _describe(exc))
    found = {key: (response["channel"], response["ts"]) for key in digest.keys}
    return _record_sent(factory, notices, now, found)


METADATA_EVENT = "mentorbot_notice"


def _error_of(exc: SlackApiError) -> str:
    """Slack's error code; raises TokenRefused for an error about the app's own token."""
    refused = accounts.token_error(exc)
    if refused is not None:
        raise TokenRefused(refused) from None
    return str(exc.response.get("error") or f"http_{exc.response.status_code}")


# chat.update's errors for a message that cannot take the edit (deleted, or no longer the
# app's to change): the edit is given up; nothing else is posted in its place.
CANNOT_EDIT = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


def edit_claimed(
    factory: sessionmaker[Session], client: WebClient, notice: Notice, now: datetime
) -> Outcome:
    """Edit in place the messages `notice.edits` went out in (chat.update), and record it
    against the notice's key with the edited message's ts. An edit made twice reads the
    same, so a lost answer is simply tried again on a later tick, never looked for first.
    Raises TokenRefused, recording nothing, as `send_claimed` does."""
    assert notice.edit is not None
    with factory() as session:
        where = sorted(set(ledger.messages_of(session, notice.edits).values()))
    if not where:
        return _record_error(factory, [notice], now, "nothing to edit")[0]
    try:
        for channel, ts in where:
            history = client.conversations_history(
                channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
            messages: list[dict[str, Any]] = history.get("messages", [])
            found = [m for m in messages if m.get("ts") == ts]
            if not found:
                return _record_failed(factory, notice, now, "message_not_found")
            blocks = notice.edit(found[0].get("blocks") or [])
            # Without metadata chat.update keeps the message's own: its keys stay findable.
            client.chat_update(channel=channel, ts=ts, text=found[0].get("text", ""), blocks=blocks)
    except SlackApiError as exc:
        error = _error_of(exc)
        if error in CANNOT_EDIT:
            return _record_failed(factory, notice, now, error)
        return _record_error(factory, [notice], now, error)[0]
    except (SlackClientError, OSError, HTTPException) as exc:
        return _record_error(factory, [notice], now, _describe(exc))[0]
    return _record_sent(factory, [notice], now, {notice.key: where[-1]})[0]


def _record_failed(
    factory: sessionmaker[Session], notice: Notice, now: datetime, error: str
) -> Outcome:
    log.warning("edit of %s given up: %s", notice.key, error)
    with transaction(factory) as session:
        ledger.record_failed(session, notice.key, now, error)
    return Outcome(notice, "failed", error)


def find_sent(
    client: WebClient, recipient: str, keys: Collection[str], since: datetime
) -> dict[str, tuple[str, str]]:
    """(channel, ts) of each of `keys` already in the recipient's DM.

    Asked only for claims whose sender died: it may have died after Slack posted the
    message and before the ledger heard. Raises SlackClientError when Slack cannot say.
    """
    channel = client.conversations_open(users=recipient)["channel"]["id"]
    history = client.conversations_history(
        channel=channel,
        oldest=f"{since.timestamp() - 60:.6f}",
        include_all_metadata=True,
        limit=200,
    )
    messages: list[dict[str, Any]] = history.get("messages", [])
    found: dict[str, tuple[str, str]] = {}
    for message in messages:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        # "key": one notice a message, as sent before digests; a claim may outlive a deploy.
        sent = payload.get("keys") or [payload.get("key")]
        found.update((key, (channel, message["ts"])) for key in sent if key in keys)
    return found


def resume_claimed(
    factory: sessionmaker[Session], client: WebClient, notices: Sequence[Notice], now: datetime
) -> list[Outcome]:
    """Claims whose last sender may have sent them (it died, or lost Slack's answer): send
    those not already in the DM. Raises TokenRefused as `send_claimed` does."""
    keys = {notice.key for notice in notices}
    try:
        found = find_sent(client, notices[0].recipient, keys, min(n.due_at for n in notices))
    except SlackApiError as exc:
        refused = accounts.token_error(exc)
        # Without im:history the app can still post: only the look is lost (below).
        if refused is not None and refused != "missing_scope":
            raise TokenRefused(refused) from None
        error = str(exc.response.get("error") or f"http_{exc.response.status_code}")
        if error in CHECK_LATER:
            return _record_uncertain(factory, notices, now, f"cannot check: {error}")
        if error in accounts.RECIPIENT_ERRORS:  # conversations.open: no DM reaches them
            return _record_held(factory, notices, now, error)
        # Slack will not say (a missing im:history scope, a user id it does not know):
        # sending is the only way forward, and it fails the same way if the DM cannot be
        # reached.
        log.warning("cannot check whether %d notice(s) went out (%s); sending", len(keys), error)
        found = {}
    except (SlackClientError, OSError, HTTPException) as exc:
        return _record_uncertain(factory, notices, now, f"cannot check: {_describe(exc)}")
    there = [n for n in notices if n.key in found]
    missing = [n for n in notices if n.key not in found]
    outcomes = _record_sent(factory, there, now, found, "found in Slack after a restart")
    if missing:
        # A TokenRefused from here leaves those found recorded as sent: only the claims
        # still held are given back.
        outcomes += send_claimed(factory, client, missing, now)
    order = {notice.key: index for index, notice in enumerate(notices)}
    return sorted(outcomes, key=lambda outcome: order[outcome.notice.key])


def _record_sent(
    factory: sessionmaker[Session],
    notices: Sequence[Notice],
    now: datetime,
    found: dict[str, tuple[str, str]],
    detail: str = "",
) -> list[Outcome]:
    if not notices:
        return []
    with transaction(factory) as session:
        for notice in notices:
            ledger.record_sent(session, notice.key, now, *found[notice.key])
    return [Outcome(notice, "sent", detail) for notice in notices]


def give_back(
    factory: sessionmaker[Session], notice: Notice, now: datetime, uncertain: bool
) -> Outcome:
    """A claimed notice this sender will not send now (its claim ran short): a later tick
    sends it, checking the DM first if an earlier sender may have sent it."""
    if uncertain:
        return _record_uncertain(factory, [notice], now, "given back unsent")[0]
    return _record_error(factory, [notice], now, "given back unsent")[0]


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
    factory: sessionmaker[Session], notices: Sequence[Notice], now: datetime, what: str
) -> list[Outcome]:
    log.warning("delivery of %s unknown (%s): checking before a retry", _keys(notices), what)
    outcomes = []
    with transaction(factory) as session:
        for notice in notices:
            status = ledger.record_uncertain(session, notice.key, now, what)
            outcomes.append(Outcome(notice, status.value, f"{ledger.UNCERTAIN}: {what}"))
    return outcomes


def _record_error(
    factory: sessionmaker[Session], notices: Sequence[Notice], now: datetime, error: str
) -> list[Outcome]:
    # Keys name teams and Slack ids only: no personal data reaches the log.
    log.warning("delivery of %s failed: %s", _keys(notices), error)
    if error in accounts.RECIPIENT_ERRORS:
        return _record_held(factory, notices, now, error)
    outcomes = []
    with transaction(factory) as session:
        for notice in notices:
            if error in PERMANENT_ERRORS:
                ledger.record_failed(session, notice.key, now, error)
                outcomes.append(Outcome(notice, "failed", error))
            else:
                status = ledger.record_transient(session, notice.key, now, error)
                outcomes.append(Outcome(notice, status.value, error))
    return outcomes


def _record_held(
    factory: sessionmaker[Session], notices: Sequence[Notice], now: datetime, error: str
) -> list[Outcome]:
    """Slack cannot deliver a DM to the recipient: their notices are held (this one and the
    ones to come) and staff are told (schedules.duties.accounts)."""
    reason = accounts.unreachable(factory, notices[0].recipient, error, now)
    with transaction(factory) as session:
        for notice in notices:
            ledger.record_held(session, notice.key, now, reason)
    return [Outcome(notice, "held", reason) for notice in notices]


def _keys(notices: Sequence[Notice]) -> str:
    return ", ".join(notice.key for notice in notices)
