"""`/mentor year`: program staff open the next school year from Slack, a preview first.

The command lists the program files offered (`bot.years.files`: never a path typed in
Slack); a file's Preview button opens a modal saying what opening it does; its submit does
it, through the same domain code as `mentorbot year open FILE --yes`.
"""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import access
from bot.access import Refusal
from bot.platform.services import Services
from bot.program import Program
from bot.slack.commands import Subcommand
from bot.slack.metadata import Metadata
from bot.years import views
from bot.years.files import Offered, find_offered, offered_files
from bot.years.rules import YearError, preview_of, preview_or_open
from handlers import kit
from handlers.commands import Answer, CommandContext, CommandRouter

STAFF_ONLY = "Only program staff can open the next school year."
GONE = "That program file is no longer offered. Type `/mentor year` for the files there are."


def register(app: App, services: Services, router: CommandRouter) -> None:
    router.add(
        Subcommand(
            "year",
            "/mentor year",
            "open the next school year: a preview of what carries on, then confirm",
            access.Action.OPEN_YEAR,
        ),
        _offer,
    )
    app.action(views.YEAR_PREVIEW)(kit.button(functools.partial(_preview, services)))
    app.view(views.YEAR_OPEN_CALLBACK)(kit.submission(functools.partial(_open, services)))


def _offer(ctx: CommandContext) -> Answer:
    running = ctx.services.programs
    several = len(running) > 1  # then each file says whose next year it is
    files = [
        views.OfferedFile(
            o.name,
            o.program.id if o.program else None,
            o.program.school_year if o.program else "",
            o.program.start if o.program else None,
            o.problem,
            o.follows.name if several and o.follows else None,
        )
        for o in _offered(ctx.services)
    ]
    years = ", ".join(dict.fromkeys(p.school_year for p in running))
    return views.offered_message(files, years)


def _offered(services: Services) -> list[Offered]:
    settings = services.settings
    configured = [p for p in (settings.program_path, *settings.more_programs) if p is not None]
    return offered_files(configured, services.programs)


def _staff(services: Services, user_id: str) -> None:
    with services.sessions() as session:
        who = access.viewer(session, user_id, services.settings.staff_ids)
    if not access.may(who, access.Action.OPEN_YEAR):
        raise Refusal(STAFF_ONLY)


def _chosen(services: Services, program_id: str) -> tuple[Offered, Program, Services]:
    """The offered file, its program, and the services of the running program it follows."""
    found = find_offered(_offered(services), program_id)
    if found is None or found.program is None or found.follows is None:
        raise Refusal(GONE)
    return found, found.program, services.for_program(found.follows.id)


def _plan(services: Services, user_id: str, program_id: str, *, apply: bool) -> views.YearPreview:
    _staff(services, user_id)
    offered, new, current = _chosen(services, program_id)
    now = services.clock()
    try:
        plan = preview_or_open(
            services.sessions, current.program, new, current.today(), user_id, now, apply=apply
        )
    except YearError as exc:  # the file is not the next year's: say why, change nothing
        raise Refusal(str(exc).replace(str(offered.path), offered.name)) from None
    return preview_of(plan, offered.name)


def _preview(services: Services, body: dict[str, Any], client: WebClient) -> None:
    program_id = kit.value(body)
    preview = _plan(services, body["user"]["id"], program_id, apply=False)
    metadata = Metadata(program=preview.program_id).dump()
    client.views_open(
        trigger_id=body["trigger_id"], view=views.year_preview_modal(preview, metadata)
    )


def _open(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """The preview's submit. It has no input to hang an error on: a refusal, a stale form or
    a file that cannot be opened replaces the modal with one line saying why."""
    try:
        program_id = kit.metadata(body).program
        if program_id is None:
            raise Refusal(GONE)
        preview = _plan(services, body["user"]["id"], program_id, apply=True)
    except Refusal as refusal:
        ack(response_action="update", view=kit.notice_view(refusal.message, "Next year"))
        return
    ack(response_action="update", view=views.year_opened_modal(preview))
