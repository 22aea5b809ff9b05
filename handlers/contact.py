"""The Mentor/Protégé Contact Form: `/mentor contact` and the welcome DM's button."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import access
from bot.across import scope
from bot.contact.form import parse_contact
from bot.contact.rules import advisor_contacts, asked_of, filing_time
from bot.contact.views import CONTACT_CALLBACK, contact_modal
from bot.platform.services import Services
from bot.platform.slack_users import SlackUser, user_info
from bot.slack.commands import Subcommand
from bot.teams.welcome import CONTACT_OPEN
from handlers import kit
from handlers.commands import Answer, CommandContext, CommandRouter
from storage.db import transaction
from storage.people import find_person, get_or_create_person

FROM_SLACK = ("name", "email")  # filled in from the Slack profile until the person files


def register(app: App, services: Services, router: CommandRouter) -> None:
    router.add(
        Subcommand(
            "contact",
            "/mentor contact",
            "fill in or update your Contact Form",
            access.Action.FILE_CONTACT_FORM,
        ),
        lambda ctx: _open_from_command(ctx),
    )

    def open_from_button(body: dict[str, Any], client: WebClient) -> None:
        kit.show(client, body, _modal(services, client, body["user"]["id"]))

    app.action(CONTACT_OPEN)(kit.button(open_from_button))
    app.view(CONTACT_CALLBACK)(kit.submission(functools.partial(_submit, services)))


def _modal(services: Services, client: WebClient, user_id: str) -> dict[str, Any]:
    with services.sessions() as session:
        asked = asked_of(session, user_id)
        person = find_person(session, user_id)
        stored = {f: getattr(person, f) for f in asked} if person else {}
        advisors = advisor_contacts(session, scope.program(services), user_id)
    missing = [f for f in FROM_SLACK if not stored.get(f)]
    profile = _profile(client, user_id) if missing else None
    found = {"name": profile.name, "email": profile.email} if profile else {}
    filled = frozenset(f for f in missing if found.get(f))
    return contact_modal(
        {**stored, **{f: found[f] for f in filled}},
        filled,
        asked=asked,
        advisors=advisors,
        contacts=scope.program(services).contacts,
    )


def _profile(client: WebClient, user_id: str) -> SlackUser | None:
    """What Slack knows of the person (users.info; the e-mail with users:read.email). The
    form opens anyway when Slack does not answer: the trigger id lives three seconds."""
    try:
        return user_info(client, user_id)
    except (SlackApiError, SlackClientError, OSError):
        return None


def _open_from_command(ctx: CommandContext) -> Answer | None:
    view = _modal(ctx.services, ctx.client, ctx.who.user_id)
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
    return None


def _submit(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    now = services.clock()
    # Each person edits only their own details: the submitter is the record's owner.
    with transaction(services.sessions) as session:
        contact = parse_contact(kit.state(body), asked_of(session, body["user"]["id"]))
        person = get_or_create_person(session, body["user"]["id"], now)
        for name, value in contact.as_dict().items():
            if name == "name" and value is None:
                continue  # an emptied name keeps the one Slack gave
            setattr(person, name, value)
        person.contact_filed_at = filing_time(scope.program(services), person.contact_filed_at, now)
        person.updated_at = now
    ack()
