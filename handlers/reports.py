"""The Mentor/Protégé Visit Report (`/mentor visit`), the Networking and Professional
Development Verification Forms (`/mentor pd [1|2]`) and year two's Assessment Activity
(`/mentor assessment`): modals, co-signing buttons, and the DMs between the two members."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import access
from bot.access import Refusal
from bot.accounts import direct
from bot.accounts.direct import dm
from bot.across import scope
from bot.experiences.form import parse_note
from bot.platform import scopes
from bot.platform.services import Services
from bot.reports import form, views
from bot.reports import rules as domain
from bot.slack.blocks import numbered
from bot.slack.commands import Subcommand
from bot.slack.text import typed
from handlers import kit
from handlers.commands import Answer, CommandContext, CommandRouter
from handlers.kit import command_team, filing_team, ids, replace, show, thanks_view
from storage.db import transaction
from storage.experiences import AssessmentActivity, PdStatus, PdVerification, VisitStatus
from storage.models import Team

Action = access.Action


def register(app: App, services: Services, router: CommandRouter) -> None:
    visits = _Visits(services)
    pds = _PdForms(services)
    assessment = _Assessment(services)
    router.add(
        Subcommand(
            "visit",
            "/mentor visit [@partner]",
            "the Mentor/Protégé Visit Report: the mentor files it, the protégé confirms",
            Action.YEAR_FORMS,
            steps=(domain.VISIT_REPORT,),
        ),
        visits.command,
    )
    router.add(
        Subcommand(
            "pd",
            "/mentor pd [1|2] [@partner]",
            "a Networking and Professional Development Verification Form",
            Action.YEAR_FORMS,
            steps=(domain.PD_VERIFICATION,),
        ),
        pds.command,
    )
    router.add(
        Subcommand(
            "assessment",
            "/mentor assessment",
            "year two's Assessment Activity",
            Action.YEAR_FORMS,
            steps=(domain.ASSESSMENT,),
        ),
        assessment.command,
    )
    app.action(views.VISIT_OPEN)(kit.button(visits.open_form))
    app.action(views.VISIT_REVIEW_OPEN)(kit.button(visits.open_review))
    app.action(views.VISIT_CONFIRM)(kit.button(visits.confirm))
    app.action(views.VISIT_CHANGE_OPEN)(kit.button(visits.open_change))
    app.view(views.VISIT_CALLBACK)(kit.submission(visits.submit))
    app.view(views.VISIT_CHANGE_CALLBACK)(kit.submission(visits.submit_change))
    # numbered(): one row of the Home tab may hold several PD forms' buttons.
    app.action(numbered(views.PD_OPEN))(kit.button(pds.open_form))
    app.action(views.PD_SIGN_OPEN)(kit.button(pds.open_sign))
    app.view(views.PD_CALLBACK)(kit.submission(pds.submit))
    app.view(views.PD_SIGN_CALLBACK)(kit.submission(pds.sign))
    app.action(views.ASSESSMENT_OPEN)(kit.button(assessment.open_form))
    app.view(views.ASSESSMENT_CALLBACK)(kit.submission(assessment.submit))


class _Base(scope.Scoped):
    def __init__(self, services: Services) -> None:
        self.services = services

    def _team(
        self, session: Session, body: dict[str, Any], role: str | None, count: int = 1
    ) -> tuple[Team, tuple[int, ...]]:
        values = ids(body, count)
        team = filing_team(session, self.services, body["user"]["id"], values[0], role)
        return team, values[1:]


# --- Visit Report -----------------------------------------------------------------------------


class _Visits(_Base):
    def command(self, ctx: CommandContext) -> Answer | None:
        with self.services.sessions() as session:
            team = command_team(session, self.services, ctx)
            if team.protege.slack_id == ctx.who.user_id:
                view = self._review_view(session, team)
            else:
                view = self._form_view(session, team, None)
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
        return None

    def _form_view(self, session: Session, team: Team, number: int | None) -> dict[str, Any]:
        """The mentor's form: the report waiting on them, the one named, or a new one."""
        reports = domain.visit_reports(session, team)
        if number is not None:
            current = next((r for r in reports if r.number == number), None)
            if current is None:
                raise Refusal("That Visit Report does not exist.")
        else:
            current = next((r for r in reports if r.status is not VisitStatus.CONFIRMED), None)
        if current is not None and current.status is VisitStatus.CONFIRMED:
            raise Refusal("That Visit Report is signed by you both, so it can no longer change.")
        note = None
        if current is not None and current.status is VisitStatus.CHANGES_REQUESTED:
            note = domain.visit_change_note(session, team, current.number)
        confirmed = sum(1 for r in reports if r.status is VisitStatus.CONFIRMED)
        return views.visit_modal(
            self.program,
            team.id,
            team.protege.slack_id,
            team.area,
            self.services.today(),
            domain.shown_visit(current) if current else None,
            note,
            confirmed,
        )

    def _review_view(self, session: Session, team: Team) -> dict[str, Any]:
        report = domain.open_visit_report(session, team)
        mentor = team.mentor.slack_id
        if report is None or report.status is not VisitStatus.FILED:
            signed = [r for r in domain.visit_reports(session, team) if r.confirmed_at]
            if report is not None:
                raise Refusal(f"You asked <@{mentor}> for a change; they will send it again.")
            if signed:
                raise Refusal("Your Visit Report is signed by you both. Thank you!")
            raise Refusal(
                f"Your mentor <@{mentor}> files the Visit Report after your visit; you will "
                "get a message to confirm it."
            )
        return views.visit_review_modal(
            self.program,
            domain.shown_visit(report),
            team.id,
            mentor,
            team.protege.slack_id,
            self.services.today(),
        )

    def open_form(self, body: dict[str, Any], client: WebClient) -> None:
        values = ids(body, 2) if ":" in kit.value(body) else ids(body, 1)
        with self.services.sessions() as session:
            team = filing_team(session, self.services, body["user"]["id"], values[0], "mentor")
            view = self._form_view(session, team, values[1] if len(values) > 1 else None)
        show(client, body, view)

    def open_review(self, body: dict[str, Any], client: WebClient) -> None:
        with self.services.sessions() as session:
            team, _ = self._team(session, body, "protege")
            view = self._review_view(session, team)
        show(client, body, view)

    def confirm(self, body: dict[str, Any], client: WebClient) -> None:
        now = self.services.clock()
        with transaction(self.services.sessions) as session:
            team, (report_id,) = self._team(session, body, "protege", 2)
            domain.confirm_visit_report(session, team, report_id, body["user"]["id"], now)
            mentor, protege = team.mentor.slack_id, team.protege.slack_id
            when = f"{now.astimezone(self.program.tz):%a, %b %-d}"  # confirmed now
            step = direct.about_step(self.program, team.id, team.track, domain.VISIT_REPORT)
        message = views.visit_confirmed_message(mentor, protege, when)
        replace(client, body, *message)
        direct.news(self.services, client, mentor, *message, step)

    def open_change(self, body: dict[str, Any], client: WebClient) -> None:
        with self.services.sessions() as session:
            team, (report_id,) = self._team(session, body, "protege", 2)
            report = domain.open_visit_report(session, team)
            if report is None or report.id != report_id or report.status is not VisitStatus.FILED:
                raise Refusal(
                    "This Visit Report changed since this message. Type `/mentor visit` to see "
                    "the latest."
                )
            view = views.visit_change_modal(team.id, report_id, team.mentor.slack_id)
        show(client, body, view)

    def submit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view, user = body["view"], body["user"]["id"]
        meta = kit.metadata(body)
        (team_id,) = meta.need("team")
        now, today = self.services.clock(), self.services.today()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, user, team_id, "mentor")
            entry = form.parse_visit(view["state"]["values"], self.program, today)
            report = domain.file_visit_report(session, team, meta.number, entry, user, now)
            protege = team.protege.slack_id
            message = views.visit_review_message(
                self.program, domain.shown_visit(report), team.id, user, protege, today
            )
            step = direct.about_step(self.program, team.id, team.track, domain.VISIT_REPORT)
        ack(
            response_action="update",
            view=thanks_view(
                "Visit Report",
                f"Thanks! <@{protege}> has the Visit Report to confirm; you'll hear when it is "
                "signed.",
            ),
        )
        dm(self.services, client, protege, *message, about=step)

    def submit_change(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view, user = body["view"], body["user"]["id"]
        team_id, report_id = kit.metadata(body).need("team", "report")
        now = self.services.clock()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, user, team_id, "protege")
            note = parse_note(view["state"]["values"], required=True)
            report = domain.request_visit_change(session, team, report_id, note, user, now)
            mentor, number = team.mentor.slack_id, report.number
            step = direct.about_step(self.program, team.id, team.track, domain.VISIT_REPORT)
        ack(
            response_action="update",
            view=thanks_view("Visit Report", f"Thanks! <@{mentor}> will change the report."),
        )
        asked = views.visit_change_message(team_id, number, user, note)
        dm(self.services, client, mentor, *asked, about=step)


