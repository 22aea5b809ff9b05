"""The buttons of the advisor's digest: Nudge the team, I've reached out, Snooze, and the
list of teams that did not fit the message. (Open the checklist is the Home tab's own
button, `progress_open`.) Each one asks `bot.access` about the team it names: only its
content advisor or program staff, never one of its members, may answer for it."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import access
from bot.access import Refusal
from bot.across import scope
from bot.advisor import views
from bot.advisor.duties import duties_for, duty_line, mark_duty
from bot.advisor.rules import REACHED_OUT_QUIET
from bot.advisor.views import Part
from bot.platform.services import Services
from bot.silence.rules import overdue_steps, team_health
from bot.slack.blocks import numbered
from bot.slack.dates import human_date
from bot.slack.fields import FieldErrors, record_id, text
from bot.slack.replies import dm
from handlers import kit
from handlers.after_ack import after_ack
from handlers.commands import CommandRouter
from handlers.home import republish_home
from storage.db import transaction
from storage.models import Team
from storage.people import get_team
from storage.silence import SilenceActionKind, actions_for, record

ADVISOR_ONLY = "Only the team's content advisor or program staff can do that."
STEP_ONLY = "Only the team's content advisor or program staff can mark the advisor's steps."
MESSAGE_MAX = 1500


def register(app: App, services: Services, router: CommandRouter) -> None:
    for action_id, function in (
        (views.NUDGE, _open_nudge),
        (views.REACHED_OUT, _reached_out),
        (views.SNOOZE, _snooze),
        (views.MORE, _more_teams),
        (numbered(views.DUTY_DONE), _duty_done),
    ):
        app.action(action_id)(kit.button(functools.partial(function, services)))
    app.view(views.NUDGE_CALLBACK)(
        kit.submission(functools.partial(_send_nudge, services), field="message")
    )


def _answerable(
    services: Services,
    user_id: str,
    team_id: int | None,
    action: access.Action = access.Action.RESPOND_TO_SILENCE,
    refusal: str = ADVISOR_ONLY,
) -> tuple[Team, str]:
    """The team, if `user_id` may answer for it (its advisor or staff), and who they are."""
    with services.sessions() as session:
        who = access.viewer(session, user_id, services.settings.staff_ids)
        team = get_team(session, team_id) if team_id is not None else None
    if team is None or team.status != "active":
        raise Refusal(refusal)
    if not access.may_on_team(who, action, team):
        raise Refusal(access.own_team_refusal(who, action, team) or refusal)
    return team, who.user_id


def _pressed(services: Services, body: dict[str, Any]) -> tuple[Team, str]:
    return _answerable(services, body["user"]["id"], record_id(kit.value(body)))


def _spell(services: Services, team: Team) -> Any:
    """The team's current spell (its last activity): what the silence duty's answers name."""
    with services.sessions() as session:
        return team_health(session, scope.program(services), [team], services.today())[
            team.id
        ].last_activity


# --- Nudge the team ---------------------------------------------------------------------


def _open_nudge(services: Services, body: dict[str, Any], client: WebClient) -> None:
    team, _ = _pressed(services, body)
    with services.sessions() as session:
        fresh = get_team(session, team.id)
        assert fresh is not None
        steps = overdue_steps(session, scope.program(services), fresh, services.today())
    prepared = views.prepared_nudge(team.mentor.slack_id, team.protege.slack_id, steps)
    kit.show(client, body, views.nudge_modal(team.id, prepared))


def _send_nudge(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    words = text(kit.state(body), "message")
    if not words:
        raise FieldErrors({"message": "Write a few words for the team."})
    if len(words) > MESSAGE_MAX:
        raise FieldErrors({"message": f"Please keep it under {MESSAGE_MAX} characters."})
    meta = kit.metadata(body, stale=ADVISOR_ONLY)
    team, advisor = _answerable(services, body["user"]["id"], meta.team)
    spell = _spell(services, team)
    with transaction(services.sessions) as session:
        record(session, team.id, spell, SilenceActionKind.NUDGED, advisor, services.clock())
    ack()
    message = views.nudge_message(advisor, words)
    members = (team.mentor.slack_id, team.protege.slack_id)
    after_ack(lambda: [dm(client, member, *message) for member in members])


# --- I've reached out, Snooze -------------------------------------------------------------


def _reached_out(services: Services, body: dict[str, Any], client: WebClient) -> None:
    team, advisor = _pressed(services, body)
    spell = _spell(services, team)
    now, today = services.clock(), services.today()
    with transaction(services.sessions) as session:
        record(session, team.id, spell, SilenceActionKind.REACHED_OUT, advisor, now)
    until = today + REACHED_OUT_QUIET
    _mark(client, body, team.id, f"You reached out {human_date(today)}. Thank you!")
    kit.tell(client, body, views.told("Thank you", until, today))


def _snooze(services: Services, body: dict[str, Any], client: WebClient) -> None:
    team, advisor = _pressed(services, body)
    spell = _spell(services, team)
    today = services.today()
    with transaction(services.sessions) as session:
        current = [
            a.until
            for a in actions_for(session, [team.id]).get(team.id, [])
            if a.kind == SilenceActionKind.SNOOZED and a.until is not None and a.until > today
        ]
        until = max(current, default=today + timedelta(days=views.SNOOZE_DAYS))
        if not current:
            record(
                session,
                team.id,
                spell,
                SilenceActionKind.SNOOZED,
                advisor,
                services.clock(),
                until=until,
            )
    _mark(client, body, team.id, f"Snoozed until {human_date(until, today)}.")
    kit.tell(client, body, views.told("Already snoozed" if current else "Snoozed", until, today))


def _mark(client: WebClient, body: dict[str, Any], team_id: int, note: str) -> None:
    """The digest the button was pressed in says what the advisor did, in place."""
    _edit_pressed(client, body, team_id, note, lambda blocks: views.resolved(blocks, team_id, note))


def _edit_pressed(
    client: WebClient,
    body: dict[str, Any],
    team_id: int,
    note: str,
    edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
) -> None:
    """Edit the digest the button was pressed in, when it shows the team."""
    message, channel = body.get("message"), (body.get("container") or {}).get("channel_id")
    blocks = (message or {}).get("blocks") or []
    if not channel or not any(b.get("block_id") == views.block_id(team_id) for b in blocks):
        return  # pressed in the list of more teams (a modal), the team card, or an older layout
    # The answer is recorded either way: a failed edit only leaves the message behind.
    with contextlib.suppress(SlackApiError, SlackClientError, OSError):
        client.chat_update(
            channel=channel,
            ts=body["message"]["ts"],
            text=body["message"].get("text") or note,
            blocks=edit(blocks),
        )


# --- the teams that did not fit -------------------------------------------------------------


def _more_teams(services: Services, body: dict[str, Any], client: WebClient) -> None:
    user = body["user"]["id"]
    wanted = [record_id(part) for part in kit.value(body).split(",")]
    today = services.today()
    rows = []
    with services.sessions() as session:
        who = access.viewer(session, user, services.settings.staff_ids)
        teams = [get_team(session, team_id) for team_id in wanted if team_id is not None]
        # A forged or stale id, or a team the presser does not answer for, is left out.
        mine = [
            t
            for t in teams
            if t is not None
            and t.status == "active"
            and access.may_on_team(who, access.Action.RESPOND_TO_SILENCE, t)
        ]
        health = team_health(session, scope.program(services), mine, today)
        for team in mine[: views.MODAL_TEAMS]:
            state = health[team.id]
            lines = [
                (Part.LATE, step)
                for step in overdue_steps(session, scope.program(services), team, today)
            ]
            if state.silent:
                lines.insert(0, (Part.QUIET, f"{state.school_days_quiet} school days"))
            rows.append(
                views.TeamRow(team.id, team.mentor.slack_id, team.protege.slack_id, tuple(lines))
            )
    if not mine:
        raise Refusal(ADVISOR_ONLY)
    kit.show(client, body, views.more_teams_modal(rows, len(mine)))


# --- the advisor's own steps ----------------------------------------------------------------


def _duty_done(services: Services, body: dict[str, Any], client: WebClient) -> None:
    """ "Mark done" on one of the advisor's own steps, from the digest or the team card."""
    team_part, _, step = kit.value(body).partition(":")
    team, user = _answerable(
        services, body["user"]["id"], record_id(team_part), access.Action.ADVISOR_STEP, STEP_ONLY
    )
    today = services.today()
    with transaction(services.sessions) as session:
        fresh = get_team(session, team.id)
        assert fresh is not None
        marked = mark_duty(session, services.program, fresh, step, user, services.clock())
        status = next(
            s
            for s in duties_for(session, services.program, [fresh], today)[team.id]
            if s.key == step
        )
    closing = f"done {human_date(today)}"
    drop = (views.DUTY_DONE, kit.value(body))
    _edit_pressed(
        client,
        body,
        team.id,
        closing,
        lambda blocks: views.struck(blocks, team.id, duty_line(status), closing, drop),
    )
    kit.tell(
        client,
        body,
        f"Thank you: {status.name} is marked done." if marked else f"{status.name}: already done.",
    )
    if marked:
        republish_home(services, client, [user])  # their Home tab lists their own steps
