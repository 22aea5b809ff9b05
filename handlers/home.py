"""Where things stand: `/mentor progress [@someone]`, the "See where they stand" button of the
advisor's overdue notice, and the Home tab.

Members see their own team's checklist with their next step; a content advisor sees the
teams they advise; staff (and advisors) can name anyone's team. Every team shown is checked
with READ_TEAM.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from bot import access
from bot.access import Refusal
from bot.across.lookup import asker_services
from bot.advisor.duties import step_rows
from bot.advisor.views import home_steps_blocks
from bot.experiences.rules import allows_extras, team_coverage
from bot.experiences.views import coverage_line
from bot.home import views as home_views
from bot.home.reply import TeamNext, dm_reply_message
from bot.platform.services import Services
from bot.program import Program
from bot.reports.views import VISIT_OPEN
from bot.slack.blocks import Block, context, header
from bot.slack.commands import Subcommand
from bot.slack.replies import dm
from bot.status import progress as views
from bot.status import rules as status_domain
from bot.status.deliverables import (
    DeliverableStatus,
    deliverables_for,
    upcoming_meetings,
)
from bot.status.step_handlers import NextAction
from bot.survey import rules as survey
from bot.survey.views import SURVEY_OPEN
from bot.teams import views as team_views
from bot.teams.welcome import CONTACT_OPEN
from bot.years.lookup import services_for_year
from bot.years.views import EarlierTeam, earlier_years_blocks
from handlers import kit, logs, pace
from handlers.after_ack import after_ack, after_ack_once
from handlers.commands import Answer, CommandContext, CommandRouter
from handlers.kit import ids, reading_team, show
from handlers.silence import partner_button
from handlers.status import request_report
from storage.logs import last_contact_dates
from storage.models import Role, Team
from storage.people import active_teams, granted_holders, teams_of_member
from storage.survey import answered
from storage.teams import active_teams_of
from storage.years import closed_teams_of

log = logging.getLogger(__name__)
Action = access.Action
MAX_CHECKLISTS = 3  # one message holds at most 50 blocks
EARLIER_TEAMS = 3  # the Home tab's links to closed years' teams
# a staff button of the Home tab, called once the access rule is re-checked
StaffAction = Callable[[Services, dict[str, Any], WebClient, access.Viewer], None]


def register(app: App, services: Services, router: CommandRouter) -> None:
    progress = _Progress(services)
    router.add(
        Subcommand(
            "progress",
            "/mentor progress [@someone]",
            "where a team stands: each deliverable with its status and due date",
            Action.SEE_PROGRESS,
            earlier_years=True,
        ),
        progress.command,
    )
    app.action(views.PROGRESS_OPEN)(kit.button(progress.open_team))
    app.event("app_home_opened")(progress.home)
    app.event("message")(progress.direct_message)
    app.action(home_views.HOME_PAIR)(_staff_button(services, _open_pair))
    app.action(home_views.HOME_IMPORT)(_staff_button(services, _open_import))
    app.action(home_views.HOME_REPORT)(_staff_button(services, _export))
    app.use(_AfterFiling(services))


class _AfterFiling(Middleware):
    """Every form filed republishes the filer's Home tab after the ack (`kit.submission`
    calls it), so what they just did shows at once. One republish waiting for a person
    covers every filing before it starts: a burst of forms publishes their Home once or
    twice, not once per form. (A bolt Middleware rather than a function, which bolt would
    call with every argument it could name built anew on each request.)"""

    def __init__(self, services: Services) -> None:
        self.services = services

    def republish(self, client: WebClient, user: str) -> None:
        after_ack_once(f"home:{user}", republish_home, self.services, client, [user])

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        req.context[kit.AFTER_FILING] = self.republish
        next()
        return resp


class _Progress:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.program: Program = services.program

    def command(self, ctx: CommandContext) -> Answer | None:
        if ctx.services is not self.services:  # an earlier year's, asked with `--year`
            return _Progress(ctx.services).command(ctx)
        user, today = ctx.who.user_id, self.services.today()
        with self.services.sessions() as session:
            if ctx.parsed.mentions:
                teams = self._named_teams(session, user, ctx.parsed.mentions[0])
                return self._checklists(session, teams, user, today)
            own = self._own(session, user)
            if own:
                return self._checklists(session, own, user, today)
            advised = [
                t
                for t in active_teams_of(session, user, self.program.id)
                if t.advisor is not None and t.advisor.slack_id == user
            ]
            if advised:
                return self._team_list(session, advised, today)
        return views.pick_someone_message("/mentor progress")

    def open_team(self, body: dict[str, Any], client: WebClient) -> None:
        (team_id,) = ids(body, 1)
        user, today = body["user"]["id"], self.services.today()
        with self.services.sessions() as session:
            team = reading_team(session, self.services, user, team_id)
            builder = self
            if team.program_id != self.program.id:  # another program's, or a closed year's
                running = self.services.only(team.program_id)
                builder = _Progress(running or services_for_year(self.services, team.program_id))
                today = builder.services.today()
            blocks = builder.team_blocks(session, team, user, today)
        show(client, body, views.progress_modal(blocks))

    def home(self, event: dict[str, Any], client: WebClient) -> None:
        """The Home tab: each person's dashboard for their role."""
        user = event.get("user")
        if not user or event.get("tab", "home") != "home":
            return
        with self.services.sessions() as session:
            who = access.viewer(session, user, self.services.settings.staff_ids)
        if who.is_staff:
            # The program summary reads every team: built after the 200, so a large program
            # never makes Slack resend the event.
            after_ack(republish_home, self.services, client, [user])
            return
        republish_home(self.services, client, [user])

    def direct_message(self, event: dict[str, Any], client: WebClient) -> None:
        """Someone typed to the bot in its Messages tab: say nobody reads it, and what to do."""
        user = event.get("user")
        # Only people's own new messages in the bot's DM; never the bot's own or edits.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if not user:
            return
        with self.services.sessions() as session:
            who = access.viewer(session, user, self.services.settings.staff_ids)
        services = asker_services(self.services, who)
        if services is not self.services:  # a member of another program than the first
            _Progress(services).direct_message(event, client)
            return
        today = self.services.today()
        with self.services.sessions() as session:
            teams = teams_of_member(session, user, self.program.id)
            found = deliverables_for(session, self.program, teams, today) if teams else {}
            mine = [
                TeamNext(
                    team.id,
                    team.protege.slack_id
                    if _role(team, user) == "mentor"
                    else team.mentor.slack_id,
                    views.next_action(
                        self.program, found[team.id], _role(team, user), team.id, today
                    ),
                    team.advisor.slack_id if team.advisor else None,
                )
                for team in teams
            ]
        text, blocks = dm_reply_message(mine, self.services.settings.staff_ids)
        dm(client, user, text, blocks)

    def _team_next(
        self, team: Team, user: str, statuses: Sequence[DeliverableStatus], today: date
    ) -> TeamNext:
        role = _role(team, user)
        partner = team.protege if role == "mentor" else team.mentor
        return TeamNext(
            team.id,
            partner.slack_id,
            self._next(statuses, team, user, today),
            team.advisor.slack_id if team.advisor else None,
        )

    def _next(
        self, statuses: Sequence[DeliverableStatus], team: Team, user: str, today: date
    ) -> NextAction | None:
        return views.next_action(self.program, statuses, _role(team, user), team.id, today)

    # --- building --------------------------------------------------------------------------

    def home_blocks(self, session: Session, who: access.Viewer, today: date) -> list[Block]:
        user = who.user_id
        blocks: list[Block] = []
        if who.is_staff:  # every program's summary, the staff buttons once
            for n, program in enumerate(self.services.programs):
                teams = active_teams(session, program.id)
                found = status_domain.program_standings(session, program, teams, today)
                summary = status_domain.summarize(program, found, today)
                blocks += home_views.staff_blocks(program, summary, budget=20, buttons=n == 0)
        own = self._own(session, user)[:MAX_CHECKLISTS]
        if own:
            blocks.append(header("Where things stand"))
        # each program's teams with its builder, in the programs' order
        for program in self.services.programs:
            mine = [team for team in own if team.program_id == program.id]
            if mine:
                blocks += self._of(mine[0]).member_blocks(session, mine, user, today)
        if Role.ADVISOR.value in who.roles:  # advises an active team (or holds the grant)
            blocks += self._advised_blocks(session, user, today, len(blocks))
        if not blocks:
            staff = sorted(
                {*self.services.settings.staff_ids, *granted_holders(session, Role.STAFF)}
            )
            blocks += home_views.no_team_blocks(self.program, staff)
        blocks += earlier_years_blocks(
            [
                EarlierTeam(year, t.id, t.mentor.slack_id, t.protege.slack_id)
                for year, t in closed_teams_of(session, user, EARLIER_TEAMS)
            ]
        )
        blocks += pace.home_section(session, self.services, who)
        blocks.append(context("Type `/mentor help` to see everything you can do."))
        return home_views.fit(blocks)

    def _advised_blocks(self, session: Session, user: str, today: date, used: int) -> list[Block]:
        """The teams the person advises, each program's apart (named when there are several),
        then the advisor's own steps of them all."""
        parts = []
        own_rows = []
        for program in self.services.programs:
            advised = [
                t
                for t in active_teams_of(session, user, program.id)
                if t.advisor is not None and t.advisor.slack_id == user
            ]
            if not advised:
                continue
            found = status_domain.program_standings(session, program, advised, today)
            contacts = last_contact_dates(session, [t.id for t in advised])
            rows = step_rows(session, program, advised, today)
            own_rows += [row for team in advised for row in rows[team.id]]
            parts.append((program, found, contacts))
        if not parts:
            return []
        own_steps = home_steps_blocks(own_rows, today)
        named = len(parts) > 1
        # The room left, shared by the programs; a program's name takes one block of its share.
        share = (home_views.HOME_BLOCKS - used - len(own_steps) - 1) // len(parts)
        budget = share - 1 if named else share
        blocks: list[Block] = []
        for program, found, contacts in parts:
            if named:
                blocks.append(context(f"*{program.name}*"))
            blocks += home_views.advisor_blocks(program, found, today, contacts, budget)
        return blocks + own_steps

    def member_blocks(
        self, session: Session, teams: Sequence[Team], user: str, today: date
    ) -> list[Block]:
        """A member's teams of this program on the Home tab, then its topic of the month."""
        blocks: list[Block] = []
        counted = status_domain.counted_statuses(session, self.program, teams, today)
        for team in teams:
            statuses = counted[team.id]
            shown = home_views.MemberTeam(
                heading=_heading(self.program, team),
                statuses=statuses,
                meetings=upcoming_meetings(self.program, team, today),
                next_action=views.next_action(
                    self.program, statuses, _role(team, user), team.id, today
                ),
                buttons=self._form_buttons(session, team, user, statuses, today),
                coverage_text=self._coverage_text(session, team),
            )
            blocks += home_views.member_blocks(self.program, shown, today)
            blocks += logs.home_blocks(session, self.program, team, user, today)
            blocks.append(partner_button(team.id))
        blocks += home_views.topic_blocks(self.program.topic_for(today.year, today.month), today)
        return blocks

    def _form_buttons(
        self,
        session: Session,
        team: Team,
        user: str,
        statuses: Sequence[DeliverableStatus],
        today: date,
    ) -> list[home_views.FormButton]:
        """The forms open now: the member's steps that are late or due within a month, then
        the standing ones (Contact Form, Visit Report, the survey while it is open)."""
        role = _role(team, user)
        if role is None:
            return []
        found: dict[tuple[str, str], home_views.FormButton] = {}
        near = [s for s in statuses if home_views.open_now(s, today)]
        for status in sorted(near, key=lambda s: s.effective_due):
            opener = views.opener_for(status, role, team.id)
            if opener is not None:
                key = (opener.action_id, opener.value)
                found.setdefault(key, home_views.FormButton(opener.label, *key))
        standing = [home_views.FormButton("Update my Contact Form", CONTACT_OPEN, "")]
        if role == "mentor":
            standing.append(home_views.FormButton("File a Visit Report", VISIT_OPEN, str(team.id)))
        open_now = survey.closed_because(self.program, team.track, today) is None
        if open_now and (team.id, user) not in answered(session, [team.id]):
            standing.append(home_views.FormButton("Program survey", SURVEY_OPEN, str(team.id)))
        for button_ in standing:
            found.setdefault((button_.action_id, button_.value), button_)
        return list(found.values())[:20]

    def _named_teams(self, session: Session, user: str, named: str) -> list[Team]:
        teams = teams_of_member(session, named, self.program.id)
        if not teams:
            raise Refusal(f"<@{named}> is not on a mentoring team this year.")
        who = access.viewer(session, user, self.services.settings.staff_ids)
        readable = [t for t in teams if access.may_on_team(who, Action.READ_TEAM, t)]
        if not readable:
            raise Refusal(
                "Only the team, its content advisor and program staff can see where a team "
                "stands. Type `/mentor progress` for your own."
            )
        return readable

    def _checklists(
        self, session: Session, teams: Sequence[Team], user: str, today: date
    ) -> Answer:
        parts = [
            (self._of(team).team_blocks(session, team, user, today), self._of(team).heading(team))
            for team in teams[:MAX_CHECKLISTS]
        ]
        rest = [self._of(team).heading(team) for team in teams[MAX_CHECKLISTS:]]
        return views.progress_message(self.program, parts, today, rest)

    def _own(self, session: Session, user: str) -> list[Team]:
        """The person's teams as mentor or protégé, in every program these services run."""
        return [t for p in self.services.programs for t in teams_of_member(session, user, p.id)]

    def _of(self, team: Team) -> _Progress:
        """The builder of the team's program (this one, unless the team is another running
        program's)."""
        if team.program_id == self.program.id:
            return self
        other = self.services.only(team.program_id)
        return self if other is None else _Progress(other)

    def heading(self, team: Team) -> views.TeamHeading:
        return _heading(self.program, team)

    def _team_list(self, session: Session, teams: Sequence[Team], today: date) -> Answer:
        statuses = status_domain.counted_statuses(session, self.program, teams, today)
        rows = []
        for team in teams:
            done, total, late = views.step_count(statuses[team.id])
            rows.append((_heading(self.program, team), done, total, late))
        rows.sort(key=lambda row: (-row[3], row[0].team_id))
        return views.team_list_message(rows, today)

    def team_blocks(self, session: Session, team: Team, user: str, today: date) -> list[Block]:
        """The whole year's checklist (`/mentor progress`, "See the whole year")."""
        statuses = status_domain.counted_statuses(session, self.program, [team], today)[team.id]
        return views.checklist_blocks(
            self.program,
            statuses,
            _heading(self.program, team),
            today,
            next_action=views.next_action(
                self.program, statuses, _role(team, user), team.id, today
            ),
            coverage_text=self._coverage_text(session, team),
            meetings=upcoming_meetings(self.program, team, today),
        )

    def _coverage_text(self, session: Session, team: Team) -> str | None:
        if not allows_extras(self.program, team.track):
            return None
        found = team_coverage(session, self.program, team)
        return coverage_line(found.covered, found.in_progress, found.missing)


