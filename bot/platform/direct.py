"""Slash commands over HTTP, answered without bolt's dispatch.

A `/mentor` request is a signed form with a command and a user; its answer is the ack. Bolt
spends more time on such a request than the bot's own answer takes: it parses the body and
headers into a request, builds a context with a WebClient and a dozen arguments, runs its
middleware chain (signature, authorization, self-event and URL checks, our guards) and tries
the listeners in turn. A `DirectCommand` is a bolt listener (Socket Mode, and everything else
Slack sends over HTTP, still go through bolt) that the WSGI app (`bot.platform.web`) also
calls itself for a signed slash command naming it, with what bolt's chain does for one:

- the signature and its five-minute window, checked by slack_sdk's `SignatureVerifier` as
  bolt's RequestVerification checks it (401 `invalid request` otherwise);
- a replay refused with 401, as `bot.platform.inbound` refuses one (a replay is the same
  signed body, so it always takes the same path as the original: this path keeps its own
  `ReplayGuard`). Slash commands claim no ledger key there either;
- the app's own client (bolt's single-workspace authorization gives every listener a copy
  of it) and a `Respond` for the command's response URL, as bolt builds it;
- the answer as bolt's `Ack` renders it, so the HTTP response is byte for byte bolt's.

An `ssl_check` (a form with `ssl_check=1` and no user) is left to bolt, which answers it.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.platform.inbound import ReplayGuard

log = logging.getLogger(__name__)
AckArguments = dict[str, Any]  # what the listener passes to `ack(...)`: text, blocks, …
_REFUSED = {"error": "invalid request"}  # bolt's answer to a bad signature and a replay


class DirectCommand(ABC):
    """A slash command's listener, for bolt (`listen`) and for the direct path alike."""

    command: str  # "/mentor"

    def __init__(self, signing_secret: str | None) -> None:
        # None in Socket Mode (no signing secret): every request then goes through bolt.
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None

    @abstractmethod
    def answer(
        self, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> AckArguments | None:
        """The ack's arguments (None: a bare ack). Never raises: an error is a polite line."""

    def listen(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """The bolt listener: `app.command(self.command)(self.listen)`."""
        ack(**(self.answer(body, client, respond) or {}))


def _json(raw: str, environ: dict[str, Any]) -> bool:
    """Whether bolt would read the body as JSON (a slash command is a form): bolt compares
    the content type without its parameters (`; charset=utf-8`)."""
    content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip()
    return raw.startswith("{") or content_type == "application/json"


class DirectCommands:
    """The app's direct commands, answered from a signed request's raw body and headers."""

    def __init__(self, app: App) -> None:
        # bolt keeps its listeners in a private list (see bot.platform.app's matchers too)
        found = (getattr(listener.ack_function, "__self__", None) for listener in app._listeners)
        self.commands = {
            one.command: one
            for one in found
            if isinstance(one, DirectCommand) and one.verifier is not None
        }
        self.client = app.client
        self.replays = ReplayGuard()

    def answer(self, raw: str | None, environ: dict[str, Any]) -> BoltResponse | None:
        """The response to a slash command of ours; None for anything else (bolt's)."""
        if raw is None or not self.commands or "command=" not in raw or _json(raw, environ):
            return None
        body = dict(parse_qsl(raw, keep_blank_values=True))  # as bolt parses a form
        one = self.commands.get(body.get("command", ""))
        if one is None or "ssl_check" in body:
            return None
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        if one.verifier is None or not one.verifier.is_valid(raw, timestamp, signature):
            return BoltResponse(status=401, body=_REFUSED)
        if signature and not self.replays.first_time(signature):
            log.warning("refused a replayed request")
            return BoltResponse(status=401, body=_REFUSED)
        client = self.client
        respond = Respond(response_url=body.get("response_url"), proxy=client.proxy, ssl=client.ssl)
        return Ack()(**(one.answer(body, client, respond) or {}))
