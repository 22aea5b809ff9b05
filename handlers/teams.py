"""Team listeners: register (`/mentor pair`), look up (`/mentor team`), import, replace, end."""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import access
from bot.access import Refusal
from bot.accounts.direct import dm_all
from bot.advisor.duties import step_rows
from bot.platform.services import Services
from bot.platform.slack_users import lookup_with, users_info
from bot.slack.blocks import modal, section
from bot.slack.commands import Subcommand
from bot.slack.fields import FieldErrors, record_id
from bot.slack.text import typed
from bot.status.deliverables import team_deliverables
from bot.status.progress import step_name
from bot.teams import views
from bot.teams.changes import (
    already_message,
    ending_message,
    pause_message,
    replacement_messages,
)
from bot.teams.form import parse_ending, parse_pair, parse_replacement
from bot.teams.imports import import_teams
from bot.teams.pauses import current_pause, pauses_of
from bot.teams.rules import create_team, problems
from handlers import kit
from handlers.after_ack import after_ack
from handlers.commands import Answer, CommandContext, CommandRouter
from schedules.delivery import deliver
from schedules.duties.teams import welcome_notices
from storage.db import transaction
from storage.models import Team, TeamChange, TeamStatus
from storage.people import get_or_create_person, get_team
from storage.teams import (
    PAUSE,
    active_teams_of,
    end_team,
    history,
    last_pause_change,
    replace_member,
    set_paused,
)

log = logging.getLogger(__name__)
NOT_YOURS = "This team can no longer be changed by you."


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
            "team",
            "/mentor team [@person]",
            "a team's members and contacts",
            Action.LOOK_UP_TEAMS,
            earlier_years=True,
        ),
        lambda ctx: _team_cards(ctx),
    )
    router.add(
        Subcommand(
            "import", "/mentor import", "register many teams from a CSV", Action.REGISTER_TEAMS
        ),
        lambda ctx: _open_import(ctx),
    )

    for action_id, role in ((views.REPLACE_MENTOR, "mentor"), (views.REPLACE_ADVISOR, "advisor")):
        app.action(action_id)(kit.button(functools.partial(_open_replace, services, role)))
    app.action(views.END_TEAM)(kit.button(functools.partial(_open_end, services)))
    for action_id, paused in ((views.PAUSE_TEAM, True), (views.RESUME_TEAM, False)):
        app.action(action_id)(kit.button(functools.partial(_pause, services, paused)))
    for callback_id, submit, field in (
        (views.PAIR_CALLBACK, _submit_pair, "mentor"),
        (views.IMPORT_CALLBACK, _submit_import, "csv"),
        (views.REPLACE_CALLBACK, _submit_replace, "person"),
        (views.END_CALLBACK, _submit_end, "reason"),
    ):
        app.view(callback_id)(kit.submission(functools.partial(submit, services), field))


# -- register one team -----------------------------------------------------------------------


def _open_pair(ctx: CommandContext) -> Answer | None:
    mentions = ctx.parsed.mentions
    mentor = mentions[0] if mentions else None
    protege = mentions[1] if len(mentions) > 1 else None
    advisor = mentions[2] if len(mentions) > 2 else None
    view = views.pair_modal(ctx.services.programs, ctx.services.today(), mentor, protege, advisor)
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
    understood = len(mentions)
    stray = [w for w in ctx.parsed.args if not w.startswith("<@")]
    if stray or "<#" in ctx.body.get("text", ""):
        return kit.say(
            f"I opened the form with the {understood} people I could read; "
            "name people with @mentions (not channels or plain names) to pre-fill it."
        )
    return None


def _submit_pair(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    user_id = body["user"]["id"]
    with services.sessions() as session:
        who = access.viewer(session, user_id, services.settings.staff_ids)
    if not access.may(who, access.Action.REGISTER_TEAMS):
        raise Refusal("Only program staff can register teams.")
    request = parse_pair(kit.state(body), services.today())
    people = {request.mentor, request.protege} | ({request.advisor} if request.advisor else set())
    users = users_info(client, people)
    now = services.clock()
    program = services.running(request.program) if request.program else services.program
    if program is None:  # a modal opened before the program it names was taken out
        raise FieldErrors({"area": "Choose one of the program areas."})
    with transaction(services.sessions) as session:
        found = problems(session, program, request, users)
        if found:
            raise FieldErrors(found)
        team = create_team(session, program, request, users, user_id, now)
        team_id = team.id
    ack()
    after_ack(_welcome, services, client, [team_id], now)


def _welcome(services: Services, client: WebClient, team_ids: list[int], now: datetime) -> None:
    """After the ack: each new team's welcome DMs, through the ledger so the tick never
    repeats them."""
    with services.sessions() as session:
        teams = [get_team(session, team_id) for team_id in team_ids]
        # a team ended or removed before its welcome has no one left to welcome
        notices = [
            n
            for t in teams
            if t is not None
            for n in welcome_notices(services.for_program(t.program_id).program, t, now)
        ]
    for notice in notices:
        deliver(services.sessions, client, notice, now)


# -- import ---------------------------------------------------------------------------------


def _open_import(ctx: CommandContext) -> Answer | None:
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=views.import_modal())
    return None


