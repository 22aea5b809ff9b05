"""The WSGI application: Slack's requests at POST /slack/events, and GET /healthz.

A slash command of ours is answered by `bot.platform.direct` without bolt's dispatch;
everything else Slack sends goes to bolt."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.operations.heartbeat import tick_health
from bot.platform.direct import DirectCommands
from bot.platform.request_shape import MAX_BODY, is_slack_shaped
from storage.accounts import token_refusal
from storage.db import DatabaseUnavailable, check_connection
from storage.operations import last_heartbeat

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


EVENTS = "/slack/events"


def wsgi_app(app: App, engine: Engine) -> WsgiApp:
    slack = SlackRequestHandler(app, path=EVENTS)
    direct = DirectCommands(app)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            return _healthz(engine, start_response)
        stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "0")
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
            # Seconds since 1970, as Slack sends them. Anything else would make the signature
            # check raise (int() refuses "²" and numbers of thousands of digits): a 500.
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error": "invalid request"}']
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == EVENTS:
            body = _read_body(environ)
            # A slash command of ours is answered without bolt (and parsed once, there).
            answered = direct.answer(body, environ)
            if answered is not None:
                return _reply(answered, start_response)
            request = _bolt_request(body, environ)
            if request is None or not is_slack_shaped(
                request.body, request.raw_body, request.content_type
            ):
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [b'{"error": "not a Slack request"}']
            return _reply(app.dispatch(request), start_response)
        return slack(environ, start_response)  # anything else: bolt's adapter answers 404

    return application


def _bolt_request(body: str | None, environ: dict[str, Any]) -> BoltRequest | None:
    """The request as bolt's WSGI adapter builds it, its body parsed once (the shape check
    reads the parsed body); None when the body cannot be parsed (bolt would answer 500)."""
    if body is None:
        return None
    http = WsgiHttpRequest(environ)
    try:
        return BoltRequest(body=body, query=http.query_string, headers=http.get_headers())
    except Exception:  # bolt raises on JSON that is bad, too deep or not an object
        return None


def _read_body(environ: dict[str, Any]) -> str | None:
    """Read the body once, and leave it for bolt to read again; None when it is too large
    or not text."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > MAX_BODY:
        return None
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return body


def _reply(response: BoltResponse, start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A bolt response written as bolt's WSGI adapter writes it."""
    http = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
    start_response(http.status, http.get_headers())
    return http.get_body()


def _healthz(engine: Engine, start_response: Callable[..., Any]) -> Iterable[bytes]:
    try:
        check_connection(engine)
    except DatabaseUnavailable:
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"database unavailable\n"]
    # Read from the database, where whichever process met the refusal (the tick, a
    # listener, an app_uninstalled event) or ran the last tick recorded it: every process
    # reports the same.
    with Session(engine) as session:
        refused = token_refusal(session)
        ticked = tick_health(last_heartbeat(session), datetime.now(UTC))
    lines = [] if refused is None else [f"Slack refuses the app's token: {refused.error}"]
    healthy = refused is None and ticked.healthy
    lines = (["ok"] if healthy else lines) + [ticked.line]
    status = "200 OK" if healthy else "503 Service Unavailable"
    start_response(status, [("Content-Type", "text/plain")])
    return ["".join(f"{line}\n" for line in lines).encode()]
