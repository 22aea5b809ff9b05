"""Guards on Slack's requests after the signature check: replays, and Slack's retries.

A signed request is valid for five minutes, so anyone who captured one could send it again;
Slack itself re-sends events (and may re-send other requests) with `X-Slack-Retry-Num` when
our 200 was late. Neither may double a side effect:

- a replay (the same timestamp and signature seen before) is refused with 401;
- every event and interactive payload claims a key in the delivery ledger before any
  listener runs (the event's `event_id`, or a digest of the payload, which carries Slack's
  one-time `trigger_id`); a second request with a claimed key is acknowledged and dropped.
  A listener that fails releases its claim so that Slack's retry can do the work.
- except the submissions of modals whose listener files once per view on its own
  (`keyed_by_view`: a unique view id written with the filing, in its transaction). Slack's
  documentation promises retries of Events API deliveries only (X-Slack-Retry-Num, up to
  three); an interaction not answered in 3 seconds shows the person an error, and they may
  submit the same modal again. Either copy carries the modal's view id, so the filing finds
  its entry, and the request costs one write transaction instead of two (a claim, then the
  filing), which under load is what a submission waits for on SQLite's one writer.

Slash commands are not claimed: each `/mentor` subcommand either reads, opens a modal, or
is idempotent (granting a role twice grants it once), and Slack does not retry them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlalchemy.orm import Session, sessionmaker

from bot.platform.services import Services
from storage import ledger
from storage.db import transaction

log = logging.getLogger(__name__)

SIGNATURE_WINDOW = 5 * 60  # seconds; Slack's own rule, enforced by bolt's signature check
CLAIM_HOLD = timedelta(days=1)  # far longer than Slack retries (and signatures) last
_CONTEXT_KEY = "mentorbot_inbound_key"


class ReplayGuard:
    """Signatures seen in the last five minutes, in this process.

    Several web processes each keep their own; a replay that lands on another process is
    still harmless, because the ledger claim below stops its side effects.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        # oldest first: each is kept for the same window, so they expire in that order
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, signature: str) -> bool:
        with self._lock:
            now = self._clock()  # read in turn: kept in the order they expire
            # Forgotten as they expire, the oldest first: sifting all of them on each request
            # cost about a millisecond a request once over ten thousand were kept (from 33
            # requests a second on), all the more the busier the process.
            while self._seen and next(iter(self._seen.values())) <= now:
                self._seen.popitem(last=False)
            until = self._seen.get(signature)
            if until is not None and until > now:
                return False
            self._seen[signature] = now + SIGNATURE_WINDOW
            self._seen.move_to_end(signature)
            return True

    def __len__(self) -> int:
        """How many signatures it holds: those of the last five minutes."""
        return len(self._seen)


def install(app: App, services: Services) -> None:
    """Add the replay and retry guards to `app` (after bolt's signature check)."""
    app.use(_Guard(services))

    def on_error(error: Exception, request: BoltRequest) -> None:
        log.error("listener failed", exc_info=error)
        key = request.context.get(_CONTEXT_KEY)
        if key is not None:
            try:
                with transaction(services.sessions) as session:
                    ledger.release_inbound(session, key, services.clock())
            except Exception:  # the database may be why the listener failed
                log.exception("could not release %s", key)

    app.error(on_error)


class _Guard(Middleware):
    """A bolt Middleware rather than a function: bolt calls it as it is, without building
    every argument a function middleware could name (a dozen objects, on every request)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.replays = ReplayGuard()

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        signature = _header(req, "x-slack-signature")
        if signature and not self.replays.first_time(signature):
            log.warning("refused a replayed request")
            return BoltResponse(status=401, body={"error": "invalid request"})
        key = inbound_key(req.body, req.raw_body)
        if key is not None:
            if not _claim(self.services.sessions, key, _user_of(req.body), self.services):
                log.info("dropped a repeated request (retry %s)", _header(req, "x-slack-retry-num"))
                return BoltResponse(status=200, body="")
            req.context[_CONTEXT_KEY] = key
        next()
        return resp


# The modals whose submission files at most once per view on its own (a unique view id,
# written in the filing's transaction): `keyed_by_view`.
_KEYED_BY_VIEW: set[str] = set()


def keyed_by_view(*callback_ids: str) -> None:
    """Claim no ledger key for submissions of these modals: their listener stores the view's
    id with what it files, under a unique constraint, in the filing's own transaction, and
    files nothing for a view that filed already. A repeat of such a submission (an exact
    replay on another process, or the person submitting the same modal again after an error)
    carries the same view id and is answered with what was filed, and the filing is one
    write transaction instead of two (SQLite has one writer)."""
    _KEYED_BY_VIEW.update(callback_ids)


def inbound_key(body: dict[str, Any], raw_body: str) -> str | None:
    """The ledger key that makes this request's side effects happen once, if it has any."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"inbound:event:{body['event_id']}"[:200]
    if (
        body.get("type") == "view_submission"
        and (body.get("view") or {}).get("callback_id") in _KEYED_BY_VIEW
    ):
        return None
    if body.get("type") in ("block_actions", "view_submission", "view_closed", "shortcut"):
        # Socket Mode hands bolt the parsed payload and no raw body: digest the payload
        # itself, or every interaction after the first would look like a repeat of it.
        material = raw_body or json.dumps(body, sort_keys=True, separators=(",", ":"))
        return "inbound:" + hashlib.sha256(material.encode()).hexdigest()
    return None


def _claim(factory: sessionmaker[Session], key: str, user: str, services: Services) -> bool:
    with transaction(factory) as session:
        return ledger.claim_inbound(session, key, user, services.clock(), CLAIM_HOLD)


def _user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id", ""))[:32]
    event = body.get("event")
    if isinstance(event, dict):
        user = event.get("user", "")
        # user_change carries the whole member, not an id
        return str(user.get("id", "") if isinstance(user, dict) else user)[:32]
    return ""


def _header(req: BoltRequest, name: str) -> str | None:
    values = req.headers.get(name) or []
    return values[0] if values else None