# --- PD Verification Forms --------------------------------------------------------------------


class _PdForms(_Base):
    def command(self, ctx: CommandContext) -> Answer | None:
        numbers = ctx.parsed.numbers
        if numbers and numbers[0] not in range(1, domain.PD_FORMS_PER_YEAR + 1):
            return kit.say("There are two forms a year: `/mentor pd 1` and `/mentor pd 2`.")
        with self.services.sessions() as session:
            team = command_team(session, self.services, ctx)
            forms = {f.number: f for f in domain.pd_forms(session, team)}
            if team.protege.slack_id == ctx.who.user_id:
                number = numbers[0] if numbers else _first_open(forms)
                if number is None:
                    return kit.say("Both of your PD Verification Forms are signed. Thank you!")
                view = self._form_view(team, number, forms.get(number))
            else:
                view = self._sign_view(team, forms, numbers[0] if numbers else None)
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
        return None

    def _form_view(self, team: Team, number: int, current: PdVerification | None) -> dict[str, Any]:
        if current is not None and current.status is PdStatus.SIGNED:
            raise Refusal(f"Form #{number} is signed by you both. Thank you!")
        deadline = self.program.step(team.track, domain.PD_VERIFICATION, number)
        return views.pd_modal(
            self.program,
            team.id,
            number,
            team.mentor.slack_id,
            team.area,
            domain.shown_pd(current) if current else None,
            deadline.due if deadline else None,
            self.services.today(),
        )

    def _sign_view(
        self, team: Team, forms: dict[int, PdVerification], number: int | None
    ) -> dict[str, Any]:
        waiting = [f for n, f in sorted(forms.items()) if f.status is PdStatus.FILED]
        if number is not None:
            waiting = [f for f in waiting if f.number == number]
        if not waiting:
            raise Refusal(
                f"No PD Verification Form is waiting for your comments. <@{team.protege.slack_id}>"
                " files it after an opportunity; you will get a message."
            )
        return views.pd_sign_modal(
            self.program,
            domain.shown_pd(waiting[0]),
            team.id,
            team.mentor.slack_id,
            team.protege.slack_id,
            self.services.today(),
        )

    def open_form(self, body: dict[str, Any], client: WebClient) -> None:
        """Form #N: the protégé files or revises it; the mentor adds comments and signs."""
        with self.services.sessions() as session:
            team, (number,) = self._team(session, body, None, 2)
            if number not in range(1, domain.PD_FORMS_PER_YEAR + 1):
                raise Refusal(kit.STALE_BUTTON)
            current = domain.pd_form(session, team, number)
            if team.protege.slack_id == body["user"]["id"]:
                view = self._form_view(team, number, current)
            else:
                view = self._sign_view(team, {number: current} if current else {}, number)
        show(client, body, view)

    def open_sign(self, body: dict[str, Any], client: WebClient) -> None:
        with self.services.sessions() as session:
            team, (form_id,) = self._team(session, body, "mentor", 2)
            current = {f.id: f for f in domain.pd_forms(session, team)}
            if form_id not in current:
                raise Refusal(
                    f"<@{team.protege.slack_id}> sent a new version of this form. Type "
                    "`/mentor pd` to see the latest."
                )
            view = self._sign_view(team, {current[form_id].number: current[form_id]}, None)
        show(client, body, view)

    def submit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view, user = body["view"], body["user"]["id"]
        team_id, n = kit.metadata(body).need("team", "n")
        now, today = self.services.clock(), self.services.today()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, user, team_id, "protege")
            entry = form.parse_pd(view["state"]["values"], self.program, today)
            filed = domain.file_pd_form(session, team, n, entry, user, now)
            mentor = team.mentor.slack_id
            message = views.pd_filed_message(
                self.program, domain.shown_pd(filed), team.id, mentor, user, today
            )
            step = direct.about_step(self.program, team.id, team.track, domain.PD_VERIFICATION, n)
        ack(
            response_action="update",
            view=thanks_view(
                f"PD Verification #{n}",
                f"Thanks! Form #{n} is with your mentor <@{mentor}> for comments.",
            ),
        )
        dm(self.services, client, mentor, *message, about=step)

    def sign(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view, user = body["view"], body["user"]["id"]
        team_id, form_id = kit.metadata(body).need("team", "form")
        now, today = self.services.clock(), self.services.today()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, user, team_id, "mentor")
            comments = form.parse_pd_comments(view["state"]["values"])
            signed = domain.sign_pd_form(session, team, form_id, comments, user, now)
            protege = team.protege.slack_id
            message = views.pd_signed_message(
                self.program, domain.shown_pd(signed), user, protege, today
            )
            number = signed.number
            step = direct.about_step(
                self.program, team.id, team.track, domain.PD_VERIFICATION, number
            )
        ack(
            response_action="update",
            view=thanks_view(
                f"PD Verification #{number}", f"Thanks! Form #{number} is signed by you both."
            ),
        )
        direct.news(self.services, client, protege, *message, step)


