"""Slack Web API clients that honour SLACK_API_URL and retry only what is safe to retry.

A call is retried automatically only when Slack cannot have acted on it: the connection was
refused, the name did not resolve, the connection or the sending timed out, Slack answered
503. A connection reset or closed while waiting for the answer, or an HTTP 500, may come
after Slack posted the message, so chat.postMessage is not retried then: the delivery path
records it as uncertain and looks in the DM before trying again (schedules/delivery.py).
Read-only methods are retried either way.

The scheduler's client also paces itself under Slack's rate limits: after a 429 every thread
waits out Retry-After, and calls to that method are spaced a little under the rate Slack had
accepted, creeping back up while Slack keeps accepting (see `Pacing`). It reads the time
and waits through a `Clock`: real time unless a test passes another.
"""

from __future__ import annotations

import errno
import itertools
import math
import random
import socket
import threading
import time
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot.platform.config import Settings

# Calls that change nothing in Slack (or, like conversations.open, give the same answer
# twice): a retry after a lost answer cannot double anything.
READ_ONLY_METHODS = frozenset(
    {
        "auth.test",
        "conversations.history",
        "conversations.open",
        "users.info",
        "users.lookupByEmail",
    }
)


def listener_client(settings: Settings) -> WebClient:
    """For request handlers: no rate-limit sleeps, which would hold a request thread."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[UnsentRequestRetryHandler(max_retry_count=1)],
    )


class Clock:
    """Where pacing and retries read the time and how they wait: real time. (Not the `time`
    module itself: bolt deep-copies the listener client, and a module cannot be copied.)"""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


REAL_TIME = Clock()


def scheduler_client(
    settings: Settings, timeout: float = 15, clock: Clock = REAL_TIME
) -> PacedClient:
    """For the tick: it may wait out a 429's Retry-After; nobody is waiting on an ack."""
    return PacedClient(
        token=settings.bot_token, base_url=settings.slack_api_url, timeout=timeout, clock=clock
    )


def never_reached_slack(error: BaseException) -> bool:
    """True when `error` proves the request was not (completely) sent, so Slack did nothing.

    urllib wraps in URLError what fails while connecting and sending; what fails while
    waiting for the answer (a reset, a remote disconnect, a read timeout) comes unwrapped.
    """
    if not isinstance(error, URLError) or isinstance(error, HTTPError):
        return False
    reason = error.reason
    if isinstance(reason, ConnectionRefusedError | socket.gaierror | TimeoutError):
        return True
    return isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)


class _ClockedBackoff(RetryHandler):
    """slack_sdk's back-off between attempts, waited on a `Clock` rather than on `time`."""

    def __init__(self, max_retry_count: int = 1, clock: Clock = REAL_TIME) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.clock = clock

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.clock.sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


class UnsentRequestRetryHandler(_ClockedBackoff):
    """Retries connection errors that cannot have reached Slack, and lost answers of calls
    that change nothing.

    slack_sdk's ConnectionErrorRetryHandler also retries a reset or a remote disconnect
    after the request went out, which can post a message twice.
    """

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if error is None or response is not None:
            return False
        if never_reached_slack(error):
            return True
        lost_answer = isinstance(error, ConnectionError | HTTPException)
        return lost_answer and _method_of(request) in READ_ONLY_METHODS


def _method_of(request: HttpRequest) -> str:
    return urlparse(request.url).path.rsplit("/", 1)[-1]


class RateLimited(SlackClientError):
    """Slack asked for a longer pause than a send may wait: nothing was sent; try later."""


@dataclass
class _Pace:
    interval: float = 0.0  # seconds between the starts of two calls; 0: not paced
    next_start: float = 0.0  # monotonic
    open_at: float = 0.0  # monotonic; no call before it (Retry-After)
    last_call: float = float("-inf")  # monotonic
    since: float = 0.0  # monotonic: the last refusal, or the start of this busy spell
    reopened: float = 0.0  # monotonic: when the pause after the last refusal ended
    accepted: int = 0  # calls accepted since `since`


class Pacing:
    """Spaces one client's calls to each Slack method, across its threads, to what Slack takes.

    Slack enforces its limits per method and answers HTTP 429 with Retry-After. On a 429
    every thread holds its calls to that method until Retry-After has passed, not only the
    refused one, and the calls are then spaced to 90% of the rate Slack has been taking.
    That rate is measured between two refusals, when Slack's allowance is spent at both:
    the calls accepted in between over the whole time is exact when the allowance (the
    burst) holds a pause's worth of calls, and reads low when it holds fewer; over the time
    since the pause ended it reads high. The pace takes the geometric mean of the two.
    Each accepted call then shortens the spacing a little more than the one before, so the
    pace creeps back up to the limit, faster the longer Slack keeps accepting: a 429 every
    few hundred calls, close to the limit in between.
    """

    MARGIN = 0.9
    CREEP = 2e-6  # the n-th call accepted since a refusal shortens the spacing by n * CREEP
    SLOWER = 1.1  # at least, after a refusal
    IDLE = 5.0  # seconds without a call that end a busy spell

    def __init__(self, max_wait: float = 20.0, clock: Clock = REAL_TIME) -> None:
        self.max_wait = max_wait
        self.clock = clock
        self._lock = threading.Lock()
        self._paces: dict[str, _Pace] = {}

    def before(self, method: str) -> None:
        """Wait for this call's turn; RateLimited when that is more than `max_wait` away."""
        with self._lock:
            pace = self._paces.setdefault(method, _Pace())
            now = self.clock.monotonic()
            start = max(now, pace.next_start, pace.open_at)
            if start - now > self.max_wait:
                raise RateLimited(f"{method}: Slack asked to wait {start - now:.0f} s")
            if now - pace.last_call > self.IDLE:
                pace.since, pace.accepted = now, 0  # idle time says nothing of the limit
            pace.last_call = now
            pace.next_start = start + pace.interval
        if start > now:
            self.clock.sleep(start - now)

    def accepted(self, method: str) -> None:
        with self._lock:
            pace = self._paces.setdefault(method, _Pace())
            pace.accepted += 1
            pace.interval *= 1 - min(pace.accepted * self.CREEP, 0.01)

    def refused(self, method: str, retry_after: float) -> None:
        with self._lock:
            pace = self._paces.setdefault(method, _Pace())
            now = self.clock.monotonic()
            if now < pace.open_at:
                return  # another thread's call, refused for the same spent allowance
            slower = pace.interval * self.SLOWER
            if pace.accepted and now > pace.since:
                low = pace.accepted / (now - pace.since)
                high = pace.accepted / max(now - max(pace.since, pace.reopened), 1e-3)
                pace.interval = max(slower, 1 / (math.sqrt(low * high) * self.MARGIN))
            else:
                pace.interval = slower  # nothing measured yet: the pause alone, this time
            # A little jitter, so that threads do not all start again on the same instant.
            pace.open_at = pace.reopened = now + retry_after + random.uniform(0, 0.2)
            pace.since, pace.accepted = now, 0


class PacingRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 after its Retry-After, telling `Pacing` so that every thread slows."""

    def __init__(self, pacing: Pacing, max_retry_count: int = 3) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pacing = pacing

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error  # type: ignore[misc]  # slack-sdk passes the error when no response came
        method = _method_of(request)
        self.pacing.refused(method, _retry_after(response))
        self.pacing.before(method)  # raises RateLimited rather than sleep for minutes
        state.next_attempt_requested = True
        state.increment_current_attempt()


def _retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                break
    return 1.0


class UnservedRetryHandler(_ClockedBackoff, ServerErrorRetryHandler):
    """Retries HTTP 503 (not served), and 500 only for calls that change nothing: Slack
    documents that after its 500-class errors "some aspect of the operation" may have
    succeeded, so a message may be posted already."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None:
            return False
        if response.status_code == 503:
            return True
        return response.status_code == 500 and _method_of(request) in READ_ONLY_METHODS


def scheduler_retry_handlers(pacing: Pacing) -> list[RetryHandler]:
    return [
        UnsentRequestRetryHandler(max_retry_count=2, clock=pacing.clock),
        PacingRetryHandler(pacing, max_retry_count=3),
        UnservedRetryHandler(max_retry_count=2, clock=pacing.clock),
    ]


class PacedClient(WebClient):
    """A WebClient whose calls, from any number of threads, keep to Slack's pace."""

    def __init__(
        self, *, token: str | None, base_url: str, timeout: float, clock: Clock = REAL_TIME
    ) -> None:
        self.pacing = Pacing(clock=clock)
        super().__init__(
            token=token,
            base_url=base_url,
            timeout=timeout,  # type: ignore[arg-type]  # typed int, but urllib takes a float
            retry_handlers=scheduler_retry_handlers(self.pacing),
        )

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        self.pacing.before(api_method)
        response = super().api_call(api_method, **kwargs)
        self.pacing.accepted(api_method)
        return response


class RecordingClient(WebClient):
    """Answers like Slack and records every call instead of sending it (demo, dry runs).

    It overrides the lowest common call, so code using it takes the production path. As in
    Slack, a member whose account is deactivated still takes DMs; users.info says so.
    """

    def __init__(self) -> None:
        super().__init__(token="xoxb-recording", base_url="http://recording.invalid/")
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.deactivated: set[str] = set()  # users.info answers `deleted: true` for them
        self.posted: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts): the message
        self._ts = itertools.count(1)

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        params = {**(kwargs.get("params") or {}), **(kwargs.get("json") or {})}
        self.calls.append((api_method, params))
        data: dict[str, Any] = {"ok": True}
        if api_method == "chat.postMessage":
            data.update(channel=params.get("channel"), ts=f"{time.time():.0f}.{next(self._ts):06d}")
            self.posted[(str(data["channel"]), str(data["ts"]))] = {**params, "ts": data["ts"]}
        elif api_method == "conversations.history":
            data.update(messages=self._history(params))
        elif api_method == "chat.update":
            key = (str(params.get("channel")), str(params.get("ts")))
            if key not in self.posted:
                data = {"ok": False, "error": "message_not_found"}
            else:
                self.posted[key].update(text=params.get("text"), blocks=params.get("blocks"))
                data.update(channel=key[0], ts=key[1])
        elif api_method == "users.info":
            user = params.get("user")
            data.update(user={"id": user, "deleted": user in self.deactivated})
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url=self.base_url + api_method,
            req_args=kwargs,
            data=data,
            headers={},
            status_code=200,
        ).validate()

    def _history(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """A DM's messages, newest first, between `oldest` and `latest` as Slack reads them
        (each bound excluded unless `inclusive`), at most `limit`."""
        inclusive = params.get("inclusive") in (True, "true", "1", 1)

        def inside(ts: str) -> bool:
            at, low, high = float(ts), params.get("oldest"), params.get("latest")
            above = low is None or at > float(low) or (inclusive and at == float(low))
            below = high is None or at < float(high) or (inclusive and at == float(high))
            return above and below

        channel = str(params.get("channel"))
        found = [m for (c, ts), m in self.posted.items() if c == channel and inside(ts)]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        return found[: int(params.get("limit") or 100)]
