"""People set the pace: the Home tab's delivery time, away dates and cover; each reminder's
"Remind me next school day" and "Done outside Slack"; the advisor's confirmation of it."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import access
from bot.access import Refusal
from bot.across import scope
from bot.pace import views
from bot.pace.rules import labels, step_named
from bot.platform.services import Services
from bot.slack.blocks import Block
from bot.slack.dates import human_date
from bot.slack.fields import record_id
from bot.status.deliverables import next_school_day_on_or_after
from handlers import kit
from handlers.commands import CommandRouter
from storage.db import transaction
from storage.models import Team
from storage.pace import (
    DeliveryTime,
    StepPace,
    StepPaceKind,
    confirm,
    pace_of,
    record_step,
    save_pace,
)
from storage.people import get_team

STALE = "That choice is out of date. Please open the Home tab again."
NOT_YOUR_STEP = "You can only answer reminders for your own team."
ADVISOR_ONLY = "Only the team's content advisor or program staff can confirm that."


def register(app: App, services: Services, router: CommandRouter) -> None:
    for action_id, function in (
        (views.DELIVERY, _delivery),
        (views.AWAY, _away),
        (views.BACK, _back),
        (views.COVER, _cover),
        (views.LATER, _later),
        (views.OUTSIDE, _outside),
        (views.CONFIRM, _confirm),
    ):
        app.action(action_id)(kit.button(functools.partial(function, services)))


def home_section(session: Session, services: Services, who: access.Viewer) -> list[Block]:
    """The Home tab's pace section for `who` (handlers/home.py appends it); none for someone
    the bot does not write to."""
    if not who.roles:
        return []
    pace = pace_of(session, [who.user_id]).get(who.user_id)
    return views.home_section(
        labels(services.program),
        pace.delivery if pace else None,
        pace.away_until if pace else None,
        pace.cover if pace else None,
        access.may(who, access.Action.COVER_ALERTS),
        services.today(),
    )


# --- the Home tab -----------------------------------------------------------------------


def _chosen(body: dict[str, Any], key: str) -> Any:
    return ((body.get("actions") or [{}])[0]).get(key)


def _viewer(services: Services, user_id: str) -> access.Viewer:
    with services.sessions() as session:
        return access.viewer(session, user_id, services.settings.staff_ids)


def _save(services: Services, client: WebClient, user_id: str, **changes: Any) -> None:
    with transaction(services.sessions) as session:
        save_pace(session, user_id, services.clock(), **changes)
    _republish(services, client, [user_id])  # the Home tab shows the new choice


def _republish(services: Services, client: WebClient, user_ids: list[str]) -> None:
    from handlers.home import republish_home  # handlers.home imports this module's section

    republish_home(services, client, user_ids)


def _delivery(services: Services, body: dict[str, Any], client: WebClient) -> None:
    value = (_chosen(body, "selected_option") or {}).get("value")
    if value not in {t.value for t in DeliveryTime}:
        raise Refusal(STALE)
    _save(services, client, body["user"]["id"], delivery=DeliveryTime(value))


def _away(services: Services, body: dict[str, Any], client: WebClient) -> None:
    try:
        until = date.fromisoformat(_chosen(body, "selected_date") or "")
    except ValueError:
        raise Refusal(STALE) from None
    today = services.today()
    if until < today or until > today + timedelta(days=366):
        raise Refusal("Pick the last day you are away: today or later, within a year.")
    _save(services, client, body["user"]["id"], away_until=until)


def _back(services: Services, body: dict[str, Any], client: WebClient) -> None:
    _save(services, client, body["user"]["id"], away_until=None)


def _cover(services: Services, body: dict[str, Any], client: WebClient) -> None:
    user, cover = body["user"]["id"], _chosen(body, "selected_user")
    who = _viewer(services, user)
    if not access.may(who, access.Action.COVER_ALERTS):
        raise Refusal("Only content advisors and program staff name who gets their alerts.")
    if not isinstance(cover, str) or cover == user:
        raise Refusal(STALE)
    if not access.may(_viewer(services, cover), access.Action.COVER_ALERTS):
        raise Refusal(f"<@{cover}> isn't a content advisor or program staff: pick one who is.")
    _save(services, client, user, cover=cover)


# --- on each reminder ---------------------------------------------------------------------


def _member_step(services: Services, body: dict[str, Any]) -> tuple[Team, str, str]:
    """(team, step key, step name) of a reminder's button, if the presser is on the team."""
    team_id, _, step = kit.value(body).partition("|")
    found = record_id(team_id)
    with services.sessions() as session:
        who = access.viewer(session, body["user"]["id"], services.settings.staff_ids)
        team = get_team(session, found) if found is not None else None
    if team is None or not access.may_on_team(who, access.Action.FILE_TEAM_FORM, team):
        raise Refusal(NOT_YOUR_STEP)
    name = step_named(scope.program(services), team.track, step)
    if name is None:
        raise Refusal(kit.STALE_BUTTON)
    return team, step, name


def _later(services: Services, body: dict[str, Any], client: WebClient) -> None:
    team, step, name = _member_step(services, body)
    today = services.today()
    until = next_school_day_on_or_after(scope.program(services), today + timedelta(days=1))
    with transaction(services.sessions) as session:
        record_step(
            session, team.id, step, body["user"]["id"], StepPaceKind.LATER, services.clock(), until
        )
    kit.tell(client, body, f"I'll remind you about {name} {human_date(until, today)}.")


def _outside(services: Services, body: dict[str, Any], client: WebClient) -> None:
    team, step, name = _member_step(services, body)
    with transaction(services.sessions) as session:
        record_step(
            session, team.id, step, body["user"]["id"], StepPaceKind.OUTSIDE, services.clock()
        )
    kit.tell(
        client,
        body,
        f"Thank you! No more reminders about {name}. Your content advisor confirms it.",
    )


def _confirm(services: Services, body: dict[str, Any], client: WebClient) -> None:
    found = record_id(kit.value(body))
    with transaction(services.sessions) as session:
        row = session.get(StepPace, found) if found is not None else None
        team = get_team(session, row.team_id) if row is not None else None
        who = access.viewer(session, body["user"]["id"], services.settings.staff_ids)
        if (
            row is None
            or team is None
            or not access.may_on_team(who, access.Action.RESPOND_TO_SILENCE, team)
        ):
            raise Refusal(ADVISOR_ONLY)
        confirm(session, row.id, who.user_id, services.clock())
        name = step_named(scope.program(services), team.track, row.step) or "the step"
        members = [team.mentor.slack_id, team.protege.slack_id]
    kit.tell(client, body, f"Confirmed: {name} was done outside Slack. Thank you!")
    _republish(services, client, members)  # their checklist counts it done now
