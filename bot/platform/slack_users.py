"""What the bot needs to know about Slack users, read through the Web API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.platform.config import ConfigError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str | None
    tz: str | None
    is_bot: bool
    deleted: bool
    email: str | None = None  # the profile's, with users:read.email

    @property
    def usable(self) -> bool:
        """A person who can take part: not a bot, not deactivated."""
        return not self.is_bot and not self.deleted


def _from_api(user: dict) -> SlackUser:
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or user.get("name")
    return SlackUser(
        id=user["id"],
        name=name,
        tz=user.get("tz"),
        is_bot=bool(user.get("is_bot")) or user.get("id") == "USLACKBOT",
        deleted=bool(user.get("deleted")),
        email=profile.get("email") or None,
    )


def user_info(client: WebClient, user_id: str) -> SlackUser | None:
    """The user, or None when Slack does not know the id."""
    try:
        return _from_api(client.users_info(user=user_id)["user"])
    except SlackApiError as exc:
        if exc.response.get("error") in ("user_not_found", "users_not_found"):
            return None
        raise


def user_by_email(client: WebClient, email: str) -> SlackUser | None:
    try:
        return _from_api(client.users_lookupByEmail(email=email)["user"])
    except SlackApiError as exc:
        if exc.response.get("error") == "users_not_found":
            return None
        raise


def users_info(client: WebClient, user_ids: set[str]) -> dict[str, SlackUser | None]:
    return {user_id: user_info(client, user_id) for user_id in sorted(user_ids)}


def lookup_with(client: WebClient) -> Callable[[str], SlackUser | None]:
    """A lookup for imports: a Slack member id through users.info, an e-mail through
    users.lookupByEmail."""

    def lookup(identifier: str) -> SlackUser | None:
        if "@" in identifier:
            return user_by_email(client, identifier)
        return user_info(client, identifier)

    return lookup


class NeedsSlack(ConfigError):
    """A lookup that only Slack can answer, asked without a token."""


def offline_lookup(identifier: str) -> SlackUser | None:
    """For imports without a token: Slack ids are taken as given, e-mails cannot be resolved."""
    if "@" in identifier:
        raise NeedsSlack(f"looking up {identifier} needs SLACK_BOT_TOKEN")
    return SlackUser(identifier, None, None, is_bot=False, deleted=False)
