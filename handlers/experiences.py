"""Structured experiences in Slack: `/mentor experience [N] [@partner]`, the buttons in the DMs
between protégé and mentor, and the three modals (submission, Mentor Comment Form, "let's
discuss").

Every button and submission re-loads the team and asks `bot.access` again: a button's value
and a modal's private_metadata only say which record is meant. The small helpers at the end
are shared with the report and progress listeners.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from bot import access
from bot.experiences import form, views
from bot.experiences import rules as domain
from bot.experiences.rules import ExperienceState, StepRefused
from bot.platform.services import Services
from bot.slack.blocks import modal, numbered, section
from bot.slack.commands import Subcommand
from bot.slack.fields import FieldErrors
from bot.slack.replies import dm
from handlers.commands import Answer, CommandContext, CommandRouter
from storage.db import transaction
from storage.experiences import ExperienceStatus, experiences_of
from storage.models import Team
from storage.people import get_team, teams_of_member

log = logging.getLogger(__name__)
Action = access.Action
SORRY = "Sorry, something went wrong on our side. Please try again in a minute."
STALE = "This form is out of date. Please close it and open it again from the latest message."
ROLE_ONLY = {
    "protege": "Only the protégé of the team can do this.",
    "mentor": "Only the mentor of the team can do this.",
}


class Refusal(Exception):
    """A polite no to the person asking; nothing changes."""


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
    app.action(numbered(views.SUBMIT_OPEN))(button_listener(flows.open_submission))
    app.action(numbered(views.COMMENT_OPEN))(button_listener(flows.open_comment))
    app.action(numbered(views.REVIEW_OPEN))(button_listener(flows.open_review))
    app.action(views.AGREE)(button_listener(flows.agree))
    app.action(views.DISCUSS_OPEN)(button_listener(flows.open_discuss))
    app.view(views.SUBMIT_CALLBACK)(submission_listener(flows.submit))
    app.view(views.COMMENT_CALLBACK)(submission_listener(flows.comment))
    app.view(views.DISCUSS_CALLBACK)(submission_listener(flows.discuss))


class _Experiences:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.program = services.program

    # --- /mentor experience ----------------------------------------------------------------

    def command(self, ctx: CommandContext) -> Answer | None:
        numbers = [int(arg) for arg in ctx.parsed.args if arg.isascii() and arg.isdigit()]
        user = ctx.who.user_id
        today = self.services.today()
        try:
            with self.services.sessions() as session:
                team = command_team(session, self.services, ctx)
                role = "protege" if team.protege.slack_id == user else "mentor"
                states = domain.states_of(session, self.program, team)
                if numbers and numbers[0] not in {s.number for s in states}:
                    raise Refusal(_no_such(numbers[0], states))
                target = _pick(states, role, numbers[0] if numbers else None)
                if target is None:
                    covered = self._coverage(session, team)
                    return views.overview_message(
                        self.program, states, team.id, role, today, covered
                    )
                view = self._view_for(session, team, target, role)
        except (Refusal, StepRefused) as refusal:
            return answer(str(refusal))
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
        return None

    def _view_for(
        self, session: Session, team: Team, state: ExperienceState, role: str
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
        return domain.coverage(self.program, experiences_of(session, [team.id]))

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
            view = self._view_for(session, team, state, "protege")
        show(client, body, view)

    def open_comment(self, body: dict[str, Any], client: WebClient) -> None:
        with self.services.sessions() as session:
            team, state = self._button_state(session, body, "mentor")
            view = self._view_for(session, team, state, "mentor")
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
            record = domain.agree(session, team, number, comment_id, body["user"]["id"], now)
            mentor, protege = team.mentor.slack_id, team.protege.slack_id
            when = f"{record.agreed_at.astimezone(self.program.tz):%a, %b %-d}"
        done = views.done_message(
            number, f"Signed by <@{mentor}> (mentor) and <@{protege}> (protégé), {when}."
        )
        replace(client, body, *done)
        dm(client, mentor, *views.agreed_message(number, protege, mentor, when))

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
        meta = form.read_meta(view.get("private_metadata"))
        if meta is None:
            raise Refusal(STALE)
        now, today = self.services.clock(), self.services.today()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, user, meta.team_id, "protege")
            state = domain.state_of(session, self.program, team, meta.number)
            slot = state.slot
            entry = form.parse_submission(
                view["state"]["values"],
                self.program,
                has_slot=slot is not None,
                slot_is_other=slot is not None and slot.selection is None,
                needs_focus=domain.allows_extras(self.program, team.track),
            )
            revised = state.record is not None
            domain.submit(session, self.program, team, meta.number, entry, user, now)
            state = domain.state_of(session, self.program, team, meta.number)
            message = views.submitted_message(
                self.program, state, team.id, team.protege.slack_id, today, revised
            )
            mentor = team.mentor.slack_id
        ack(
            response_action="update",
            view=thanks_view(
                f"Experience {meta.number}",
                f"Thanks! Experience {meta.number} is with your mentor <@{mentor}> now, for the "
                "Mentor Comment Form. You'll get a message when it's ready.",
            ),
        )
        dm(client, mentor, *message)

    def comment(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view, user = body["view"], body["user"]["id"]
        meta = form.read_meta(view.get("private_metadata"), "sub")
        if meta is None:
            raise Refusal(STALE)
        now, today = self.services.clock(), self.services.today()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, user, meta.team_id, "mentor")
            entry = form.parse_comment(view["state"]["values"], self.program, today)
            assert meta.ref is not None
            domain.file_comment(session, team, meta.number, meta.ref, entry, user, now)
            state = domain.state_of(session, self.program, team, meta.number)
            message = views.review_message(self.program, state, team.id, user, today)
            protege = team.protege.slack_id
        ack(
            response_action="update",
            view=thanks_view(
                "Mentor Comment Form",
                f"Thanks! <@{protege}> has your Mentor Comment Form for Experience "
                f"{meta.number}, to agree to or to talk over with you.",
            ),
        )
        dm(client, protege, *message)

    def discuss(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view, user = body["view"], body["user"]["id"]
        meta = form.read_meta(view.get("private_metadata"), "comment")
        if meta is None:
            raise Refusal(STALE)
        now = self.services.clock()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, user, meta.team_id, "protege")
            note = form.parse_note(view["state"]["values"])
            assert meta.ref is not None
            domain.ask_to_discuss(session, team, meta.number, meta.ref, note or None, user, now)
            mentor = team.mentor.slack_id
        ack(
            response_action="update",
            view=thanks_view(
                "Let's discuss",
                f"Thanks! <@{mentor}> will talk it over with you and send the Mentor Comment "
                "Form again.",
            ),
        )
        dm(client, mentor, *views.discuss_message(meta.team_id, meta.number, user, note or None))


# --- choosing what to open ---------------------------------------------------------------------


def _pick(states: list[ExperienceState], role: str, number: int | None) -> ExperienceState | None:
    if number is not None:
        return next(s for s in states if s.number == number)
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


def answer(text: str) -> Answer:
    return text, [section(text)]


def thanks_view(title: str, text: str) -> dict[str, Any]:
    return modal("thanks", title, [section(text)], submit=None, close="Close")


def command_team(session: Session, services: Services, ctx: CommandContext) -> Team:
    """The team a member means: their own, or the one with the partner they mentioned."""
    user = ctx.who.user_id
    teams = teams_of_member(session, user, services.program.id)
    if not teams:
        raise Refusal(
            "You are not on a mentoring team this year, so there is nothing to file. Type "
            "`/mentor progress @someone` to see a team you follow."
        )
    mentions = ctx.parsed.mentions
    if mentions:
        for team in teams:
            if mentions[0] in (team.mentor.slack_id, team.protege.slack_id) and mentions[0] != user:
                return team
        raise Refusal(f"You don't have a mentoring team with <@{mentions[0]}>.")
    if len(teams) > 1:
        partners = ", ".join(f"<@{t.protege.slack_id}>" for t in teams)
        raise Refusal(
            f"You mentor {len(teams)} protégés ({partners}). Mention the one you mean, like "
            f"`/mentor {ctx.parsed.name} @name`."
        )
    return teams[0]


def filing_team(
    session: Session, services: Services, user_id: str, team_id: int, role: str | None
) -> Team:
    """The team, if `user_id` may file its forms in `role` ("mentor"/"protege"/None: either)."""
    team = get_team(session, team_id)
    who = access.viewer(session, user_id, services.settings.staff_ids)
    if team is None or not access.may_on_team(who, Action.FILE_TEAM_FORM, team):
        if team is not None and "member" in access.relation(who, team):
            raise Refusal("This team has ended, so its forms are closed.")
        raise Refusal(
            "This form belongs to a team you are not on. Type `/mentor progress` to see your own."
        )
    if role is not None and role not in access.relation(who, team):
        raise Refusal(ROLE_ONLY[role])
    return team


def reading_team(session: Session, services: Services, user_id: str, team_id: int) -> Team:
    team = get_team(session, team_id)
    who = access.viewer(session, user_id, services.settings.staff_ids)
    if team is None or not access.may_on_team(who, Action.READ_TEAM, team):
        raise Refusal(
            "Only the team, its content advisor and program staff can see this team's forms."
        )
    return team


def ids(body: dict[str, Any], count: int) -> tuple[int, ...]:
    """The ids in a button's value ("12:3"), or a refusal when they are not what we wrote."""
    raw = str((body.get("actions") or [{}])[0].get("value") or "")
    parts = raw.split(":")
    if len(parts) != count or not all(p.isascii() and p.isdigit() and len(p) < 10 for p in parts):
        raise Refusal("That button is out of date. Please use the latest message.")
    return tuple(int(p) for p in parts)


