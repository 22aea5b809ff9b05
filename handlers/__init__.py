"""Slack listeners. Each module registers its listeners with `register(app, services)`."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from handlers import commands


def register(app: App, services: Services) -> None:
    commands.register(app, services)
