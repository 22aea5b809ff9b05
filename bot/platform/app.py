"""The app factory: a Bolt app wired to the program, the database and the listeners."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

import handlers
from bot.platform import inbound
from bot.platform.services import Services
from bot.platform.slack_client import listener_client

LISTENER_THREADS = 16


def create_app(services: Services, client: WebClient | None = None) -> App:
    settings = services.settings
    app = App(
        name="mentorbot",
        signing_secret=settings.signing_secret or "",
        client=client or listener_client(settings),  # it carries the bot token
        # Over HTTP every listener answers inline, so the ack goes back with the response
        # and no thread waits on bolt's ack polling; slow work goes to handlers.after_ack.
        process_before_response=not settings.socket_mode,
        request_verification_enabled=not settings.socket_mode,
        logger=logging.getLogger("mentorbot.bolt"),
        # Socket Mode runs listeners on this pool (bolt's default is 5 threads).
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS),
    )
    inbound.install(app, services)
    handlers.register(app, services)
    return app