# --- Assessment Activity ----------------------------------------------------------------------


class _Assessment(_Base):
    def command(self, ctx: CommandContext) -> Answer | None:
        with self.services.sessions() as session:
            team = command_team(session, self.services, ctx)
            if team.protege.slack_id != ctx.who.user_id:
                raise Refusal(
                    f"<@{team.protege.slack_id}> submits the Assessment Activity; you'll "
                    "see it in `/mentor progress`."
                )
            view = self._view(session, team, ctx.client)
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
        return None

    def _view(self, session: Session, team: Team, client: WebClient) -> dict[str, Any]:
        if not domain.has_assessment(self.program, team.track):
            raise Refusal("The Assessment Activity is part of year two; your track has none.")
        deadline = self.program.step(team.track, domain.ASSESSMENT)
        assert deadline is not None  # has_assessment said so
        return views.assessment_modal(
            team.id,
            _shown_assessment(domain.current_assessment(session, team)),
            deadline.due,
            self.services.today(),
            files=scopes.granted(client, scopes.FILES_READ),
            links=self.program.form_links(deadline.form),
        )

    def open_form(self, body: dict[str, Any], client: WebClient) -> None:
        with self.services.sessions() as session:
            team, _ = self._team(session, body, "protege")
            view = self._view(session, team, client)
        show(client, body, view)

    def submit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view, user = body["view"], body["user"]["id"]
        (team_id,) = kit.metadata(body).need("team")
        now = self.services.clock()
        with transaction(self.services.sessions) as session:
            team = filing_team(session, self.services, user, team_id, "protege")
            entry = form.parse_assessment(view["state"]["values"])
            domain.submit_assessment(session, self.program, team, entry, user, now)
            mentor = team.mentor.slack_id
            step = direct.about_step(self.program, team.id, team.track, domain.ASSESSMENT)
        ack(
            response_action="update",
            view=thanks_view("Assessment Activity", "Thanks! Your Assessment Activity is in."),
        )
        filed = views.assessment_message(user, typed(entry.link))
        direct.news(self.services, client, mentor, *filed, step)


# --- helpers ----------------------------------------------------------------------------------


def _shown_assessment(activity: AssessmentActivity | None) -> domain.ShownAssessment | None:
    return domain.shown_assessment(activity) if activity is not None else None


def _first_open(forms: dict) -> int | None:
    for number in range(1, domain.PD_FORMS_PER_YEAR + 1):
        current = forms.get(number)
        if current is None or current.status is not PdStatus.SIGNED:
            return number
    return None
