"""The spring program evaluation survey: `/mentor survey`, its "Take the survey" button (in
the DM and on the Home tab) and the modal's submission.

Every button and submission re-loads the team and asks `bot.access` again (FILE_TEAM_FORM):
the modal's private_metadata only says which team is meant.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import access
from bot.access import Refusal
from bot.across import scope
from bot.platform.services import Services
from bot.slack.commands import Subcommand
from bot.slack.fields import FieldErrors, record_id, selected, text
from bot.survey import rules as domain
from bot.survey import views
from handlers import kit
from handlers.commands import Answer, CommandContext, CommandRouter
from storage.db import transaction
from storage.models import Team
from storage.people import get_team, teams_of_member
from storage.survey import answered

log = logging.getLogger(__name__)
Action = access.Action
NOT_YOURS = "The survey is for the mentor and protégé of the team. Type `/mentor help`."


def register(app: App, services: Services, router: CommandRouter) -> None:
    router.add(
        Subcommand(
            "survey",
            "/mentor survey",
            "the spring program evaluation survey (mentors and protégés)",
            Action.YEAR_FORMS,
        ),
        lambda ctx: _command(services, ctx),
    )
    app.action(views.SURVEY_OPEN)(kit.button(lambda body, client: _open(services, body, client)))
    app.view(views.SURVEY_CALLBACK)(
        kit.submission(
            lambda ack, body, client: _submit(services, ack, body, client),
            field=next(iter(domain.RATING_QUESTIONS)),
        )
    )


def _command(services: Services, ctx: CommandContext) -> Answer | None:
    with services.sessions() as session:
        teams = teams_of_member(session, ctx.who.user_id, scope.program(services).id)
        if not teams:
            return kit.say("The survey is for mentors and protégés on a team this year.")
        team = teams[0]
        refusal = _refusal(session, services, team, ctx.who.user_id)
        if refusal:
            return kit.say(refusal)
        partner = _partner(team, ctx.who.user_id)
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=views.survey_modal(team.id, partner))
    return None


def _open(services: Services, body: dict[str, Any], client: WebClient) -> None:
    user = body["user"]["id"]
    with services.sessions() as session:
        team_id = record_id(kit.value(body))
        team = get_team(session, team_id) if team_id is not None else None
        if team is None:
            raise Refusal(NOT_YOURS)
        refusal = _refusal(session, services, team, user)
        if refusal:
            raise Refusal(refusal)
        partner = _partner(team, user)
    kit.show(client, body, views.survey_modal(team.id, partner))


def _submit(services: Services, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    view, user = body["view"], body["user"]["id"]
    ratings, comments = _read(view.get("state", {}).get("values", {}))
    with transaction(services.sessions) as session:
        team_id = kit.metadata(body, stale=NOT_YOURS).team
        team = get_team(session, team_id) if team_id is not None else None
        if team is None or not _member(session, services, team, user):
            raise Refusal(NOT_YOURS)
        fresh = domain.take_answers(
            session, scope.program(services), team, user, ratings, comments, services.clock()
        )
    if not fresh:
        raise Refusal(views.already_answered_text())
    # Its survey button goes once answered: kit.submission republishes the Home tab.
    ack(response_action="update", view=views.thanks_view())


def _read(state: dict[str, Any]) -> tuple[dict[str, int], str]:
    """The ratings and comments, or every field's error at once."""
    values = {name: selected(state, name) for name in domain.RATING_QUESTIONS}
    errors = {
        name: "Please choose a rating from 1 to 5."
        for name, value in values.items()
        if value is None or value not in {"1", "2", "3", "4", "5"}
    }
    comments = text(state, views.COMMENTS)
    if len(comments) > domain.COMMENTS_MAX:
        errors[views.COMMENTS] = f"Please keep comments under {domain.COMMENTS_MAX:,} characters."
    if errors:
        raise FieldErrors(errors)
    return domain.parse_ratings(values), comments


def _member(session: Session, services: Services, team: Team, user: str) -> bool:
    who = access.viewer(session, user, services.settings.staff_ids)
    return access.may_on_team(who, Action.FILE_TEAM_FORM, team)


def _refusal(session: Session, services: Services, team: Team, user: str) -> str | None:
    """Why this person cannot take the survey for this team now, or None."""
    if not _member(session, services, team, user):
        who = access.viewer(session, user, services.settings.staff_ids)
        return access.closed_refusal(who, team) or NOT_YOURS
    closed = domain.closed_because(scope.program(services), team.track, services.today())
    if closed is not None:
        return closed
    if (team.id, user) in answered(session, [team.id]):
        return views.already_answered_text()
    return None


def _partner(team: Team, user: str) -> str:
    return team.protege.slack_id if team.mentor.slack_id == user else team.mentor.slack_id
