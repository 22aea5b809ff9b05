"""The listener kit: every button, every modal submission and every app event goes through it.

A wrapped listener is acked at once (a button) or answers through its ack (a submission),
reads its inputs through one model (`Press.ids`, `Metadata.load`), and raises the app's one
`Refusal` to say no (an Events API listener, `event`, is acked by bolt and refuses nobody).
The kit turns that refusal into the right answer for where the person is: a field error for
a submission (Slack keeps what they typed), an ephemeral message for a button in a
conversation, a small modal for a button in a modal or on the Home tab. Anything
else becomes a logged apology: the log names the listener and the exception's type, the
person reads one polite line, never a trace. The team a request is about is found here too
(`command_team`, `filing_team`, `reading_team`), each asking bot.access.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from bot import access
from bot.access import Action, Refusal
from bot.across import scope
from bot.platform.services import Services
from bot.slack.blocks import modal, section
from bot.slack.fields import FieldErrors, record_id
from bot.slack.metadata import Metadata
from handlers.after_ack import name_of
from storage.models import Team
from storage.people import get_team, teams_of_member

if TYPE_CHECKING:
    from handlers.commands import CommandContext

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on our side. Please try again in a minute."
STALE_BUTTON = "That button is out of date. Please use the latest message."

Body = dict[str, Any]
ButtonFunction = Callable[[Body, WebClient], None]
SubmitFunction = Callable[[Ack, Body, WebClient], None]
Listener = Callable[..., None]  # bolt passes the arguments a listener names
EventFunction = Callable[[Body], None]


def button(function: ButtonFunction) -> Listener:
    """Ack at once, run the listener, and answer a refusal or a failure politely."""

    def listener(ack: Ack, body: Body, client: WebClient) -> None:
        ack()
        try:
            with scope.answering(_asker(body)):
                function(body, client)
        except Refusal as refusal:
            tell(client, body, refusal.message)
        except Exception as exc:
            _log_failure(function, exc)
            tell(client, body, SORRY)

    return listener


# The context key of what to do once a form is filed (handlers.home: republish the person's
# Home tab, so the step they just took shows as done without waiting for the next open).
AFTER_FILING = "after_filing"
AfterFiling = Callable[[WebClient, str], None]
# Where a modal was opened, as its metadata says (`Metadata.opened`).
HOME, CHAT = "home", "chat"


def submission(function: SubmitFunction, field: str | None = None) -> Listener:
    """Field errors and refusals go back into the modal, which keeps what was typed; a
    failure is apologised for there too. A refusal that names no field is shown at
    `field`, else at the form's first input. A form filed runs the app's AFTER_FILING,
    unless it was opened in a conversation (`Metadata.opened` is CHAT): Slack sends
    app_home_opened each time the person goes to the Home tab, which is rebuilt then, so a
    filing made away from it is there when they look (and the work after the ack is not
    taken from the requests waiting for the worker's interpreter)."""

    def listener(ack: Ack, body: Body, client: WebClient, context: BoltContext) -> None:
        try:
            with scope.answering(_asker(body)):
                function(ack, body, client)
        except FieldErrors as errors:
            ack(response_action="errors", errors=errors.errors)
            return
        except Refusal as refusal:
            where = refusal.field or field or first_input(body["view"])
            ack(response_action="errors", errors={where: refusal.message})
            return
        except Exception as exc:
            _log_failure(function, exc)
            ack(response_action="errors", errors={field or first_input(body["view"]): SORRY})
            return
        after: AfterFiling | None = context.get(AFTER_FILING)
        if after is not None and _opened(body) != CHAT:
            after(client, body["user"]["id"])

    return listener


def event(function: EventFunction) -> EventFunction:
    """An Events API listener, given the event. Nobody waits on an answer: a failure is
    logged (the listener and the exception's type) and raised again, so that the inbound
    guard releases the event's claim and Slack's retry of it runs the listener once more."""

    def listener(event: Body) -> None:
        try:
            with scope.answering(event.get("user") if isinstance(event.get("user"), str) else None):
                function(event)
        except Exception as exc:
            log.error("listener %s failed: %s", name_of(function), type(exc).__name__)
            raise

    return listener


# --- reading a request ---------------------------------------------------------------------


def _asker(body: Body) -> str | None:
    """Who pressed or submitted (whose program the request is about until a team is found)."""
    return (body.get("user") or {}).get("id")


def value(body: Body) -> str:
    """The pressed button's value ('' when it has none)."""
    return str((body.get("actions") or [{}])[0].get("value") or "")


def ids(body: Body, count: int) -> tuple[int, ...]:
    """`count` numbers from a button value such as "12" or "12:3" (0 may mean "the next
    one"); else the button is stale. Never trusted: "²", "1.5" or a 30-digit number are
    not ids, and each id is still looked up and checked by the listener."""
    parts = value(body).split(":")
    if len(parts) != count or not all(p == "0" or record_id(p) is not None for p in parts):
        raise Refusal(STALE_BUTTON)
    return tuple(int(p) for p in parts)


def metadata(body: Body, stale: str | None = None) -> Metadata:
    """The submitted modal's private_metadata, through the one model; `stale` is what a
    person reads when it is not what the app wrote (by default: the form is out of date)."""
    raw = body["view"].get("private_metadata")
    return Metadata.load(raw, stale) if stale else Metadata.load(raw)


def _opened(body: Body) -> str | None:
    """Where the submitted modal was opened, when its metadata says (else None)."""
    try:
        return metadata(body).opened
    except Refusal:  # not the app's metadata: the listener has answered it already
        return None


def opened_from(body: Body) -> str | None:
    """Where a button's modal opens, for its metadata: HOME (a button of the Home tab), CHAT
    (one in a message), None (one in another modal, which may have come from either)."""
    kind = (body.get("view") or {}).get("type")
    if kind == "home":
        return HOME
    return CHAT if kind is None else None


def state(body: Body) -> dict[str, Any]:
    return body["view"]["state"]["values"]


def in_modal(body: Body) -> bool:
    """True when the button sits in a modal (not the Home tab or a message)."""
    return (body.get("view") or {}).get("type") == "modal"


def first_input(view: dict[str, Any]) -> str:
    """Where a refusal of the whole form is shown: its first input."""
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id"):
            return block["block_id"]
    return "summary"


# --- answering -----------------------------------------------------------------------------


def show(client: WebClient, body: Body, view: dict[str, Any]) -> None:
    """Open `view`, or push it over the modal the button sits in."""
    if in_modal(body):
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def notice_view(message: str, title: str = "Mentor bot") -> dict[str, Any]:
    """A small modal with one message and no submit button."""
    return modal("notice", title, [section(message)], submit=None, close="OK")


def tell(client: WebClient, body: Body, message: str) -> None:
    """A short answer to a button: a small modal where a view holds the button, else an
    ephemeral message in the conversation (or the DM)."""
    try:
        if body.get("view"):
            show(client, body, notice_view(message))
            return
        channel = (body.get("container") or {}).get("channel_id") or (
            body.get("channel") or {}
        ).get("id")
        client.chat_postEphemeral(
            channel=channel or body["user"]["id"],
            user=body["user"]["id"],
            text=message,
            blocks=[section(message)],
        )
    except (SlackApiError, SlackClientError, OSError, KeyError):
        log.warning("could not answer a button")


def _log_failure(function: Callable[..., Any], exc: Exception) -> None:
    # The listener and the exception's type: the message may quote what a person typed.
    log.error(
        "listener %s failed: %s",
        name_of(function),
        type(exc).__name__,
        exc_info=True,
    )


def say(text: str) -> tuple[str, list[dict[str, Any]]]:
    """An answer of one paragraph (a subcommand's reply, a refusal's)."""
    return text, [section(text)]


def replace(client: WebClient, body: Body, text: str, blocks: list[Any]) -> None:
    """Show the outcome where the button was: the message is updated, or the modal is."""
    try:
        if body.get("view"):
            client.views_update(
                view_id=body["view"]["id"],
                view=modal("thanks", "Mentor bot", blocks, submit=None, close="Close"),
            )
        else:
            container = body.get("container") or {}
            client.chat_update(
                channel=container["channel_id"],
                ts=container["message_ts"],
                text=text,
                blocks=blocks,
            )
    except (SlackApiError, SlackClientError, OSError, KeyError):
        log.warning("could not update the message of a button")


# --- the team a request is about ------------------------------------------------------------

ROLE_ONLY = {
    "protege": "Only the protégé of the team can do this.",
    "mentor": "Only the mentor of the team can do this.",
}


def thanks_view(title: str, text: str) -> dict[str, Any]:
    return modal("thanks", title, [section(text)], submit=None, close="Close")


def command_team(session: Session, services: Services, ctx: CommandContext) -> Team:
    """The team a member means: their own, or the one with the partner they mentioned."""
    user = ctx.who.user_id
    # in every program it runs: a mentor may have protégés in two
    teams = [t for p in services.programs for t in teams_of_member(session, user, p.id)]
    if not teams:
        raise Refusal(
            "You are not on a mentoring team this year, so there is nothing to file. Type "
            "`/mentor progress @someone` to see a team you follow."
        )
    mentions = ctx.parsed.mentions
    if mentions:
        for team in teams:
            if mentions[0] in (team.mentor.slack_id, team.protege.slack_id) and mentions[0] != user:
                return _about(team)
        raise Refusal(f"You don't have a mentoring team with <@{mentions[0]}>.")
    if len(teams) > 1:
        partners = ", ".join(f"<@{t.protege.slack_id}>" for t in teams)
        raise Refusal(
            f"You mentor {len(teams)} protégés ({partners}). Mention the one you mean, like "
            f"`/mentor {ctx.parsed.name} @name`."
        )
    return _about(teams[0])


def filing_team(
    session: Session, services: Services, user_id: str, team_id: int, role: str | None
) -> Team:
    """The team, if `user_id` may file its forms in `role` ("mentor"/"protege"/None: either)."""
    team = get_team(session, team_id)
    who = access.viewer(session, user_id, services.settings.staff_ids)
    if team is None or not access.may_on_team(who, Action.FILE_TEAM_FORM, team):
        if team is not None and (closed := access.closed_refusal(who, team)):
            raise Refusal(closed)
        if team is not None and "member" in access.relation(who, team):
            raise Refusal("This team has ended, so its forms are closed.")
        raise Refusal(
            "This form belongs to a team you are not on. Type `/mentor progress` to see your own."
        )
    if role is not None and role not in access.relation(who, team):
        raise Refusal(ROLE_ONLY[role])
    return _about(team)


def reading_team(session: Session, services: Services, user_id: str, team_id: int) -> Team:
    team = get_team(session, team_id)
    who = access.viewer(session, user_id, services.settings.staff_ids)
    if team is None or not access.may_on_team(who, Action.READ_TEAM, team):
        raise Refusal(
            "Only the team, its content advisor and program staff can see this team's forms."
        )
    return _about(team)


def _about(team: Team) -> Team:
    """The team a request is about: the rest of the request is answered in its program."""
    scope.about(team.program_id)
    return team
