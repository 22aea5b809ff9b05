"""Slack's events about accounts: a member's (`user_change`: deactivated or back) and the
app's own (`app_uninstalled`, `tokens_revoked`: its token no longer works).

They come from Slack, signed, about no person's request: there is nobody to refuse, and
every fact is checked against the database by the domain (a `user_change` for someone the
bot does not know is dropped there).
"""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import App

from bot.accounts import rules as accounts
from bot.platform.services import Services
from handlers import kit
from handlers.commands import CommandRouter


def register(app: App, services: Services, router: CommandRouter) -> None:
    app.event("user_change")(kit.event(functools.partial(_user_changed, services)))
    app.event("app_uninstalled")(kit.event(functools.partial(_uninstalled, services)))
    app.event("tokens_revoked")(kit.event(functools.partial(_tokens_revoked, services)))


def _user_changed(services: Services, event: dict[str, Any]) -> None:
    user = event.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return
    accounts.changed(services.sessions, user["id"], bool(user.get("deleted")), services.clock())


def _uninstalled(services: Services, event: dict[str, Any]) -> None:
    accounts.refused(services.sessions, "app_uninstalled", services.clock())


def _tokens_revoked(services: Services, event: dict[str, Any]) -> None:
    # The bot token is the app's only one: user tokens (`oauth`) it never holds.
    if (event.get("tokens") or {}).get("bot"):
        accounts.refused(services.sessions, "tokens_revoked", services.clock())
