"""Team listeners: register (`/mentor pair`), look up (`/mentor team`), import, replace, end."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import access
from bot.platform.services import Services
from bot.platform.slack_users import lookup_with, users_info
from bot.slack.blocks import modal, section
from bot.slack.commands import Subcommand
from bot.slack.fields import FieldErrors, record_id
from bot.slack.replies import dm_all
from bot.teams import views
from bot.teams.changes import ending_message, replacement_messages
from bot.teams.form import parse_ending, parse_pair, parse_replacement
from bot.teams.imports import import_teams
from bot.teams.rules import create_team, problems
from handlers.commands import Answer, CommandContext, CommandRouter
from schedules.delivery import deliver
from schedules.duties.welcomes import welcome_notices
from storage.db import transaction
from storage.models import Team, TeamStatus
from storage.people import find_person, get_or_create_person, get_team
from storage.teams import active_team_of_protege, active_teams_of, end_team, history, replace_member

log = logging.getLogger(__name__)


def register(app: App, services: Services, router: CommandRouter) -> None:
    Action = access.Action
    router.add(
        Subcommand(
            "pair", "/mentor pair [@mentor @protégé]", "register a team", Action.REGISTER_TEAMS
        ),
        lambda ctx: _open_pair(ctx),
    )
    router.add(
        Subcommand(
            "team", "/mentor team [@person]", "a team's members and contacts", Action.LOOK_UP_TEAMS
        ),
        lambda ctx: _team_cards(ctx),
    )
    router.add(
        Subcommand(
            "import", "/mentor import", "register many teams from a CSV", Action.REGISTER_TEAMS
        ),
        lambda ctx: _open_import(ctx),
    )

    app.view(views.PAIR_CALLBACK)(
        ack=lambda ack, body, client: _submit_pair(services, ack, body, client),
        lazy=[lambda body, client: _welcome_new_team(services, body, client)],
    )
    app.view(views.IMPORT_CALLBACK)(
        ack=_ack_import, lazy=[lambda body, client: _run_import(services, body, client)]
    )
    for action_id, role in ((views.REPLACE_MENTOR, "mentor"), (views.REPLACE_ADVISOR, "advisor")):
        app.action(action_id)(_opener(services, role))
    app.action(views.END_TEAM)(lambda ack, body, client: _open_end(services, ack, body, client))
    app.view(views.REPLACE_CALLBACK)(
        lambda ack, body, client: _submit_replace(services, ack, body, client)
    )
    app.view(views.END_CALLBACK)(lambda ack, body, client: _submit_end(services, ack, body, client))


# -- register one team -----------------------------------------------------------------------


def _open_pair(ctx: CommandContext) -> Answer | None:
    mentions = ctx.parsed.mentions
    mentor = mentions[0] if mentions else None
    protege = mentions[1] if len(mentions) > 1 else None
    advisor = mentions[2] if len(mentions) > 2 else None
    view = views.pair_modal(ctx.services.program, ctx.services.today(), mentor, protege, advisor)
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
    understood = len(mentions)
    stray = [w for w in ctx.parsed.args if not w.startswith("<@")]
    if stray or "<#" in ctx.body.get("text", ""):
        return _note(
            f"I opened the form with the {understood} people I could read; "
            "name people with @mentions (not channels or plain names) to pre-fill it."
        )
    return None


def _submit_pair(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    user_id = body["user"]["id"]
    with services.sessions() as session:
        who = access.viewer(session, user_id, services.settings.staff_ids)
    if not access.may(who, access.Action.REGISTER_TEAMS):
        ack(response_action="errors", errors={"mentor": "Only program staff can register teams."})
        return
    try:
        request = parse_pair(body["view"]["state"]["values"], services.today())
        people = {request.mentor, request.protege} | (
            {request.advisor} if request.advisor else set()
        )
        users = users_info(client, people)
        now = services.clock()
        with transaction(services.sessions) as session:
            found = problems(session, services.program, request, users)
            if found:
                raise FieldErrors(found)
            create_team(session, services.program, request, users, user_id, now)
    except FieldErrors as errors:
        ack(response_action="errors", errors=errors.errors)
        return
    ack()


def _welcome_new_team(services: Services, body: dict[str, Any], client: WebClient) -> None:
    """After the ack: the three welcome DMs, through the ledger so the tick never repeats them."""
    protege = (
        body["view"]["state"]["values"].get("protege", {}).get("value", {}).get("selected_user")
    )
    now = services.clock()
    with services.sessions() as session:
        person = find_person(session, protege) if protege else None
        team = active_team_of_protege(session, person.id) if person else None
        # Lazy listeners run even when the ack refused the form: act only on a team this
        # submission just created.
        fresh = (
            team is not None
            and team.created_by == body["user"]["id"]
            and (now - team.created_at) < timedelta(minutes=1)
        )
        notices = (
            welcome_notices(services.program, get_team(session, team.id), now) if fresh else []
        )
    for notice in notices:
        deliver(services.sessions, client, notice, now)


# -- import ---------------------------------------------------------------------------------


def _open_import(ctx: CommandContext) -> Answer | None:
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=views.import_modal())
    return None


def _csv_text(body: dict[str, Any]) -> str:
    return body["view"]["state"]["values"].get("csv", {}).get("value", {}).get("value") or ""


def _ack_import(ack: Ack, body: dict[str, Any]) -> None:
    csv_text = _csv_text(body)
    if not csv_text.strip():
        ack(response_action="errors", errors={"csv": "Paste the CSV here, header line first."})
        return
    # Looking people up in Slack can take longer than an ack may: show progress, work after.
    checking = modal(
        views.IMPORT_CALLBACK + "_checking",
        "Import teams",
        [section("Checking every row… this takes a few seconds.")],
        submit=None,
        close="Close",
    )
    ack(response_action="update", view=checking)


def _run_import(services: Services, body: dict[str, Any], client: WebClient) -> None:
    user_id = body["user"]["id"]
    view_id = body["view"]["id"]
    csv_text = _csv_text(body)
    if not csv_text.strip():
        return  # the ack refused it with a field error; bolt runs lazy listeners regardless
    with services.sessions() as session:
        who = access.viewer(session, user_id, services.settings.staff_ids)
    if not access.may(who, access.Action.REGISTER_TEAMS):
        client.views_update(
            view_id=view_id,
            view=views.import_modal(csv_text, ["Only program staff can import teams."]),
        )
        return
    now = services.clock()
    try:
        with transaction(services.sessions) as session:
            # import_teams writes nothing unless every row is good.
            report = import_teams(
                session, services.program, csv_text, lookup_with(client), user_id, now
            )
    except Exception:
        log.exception("import from Slack failed")
        client.views_update(
            view_id=view_id,
            view=views.import_modal(
                csv_text,
                ["Something went wrong on our side; nothing was imported. Try again in a minute."],
            ),
        )
        return
    if not report.ok:
        client.views_update(view_id=view_id, view=views.import_modal(csv_text, report.problems))
        return
    client.views_update(
        view_id=view_id, view=views.import_done_view(len(report.created), report.unchanged)
    )
    with services.sessions() as session:
        notices = [
            n
            for team_id in report.created
            for n in welcome_notices(services.program, get_team(session, team_id), now)
        ]
    for notice in notices:
        deliver(services.sessions, client, notice, now)


# -- look up --------------------------------------------------------------------------------


def _team_cards(ctx: CommandContext) -> Answer:
    services = ctx.services
    if "<#" in ctx.body.get("text", "") and not ctx.parsed.mentions:
        return _note("That is a channel. Name a person: `/mentor team @someone`.")
    target = ctx.parsed.mentions[0] if ctx.parsed.mentions else ctx.who.user_id
    with services.sessions() as session:
        teams = active_teams_of(session, target, services.program.id)
        visible = [t for t in teams if access.may_on_team(ctx.who, access.Action.READ_TEAM, t)]
        cards = [card_for(session, services, team) for team in visible]
    if not cards:
        if target == ctx.who.user_id:
            hint = " Name someone: `/mentor team @someone`." if ctx.who.is_staff else ""
            return _note(f"You are not on an active team.{hint}")
        return _note(f"I can't show you a team for <@{target}>.")
    manage = ctx.who.is_staff
    return views.team_cards_message(cards, services.today(), manage)


def card_for(session, services: Services, team: Team) -> views.TeamCard:
    program = services.program
    members = [("Mentor", team.mentor), ("Protégé", team.protege)]
    if team.advisor is not None:
        members.append(("Content advisor", team.advisor))
    return views.TeamCard(
        team_id=team.id,
        area_name=program.area(team.area).name,
        track_name=program.track(team.track).name,
        start=team.start_date,
        status=str(team.status),
        end_reason=team.end_reason,
        members=[
            views.MemberCard(
                p.slack_id,
                role,
                p.email,
                p.email_checked,
                p.cell_phone,
                p.school_phone,
                p.preferred_contact,
            )
            for role, p in members
        ],
        history=[
            _phrase(change)
            for change in history(session, team.id)
            if change.role != "status" or change.old_value
        ],
    )


def _phrase(change) -> str:
    when = f"{change.changed_at:%b %-d, %Y}"
    if change.role == "status":
        return f"{change.new_value} {when}"
    role = "mentor" if change.role == "mentor" else "advisor"
    old = f"<@{change.old_value}>" if change.old_value else "nobody"
    return f"{role} {old} → <@{change.new_value}> {when}"


# -- replace and end --------------------------------------------------------------------------


def _managed_team(services: Services, body: dict[str, Any], team_id: Any) -> Team | None:
    """The team, if it exists, is active, and the presser may manage it."""
    team_id = record_id(team_id)
    if team_id is None:
        return None
    with services.sessions() as session:
        who = access.viewer(session, body["user"]["id"], services.settings.staff_ids)
        team = get_team(session, team_id)
    if team is None or team.status != TeamStatus.ACTIVE:
        return None
    return team if access.may_on_team(who, access.Action.MANAGE_TEAM, team) else None


def _opener(services: Services, role: str):
    def open_replace(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team = _managed_team(services, body, body["actions"][0].get("value"))
        if team is None:
            _refuse(client, body, "Only program staff can change an active team.")
            return
        current = getattr(team, role)
        client.views_open(
            trigger_id=body["trigger_id"],
            view=views.replace_modal(team.id, role, current.slack_id if current else None),
        )

    return open_replace


def _open_end(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    team = _managed_team(services, body, body["actions"][0].get("value"))
    if team is None:
        _refuse(client, body, "Only program staff can end an active team.")
        return
    client.views_open(trigger_id=body["trigger_id"], view=views.end_modal(team.id))


def _metadata(body: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(body["view"].get("private_metadata") or "{}")
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _submit_replace(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    data = _metadata(body)
    role = data.get("role")
    team = _managed_team(services, body, data.get("team"))
    if team is None or role not in ("mentor", "advisor"):
        ack(
            response_action="errors",
            errors={"person": "This team can no longer be changed by you."},
        )
        return
    current = getattr(team, role)
    others = tuple(
        p.slack_id
        for p in (team.mentor, team.protege, team.advisor)
        if p is not None and p is not current
    )
    try:
        change = parse_replacement(
            body["view"]["state"]["values"], current.slack_id if current else None, others
        )
        user = users_info(client, {change.new_person})[change.new_person]
        if user is None or not user.usable:
            raise FieldErrors(
                {"person": "Choose an active person (not a bot or a deactivated account)."}
            )
    except FieldErrors as errors:
        ack(response_action="errors", errors=errors.errors)
        return
    now = services.clock()
    by = body["user"]["id"]
    with transaction(services.sessions) as session:
        fresh = get_team(session, team.id)
        new = get_or_create_person(session, user.id, now, user.name, user.tz)
        old = replace_member(session, fresh, role, new, change.reason, by, now)
        mentor, protege = fresh.mentor.slack_id, fresh.protege.slack_id
        advisor = fresh.advisor.slack_id if fresh.advisor else None
    ack()
    old_id = old.slack_id if old else None
    dm_all(client, replacement_messages(role, team.id, user.id, old_id, mentor, protege, advisor))


def _submit_end(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    team = _managed_team(services, body, _metadata(body).get("team"))
    if team is None:
        ack(
            response_action="errors",
            errors={"reason": "This team can no longer be changed by you."},
        )
        return
    try:
        ending = parse_ending(body["view"]["state"]["values"])
    except FieldErrors as errors:
        ack(response_action="errors", errors=errors.errors)
        return
    now = services.clock()
    with transaction(services.sessions) as session:
        fresh = get_team(session, team.id)
        end_team(session, fresh, TeamStatus(ending.status), ending.reason, body["user"]["id"], now)
        people = [p.slack_id for p in (fresh.mentor, fresh.protege, fresh.advisor) if p is not None]
        mentor, protege = fresh.mentor.slack_id, fresh.protege.slack_id
    ack()
    text = ending_message(team.id, ending.status, ending.reason, mentor, protege)
    dm_all(client, {person: text for person in people})


# -- small answers ----------------------------------------------------------------------------


def _note(text: str) -> Answer:
    return text, [section(text)]


def _refuse(client: WebClient, body: dict[str, Any], text: str) -> None:
    channel = (body.get("channel") or {}).get("id") or body["user"]["id"]
    try:
        client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text)
    except Exception:
        log.warning("could not tell a user their button press was refused")
