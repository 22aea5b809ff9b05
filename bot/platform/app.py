"""The app factory: a Bolt app wired to the program, the database and the listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener_matcher import ListenerMatcher
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher
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
    _match_directly(app)
    return app


class _DirectMatcher(ListenerMatcher):
    """Bolt's own test of a listener (the action_id, the callback_id, the command), called
    with the body alone. Bolt would build every argument a matcher could name first (a dozen
    objects) for each listener it tries, about forty for a modal submitted near the end of
    the list: a large share of bolt's own time for a submission."""

    def __init__(self, test: Callable[..., Any]) -> None:
        self.func = test  # bolt's name for it (the synchronous matcher's, typed loosely)

    def matches(self, req: BoltRequest, resp: BoltResponse) -> bool:
        return bool(self.func(req.body))


def _match_directly(app: App) -> None:
    # bolt keeps its listeners in a private list; a matcher of another shape stays as it is.
    for listener in app._listeners:
        listener.matchers = [
            _DirectMatcher(m.func)
            if type(m) is BuiltinListenerMatcher and m.arg_names == ["body"]
            else m
            for m in listener.matchers
        ]