def _submit_import(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    csv_text = kit.state(body).get("csv", {}).get("value", {}).get("value") or ""
    if not csv_text.strip():
        raise FieldErrors({"csv": "Paste the CSV here, header line first."})
    # Looking people up in Slack can take longer than an ack may: show progress, work after.
    checking = modal(
        views.IMPORT_CALLBACK + "_checking",
        "Import teams",
        [section("Checking every row… this takes a few seconds.")],
        submit=None,
        close="Close",
    )
    ack(response_action="update", view=checking)
    after_ack(_run_import, services, client, body["user"]["id"], body["view"]["id"], csv_text)


def _run_import(
    services: Services, client: WebClient, user_id: str, view_id: str, csv_text: str
) -> None:
    with services.sessions() as session:
        who = access.viewer(session, user_id, services.settings.staff_ids)
    if not access.may(who, access.Action.REGISTER_TEAMS):
        client.views_update(
            view_id=view_id,
            view=views.import_modal(csv_text, [typed("Only program staff can import teams.")]),
        )
        return
    now = services.clock()
    try:
        with transaction(services.sessions) as session:
            # import_teams writes nothing unless every row is good.
            report = import_teams(
                session, services.programs, csv_text, lookup_with(client), user_id, now
            )
    except Exception:
        log.exception("import from Slack failed")
        client.views_update(
            view_id=view_id,
            view=views.import_modal(
                csv_text,
                [
                    typed(
                        "Something went wrong on our side; nothing was imported. "
                        "Try again in a minute."
                    )
                ],
            ),
        )
        return
    if not report.ok:
        problems = [typed(problem) for problem in report.problems]
        client.views_update(view_id=view_id, view=views.import_modal(csv_text, problems))
        return
    client.views_update(
        view_id=view_id, view=views.import_done_view(len(report.created), report.unchanged)
    )
    _welcome(services, client, report.created, now)


# -- look up --------------------------------------------------------------------------------


def _team_cards(ctx: CommandContext) -> Answer:
    services = ctx.services
    if "<#" in ctx.body.get("text", "") and not ctx.parsed.mentions:
        return kit.say("That is a channel. Name a person: `/mentor team @someone`.")
    target = ctx.parsed.mentions[0] if ctx.parsed.mentions else ctx.who.user_id
    with services.sessions() as session:
        teams = [t for p in services.programs for t in active_teams_of(session, target, p.id)]
        visible = [t for t in teams if access.may_on_team(ctx.who, access.Action.READ_TEAM, t)]
        steps = step_rows(session, services.program, visible, services.today())
        cards = [
            replace(
                card_for(session, services, team),
                records_attendance=access.may_on_team(
                    ctx.who, access.Action.RECORD_ATTENDANCE, team
                ),
                advisor_steps=steps[team.id],
                marks_advisor_steps=access.may_on_team(ctx.who, access.Action.ADVISOR_STEP, team),
            )
            for team in visible
        ]
    if not cards:
        if target == ctx.who.user_id:
            hint = " Name someone: `/mentor team @someone`." if ctx.who.is_staff else ""
            return kit.say(f"You are not on an active team.{hint}")
        return kit.say(f"I can't show you a team for <@{target}>.")
    manage = ctx.who.is_staff
    return views.team_cards_message(cards, services.today(), manage)


def card_for(session: Session, services: Services, team: Team) -> views.TeamCard:
    program = services.for_program(team.program_id).program
    members = [("Mentor", team.mentor), ("Protégé", team.protege)]
    if team.advisor is not None:
        members.append(("Content advisor", team.advisor))
    pause = current_pause(pauses_of(session, program, [team.id]).get(team.id, []))
    return views.TeamCard(
        team_id=team.id,
        area_name=program.area(team.area).name,
        track_name=program.track(team.track).name,
        start=team.start_date,
        status=str(team.status),
        end_reason=typed(team.end_reason),
        members=[
            views.MemberCard(
                p.slack_id,
                role,
                typed(p.email),
                p.email_checked,
                typed(p.cell_phone),
                typed(p.school_phone),
                p.preferred_contact,
                typed(p.mailing_address),
                typed(p.city_state_zip),
            )
            for role, p in members
        ],
        contacts=program.contacts,
        history=[
            _phrase(change)
            for change in history(session, team.id)
            if change.role != "status" or change.old_value
        ],
        paused_since=pause.start if pause is not None else None,
        done_outside=[
            f"{step_name(program, s.deadline)}: {s.outside.words()}"
            for s in team_deliverables(session, program, team, services.today())
            if s.outside is not None
        ],
    )


def _phrase(change: TeamChange) -> str:
    when = f"{change.changed_at:%b %-d, %Y}"
    if change.role in ("status", PAUSE):
        return f"{change.new_value} {when}"
    role = "mentor" if change.role == "mentor" else "advisor"
    old = f"<@{change.old_value}>" if change.old_value else "nobody"
    return f"{role} {old} → <@{change.new_value}> {when}"


# -- replace and end --------------------------------------------------------------------------


def _managed_team(services: Services, body: dict[str, Any], team_id: int | None) -> Team | None:
    """The team, if it exists, is active, and the presser may manage it."""
    if team_id is None:
        return None
    with services.sessions() as session:
        who = access.viewer(session, body["user"]["id"], services.settings.staff_ids)
        team = get_team(session, team_id)
    if team is None or team.status != TeamStatus.ACTIVE:
        return None
    return team if access.may_on_team(who, access.Action.MANAGE_TEAM, team) else None


def _open_replace(services: Services, role: str, body: dict[str, Any], client: WebClient) -> None:
    team = _managed_team(services, body, record_id(kit.value(body)))
    if team is None:
        raise Refusal("Only program staff can change an active team.")
    current = getattr(team, role)
    client.views_open(
        trigger_id=body["trigger_id"],
        view=views.replace_modal(team.id, role, current.slack_id if current else None),
    )


def _open_end(services: Services, body: dict[str, Any], client: WebClient) -> None:
    team = _managed_team(services, body, record_id(kit.value(body)))
    if team is None:
        raise Refusal("Only program staff can end an active team.")
    client.views_open(trigger_id=body["trigger_id"], view=views.end_modal(team.id))


def _pause(services: Services, paused: bool, body: dict[str, Any], client: WebClient) -> None:
    """Pause a team (leave of absence) or resume it; its members are told."""
    team = _managed_team(services, body, record_id(kit.value(body)))
    if team is None:
        raise Refusal("Only program staff can pause or resume an active team.")
    with transaction(services.sessions) as session:
        changed = set_paused(session, team, paused, None, body["user"]["id"], services.clock())
        last = None if changed else last_pause_change(session, team.id)
    if not changed:
        by = last.changed_by if last is not None else None
        on = last.changed_at.astimezone(services.program.tz).date() if last is not None else None
        kit.tell(client, body, already_message(_pair(team), paused, by, on))
        return
    mentor, protege = team.mentor.slack_id, team.protege.slack_id
    text = pause_message(paused, mentor, protege)
    people = [p.slack_id for p in (team.mentor, team.protege, team.advisor) if p is not None]
    dm_all(services, client, {person: text for person in people})
    kit.tell(
        client,
        body,
        f"{_pair(team)} is {'paused' if paused else 'resumed'}; its members were told.",
    )


def _pair(team: Team) -> str:
    return f"The team of <@{team.mentor.slack_id}> and <@{team.protege.slack_id}>"


def _submit_replace(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    meta = kit.metadata(body, stale=NOT_YOURS)
    role = meta.role
    team = _managed_team(services, body, meta.team)
    if team is None or role is None:
        raise Refusal(NOT_YOURS)
    current = getattr(team, role)
    others = tuple(
        p.slack_id
        for p in (team.mentor, team.protege, team.advisor)
        if p is not None and p is not current
    )
    change = parse_replacement(kit.state(body), current.slack_id if current else None, others)
    user = users_info(client, {change.new_person})[change.new_person]
    if user is None or not user.usable:
        raise Refusal("Choose an active person (not a bot or a deactivated account).", "person")
    now = services.clock()
    by = body["user"]["id"]
    with transaction(services.sessions) as session:
        fresh = get_team(session, team.id)
        if fresh is None:  # removed since the modal opened
            raise Refusal(NOT_YOURS)
        new = get_or_create_person(session, user.id, now, user.name, user.tz)
        old = replace_member(session, fresh, role, new, change.reason, by, now)
        mentor, protege = fresh.mentor.slack_id, fresh.protege.slack_id
        advisor = fresh.advisor.slack_id if fresh.advisor else None
    ack()
    old_id = old.slack_id if old else None
    dm_all(services, client, replacement_messages(role, user.id, old_id, mentor, protege, advisor))


def _submit_end(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    team = _managed_team(services, body, kit.metadata(body, stale=NOT_YOURS).team)
    if team is None:
        raise Refusal(NOT_YOURS)
    ending = parse_ending(kit.state(body))
    now = services.clock()
    with transaction(services.sessions) as session:
        fresh = get_team(session, team.id)
        if fresh is None:  # removed since the modal opened
            raise Refusal(NOT_YOURS)
        end_team(session, fresh, TeamStatus(ending.status), ending.reason, body["user"]["id"], now)
        people = [p.slack_id for p in (fresh.mentor, fresh.protege, fresh.advisor) if p is not None]
        mentor, protege = fresh.mentor.slack_id, fresh.protege.slack_id
    ack()
    text = ending_message(ending.status, ending.reason, mentor, protege)
    dm_all(services, client, {person: text for person in people})