ButtonFunction = Callable[[dict[str, Any], WebClient], None]
SubmitFunction = Callable[[Ack, dict[str, Any], WebClient], None]


def button_listener(function: ButtonFunction) -> Callable[[Ack, dict[str, Any], WebClient], None]:
    """Ack at once, run the function, and answer a refusal or a failure politely."""

    def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            function(body, client)
        except (Refusal, StepRefused) as refusal:
            tell(client, body, str(refusal))
        except Exception:
            log.exception("button %s failed", (body.get("actions") or [{}])[0].get("action_id"))
            tell(client, body, SORRY)

    return listener


def submission_listener(function: SubmitFunction) -> SubmitFunction:
    """Field errors and refusals go back into the modal, which keeps what was typed."""

    def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        try:
            function(ack, body, client)
        except FieldErrors as errors:
            ack(response_action="errors", errors=errors.errors)
        except (Refusal, StepRefused) as refusal:
            ack(response_action="errors", errors={first_input(body["view"]): str(refusal)})
        except Exception:
            log.exception("submission %s failed", body["view"].get("callback_id"))
            ack(response_action="errors", errors={first_input(body["view"]): SORRY})

    return listener


def first_input(view: dict[str, Any]) -> str:
    """Where a refusal of the whole form is shown: its first input."""
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id"):
            return block["block_id"]
    return "summary"


