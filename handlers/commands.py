"""The `/mentor` slash command: parse, check access, answer ephemerally."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot import access
from bot.commands import BY_NAME, SUBCOMMANDS, parse
from bot.services import Services
from bot.views.calendar import calendar_message, topic_message
from bot.views.help import help_message, refusal_message

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on our side. Please try again in a minute."

Answer = tuple[str, list[dict[str, Any]]]


def register(app: App, services: Services) -> None:
    def mentor_command(ack: Ack, command: dict[str, Any]) -> None:
        try:
            text, blocks = answer(services, command["user_id"], command.get("text", ""))
        except Exception:
            # The user gets a polite line; the traceback stays in our log.
            log.exception("/mentor failed")
            text, blocks = SORRY, []
        ack(text=text, blocks=blocks or None, response_type="ephemeral")

    app.command("/mentor")(mentor_command)


def answer(services: Services, user_id: str, text: str) -> Answer:
    parsed = parse(text)
    with services.sessions() as session:
        who = access.viewer(session, user_id, services.settings.staff_ids)
    sub = BY_NAME.get(parsed.name)
    if sub is None:
        return _help(services, who, unknown=parsed.name)
    if not access.may(who, sub.action):
        return refusal_message(sub, services.settings.staff_ids)
    if sub.name == "topic":
        return _topic(services)
    if sub.name == "calendar":
        return _calendar(services, who, parsed.args)
    return _help(services, who)


def _help(services: Services, who: access.Viewer, unknown: str | None = None) -> Answer:
    allowed = [sub for sub in SUBCOMMANDS if access.may(who, sub.action)]
    return help_message(services.program.name, allowed, unknown)


def _topic(services: Services) -> Answer:
    today = services.today()
    program = services.program
    current = program.topic_for(today.year, today.month)
    upcoming = [t for t in program.topics if (t.year, t.month) > (today.year, today.month)]
    return topic_message(current, upcoming[0] if upcoming else None)


def _calendar(services: Services, who: access.Viewer, args: tuple[str, ...]) -> Answer:
    program = services.program
    track_ids = [track.id for track in program.tracks]
    track_id = args[0].lower() if args else track_ids[0]
    if track_id not in track_ids:
        choices = " or ".join(f"`{t}`" for t in track_ids)
        message = f"There is no track `{track_id[:20]}`. Try {choices}."
        return message, [{"type": "section", "text": {"type": "mrkdwn", "text": message}}]
    today = services.today()
    upcoming = [d for d in program.deadlines(track_id) if d.due >= today][:10]
    return calendar_message(program.track(track_id).name, upcoming, today, program.end)
