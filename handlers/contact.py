"""The Mentor/Protégé Contact Form: `/mentor contact` and the welcome DM's button."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import access
from bot.contact.form import Contact, parse_contact
from bot.contact.views import CONTACT_CALLBACK, contact_modal
from bot.platform.services import Services
from bot.slack.commands import Subcommand
from bot.teams.welcome import CONTACT_OPEN
from handlers import kit
from handlers.commands import Answer, CommandContext, CommandRouter
from storage.db import transaction
from storage.people import find_person, get_or_create_person

FIELDS = tuple(Contact.__dataclass_fields__)


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
        kit.show(client, body, _modal(services, body["user"]["id"]))

    app.action(CONTACT_OPEN)(kit.button(open_from_button))
    app.view(CONTACT_CALLBACK)(kit.submission(functools.partial(_submit, services)))


def _modal(services: Services, user_id: str) -> dict[str, Any]:
    with services.sessions() as session:
        person = find_person(session, user_id)
        stored = {f: getattr(person, f) for f in FIELDS} if person else {}
    return contact_modal(stored)


def _open_from_command(ctx: CommandContext) -> Answer | None:
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=_modal(ctx.services, ctx.who.user_id))
    return None


def _submit(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    contact = parse_contact(kit.state(body))
    now = services.clock()
    # Each person edits only their own details: the submitter is the record's owner.
    with transaction(services.sessions) as session:
        person = get_or_create_person(session, body["user"]["id"], now)
        for name, value in contact.as_dict().items():
            setattr(person, name, value)
        person.contact_filed_at = person.contact_filed_at or now
        person.updated_at = now
    ack()
