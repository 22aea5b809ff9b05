"""The completion summary's button: the summary sent again as a file to keep."""

from __future__ import annotations

import functools
import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import access
from bot.access import Refusal
from bot.across import scope
from bot.completion.rules import summary_of
from bot.completion.views import DOWNLOAD, summary_file
from bot.platform.services import Services
from bot.slack.fields import record_id
from bot.status.rules import program_standings
from handlers import kit
from handlers.commands import CommandRouter
from storage.people import find_person, get_team

log = logging.getLogger(__name__)
NOT_YOURS = "This summary is for the team's members, its content advisor and program staff."


def register(app: App, services: Services, router: CommandRouter) -> None:
    app.action(DOWNLOAD)(kit.button(functools.partial(_send_file, services)))


def _send_file(services: Services, body: dict[str, Any], client: WebClient) -> None:
    team_id = record_id(kit.value(body))
    with services.sessions() as session:
        who = access.viewer(session, body["user"]["id"], services.settings.staff_ids)
        team = get_team(session, team_id) if team_id is not None else None
        if team is None or not access.may_on_team(who, access.Action.READ_TEAM, team):
            raise Refusal(NOT_YOURS)
        [standing] = program_standings(session, scope.program(services), [team], services.today())
        if not standing.complete:
            raise Refusal("This team has not completed every step of its track yet.")
        summary = summary_of(scope.program(services), team, standing.statuses)
        # Who confirmed a step done outside Slack is named too (the advisor, or staff).
        confirmers = [
            find_person(session, s.outside.confirmed_by) for s in summary.steps if s.outside
        ]
        people = (team.mentor, team.protege, team.advisor, *confirmers)
        names = {p.slack_id: p.name for p in people if p is not None and p.name}
    try:
        channel = client.conversations_open(users=who.user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            content=summary_file(summary, names),
            filename=f"completion-summary-team{summary.team_id}.txt",
            title=f"{summary.program_name} completion summary",
            initial_comment="Your completion summary, to keep.",
        )
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("could not send the completion summary file: %s", type(exc).__name__)
        kit.tell(client, body, "Sorry, I could not send the file. Please try again.")
