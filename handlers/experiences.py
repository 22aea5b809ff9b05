"""Structured experiences in Slack: `/mentor experience [N] [@partner]`, the buttons in the DMs
between protégé and mentor, and the three modals (submission, Mentor Comment Form, "let's
discuss").

Every button and submission re-loads the team and asks `bot.access` again: a button's value
and a modal's private_metadata only say which record is meant. The small helpers at the end
are shared with the report and progress listeners.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import access
from bot.access import Refusal
from bot.accounts import direct
from bot.accounts.direct import dm
from bot.across import scope
from bot.experiences import form, views
from bot.experiences import rules as domain
from bot.experiences.rules import ExperienceState
from bot.platform import scopes
from bot.platform.services import Services
from bot.slack.blocks import numbered
from bot.slack.commands import Subcommand
from handlers import kit
from handlers.commands import Answer, CommandContext, CommandRouter
from handlers.kit import command_team, filing_team, ids, replace, show, thanks_view
from storage.db import transaction
from storage.experiences import ExperienceStatus
from storage.models import Team
from storage.people import get_team

log = logging.getLogger(__name__)
Action = access.Action


def register(app: App, services: Services, router: CommandRouter) -> None:
    flows = _Experiences(services)
    router.add(
        Subcommand(
            "experience",
            "/mentor experience [1-4] [@partner]",
            "submit a structured experience, or write its Mentor Comment Form",
            Action.YEAR_FORMS,
        ),
        flows.command,
    )
    # numbered(): one row of the Home tab may hold several of these buttons.
    app.action(numbered(views.SUBMIT_OPEN))(kit.button(flows.open_submission))
    app.action(numbered(views.COMMENT_OPEN))(kit.button(flows.open_comment))
    app.action(numbered(views.REVIEW_OPEN))(kit.button(flows.open_review))
    app.action(views.AGREE)(kit.button(flows.agree))
    app.action(views.DISCUSS_OPEN)(kit.button(flows.open_discuss))
    app.action(views.OTHER_APPROVE)(kit.button(flows.approve_other))
    app.view(views.SUBMIT_CALLBACK)(kit.submission(flows.submit))
    app.view(views.COMMENT_CALLBACK)(kit.submission(flows.comment))
    app.view(views.DISCUSS_CALLBACK)(kit.submission(flows.discuss))


class _Experiences(scope.Scoped):
    def __init__(self, services: Services) -> None:
        self.services = services

    # --- /mentor experience ----------------------------------------------------------------
    def command(self, ctx: CommandContext) -> Answer | None:
        numbers = ctx.parsed.numbers
        user = ctx.who.user_id
        today = self.services.today()
        with self.services.sessions() as session:
            team = command_team(session, self.services, ctx)
            role = "protege" if team.protege.slack_id == user else "mentor"
            states = domain.states_of(session, self.program, team)
            if numbers and numbers[0] not in {s.number for s in states}:
                raise Refusal(_no_such(numbers[0], states))
            target = _pick(states, role, numbers[0] if numbers else None)
            if target is None:
                covered = self._coverage(session, team)
                return views.overview_message(self.program, states, team.id, role, today, covered)
            view = self._view_for(session, team, target, role, _files(ctx.client, role))
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
        return None

    def _view_for(
        self, session: Session, team: Team, state: ExperienceState, role: str, files: bool
    ) -> dict[str, Any]:
        today = self.services.today()
        status = state.status
        if status is ExperienceStatus.AGREED:
            raise Refusal(_done_text(state, team))
        if role == "protege":
            if status is ExperienceStatus.COMMENTED:
                return views.review_modal(self.program, state, team.id, team.mentor.slack_id, today)
            return views.submission_modal(
                self.program,
                state,
                team.id,
                team.mentor.slack_id,
                today,
                self._coverage(session, team),
                files=files,
            )
        if status is None:
            raise Refusal(
                f"Experience {state.number} has not been submitted yet. The Mentor Comment "
                f"Form opens when <@{team.protege.slack_id}> sends it; you will get a message."
            )
        return views.comment_modal(
            self.program, state, team.id, team.protege.slack_id, team.area, today
        )

    def _coverage(self, session: Session, team: Team) -> domain.Coverage | None:
        if not domain.allows_extras(self.program, team.track):
            return None
        return domain.team_coverage(session, self.program, team)

    def _about(self, team: Team, number: int, part: str) -> direct.About:
        return direct.about_step(self.program, team.id, team.track, domain.EXPERIENCE, number, part)

    # --- buttons ---------------------------------------------------------------------------

    def _button_state(
        self, session: Session, body: dict[str, Any], role: str
    ) -> tuple[Team, ExperienceState]:
        team_id, number = ids(body, 2)
        team = filing_team(session, self.services, body["user"]["id"], team_id, role)
        states = domain.states_of(session, self.program, team)
        state = next((s for s in states if s.number == number), None)
        if number == 0:  # "the next one": year two's extra experiences
            state = _pick(states, role, None)
        if state is None:
            raise Refusal(_no_such(number, states) if number else "Nothing is waiting for you.")
        return team, state

    def open_submission(self, body: dict[str, Any], client: WebClient) -> None:
        with self.services.sessions() as session:
            team, state = self._button_state(session, body, "protege")
            view = self._view_for(session, team, state, "protege", _files(client, "protege"))
        show(client, body, view)

    def open_comment(self, body: dict[str, Any], client: WebClient) -> None:
        with self.services.sessions() as session:
            team, state = self._button_state(session, body, "mentor")
            view = self._view_for(session, team, state, "mentor", False)
        show(client, body, view)

    def open_review(self, body: dict[str, Any], client: WebClient) -> None:
        with self.services.sessions() as session:
            team, state = self._button_state(session, body, "protege")
            if state.status is not ExperienceStatus.COMMENTED:
                raise Refusal(_status_text(state, team))
            view = views.review_modal(
                self.program, state, team.id, team.mentor.slack_id, self.services.today()
            )
        show(client, body, view)

    def agree(self, body: dict[str, Any], client: WebClient) -> None:
        team_id, number, comment_id = ids(body, 3)
        now = self.services.clock()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, body["user"]["id"], team_id, "protege")
            domain.agree(session, team, number, comment_id, body["user"]["id"], now)
            mentor, protege = team.mentor.slack_id, team.protege.slack_id
            when = f"{now.astimezone(self.program.tz):%a, %b %-d}"  # agreed now
            step = self._about(team, number, domain.COMMENT)
        done = views.done_message(
            number, f"Signed by <@{mentor}> (mentor) and <@{protege}> (protégé), {when}."
        )
        replace(client, body, *done)
        agreed = views.agreed_message(number, protege, mentor, when)
        direct.news(self.services, client, mentor, *agreed, step)

    def open_discuss(self, body: dict[str, Any], client: WebClient) -> None:
        team_id, number, comment_id = ids(body, 3)
        with self.services.sessions() as session:
            team = filing_team(session, self.services, body["user"]["id"], team_id, "protege")
            state = domain.state_of(session, self.program, team, number)
            if state.status is not ExperienceStatus.COMMENTED or (
                state.comment is None or state.comment.id != comment_id
            ):
                raise Refusal(_status_text(state, team))
            view = views.discuss_modal(team.id, number, comment_id, team.mentor.slack_id)
        show(client, body, view)

    # --- submissions -----------------------------------------------------------------------

    def submit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view, user = body["view"], body["user"]["id"]
        team_id, n = kit.metadata(body).need("team", "n")
        now, today = self.services.clock(), self.services.today()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, user, team_id, "protege")
            state = domain.state_of(session, self.program, team, n)
            slot = state.slot
            entry = form.parse_submission(
                view["state"]["values"],
                self.program,
                has_slot=slot is not None,
                slot_is_other=slot is not None and slot.selection is None,
                needs_focus=domain.allows_extras(self.program, team.track),
            )
            revised = state.record is not None
            domain.submit(session, self.program, team, n, entry, user, now)
            state = domain.state_of(session, self.program, team, n)
            message = views.submitted_message(
                self.program, state, team.id, team.protege.slack_id, today, revised
            )
            mentor = team.mentor.slack_id
            step = self._about(team, n, domain.COMMENT)
            to_approve = None
            if team.advisor is not None and domain.awaiting_approval(session, team, n):
                changed = domain.approved_before(session, team, n)
                to_approve = views.approval_message(
                    self.program, state, team.id, user, mentor, changed=changed
                )
                advisor = team.advisor.slack_id
        ack(
            response_action="update",
            view=thanks_view(
                f"Experience {n}",
                f"Thanks! Experience {n} is with your mentor <@{mentor}> now, for the "
                "Mentor Comment Form. You'll get a message when it's ready.",
            ),
        )
        dm(self.services, client, mentor, *message, about=step)
        if to_approve is not None:
            dm(self.services, client, advisor, *to_approve)

    def approve_other(self, body: dict[str, Any], client: WebClient) -> None:
        """The content advisor (or staff) approves an experience of the team's own design, in
        the version their message showed."""
        # "team:number:submission"; a message sent before approvals named the version has no
        # submission: it is shown again as the experience stands, to approve that.
        team_id, number, seen = ids(body, 3) if kit.value(body).count(":") == 2 else (0, 0, 0)
        if not seen:
            team_id, number = ids(body, 2)
        user = body["user"]["id"]
        with transaction(self.services.sessions) as session:
            team = get_team(session, team_id)
            who = access.viewer(session, user, self.services.settings.staff_ids)
            if team is None or not access.may_on_team(who, Action.APPROVE_PLAN, team):
                refusal = team and access.own_team_refusal(who, Action.APPROVE_PLAN, team)
                raise Refusal(
                    refusal
                    or "Only the team's content advisor or program staff approve its experiences."
                )
            counts = seen and domain.approve_other(
                session, team, number, seen, user, self.services.clock()
            )
            protege = team.protege.slack_id
            step = self._about(team, number, domain.SEND)
            again = None
            if not counts and domain.awaiting_approval(session, team, number):
                state = domain.state_of(session, self.program, team, number)
                again = views.approval_message(
                    self.program, state, team.id, protege, team.mentor.slack_id, changed=bool(seen)
                )
        if again is not None:  # the version they saw is not the one that stands now
            replace(client, body, *again)
            return
        done = views.approved_message(number, user)
        replace(client, body, *done)
        direct.news(self.services, client, protege, *done, step)

    def comment(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view, user = body["view"], body["user"]["id"]
        team_id, n, sub = kit.metadata(body).need("team", "n", "sub")
        now, today = self.services.clock(), self.services.today()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, user, team_id, "mentor")
            entry = form.parse_comment(view["state"]["values"], self.program, today)
            domain.file_comment(session, team, n, sub, entry, user, now)
            state = domain.state_of(session, self.program, team, n)
            message = views.review_message(self.program, state, team.id, user, today)
            protege = team.protege.slack_id
            step = self._about(team, n, domain.FILE)
        ack(
            response_action="update",
            view=thanks_view(
                "Mentor Comment Form",
                f"Thanks! <@{protege}> has your Mentor Comment Form for Experience "
                f"{n}, to agree to or to talk over with you.",
            ),
        )
        dm(self.services, client, protege, *message, about=step)

    def discuss(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view, user = body["view"], body["user"]["id"]
        team_id, n, comment_id = kit.metadata(body).need("team", "n", "comment")
        now = self.services.clock()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, user, team_id, "protege")
            note = form.parse_note(view["state"]["values"])
            domain.ask_to_discuss(session, team, n, comment_id, note or None, user, now)
            mentor = team.mentor.slack_id
            step = self._about(team, n, domain.COMMENT)
        ack(
            response_action="update",
            view=thanks_view(
                "Let's discuss",
                f"Thanks! <@{mentor}> will talk it over with you and send the Mentor Comment "
                "Form again.",
            ),
        )
        asked = views.discuss_message(team_id, n, user, note or None)
        dm(self.services, client, mentor, *asked, about=step)


# --- choosing what to open ---------------------------------------------------------------------


def _pick(states: list[ExperienceState], role: str, number: int | None) -> ExperienceState | None:
    if number is not None:
        return next(s for s in states if s.number == number)
    mine: tuple[ExperienceStatus | None, ...]
    if role == "protege":
        mine = (None, ExperienceStatus.COMMENTED)
    else:
        mine = (ExperienceStatus.SUBMITTED, ExperienceStatus.DISCUSS)
    return next((s for s in states if s.status in mine), None)


def _no_such(number: int, states: list[ExperienceState]) -> str:
    have = ", ".join(str(s.number) for s in states)
    return f"There is no Experience {number} for your team. Your experiences are {have}."


def _done_text(state: ExperienceState, team: Team) -> str:
    return (
        f"Experience {state.number} is done: <@{team.mentor.slack_id}> and "
        f"<@{team.protege.slack_id}> both signed it. Thank you!"
    )


def _status_text(state: ExperienceState, team: Team) -> str:
    if state.status is ExperienceStatus.AGREED:
        return _done_text(state, team)
    if state.status is ExperienceStatus.DISCUSS:
        return (
            f"Experience {state.number} is back with <@{team.mentor.slack_id}> to talk over; "
            "you'll get the Mentor Comment Form again."
        )
    if state.status is ExperienceStatus.COMMENTED:
        return (
            "Your mentor revised the Mentor Comment Form since this message. Please look at "
            "the latest version (`/mentor experience`)."
        )
    return (
        f"There is no Mentor Comment Form for Experience {state.number} yet: your mentor files "
        "it after you submit the experience."
    )


# --- helpers shared by the listeners of issue 5's forms ---------------------------------------


def _files(client: WebClient, role: str) -> bool:
    """Whether the protégé's form may offer Slack's file input (the token reads files)."""
    return role == "protege" and scopes.granted(client, scopes.FILES_READ)
