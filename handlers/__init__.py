"""Slack listeners. Each feature module registers its listeners and `/mentor` subcommands
from `register(app, services, router)`."""

from __future__ import annotations

from slack_bolt import App

from bot.platform.services import Services
from handlers import commands, contact, experiences, home, logs, reports, roles, silence, teams
from handlers import plans as plan_forms
from handlers import status as status_commands
from handlers import survey as survey_forms
from handlers.commands import CommandRouter


def register(app: App, services: Services) -> None:
    router = CommandRouter(services)
    commands.register(app, services, router)
    teams.register(app, services, router)
    roles.register(app, services, router)
    contact.register(app, services, router)
    logs.register(app, services, router)
    plan_forms.register(app, services, router)
    silence.register(app, services, router)
    experiences.register(app, services, router)
    reports.register(app, services, router)
    home.register(app, services, router)
    status_commands.register(app, services, router)
    survey_forms.register(app, services, router)
