"""Slack listeners. Each feature module registers its listeners and `/mentor` subcommands
from `register(app, services, router)`.

The modules are found, not listed: a module in `handlers/` with a `register` function is
registered, `commands` first because it owns the router the others add subcommands to.
"""

from __future__ import annotations

import importlib
import pkgutil

from slack_bolt import App

from bot.platform.services import Services
from handlers import commands
from handlers.commands import CommandRouter


def register(app: App, services: Services) -> None:
    router = CommandRouter(services)
    commands.register(app, services, router)
    for found in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{found.name}")
        if module is not commands and hasattr(module, "register"):
            module.register(app, services, router)
