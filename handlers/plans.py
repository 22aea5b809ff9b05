"""The initial meeting's forms in Slack: `/mentor focal`, `/mentor decisions`, `/mentor plan`,
the buttons that lead from one form to the next, and the content advisor's review.

Every button and submission re-loads the team or the plan and asks `bot.access` again:
a button's value and a modal's private_metadata only say which record is meant.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import access
from bot.access import Refusal
from bot.accounts import direct
from bot.accounts.direct import dm
from bot.across import scope
from bot.experiences.rules import EXPERIENCE, SEND
from bot.plans import checklists as cviews
from bot.plans import drafts, form
from bot.plans import rules as domain
from bot.plans import views as pviews
from bot.plans.rules import PlanRecord, TeamPeople
from bot.plans.step import DECISION_POINTS, FOCAL_POINTS, MENTORING_PLAN
from bot.platform.services import Services
from bot.program import Program, StepKind
from bot.slack import fields
from bot.slack.commands import Subcommand
from bot.slack.dates import human_date
from bot.slack.metadata import STALE_FORM
from bot.slack.text import typed
from handlers import kit
from handlers.commands import Answer, CommandContext, CommandRouter
from storage.accounts import held
from storage.db import transaction
from storage.models import Team
from storage.people import get_team, teams_of_member

log = logging.getLogger(__name__)
Action = access.Action

FORM_NAMES = {
    "focal": "Focal Points Checklist",
    "decisions": "Decision Points Checklist",
    "plan": "Individual Mentoring Plan",
}
# The first input of each modal: where a refusal of the whole form is shown.
FIRST_BLOCK = {
    "focal": form.need_block(0, 0, "moderate"),
    "decisions": form.concerned_block(0, 0),
    "decision_notes": form.top_block(1),
    "plan": form.selection_block(1),
}


def register(app: App, services: Services, router: CommandRouter) -> None:
    forms = _Forms(services)
    review = _Review(services)
    router.add(
        Subcommand(
            "focal",
            "/mentor focal [@member]",
            "the Focal Points Checklist, which the protégé rates",
            Action.INITIAL_FORMS,
        ),
        lambda ctx: forms.command(ctx, "focal"),
    )
    router.add(
        Subcommand(
            "decisions",
            "/mentor decisions [@member]",
            "the team's Decision Points Checklist",
            Action.INITIAL_FORMS,
        ),
        lambda ctx: forms.command(ctx, "decisions"),
    )
    router.add(
        Subcommand(
            "plan",
            "/mentor plan [@member]",
            "write, revise or review the Individual Mentoring Plan",
            Action.INITIAL_FORMS,
        ),
        lambda ctx: forms.command(ctx, "plan"),
    )
    app.action(re.compile(f"^{cviews.PICK_TEAM}_(focal|decisions|plan)$"))(kit.button(forms.pick))
    app.action(cviews.OPEN_DECISIONS)(kit.button(forms.button_opener("decisions")))
    app.action(cviews.OPEN_PLAN)(kit.button(forms.button_opener("plan")))
    app.action(pviews.SHOW_SELECTIONS)(kit.button(forms.show_selections))
    app.action(pviews.CHOOSE_SELECTION)(kit.button(forms.selection_chosen))
    app.view(cviews.FOCAL_CALLBACK)(kit.submission(forms.submit_focal, FIRST_BLOCK["focal"]))
    app.view(cviews.DECISIONS_CALLBACK)(
        kit.submission(forms.submit_decision_areas, FIRST_BLOCK["decisions"])
    )
    app.view(cviews.DECISION_NOTES_CALLBACK)(
        kit.submission(forms.submit_decisions, FIRST_BLOCK["decision_notes"])
    )
    app.action(cviews.FOCAL_DRAFT)(kit.button(forms.focal_draft))
    app.action(cviews.DECISIONS_DRAFT)(kit.button(forms.decisions_draft))
    app.action(cviews.DECISIONS_BACK)(kit.button(forms.decisions_back))
    app.view(pviews.PLAN_CALLBACK)(kit.submission(forms.submit_plan, FIRST_BLOCK["plan"]))
    app.action(pviews.REVIEW_RECEIVED)(kit.button(review.received))
    app.action(pviews.REVIEW_APPROVE)(kit.button(review.approve))
    app.action(pviews.REVIEW_RETURN)(kit.button(review.open_return))
    app.view(pviews.APPROVE_CALLBACK)(kit.submission(review.submit_approve))
    app.view(pviews.RETURN_CALLBACK)(
        kit.submission(review.submit_return, form.RETURN_COMMENT_BLOCK)
    )


# --- the team's forms ----------------------------------------------------------------------


class _Forms(scope.Scoped):
    def __init__(self, services: Services) -> None:
        self.services = services

    # /mentor focal | decisions | plan [@member]
    def command(self, ctx: CommandContext, which: str) -> Answer | None:
        who = ctx.who
        mentions = ctx.parsed.mentions
        with self.services.sessions() as session:
            teams = self._teams(session, who, mentions)
            if not teams:
                return self._no_team(session, who, mentions, which)
            mine = [t for t in teams if "member" in access.relation(who, t)]
            if len(teams) > 1:
                if len(mine) == len(teams):
                    people = [domain.team_people(self.program, t) for t in teams]
                    return cviews.team_chooser(which, FORM_NAMES[which], people)
                return kit.say(
                    f"<@{mentions[0]}> is on several teams: mention the protégé, "
                    f"`/mentor {which} @protégé`."
                )
            team = teams[0]
            scope.about(team.program_id)
            if not mine or (which == "focal" and "protege" not in access.relation(who, team)):
                return self._summary(session, who, team, which)
            problem = self._filing_problem(who, team, which)
            if problem:
                return kit.say(problem)
            view = self._form_view(session, team, which)
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
        return None

    def _teams(self, session: Session, who: access.Viewer, mentions: tuple[str, ...]) -> list[Team]:
        programs = [p.id for p in self.services.programs]  # a mentor's teams in any of them
        if not mentions:
            return [t for p in programs for t in teams_of_member(session, who.user_id, p)]
        found: dict[int, Team] = {}
        for user in mentions:
            for team in (t for p in programs for t in teams_of_member(session, user, p)):
                if access.may_on_team(who, Action.READ_TEAM, team):
                    found[team.id] = team
        return list(found.values())

    def _no_team(
        self, session: Session, who: access.Viewer, mentions: tuple[str, ...], which: str
    ) -> Answer:
        reviewer = "advisor" in who.roles or who.is_staff
        if mentions:
            return kit.say(f"I can't show you a team of <@{mentions[0]}>.")
        if which == "plan" and reviewer:
            return self._pending(session, who)
        if reviewer:
            return kit.say(
                f"Name a team member to see their {FORM_NAMES[which]}: `/mentor {which} @protégé`."
            )
        return kit.say(
            f"The {FORM_NAMES[which]} belongs to a mentoring team, and you are not on one. "
            "Type `/mentor help` for what you can do."
        )

    def _pending(self, session: Session, who: access.Viewer) -> Answer:
        """For an advisor or staff: the plans waiting for their decision."""
        waiting = []
        for plan in domain.pending_plans(session, self.program):
            team = get_team(session, plan.team_id)
            if team is not None and access.may_on_team(who, Action.APPROVE_PLAN, team):
                waiting.append((domain.team_people(self.program, team), plan))
        return pviews.pending_list(self.program, waiting, self.services.today())

    def _summary(self, session: Session, who: access.Viewer, team: Team, which: str) -> Answer:
        people = domain.team_people(self.program, team)
        today = self.services.today()
        if which == "focal":
            filing = domain.current_focal_points(session, team)
            filed = self._when(filing.filed_at, today) if filing else None
            return cviews.focal_points_summary(
                self.program, people, domain.ratings_of(filing), filed
            )
        if which == "decisions":
            decisions = domain.current_decision_points(session, team)
            draft = domain.filed_decisions(self.program, decisions) if decisions else None
            filed = self._when(decisions.filed_at, today) if decisions else None
            return cviews.decision_points_summary(self.program, people, draft, filed)
        plan = domain.current_plan(session, team)
        can_review = access.may_on_team(who, Action.APPROVE_PLAN, team)
        return pviews.plan_summary(self.program, people, plan, today, can_review)

    @staticmethod
    def _filing_problem(who: access.Viewer, team: Team, which: str) -> str | None:
        relation = access.relation(who, team)
        if closed := access.closed_refusal(who, team):
            return closed
        if "member" in relation and not access.may_on_team(who, Action.FILE_TEAM_FORM, team):
            return "This team's mentoring year has ended, so its forms are closed."
        if not access.may_on_team(who, Action.FILE_TEAM_FORM, team):
            return (
                f"The {FORM_NAMES[which]} can only be filled in by the team's mentor and protégé."
            )
        if which == "focal" and "protege" not in relation:
            return (
                f"The Focal Points Checklist is for the protégé, <@{team.protege.slack_id}>, "
                "to fill in. You see it with `/mentor focal` once it is filed."
            )
        return None

    def _form_view(self, session: Session, team: Team, which: str) -> dict[str, Any]:
        people = domain.team_people(self.program, team)
        today = self.services.today()
        if which == "focal":
            filing = domain.current_focal_points(session, team)
            filed = self._when(filing.filed_at, today) if filing else None
            kept = drafts.focal(session, self.program, team)
            if kept is not None:
                saved = self._when(kept.saved_at, today)
                return cviews.focal_points_modal(self.program, people, kept.ratings, filed, saved)
            return cviews.focal_points_modal(self.program, people, domain.ratings_of(filing), filed)
        if which == "decisions":
            decisions = domain.current_decision_points(session, team)
            filed = self._when(decisions.filed_at, today) if decisions else None
            draft = domain.decision_draft(session, self.program, team)
            return cviews.decision_points_modal(self.program, people, draft, filed)
        current = domain.current_plan(session, team)
        return pviews.plan_modal(
            self.program,
            people,
            current.slots if current else (),
            self._default_due(team),
            domain.top_concerns(domain.current_decision_points(session, team)),
            current,
            today,
        )

    def _default_due(self, team: Team) -> dict[int, date]:
        """The calendar's date for sending each experience to the mentor, where it has one."""
        found = {}
        for number in self.program.track(team.track).slot_semesters():
            send = self.program.step(team.track, EXPERIENCE, number, SEND)
            if send is not None:
                found[number] = send.due
        return found

    def _when(self, instant: datetime, today: date) -> str:
        return human_date(instant.astimezone(self.program.tz).date(), today)

    # buttons that open a form

    def pick(self, body: dict[str, Any], client: WebClient) -> None:
        which = body["actions"][0]["action_id"].rsplit("_", 1)[-1]
        self._open_from_button(body, client, which)

    def button_opener(self, which: str) -> Callable[..., None]:
        def open_form(body: dict[str, Any], client: WebClient) -> None:
            self._open_from_button(body, client, which)

        return open_form

    def _open_from_button(self, body: dict[str, Any], client: WebClient, which: str) -> None:
        user_id = body["user"]["id"]
        (team_id,) = kit.ids(body, 1)
        answer: Answer | None = None
        view: dict[str, Any] | None = None
        with self.services.sessions() as session:
            who = access.viewer(session, user_id, self.services.settings.staff_ids)
            team = get_team(session, team_id)
            if team is None or not access.may_on_team(who, Action.READ_TEAM, team):
                answer = kit.say("That team's forms are not yours to open.")
            elif which == "focal" and "protege" not in access.relation(who, team):
                answer = self._summary(session, who, team, which)
            else:
                problem = self._filing_problem(who, team, which)
                if problem:
                    answer = kit.say(problem)
                else:
                    view = self._form_view(session, team, which)
        if view is None:
            assert answer is not None  # no form to open: the reason why
            kit.tell(client, body, answer[0])
        elif body.get("container", {}).get("type") == "view":
            # From a confirmation modal: the next form takes its place.
            client.views_update(view_id=body["view"]["id"], view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)

    def show_selections(self, body: dict[str, Any], client: WebClient) -> None:
        client.views_push(trigger_id=body["trigger_id"], view=pviews.selections_modal(self.program))

    def selection_chosen(self, body: dict[str, Any], client: WebClient) -> None:
        """An experience chosen in the plan: its whole text shows under the choice (what
        was typed stays, Slack keeps inputs whose ids are unchanged). Program text only."""
        if not kit.in_modal(body):
            raise Refusal(kit.STALE_BUTTON)
        view, state = body["view"], kit.state(body)
        # The slots of any track's plan: the modal's own are among them.
        slots = {n for track in self.program.tracks for n in track.slot_semesters()}
        chosen = {n: fields.selected(state, form.selection_block(n)) for n in sorted(slots)}
        blocks = pviews.with_chosen_texts(self.program, view.get("blocks") or [], chosen)
        shown = {key: view[key] for key in _MODAL_KEYS if key in view}
        try:
            client.views_update(
                view_id=view["id"], hash=view.get("hash"), view=shown | {"blocks": blocks}
            )
        except SlackApiError:
            # A newer choice updated the modal first (hash_conflict): that one shows.
            log.info("a plan's chosen selection was not shown: the modal had changed")

    # submissions

    def _team_for_submission(
        self, session: Session, body: dict[str, Any], which: str
    ) -> tuple[Team | None, str | None]:
        """The team named by the modal, if the submitter may still file this form for it."""
        not_yours = f"This {FORM_NAMES[which]} is for a team you are not on."
        team_id = kit.metadata(body, stale=not_yours).team
        team = get_team(session, team_id) if team_id is not None else None
        who = access.viewer(session, body["user"]["id"], self.services.settings.staff_ids)
        if team is None or "member" not in access.relation(who, team):
            return None, not_yours
        return team, self._filing_problem(who, team, which)

    def submit_focal(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        now = self.services.clock()
        parsed = form.parse_focal_points(self.program, kit.state(body))
        with transaction(self.services.sessions) as session:
            team, problem = self._team_for_submission(session, body, "focal")
            if team is None or problem:
                raise Refusal(problem or "")
            revised = domain.current_focal_points(session, team) is not None
            domain.file_focal_points(session, self.program, team, parsed, user_id, now)
            people = domain.team_people(self.program, team)
        concerns = domain.concerns_by_area(self.program, parsed.ratings)
        areas = [form.area_name(self.program, key) for key in sorted(concerns)]
        count = sum(1 for rating in parsed.ratings.values() if rating in form.CONCERN_RATINGS)
        ack(response_action="update", view=cviews.focal_points_filed_view(people, areas, count))
        text, blocks = cviews.focal_points_filed_dm(self.program, people, parsed.ratings, revised)
        direct.news(
            self.services,
            client,
            people.mentor,
            text,
            blocks,
            _about(self.program, people, FOCAL_POINTS),
        )

    def submit_decision_areas(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """The first step: the ticked areas lead to their notes and the top four."""
        concerned = form.parse_decision_areas(self.program, kit.state(body))
        with transaction(self.services.sessions) as session:
            team, problem = self._team_for_submission(session, body, "decisions")
            if team is None or problem:
                raise Refusal(problem or "")
            draft = domain.decision_draft(session, self.program, team)
            people = domain.team_people(self.program, team)
            top = domain.top_guess(self.program, concerned, draft.ratings, draft.top)
            notes = {key: note for key, note in draft.notes.items() if key in concerned}
            # The ticks are kept at once: closing the second step does not lose them.
            kept = form.DecisionPointsForm(concerned, dict(notes), top)
            drafts.save_decisions(session, team, kept, body["user"]["id"], self.services.clock())
        view = cviews.decision_notes_modal(self.program, people, concerned, notes, top)
        ack(response_action="update", view=view)

    def submit_decisions(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        now = self.services.clock()
        concerned = self._shown_areas(body)
        parsed = form.parse_decision_points(self.program, kit.state(body), concerned)
        with transaction(self.services.sessions) as session:
            team, problem = self._team_for_submission(session, body, "decisions")
            if team is None or problem:
                raise Refusal(problem or "")
            revised = domain.current_decision_points(session, team) is not None
            filing = domain.file_decision_points(session, self.program, team, parsed, user_id, now)
            top = domain.top_concerns(filing)
            people = domain.team_people(self.program, team)
        partner = people.protege if user_id == people.mentor else people.mentor
        ack(
            response_action="update",
            view=cviews.decision_points_filed_view(people, top, partner),
        )
        text, blocks = cviews.decision_points_filed_dm(people, user_id, top, revised)
        step = _about(self.program, people, DECISION_POINTS)
        direct.news(self.services, client, partner, text, blocks, step)

    def _shown_areas(self, body: dict[str, Any]) -> frozenset[form.ItemKey]:
        """The areas ticked in the first step: those the second step shows a notes box for.
        A view without them is not the second step the app built."""
        blocks = body["view"].get("blocks") or []
        shown = form.shown_areas(self.program, {b.get("block_id", "") for b in blocks})
        if len(shown) < form.top_count(self.program):
            raise Refusal(STALE_FORM)
        return shown

    # "Save draft, finish later" (and "Change the ticked areas"): the modal stays open

    def _draft_team(self, body: dict[str, Any], which: str) -> tuple[Team, TeamPeople]:
        """The team whose draft a button in its form saves, if this person may file it."""
        (team_id,) = kit.ids(body, 1)
        with self.services.sessions() as session:
            who = access.viewer(session, body["user"]["id"], self.services.settings.staff_ids)
            team = get_team(session, team_id)
            if team is None or "member" not in access.relation(who, team):
                raise Refusal("That team's forms are not yours to open.")
            problem = self._filing_problem(who, team, which)
            if problem:
                raise Refusal(problem)
            if not kit.in_modal(body):
                raise Refusal(kit.STALE_BUTTON)
            return team, domain.team_people(self.program, team)

    def focal_draft(self, body: dict[str, Any], client: WebClient) -> None:
        team, people = self._draft_team(body, "focal")
        parsed = form.parse_focal_points(self.program, kit.state(body), draft=True)
        now = self.services.clock()
        with transaction(self.services.sessions) as session:
            drafts.save_focal(session, team, parsed, body["user"]["id"], now)
            filing = domain.current_focal_points(session, team)
            filed = self._when(filing.filed_at, self.services.today()) if filing else None
        saved = self._when(now, self.services.today())
        view = cviews.focal_points_modal(self.program, people, parsed.ratings, filed, saved)
        client.views_update(view_id=body["view"]["id"], view=view)

    def _save_decisions_draft(self, body: dict[str, Any], team: Team) -> form.DecisionPointsForm:
        concerned = self._shown_areas(body)
        parsed = form.parse_decision_points(self.program, kit.state(body), concerned, draft=True)
        with transaction(self.services.sessions) as session:
            drafts.save_decisions(session, team, parsed, body["user"]["id"], self.services.clock())
        return parsed

    def decisions_draft(self, body: dict[str, Any], client: WebClient) -> None:
        team, people = self._draft_team(body, "decisions")
        parsed = self._save_decisions_draft(body, team)
        notes = {key: typed(note) for key, note in parsed.notes.items()}
        saved = self._when(self.services.clock(), self.services.today())
        view = cviews.decision_notes_modal(
            self.program, people, parsed.concerned, notes, parsed.top, saved
        )
        client.views_update(view_id=body["view"]["id"], view=view)

    def decisions_back(self, body: dict[str, Any], client: WebClient) -> None:
        """Back to the ticks; what was typed in the notes is kept in the draft."""
        team, people = self._draft_team(body, "decisions")
        self._save_decisions_draft(body, team)
        with self.services.sessions() as session:
            current = get_team(session, team.id)
            assert current is not None  # loaded a moment ago, and teams are never deleted
            draft = domain.decision_draft(session, self.program, current)
            decisions = domain.current_decision_points(session, current)
            filed = self._when(decisions.filed_at, self.services.today()) if decisions else None
        view = cviews.decision_points_modal(self.program, people, draft, filed)
        client.views_update(view_id=body["view"]["id"], view=view)

    def submit_plan(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        now = self.services.clock()
        staff = self.services.settings.staff_ids
        try:
            with transaction(self.services.sessions) as session:
                team, problem = self._team_for_submission(session, body, "plan")
                if team is None or problem:
                    raise Refusal(problem or "")
                parsed = form.parse_plan(self.program, team.track, kit.state(body))
                waiting = domain.current_plan(session, team)
                plan = domain.submit_plan(session, self.program, team, parsed, user_id, now)
                people = domain.team_people(self.program, team)
                recipients, to_staff = domain.reviewers(team, staff, held(session))
                # The revision it replaces loses its review buttons, if it was still waiting.
                replaced = (
                    waiting if waiting is not None and waiting.status == "submitted" else None
                )
                replaced_messages = domain.review_messages(session, replaced.id) if replaced else []
        except IntegrityError:
            # The partner sent a revision at the same moment; theirs is in, this one is not.
            raise Refusal(
                "Your partner just sent a revision. Submit again to send yours on top of it."
            ) from None
        ack(response_action="update", view=pviews.plan_sent_view(plan, recipients, to_staff))
        self._send_for_review(client, people, plan, recipients, to_staff, now)
        if replaced is not None:
            today = self.services.today()
            sent = pviews.when(now, self.program, today)
            note = f"Replaced by revision {plan.revision}, sent {sent}."
            text, blocks = pviews.plan_review_closed(self.program, people, replaced, today, note)
            _update_messages(client, replaced_messages, text, blocks)
        partner = people.protege if user_id == people.mentor else people.mentor
        text, blocks = pviews.plan_submitted_notice(people, plan, recipients)
        step = _about(self.program, people, MENTORING_PLAN)
        direct.news(self.services, client, partner, text, blocks, step)

    def _send_for_review(
        self,
        client: WebClient,
        people: TeamPeople,
        plan: PlanRecord,
        recipients: list[str],
        to_staff: bool,
        now: datetime,
    ) -> None:
        today = self.services.today()
        text, blocks = pviews.plan_review_message(
            self.program, people, plan, today, to_staff=to_staff
        )
        sent = []
        for recipient in recipients:
            try:
                response = client.chat_postMessage(channel=recipient, text=text, blocks=blocks)
            except (SlackApiError, SlackClientError, OSError):
                log.warning("the plan review DM could not be sent", exc_info=True)
                continue
            sent.append((recipient, response.get("channel") or recipient, response.get("ts")))
        with transaction(self.services.sessions) as session:
            for recipient, channel, ts in sent:
                if ts:
                    domain.add_review_message(session, plan.id, recipient, channel, ts, now)


# --- the content advisor's review ----------------------------------------------------------


@dataclass(frozen=True)
class _Decided:
    """A revision just decided or received, with what announcing it needs."""

    plan: PlanRecord
    people: TeamPeople
    messages: list[tuple[str, str]]  # (channel, ts) of its review DMs


class _Review(scope.Scoped):
    def __init__(self, services: Services) -> None:
        self.services = services

    def _load(
        self, session: Session, user_id: str, plan_id: int | None
    ) -> tuple[PlanRecord | None, Team | None, str | None]:
        """The revision and its team, or why this person cannot decide it now.
        Access is asked before the revision is read: an id from a button or a modal may be
        forged, and a plan the person may not review is never loaded for them."""
        team = domain.plan_team(session, plan_id) if plan_id is not None else None
        if plan_id is None or team is None:
            return None, None, _GONE
        who = access.viewer(session, user_id, self.services.settings.staff_ids)
        if not access.may_on_team(who, Action.APPROVE_PLAN, team):
            staff = self.services.settings.staff_ids
            refusal = access.own_team_refusal(who, Action.APPROVE_PLAN, team)
            return None, team, refusal or pviews.not_reviewer(staff)
        plan = domain.plan_record(session, plan_id)
        if plan is None:
            return None, None, _GONE
        problem = domain.review_problem(plan, team)
        if problem:
            current = domain.current_plan(session, team)
            today = self.services.today()
            return plan, team, pviews.review_refusal(problem, plan, current, self.program, today)
        return plan, team, None

    def _decided(self, session: Session, plan_id: int, team: Team) -> _Decided:
        plan = domain.plan_record(session, plan_id)
        assert plan is not None  # it was just written in this transaction
        people = domain.team_people(self.program, team)
        return _Decided(plan, people, domain.review_messages(session, plan_id))

    # "Mark as received"

    def received(self, body: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        now = self.services.clock()
        decided: _Decided | None = None
        with transaction(self.services.sessions) as session:
            plan, team, problem = self._load(session, user_id, kit.ids(body, 1)[0])
            if problem is None and plan is not None and team is not None:
                if domain.receive_plan(session, plan.id, user_id, now):
                    decided = self._decided(session, plan.id, team)
                else:
                    when = pviews.when(plan.received_at or now, self.program, self.services.today())
                    problem = f"<@{plan.received_by}> marked it received {when}."
        if decided is None:
            kit.tell(client, body, problem or _GONE)
            return
        self._refresh_review_messages(client, decided, None)
        text, blocks = pviews.plan_received_notice(decided.plan)
        self._tell_team(client, decided, text, blocks)

    # "Approve"

    def approve(self, body: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        with self.services.sessions() as session:
            plan, team, problem = self._load(session, user_id, kit.ids(body, 1)[0])
            people = domain.team_people(self.program, team) if team else None
        if problem is not None or plan is None or people is None:
            kit.tell(client, body, problem or _GONE)
            return
        if plan.other_slots:
            # An experience not on the list needs its own explicit approval: ask in a modal.
            view = pviews.approve_modal(self.program, people, plan)
            client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        refusal, decided = self._approve(user_id, plan.id, set())
        if decided is None:
            kit.tell(client, body, refusal or _GONE)
            return
        self._announce_approval(client, decided, user_id)

    def submit_approve(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        with self.services.sessions() as session:
            plan, team, problem = self._load(session, user_id, kit.metadata(body).plan)
            who = access.viewer(session, user_id, self.services.settings.staff_ids)
        if (
            team is not None
            and problem is not None
            and access.may_on_team(who, Action.READ_TEAM, team)
        ):
            # Someone who may see this plan anyway hears why not in the form, which keeps
            # what was ticked; to anyone else the answer below says nothing of the plan.
            raise Refusal(problem)
        shown = {b.get("block_id") for b in body["view"].get("blocks") or []}
        others = plan.other_slots if plan is not None else []
        first = form.other_approval_block(others[0]) if others else None
        # Gone, or the metadata names a plan other than the one shown (a plan with no "Other"
        # experience never opens this form).
        if plan is None or first is None or first not in shown:
            ack(
                response_action="update",
                view=kit.notice_view(problem or _STALE, "Approve the plan"),
            )
            return
        approved = form.parse_other_approvals(kit.state(body), plan.other_slots)
        refusal, decided = self._approve(user_id, plan.id, approved)
        if decided is None:
            ack(response_action="errors", errors={first: refusal or ""})
            return
        ack()
        self._announce_approval(client, decided, user_id)

    def _approve(
        self, user_id: str, plan_id: int, approved_others: set[int]
    ) -> tuple[str | None, _Decided | None]:
        now = self.services.clock()
        with transaction(self.services.sessions) as session:
            plan, team, problem = self._load(session, user_id, plan_id)
            if problem is not None or plan is None or team is None:
                return problem or _GONE, None
            try:
                done = domain.approve_plan(session, plan.id, user_id, now, approved_others)
            except Refusal as refused:
                return refused.message, None
            if not done:
                return _RACED, None
            return None, self._decided(session, plan.id, team)

    def _announce_approval(self, client: WebClient, decided: _Decided, user_id: str) -> None:
        today = self.services.today()
        approved_at = decided.plan.approved_at or self.services.clock()
        note = f"✅ Approved by <@{user_id}> {pviews.when(approved_at, self.program, today)}."
        self._refresh_review_messages(client, decided, note)
        text, blocks = pviews.plan_approved_notice(self.program, decided.plan, today)
        self._tell_team(client, decided, text, blocks)

    # "Return with comment"

    def open_return(self, body: dict[str, Any], client: WebClient) -> None:
        with self.services.sessions() as session:
            plan, team, problem = self._load(session, body["user"]["id"], kit.ids(body, 1)[0])
            people = domain.team_people(self.program, team) if team else None
        if problem is not None or plan is None or people is None:
            kit.tell(client, body, problem or _GONE)
            return
        client.views_open(trigger_id=body["trigger_id"], view=pviews.return_modal(people, plan))

    def submit_return(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        now = self.services.clock()
        block = form.RETURN_COMMENT_BLOCK
        comment = form.parse_return_comment(kit.state(body))
        with transaction(self.services.sessions) as session:
            plan, team, problem = self._load(session, user_id, kit.metadata(body).plan)
            if problem is not None or plan is None or team is None:
                raise Refusal(problem or _GONE, block)
            if not domain.return_plan(session, plan.id, user_id, comment, now):
                raise Refusal(_RACED, block)
            decided = self._decided(session, plan.id, team)
        ack()
        today = self.services.today()
        note = f"↩️ Returned to the team by <@{user_id}> {pviews.when(now, self.program, today)}."
        self._refresh_review_messages(client, decided, note)
        text, blocks = pviews.plan_returned_notice(decided.people, decided.plan)
        self._tell_team(client, decided, text, blocks, asks=True)

    # announcing

    def _refresh_review_messages(
        self, client: WebClient, decided: _Decided, closed_note: str | None
    ) -> None:
        """Every copy of the review DM shows the receipt or the decision; stale buttons go."""
        today = self.services.today()
        people, plan = decided.people, decided.plan
        if closed_note is None:
            text, blocks = pviews.plan_review_message(
                self.program, people, plan, today, to_staff=people.advisor is None
            )
        else:
            text, blocks = pviews.plan_review_closed(self.program, people, plan, today, closed_note)
        _update_messages(client, decided.messages, text, blocks)

    def _tell_team(
        self, client: WebClient, decided: _Decided, text: str, blocks: list, asks: bool = False
    ) -> None:
        """Both members: news in their latest message about the plan, a request (`asks`: a
        plan returned to revise) as a message of its own."""
        step = _about(self.program, decided.people, MENTORING_PLAN)
        for member in (decided.people.protege, decided.people.mentor):
            if asks:
                dm(self.services, client, member, text, blocks, about=step)
            else:
                direct.news(self.services, client, member, text, blocks, step)


_GONE = "That plan no longer exists."
# What a modal is made of, besides its blocks, when the app shows it again as it is.
_MODAL_KEYS = ("type", "callback_id", "title", "submit", "close", "private_metadata")
_RACED = "Someone decided this plan a moment ago; it is no longer waiting."
_STALE = "This form is out of date. Please open the plan again from its latest message."


# --- small helpers -------------------------------------------------------------------------


def _about(program: Program, people: TeamPeople, kind: StepKind) -> direct.About:
    return direct.about_step(program, people.team_id, people.track, kind)


def _update_messages(
    client: WebClient, messages: list[tuple[str, str]], text: str, blocks: list
) -> None:
    for channel, ts in messages:
        try:
            client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except (SlackApiError, SlackClientError, OSError):
            log.warning("a plan review DM could not be updated", exc_info=True)
