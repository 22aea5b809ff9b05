"""A listener's DM to someone other than the person acting (a co-sign request, "thanks,
received", a note for the advisor), delivered as the tick delivers its notices.

To a person whose notices are held (a deactivated account, which would take the DM unread,
or one Slack cannot deliver to) it is not sent: it is recorded in the delivery ledger as
held, with the reason, and skipped when it expires; what it said stays on the Home tab and
in the reminders to come. A DM that Slack refuses with an error about its recipient holds
that person's notices from then on and tells staff once (schedules.duties.accounts); one
refused for the app's token records the refusal, as the tick does.

DMs to the person acting go through bot.slack.replies: they are using Slack right now.

A DM about one step of a team (`About`) is kept with where it went. News about a step, which
asks nothing of its reader ("Experience 1 is done", "your plan is approved"), is shown in the
reader's latest message about that step, edited in place (no new notification): a reminder
or the meeting's reminder that named the step, or such a DM, while it is still in view at
the end of the DM. Otherwise the news is a DM of its own (issue 13: one message a day, and
"the alert that showed it is updated in place").
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.accounts import rules
from bot.platform.services import Services
from bot.platform.slack_client import never_reached_slack
from bot.program import Program, StepKind
from bot.program.steps import Step
from bot.status.deliverables import member_meetings
from storage import ledger
from storage.db import transaction

log = logging.getLogger(__name__)

KIND = "direct"  # the ledger's kind for a listener's DM held for its recipient
USEFUL_FOR = timedelta(days=14)
# News edits the reader's message about its step only as recent as this, and only while it is
# one of the last IN_VIEW messages of the DM: the end of the DM is where the reader looks
# when they open it, and an edit notifies nobody.
RECENT = timedelta(days=30)
IN_VIEW = 2
MESSAGE_BLOCKS = 50  # Slack's most for a message
_EDITING = threading.Lock()


@dataclass(frozen=True)
class About:
    """What a DM is about: one step of one team (the program's `step_key` of its deadline)."""

    team_id: int
    step: str
    meeting: str | None = None  # the step key of the meeting the step is filled in at

    def prefixes(self, user_id: str) -> tuple[str, ...]:
        """How the ledger keys of messages to `user_id` about the step begin: its reminders'
        and listeners' DMs'."""
        return (reminder_key(self.team_id, self.step, user_id, ""), self.thread_prefix(user_id))

    def thread_prefix(self, user_id: str) -> str:
        return f"{ledger.THREAD}:team{self.team_id}:{self.step}:{user_id}:"

    def keys(self, user_id: str) -> tuple[str, ...]:
        """The key of the reminder of the meeting the step is filled in at, if it is."""
        if self.meeting is None:
            return ()
        return (meeting_key(self.team_id, self.meeting, user_id),)

    @property
    def block_prefix(self) -> str:
        return f"news:team{self.team_id}:{self.step}:"


def about_step(
    program: Program,
    team_id: int,
    track: str,
    kind: StepKind,
    number: int | None = None,
    part: str | None = None,
) -> About:
    """The team's step of this kind, as DMs about it name it (a step its calendar does not
    date, such as year two's extra experiences, by its kind and parameters alone)."""
    deadline = program.step(track, kind, number, part)
    if deadline is None:
        return About(team_id, f"{program.school_year}:{Step(kind, number, part).key}")
    meeting = next((m for m in member_meetings(program, track) if m.due == deadline.due), None)
    at = program.step_key(meeting) if meeting is not None else None
    return About(team_id, program.step_key(deadline), at)


def meeting_key(team_id: int, meeting_step: str, user_id: str) -> str:
    """A meeting reminder's ledger key."""
    return f"meeting:team{team_id}:{meeting_step}:{user_id}"


def reminder_key(team_id: int, step: str, user_id: str, which: str) -> str:
    """A step reminder's ledger key; `which` tells one of the step's reminders from another."""
    return f"nudge:team{team_id}:{step}:{user_id}:{which}"


def dm(
    services: Services,
    client: WebClient,
    user_id: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    about: About | None = None,
) -> bool:
    """Send `user_id` a DM; False when it was held or could not be sent (never raised).
    With `about`, news about that step may later edit it (`news`)."""
    return send(services.sessions, client, user_id, (text, blocks), services.clock(), about)


def news(
    services: Services,
    client: WebClient,
    user_id: str,
    text: str,
    blocks: list[dict[str, Any]],
    about: About,
) -> bool:
    """Tell `user_id` news about a step that asks nothing of them: in their latest message
    about the step, edited in place, or as a DM when they have none (module docstring)."""
    return tell(services.sessions, client, user_id, (text, blocks), services.clock(), about)


Message = tuple[str, list[dict[str, Any]] | None]


def tell(
    factory: sessionmaker[Session],
    client: WebClient,
    user_id: str,
    message: Message,
    now: datetime,
    about: About,
) -> bool:
    """`news`, for callers that hold the database and the time rather than Services."""
    with factory() as session:
        where = ledger.latest_message(
            session, user_id, about.prefixes(user_id), about.keys(user_id), now - RECENT
        )
    if where is not None and user_id not in rules.held(factory):
        edited = _edit(factory, client, where, message, about, now)
        if edited is not None:
            return edited
    return send(factory, client, user_id, message, now, about)


def send(
    factory: sessionmaker[Session],
    client: WebClient,
    user_id: str,
    message: Message,
    now: datetime,
    about: About | None = None,
) -> bool:
    """`dm`, for callers that hold the database and the time rather than Services (the
    demo's events)."""
    hold = rules.held(factory).get(user_id)
    if hold is not None:
        _hold(factory, user_id, rules.hold_reason(hold), now)
        return False
    text, blocks = message
    try:
        sent = client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    except SlackApiError as exc:
        error = _error(exc)
        if rules.token_error(exc) is not None:
            rules.refused(factory, error, now)
        elif error in rules.RECIPIENT_ERRORS:
            _hold(factory, user_id, rules.unreachable(factory, user_id, error, now), now)
        else:
            log.warning("a DM could not be sent: %s", error)
        return False
    except (SlackClientError, OSError) as exc:
        log.warning("a DM could not be sent: %s", type(exc).__name__)
        return False
    if about is not None and sent.get("ts"):
        _keep(factory, user_id, about, now, str(sent.get("channel") or user_id), str(sent["ts"]))
    return True


def _keep(
    factory: sessionmaker[Session], user_id: str, about: About, now: datetime, channel: str, ts: str
) -> None:
    """Keep where a DM about a step went, for news about the step to find. The DM is out: a
    database that cannot take the note now only means later news comes as a DM."""
    key = f"{about.thread_prefix(user_id)}{now:%Y%m%dT%H%M%S}:{secrets.token_hex(4)}"
    try:
        with transaction(factory) as session:
            ledger.record_thread(session, key, user_id, now, channel, ts)
    except SQLAlchemyError as exc:
        log.warning("where a DM went could not be kept: %s", type(exc).__name__)


def _edit(
    factory: sessionmaker[Session],
    client: WebClient,
    where: tuple[str, str],
    message: Message,
    about: About,
    now: datetime,
) -> bool | None:
    """Add the news to the message at `where`, in place of earlier news about the step.
    None when the news is to go as a DM instead: the message is gone, full, or out of view
    (more than one later message sits below it)."""
    channel, ts = where
    stamp = f"{now:%H%M%S}{secrets.token_hex(2)}"
    # One read-and-write at a time here: two news edits of one message must not drop each other.
    with _EDITING:
        try:
            history = client.conversations_history(channel=channel, limit=IN_VIEW)
        except (SlackApiError, SlackClientError, OSError, HTTPException) as exc:
            log.info("news went as a DM, its message could not be read: %s", _error(exc))
            return None
        last: list[dict[str, Any]] = history.get("messages", [])
        found = [m for m in last[:IN_VIEW] if m.get("ts") == ts]
        if not found:
            return None
        blocks = with_news(found[0].get("blocks") or [], about, message, stamp)
        if len(blocks) > MESSAGE_BLOCKS:
            return None
        try:
            client.chat_update(channel=channel, ts=ts, text=found[0].get("text", ""), blocks=blocks)
        except SlackApiError as exc:
            if rules.token_error(exc) is not None:
                rules.refused(factory, _error(exc), now)
                return False
            if exc.response.status_code < 500:
                log.info("news went as a DM, its message could not be edited: %s", _error(exc))
                return None
            return _shows(client, where, stamp)  # a server error: the edit may have been made
        except (SlackClientError, OSError, HTTPException) as exc:
            if never_reached_slack(exc):
                return None
            return _shows(client, where, stamp)  # the answer was lost, not the edit perhaps
    return True


def _shows(client: WebClient, where: tuple[str, str], stamp: str) -> bool | None:
    """True when the message already shows the news stamped `stamp` (an edit whose answer
    was lost); None, to send the news as a DM, when it does not or Slack cannot say: news
    told twice is better than news lost."""
    channel, ts = where
    try:
        history = client.conversations_history(
            channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
        )
    except (SlackApiError, SlackClientError, OSError, HTTPException):
        return None
    messages: list[dict[str, Any]] = history.get("messages", [])
    ids = {str(b.get("block_id", "")) for m in messages for b in m.get("blocks") or []}
    return True if any(stamp in block_id for block_id in ids) else None


def _error(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"http_{exc.response.status_code}")
    return type(exc).__name__


def with_news(
    blocks: list[dict[str, Any]], about: About, message: Message, stamp: str
) -> list[dict[str, Any]]:
    """The message's blocks with the news at the end, replacing earlier news about the step:
    the message shows where the step stands now. `stamp` makes the news blocks' ids new with
    each edit, as Slack asks of an updated message."""
    mark = about.block_prefix
    kept = [b for b in blocks if not str(b.get("block_id", "")).startswith(mark)]
    text, news_blocks = message
    added = news_blocks or [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    return [
        *kept,
        {"type": "divider", "block_id": f"{mark}{stamp}:0"},
        *({**block, "block_id": f"{mark}{stamp}:{i}"} for i, block in enumerate(added, 1)),
    ]


def dm_all(services: Services, client: WebClient, messages: dict[str, str]) -> None:
    for user_id, text in messages.items():
        dm(services, client, user_id, text)


def _hold(factory: sessionmaker[Session], user_id: str, reason: str, now: datetime) -> None:
    # Each DM is its own: a key no other DM shares (a retried request is dropped before
    # its listener runs: bot.platform.inbound).
    key = f"{KIND}:{user_id}:{now:%Y%m%dT%H%M%S}:{secrets.token_hex(4)}"
    claim = ledger.Claim(key, KIND, user_id, now, now + USEFUL_FOR)
    with transaction(factory) as session:
        ledger.record_held_many(session, [claim], {user_id: reason})
    log.info("a DM was held: %s", reason)
