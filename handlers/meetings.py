"""Meeting attendance: the team card's "Record meeting attendance" button (content advisors
and staff) and its modal. Every press and submission asks `bot.access` again."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import access
from bot.access import Refusal
from bot.across import scope
from bot.meetings import rules as domain
from bot.meetings import views
from bot.platform.services import Services
from bot.slack.fields import selected
from handlers import kit
from handlers.commands import CommandRouter
from handlers.kit import ids, show, thanks_view
from storage.db import transaction
from storage.meetings import Attendance
from storage.models import Team
from storage.people import get_team

Action = access.Action
NOT_YOURS = "Only the team's content advisor or program staff record its meeting attendance."


def register(app: App, services: Services, router: CommandRouter) -> None:
    app.action(views.OPEN)(kit.button(lambda body, client: _open(services, body, client)))
    app.view(views.CALLBACK)(
        kit.submission(lambda ack, body, client: _submit(services, ack, body, client))
    )


def _team(session: Session, services: Services, user: str, team_id: int | None) -> Team:
    team = get_team(session, team_id) if team_id is not None else None
    who = access.viewer(session, user, services.settings.staff_ids)
    if team is None or not access.may_on_team(who, Action.RECORD_ATTENDANCE, team):
        own = team is not None and access.own_team_refusal(who, Action.RECORD_ATTENDANCE, team)
        raise Refusal(own or NOT_YOURS)
    return team


def _open(services: Services, body: dict[str, Any], client: WebClient) -> None:
    (team_id,) = ids(body, 1)
    with services.sessions() as session:
        team = _team(session, services, body["user"]["id"], team_id)
        meetings = domain.meetings_of(session, scope.program(services), team)
    if not meetings:
        raise Refusal("This team's calendar has no meetings to record.")
    show(client, body, views.attendance_modal(team.id, meetings, services.today()))


def _submit(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    user, values = body["user"]["id"], kit.state(body)
    now = services.clock()
    with transaction(services.sessions) as session:
        team = _team(session, services, user, kit.metadata(body).team)
        for record in domain.meetings_of(session, scope.program(services), team):
            picked = selected(values, views.block_id(record.meeting.key))
            if picked is None:
                continue
            if picked not in {state.value for state in Attendance}:
                raise Refusal("Choose one of the answers.", views.block_id(record.meeting.key))
            domain.record_attendance(
                session,
                scope.program(services),
                team,
                record.meeting.key,
                Attendance(picked),
                user,
                now,
            )
    ack(response_action="update", view=thanks_view("Meeting attendance", "Thanks! Recorded."))
