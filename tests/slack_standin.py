"""A local Slack Web API stand-in over loopback: records calls, answers as Slack does.

Tests point SLACK_API_URL (the client's base_url) at it. Failures are scripted per method
and recipient: a Slack error, an HTTP status with Retry-After, a slow answer, or a message
taken and the connection dropped before the answer. Optional `Limits` simulate Slack's rate
limits and round-trip latency (off by default).

Accounts behave as Slack documents them: a deactivated member (`deactivate`) is `deleted: true`
in users.info and still takes DMs from chat.postMessage (slackapi/python-slack-sdk#1156), while
conversations.open answers `user_disabled`; an id Slack does not know (`forget`) is
`channel_not_found` to chat.postMessage ("value passed for channel was invalid") and
`user_not_found` to conversations.open and users.info; conversations.open with a bot user is
`cannot_dm_bot`; a revoked token (`revoke`) is refused on every call. An id never added is
taken as an active member, so that tests need not register everyone they DM.

Every message and view is checked as Slack checks it (tests/block_kit.py). A payload Slack
would refuse is answered with Slack's error and recorded; `Server.close()` then fails the test
that sent it, unless the test took the violations with `take_violations()`.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from bot.platform.doctor import default_manifest, manifest_scopes
from tests.block_kit import MESSAGE_METHODS, VIEW_METHODS, message_problems, view_problems

# What the app asks for: by default the stand-in's token has exactly these scopes.
MANIFEST_SCOPES = tuple(manifest_scopes(default_manifest()))


@dataclass
class Failure:
    method: str
    error: str | None = None  # a Slack error code answered with HTTP 200 and ok: false
    status: int = 200  # an HTTP status (429, 500, …)
    retry_after: int | None = None
    channel: str | None = None  # only for this recipient
    times: int | None = 1  # None: every time
    delay: float = 0.0  # seconds to wait before answering
    # "close" or "reset": Slack reads the request, then the connection ends without an
    # answer, closed cleanly or reset; `acted`: whether Slack did the work first (posted).
    disconnect: str | None = None
    acted: bool = True


HANG_UP = 0  # the status `answer` gives for "no answer: drop the connection"


class TokenBucket:
    """`rate` calls a second on average, `burst` at once after a quiet spell."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = time.monotonic()

    def take(self, now: float) -> float:
        """0 when a call may go now (and counts it), else the seconds until one may."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class Limits:
    """Slack's documented Web API rate limits, simulated per method for one workspace.

    chat.postMessage: `post_per_channel` a second per channel with a burst of
    `post_channel_burst`, and a workspace-wide `post_per_minute` with a burst of
    `post_burst`. Other methods: their tier's requests per minute (`tiers`), with a burst of
    a tenth of a minute's worth. Every answer, refused or not, takes `latency` seconds
    (uniformly ± `jitter`), as Slack's round trip does. A refusal is HTTP 429 with
    Retry-After in whole seconds, at least 1, as Slack sends it.
    """

    post_per_channel: float = 1.0
    post_channel_burst: float = 3.0
    post_per_minute: float = 600.0
    post_burst: float = 20.0
    tiers: dict[str, float] = field(
        default_factory=lambda: {
            "conversations.open": 50.0,  # Tier 3
            "conversations.history": 50.0,  # Tier 3 (internal and Marketplace apps)
            "users.info": 100.0,  # Tier 4
            "auth.test": 600.0,  # special: "hundreds of requests per minute"
        }
    )
    latency: float = 0.0
    jitter: float = 0.0
    _buckets: dict[str, TokenBucket] = field(default_factory=dict)

    def admit(self, method: str, params: dict[str, Any], now: float) -> float:
        """0 when the call is within the limits (and counts it), else seconds to wait."""
        if method == "chat.postMessage":
            channel = self._bucket(
                f"channel:{params.get('channel')}", self.post_per_channel, self.post_channel_burst
            )
            workspace = self._bucket(method, self.post_per_minute / 60, self.post_burst)
            # Peek at both before taking from either: a refused call uses no allowance.
            waits = [_peek(channel, now), _peek(workspace, now)]
            if max(waits) > 0:
                return max(waits)
            channel.take(now)
            workspace.take(now)
            return 0.0
        per_minute = self.tiers.get(method)
        if per_minute is None:
            return 0.0
        return self._bucket(method, per_minute / 60, max(1.0, per_minute / 10)).take(now)

    def round_trip(self) -> float:
        return max(0.0, self.latency + random.uniform(-self.jitter, self.jitter))

    def _bucket(self, name: str, rate: float, burst: float) -> TokenBucket:
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = self._buckets[name] = TokenBucket(rate, burst)
        return bucket


def _peek(bucket: TokenBucket, now: float) -> float:
    tokens = min(bucket.burst, bucket.tokens + (now - bucket.updated) * bucket.rate)
    return 0.0 if tokens >= 1 else (1 - tokens) / bucket.rate


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class Violation:
    """A payload Slack would have refused: the method and what is wrong with it."""

    method: str
    problems: list[str]

    def __str__(self) -> str:
        return f"{self.method}: " + "; ".join(self.problems)


@dataclass
class SlackStandIn:
    calls: list[Call] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    posted: list[dict[str, Any]] = field(default_factory=list)  # messages Slack accepted
    uploads: dict[str, bytes] = field(default_factory=dict)  # file id -> bytes POSTed
    upload_base: str = ""  # set by Server: where files_upload_v2 posts the bytes
    limits: Limits | None = None  # Slack's rate limits and latency, when simulated
    limited: int = 0  # calls answered 429 because of `limits`
    violations: list[Violation] = field(default_factory=list)  # payloads Slack would refuse
    scopes: tuple[str, ...] = MANIFEST_SCOPES  # auth.test's x-oauth-scopes header
    socket_url: str = ""  # apps.connections.open's answer: where Socket Mode connects
    _lock: threading.Lock = field(default_factory=threading.Lock)
    unknown: set[str] = field(default_factory=set)  # ids Slack does not know (forget)
    # token -> [the error Slack answers for it, messages it still takes before that]
    _revoked: dict[str, list[Any]] = field(default_factory=dict)
    _arrived: threading.Condition = field(init=False)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        # Notified on each recorded call, so that wait_for wakes at once instead of polling.
        self._arrived = threading.Condition(self._lock)

    def add_user(
        self,
        user_id: str,
        name: str = "Test Person",
        *,
        email: str | None = None,
        tz: str = "America/Chicago",
        is_bot: bool = False,
        deleted: bool = False,
    ) -> None:
        """A workspace member, as users.info and users.lookupByEmail describe them."""
        self.users[user_id] = {
            "id": user_id,
            "name": name.lower().replace(" ", "."),
            "deleted": deleted,
            "is_bot": is_bot,
            "tz": tz,
            "profile": {"real_name": name, "email": email or f"{user_id.lower()}@school.example"},
        }

    def deactivate(self, user_id: str) -> dict[str, Any]:
        """An admin deactivates the member: users.info says `deleted: true` (a DM to them
        still succeeds, as in Slack). Returns the `user_change` event Slack sends."""
        return self._set_deleted(user_id, True)

    def forget(self, user_id: str) -> None:
        """Slack no longer knows the id: the member left the workspace (or org) for good,
        or the id was mistyped."""
        with self._lock:
            self.users.pop(user_id, None)
            self.unknown.add(user_id)

    def reactivate(self, user_id: str) -> dict[str, Any]:
        return self._set_deleted(user_id, False)

    def _set_deleted(self, user_id: str, deleted: bool) -> dict[str, Any]:
        with self._lock:
            self.users[user_id]["deleted"] = deleted
            return {"type": "user_change", "user": json.loads(json.dumps(self.users[user_id]))}

    def revoke(self, token: str, error: str = "token_revoked", after_posts: int = 0) -> None:
        """Slack stops taking `token`: every call made with it answers `error` (token_revoked,
        invalid_auth, account_inactive, …), at once or once `after_posts` more messages
        have been sent with it."""
        with self._lock:
            self._revoked[token] = [error, after_posts]

    def restore(self, token: str) -> None:
        """The token works again (the app reinstalled, the workspace reactivated)."""
        with self._lock:
            self._revoked.pop(token, None)

    def wait_for(self, method: str, count: int, timeout: float = 5.0) -> list[Call]:
        """Calls made after the ack (work handed to after_ack) arrive a moment later."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self._calls_to(method)) >= count, timeout)
            return self._calls_to(method)

    def fail(self, method: str, **kwargs: Any) -> None:
        self.failures.append(Failure(method, **kwargs))

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return self._calls_to(method)

    def _calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def take_violations(self) -> list[Violation]:
        """The refused payloads so far, which the test then owns: only the stand-in's own
        tests, which send bad payloads on purpose, call this."""
        with self._lock:
            taken, self.violations = self.violations, []
        return taken

    def assert_valid(self) -> None:
        """Fails when the app sent a payload Slack would have refused."""
        with self._lock:
            found = list(self.violations)
        if found:
            listed = "\n".join(f"  {violation}" for violation in found)
            raise AssertionError(f"Slack would refuse {len(found)} payload(s):\n{listed}")

    def messages_to(self, channel: str) -> list[dict[str, Any]]:
        return [
            c.params for c in self.calls_to("chat.postMessage") if c.params["channel"] == channel
        ]

    # -- answering ---------------------------------------------------------------------

    def answer(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict, dict]:
        refused = _refusal(method, params)
        with self._lock:
            self.calls.append(Call(method, params, token))
            self._arrived.notify_all()
            if refused is not None:
                self.violations.append(refused[0])
                return 200, refused[1], {}
            revoked = self._revoked.get(token or "")
            if revoked is not None:
                if revoked[1] <= 0:
                    return 200, {"ok": False, "error": revoked[0]}, {}
                if method == "chat.postMessage":
                    revoked[1] -= 1  # counted as it arrives: concurrent sends cannot overtake
            wait = self.limits.admit(method, params, time.monotonic()) if self.limits else 0.0
            if wait:
                self.limited += 1
            failure = None if wait else self._take_failure(method, params)
            if failure is None and not wait:
                error = self._recipient_error(method, params)
                if error is not None:
                    return 200, {"ok": False, "error": error}, {}
        if self.limits is not None:
            time.sleep(self.limits.round_trip())
        if wait:
            retry_after = str(max(1, math.ceil(wait)))
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after}
        if failure is not None:
            if failure.delay:
                time.sleep(failure.delay)
            if failure.disconnect:
                if failure.acted:
                    self._ok(method, params)  # Slack did the work; only the answer is lost
                return HANG_UP, {"disconnect": failure.disconnect}, {}
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            if failure.status != 200:
                body = {
                    "ok": False,
                    "error": "ratelimited" if failure.status == 429 else "fatal_error",
                }
                return failure.status, body, headers
            if failure.error:
                return 200, {"ok": False, "error": failure.error}, headers
        return 200, self._ok(method, params), self._headers(method)

    def _recipient_error(self, method: str, params: dict[str, Any]) -> str | None:
        """Slack's documented answer about the person a DM is for, if it is an error."""
        if method == "chat.postMessage" and params.get("channel") in self.unknown:
            return "channel_not_found"
        if method == "conversations.open":
            user = self.users.get(params.get("users") or "")
            if params.get("users") in self.unknown:
                return "user_not_found"
            if user is not None and user["is_bot"]:
                return "cannot_dm_bot"
            if user is not None and user["deleted"]:
                return "user_disabled"
        return None

    def _headers(self, method: str) -> dict[str, str]:
        # Slack names the token's scopes on every answer; auth.test is where apps read them.
        return {"x-oauth-scopes": ",".join(self.scopes)} if method == "auth.test" else {}

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self.failures:
            if failure.method != method:
                continue
            if failure.channel and params.get("channel", params.get("user")) != failure.channel:
                continue
            if failure.times is not None:
                if failure.times <= 0:
                    continue
                failure.times -= 1
            return failure
        return None

    def _ok(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team_id": "T0TEST",
                "team": "Test",
            }
        if method == "chat.postMessage":
            channel = params.get("channel")
            ts = f"1700000000.{next(self._ts):06d}"
            metadata = params.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            blocks = params.get("blocks")
            with self._lock:
                self.posted.append(
                    {
                        "channel": channel,
                        "ts": ts,
                        "metadata": metadata,
                        "text": params.get("text", ""),
                        "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks,
                    }
                )
            return {"ok": True, "channel": channel, "ts": ts}
        if method == "chat.update":
            return self._update(params)
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "conversations.open":
            # A DM's channel is named by the user id here, as chat.postMessage answers.
            return {"ok": True, "channel": {"id": params.get("users")}}
        if method == "conversations.history":
            with self._lock:
                found = [m for m in self.posted if m["channel"] == params.get("channel")]
            if params.get("latest") and params.get("inclusive") in (True, "true", "1", 1):
                # One message asked for by its ts (latest = oldest = ts, inclusive).
                found = [m for m in found if m["ts"] == params["latest"]]
            return {"ok": True, "messages": found[::-1][: int(params.get("limit") or 100)]}
        if method == "users.lookupByEmail":
            email = (params.get("email") or "").lower()
            for user in self.users.values():
                if (user.get("profile") or {}).get("email", "").lower() == email:
                    return {"ok": True, "user": user}
            return {"ok": False, "error": "users_not_found"}
        if method == "views.open" or method == "views.update" or method == "views.push":
            return {"ok": True, "view": {**(params.get("view") or {}), "id": "V0OPENED"}}
        if method == "users.info":
            user = params.get("user")
            if user in self.users:
                return {"ok": True, "user": self.users[user]}
            return {"ok": False, "error": "user_not_found"}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):06d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.upload_base}{file_id}"}
        if method == "files.completeUploadExternal":
            files = params.get("files") or "[]"
            files = json.loads(files) if isinstance(files, str) else files
            return {"ok": True, "files": files}
        return {"ok": True}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.update: a message the app posted takes new text and blocks, keeping its
        metadata unless new is given; one that is gone answers message_not_found (Slack's
        cant_update_message and edit_window_closed are given with `fail`)."""
        blocks = params.get("blocks")
        with self._lock:
            for message in self.posted:
                if message["channel"] == params.get("channel") and message["ts"] == params.get(
                    "ts"
                ):
                    message["text"] = params.get("text", "")
                    message["blocks"] = json.loads(blocks) if isinstance(blocks, str) else blocks
                    return {"ok": True, "channel": message["channel"], "ts": message["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def latest(self, channel: str) -> str:
        """The message last posted or edited in `channel`, text and blocks as it reads now:
        news about a step edits the reader's message about it rather than posting (issue
        13), so this is what the reader was last told."""
        with self._lock:
            touched = [c for c in self.calls if c.method in ("chat.postMessage", "chat.update")]
            mine = [c for c in touched if c.params.get("channel") == channel]
        if not mine:
            return ""
        last = mine[-1]
        if last.method == "chat.update":
            message = self.message(channel, str(last.params["ts"]))
        else:
            message = [m for m in self.posted if m["channel"] == channel][-1]
        return json.dumps({"text": message["text"], "blocks": message["blocks"]})

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """A posted message as it reads now (after any chat.update)."""
        with self._lock:
            return next(m for m in self.posted if m["channel"] == channel and m["ts"] == ts)


def _refusal(method: str, params: dict[str, Any]) -> tuple[Violation, dict[str, Any]] | None:
    """Slack's answer to a message or view it would refuse, else None."""
    if method in MESSAGE_METHODS:
        problems = message_problems(params)
        if not problems:
            return None
        too_long = all(problem.startswith("text is over") for problem in problems)
        body = {"ok": False, "error": "msg_too_long" if too_long else "invalid_blocks"}
        return Violation(method, problems), body
    if method in VIEW_METHODS:
        problems = view_problems(params.get("view"))
        if not problems:
            return None
        body = {
            "ok": False,
            "error": "invalid_arguments",
            "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
        }
        return Violation(method, problems), body
    return None


