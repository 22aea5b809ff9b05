"""The app's token, and people's deactivated accounts, as Slack means them.

Errors about the app's own token or install (`TOKEN_ERRORS`) say nothing about a recipient:
the tick stops at the first one, gives every claim back, and records the refusal in the
database, so that /healthz of every process (the web tier runs no tick) reports it. While it
stands, each tick asks `auth.test` first and sends nothing until Slack takes the token; the
refusal ends once a tick has run with it.

A DM to a deactivated member succeeds, so deactivation is learned from `user_change` events
and from `users.info` (asked before the tick sends to someone Slack has not described for a
week), never from a send. A deactivated person's notices are held until the account is
reactivated.

A DM that Slack refuses with an error about its recipient (`RECIPIENT_ERRORS`) holds that
person's notices the same way, with the error as the reason, until a `user_change` event
says their account changed; staff are told once, as for a deactivation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.platform.slack_users import user_info
from storage import accounts, ledger
from storage.accounts import Change
from storage.db import transaction

log = logging.getLogger(__name__)

# Slack's errors about the app's token or install, never about the recipient. account_inactive
# is "Authentication token is for a deleted user or workspace when using a bot token": the
# app's bot user or the workspace, not the person a message was for. messages_tab_disabled
# ("Messages tab for the app is disabled") is the app's own setting: no DM goes out until an
# admin turns it back on.
TOKEN_ERRORS = frozenset(
    {
        "messages_tab_disabled",
        "account_inactive",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "team_access_not_granted",
        "missing_scope",
        "ekm_access_denied",
    }
)


class TokenRefused(Exception):
    """Slack refused the app's token or install: nothing more can be sent with it."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def token_error(exc: SlackApiError) -> str | None:
    """The error's name when it is about the app's token or install, else None."""
    error = exc.response.get("error")
    return str(error) if error in TOKEN_ERRORS else None


def refused(factory: sessionmaker[Session], error: str, now: datetime) -> None:
    """Record that Slack refused the app's token (a send, a check, or an event told us)."""
    with transaction(factory) as session:
        first = accounts.record_refusal(session, error, now)
    if first:
        log.error(
            "Slack refused the app's token (%s): no notice is sent until it takes it again; "
            "/healthz reports it",
            error,
        )


def standing_refusal(factory: sessionmaker[Session]) -> accounts.TokenRefusal | None:
    with factory() as session:
        return accounts.token_refusal(session)


def takes_token(client: WebClient) -> bool:
    """Whether Slack takes the app's token now; False too when Slack cannot say."""
    try:
        client.auth_test()
    except (SlackApiError, SlackClientError, OSError, HTTPException):
        return False
    return True


def accepted(factory: sessionmaker[Session]) -> None:
    """A tick ran with the token: the refusal, if one stood, is over."""
    with transaction(factory) as session:
        ended = accounts.end_refusal(session)
    if ended:
        log.warning("Slack takes the app's token again: sending resumes")


# -- people's accounts ----------------------------------------------------------------------

CHECK_EVERY = timedelta(days=7)
# users.info is Tier 4 (100 a minute): a few per tick keep a month-start fan-out from waiting
# on it. user_change events are the main source; these checks catch an event that was missed.
CHECKS_PER_TICK = 10


def learn(
    factory: sessionmaker[Session], slack_id: str, deleted: bool | None, now: datetime
) -> Change:
    """Store what Slack said of a person's account (`deleted` None: Slack does not know the
    id), and say when that changes whether their notices are held."""
    with transaction(factory) as session:
        change = accounts.record(session, slack_id, deleted, now)
    # No Slack id in the log: the staff notice names the person, in Slack.
    if change is Change.DEACTIVATED:
        log.info("a team member's Slack account is deactivated: their notices are held")
    elif change is Change.REACTIVATED:
        log.info("a team member's Slack account is reactivated: their notices resume")
    return change


def check_accounts(
    factory: sessionmaker[Session], client: WebClient, slack_ids: Iterable[str], now: datetime
) -> None:
    """Ask users.info about those of `slack_ids` Slack has not described for CHECK_EVERY, up
    to CHECKS_PER_TICK of them; the rest are sent to unchecked and checked on a later tick.
    Raises TokenRefused when Slack refuses the app's token."""
    with factory() as session:
        due = accounts.unchecked(session, slack_ids, now - CHECK_EVERY, CHECKS_PER_TICK)
    for slack_id in due:
        try:
            user = user_info(client, slack_id)
        except SlackApiError as exc:
            error = token_error(exc)
            if error is not None:
                raise TokenRefused(error) from None
            what = exc.response.get("error")
            log.warning("users.info failed (%s): accounts wait for a later check", what)
            return
        except (SlackClientError, OSError, HTTPException) as exc:
            log.warning(
                "users.info failed (%s): accounts wait for a later check", type(exc).__name__
            )
            return
        learn(factory, slack_id, user.deleted if user is not None else None, now)


def held(factory: sessionmaker[Session]) -> dict[str, accounts.Hold]:
    """Everyone whose notices are held (deactivated, or no DM reaches them), and why."""
    with factory() as session:
        return accounts.held(session)


def hold_reason(hold: accounts.Hold) -> str:
    """What the ledger says of a notice held for this reason."""
    return ledger.HELD_REASON if hold.error is None else ledger.unreachable_reason(hold.error)


def changed(factory: sessionmaker[Session], slack_id: str, deleted: bool, now: datetime) -> Change:
    """Slack sent `user_change` for a person: their account is as it says, and a DM that
    could not reach them before is tried again."""
    with transaction(factory) as session:
        accounts.record_reachable(session, slack_id)
    return learn(factory, slack_id, deleted, now)


# -- a DM that cannot reach its recipient ---------------------------------------------------

# Slack's errors about the person a DM is for, as chat.postMessage (channel_not_found: "value
# passed for channel was invalid") and conversations.open (user_not_found, user_not_visible,
# user_disabled, and cannot_dm_bot, which Slack answers for a bot user) document them. Trying
# again does not change them: the person's notices are held and staff told.
RECIPIENT_ERRORS = frozenset(
    {"channel_not_found", "user_not_found", "user_not_visible", "user_disabled", "cannot_dm_bot"}
)


def unreachable(factory: sessionmaker[Session], slack_id: str, error: str, now: datetime) -> str:
    """Record that a DM to `slack_id` failed with a RECIPIENT_ERRORS `error`; the reason their
    notices are held. `user_disabled` is a deactivated account, said another way."""
    if error == "user_disabled":
        learn(factory, slack_id, True, now)
        return ledger.HELD_REASON
    with transaction(factory) as session:
        first = accounts.record_unreachable(session, slack_id, error, now)
    if first:
        log.info("a DM could not reach a team member (%s): their notices are held", error)
    return ledger.unreachable_reason(error)