def republish_home(services: Services, client: WebClient, user_ids: Sequence[str]) -> None:
    """Build and publish the Home tab of each person (after something it shows changed).
    A Slack failure is logged and never breaks the caller."""
    for user in dict.fromkeys(user_ids):
        try:
            with services.sessions() as session:
                who = access.viewer(session, user, services.settings.staff_ids)
                # their program's, when the deployment runs several
                builder = _Progress(asker_services(services, who))
                blocks = builder.home_blocks(session, who, builder.services.today())
            client.views_publish(user_id=user, view={"type": "home", "blocks": blocks})
        except (SlackApiError, SlackClientError, OSError):
            log.warning("could not publish the Home tab")


def _staff_button(services: Services, function: StaffAction) -> kit.Listener:
    """The staff buttons of the Home tab: re-check the access rule, then act (their refusals
    go to the presser's DM, beside the Home tab)."""

    def press(body: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        with services.sessions() as session:
            who = access.viewer(session, user, services.settings.staff_ids)
        function(services, body, client, who)

    return kit.button(press)


def _open_pair(
    services: Services, body: dict[str, Any], client: WebClient, who: access.Viewer
) -> None:
    if not access.may(who, Action.REGISTER_TEAMS):
        _dm(client, who.user_id, "Only program staff can register teams.")
        return
    view = team_views.pair_modal(services.programs, services.today(), None, None, None)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _open_import(
    services: Services, body: dict[str, Any], client: WebClient, who: access.Viewer
) -> None:
    if not access.may(who, Action.REGISTER_TEAMS):
        _dm(client, who.user_id, "Only program staff can import teams.")
        return
    client.views_open(trigger_id=body["trigger_id"], view=team_views.import_modal())


def _export(
    services: Services, body: dict[str, Any], client: WebClient, who: access.Viewer
) -> None:
    _dm(client, who.user_id, request_report(services, client, who))


def _dm(client: WebClient, user: str, text: str) -> None:
    client.chat_postMessage(channel=user, text=text)


def _heading(program: Program, team: Team) -> views.TeamHeading:
    try:
        area = program.area(team.area).name
    except KeyError:
        area = team.area
    try:
        track = program.track(team.track).name
    except KeyError:
        track = team.track
    return views.TeamHeading(
        team.id,
        team.mentor.slack_id,
        team.protege.slack_id,
        team.advisor.slack_id if team.advisor else None,
        area,
        track,
    )


def _role(team: Team, user: str) -> str | None:
    if team.protege.slack_id == user:
        return "protege"
    if team.mentor.slack_id == user:
        return "mentor"
    return None