def tell(client: WebClient, body: dict[str, Any], message: str) -> None:
    """A short answer to a button: ephemeral in a conversation, a small modal over a modal."""
    try:
        if body.get("view"):
            client.views_push(
                trigger_id=body["trigger_id"],
                view=modal("notice", "Mentor bot", [section(message)], submit=None, close="OK"),
            )
        else:
            client.chat_postEphemeral(
                channel=(body.get("container") or {}).get("channel_id")
                or (body.get("channel") or {}).get("id"),
                user=body["user"]["id"],
                text=message,
                blocks=[section(message)],
            )
    except (SlackApiError, SlackClientError, OSError, KeyError):
        log.warning("could not answer a button")


def show(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Open `view`, or push it when the button sits in a modal already."""
    if body.get("view"):
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def replace(client: WebClient, body: dict[str, Any], text: str, blocks: list[Any]) -> None:
    """Show the outcome where the button was: the DM is updated, or the modal is."""
    try:
        if body.get("view"):
            client.views_update(
                view_id=body["view"]["id"],
                view=modal("thanks", "Mentor bot", blocks, submit=None, close="Close"),
            )
        else:
            container = body.get("container") or {}
            client.chat_update(
                channel=container["channel_id"],
                ts=container["message_ts"],
                text=text,
                blocks=blocks,
            )
    except (SlackApiError, SlackClientError, OSError, KeyError):
        log.warning("could not update the message of a signed form")