class _Handler(BaseHTTPRequestHandler):
    standin: SlackStandIn

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        if self.path.startswith("/upload/"):
            self._accept_upload(self.rfile.read(length))
            return
        raw = self.rfile.read(length).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            params = json.loads(raw or "{}")
        else:
            params = dict(parse_qsl(raw))
        for key in ("blocks", "view"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or params.get("token")
        method = self.path.rsplit("/", 1)[-1]
        status, body, headers = self.standin.answer(method, params, token)
        if status == HANG_UP:
            self._hang_up(reset=body.get("disconnect") == "reset")
            return
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _hang_up(self, reset: bool) -> None:
        self.close_connection = True
        if reset:
            # Linger 0: close sends a TCP RST, as a dying proxy or load balancer does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _accept_upload(self, data: bytes) -> None:
        with self.standin._lock:
            self.standin.uploads[self.path.rsplit("/", 1)[-1]] = data
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args: Any) -> None:
        pass


class Server:
    """Runs a stand-in on 127.0.0.1 on a free port until closed."""

    def __init__(self, standin: SlackStandIn) -> None:
        self.standin = standin
        handler = type("Handler", (_Handler,), {"standin": standin})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        # A short poll: shutdown() waits up to one poll, and every test closes a server.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        host, port = self.httpd.server_address[:2]
        standin.upload_base = f"http://{host}:{port}/upload/"

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/api/"

    def close(self) -> None:
        """Stops the server, then fails if the app sent a payload Slack would refuse."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.standin.assert_valid()
