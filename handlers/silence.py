"""Silent teams: the alert's buttons, "My partner isn't responding", and `/mentor silent`."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import access
from bot.access import Refusal
from bot.accounts import direct
from bot.across import scope
from bot.platform.services import Services
from bot.silence import views
from bot.silence.rules import Health, last_contact_detail, overdue_steps, team_health
from bot.slack.commands import Subcommand
from bot.slack.dates import human_date
from bot.slack.fields import FieldErrors, record_id, text
from bot.slack.replies import dm
from bot.slack.text import TypedText
from bot.teams.views import team_cards_message
from handlers import kit
from handlers.after_ack import after_ack
from handlers.commands import Answer, CommandContext, CommandRouter
from handlers.teams import card_for
from storage.db import transaction
from storage.models import Team, TeamStatus
from storage.people import active_teams, get_team, teams_of_member
from storage.silence import SilenceActionKind, actions_for, record

SNOOZE_DAYS = 7
ADVISOR_ONLY = "Only the team's content advisor or program staff can do that."
NOTE_MAX = 1000


def register(app: App, services: Services, router: CommandRouter) -> None:
    router.add(
        Subcommand(
            "silent",
            "/mentor silent",
            "silent and at-risk teams, longest silent first",
            access.Action.SEE_SILENT,
        ),
        lambda ctx: _silent_list(ctx),
    )
    router.add(
        Subcommand(
            "noresponse",
            "/mentor noresponse [@partner]",
            "tell your content advisor your partner isn't responding",
            access.Action.LOG_CONVERSATIONS,
        ),
        lambda ctx: _open_partner_report(ctx),
    )
    for action_id, function in (
        (views.REACHED_OUT, _reached_out),
        (views.SNOOZE, _snooze),
        (views.OPEN_TEAM, _open_team),
        (views.PARTNER_OPEN, _open_partner_from_home),
    ):
        app.action(action_id)(kit.button(functools.partial(function, services)))
    for callback_id, submit in (
        (views.REACHED_OUT_CALLBACK, _save_reached_out),
        (views.PARTNER_CALLBACK, _save_partner_report),
    ):
        app.view(callback_id)(kit.submission(functools.partial(submit, services), field="note"))


# -- the alert's buttons ----------------------------------------------------------------------


def _parse(value: str) -> tuple[int, date] | None:
    """A button's "team:spell" ("12:2024-09-02"), or None."""
    team_id, _, spell = value.partition(":")
    try:
        day = date.fromisoformat(spell)
    except ValueError:
        return None
    team = record_id(team_id)
    return (team, day) if team is not None else None


def _team_for_alert(
    services: Services, user_id: str, team_id: int, spell: date, action: access.Action
) -> tuple[Team, date, access.Viewer] | None:
    """(team, spell, who) if the person may act on this team's alert, else None."""
    with services.sessions() as session:
        who = access.viewer(session, user_id, services.settings.staff_ids)
        team = get_team(session, team_id)
    if team is None or not access.may_on_team(who, action, team):
        own_team = access.own_team_refusal(who, action, team) if team is not None else None
        if own_team is not None:
            raise Refusal(own_team)
        return None
    return team, spell, who


def _team_for_button(
    services: Services, body: dict[str, Any], action: access.Action
) -> tuple[Team, date, access.Viewer] | None:
    """(team, spell, who) if the presser may act on the alert the button belongs to."""
    parsed = _parse(kit.value(body))
    if parsed is None:
        return None
    return _team_for_alert(services, body["user"]["id"], *parsed, action)


def _spell_is_open(services: Services, team: Team, spell: date) -> bool:
    if team.status != TeamStatus.ACTIVE:
        return False
    with services.sessions() as session:
        state = team_health(session, scope.program(services), [team], services.today())[team.id]
    return state.spell == spell


def _reached_out(services: Services, body: dict[str, Any], client: WebClient) -> None:
    found = _team_for_button(services, body, access.Action.RESPOND_TO_SILENCE)
    if found is None:
        raise Refusal(ADVISOR_ONLY)
    team, spell, _ = found
    if not _spell_is_open(services, team, spell):
        raise Refusal("This team is back in touch already. Thank you!")
    client.views_open(trigger_id=body["trigger_id"], view=views.reached_out_modal(team.id, spell))


def _save_reached_out(
    services: Services, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    note = _note(body)
    not_yours = "You can't act on this team's alert."
    meta = kit.metadata(body, stale=not_yours)
    if meta.team is None or meta.spell is None:
        raise Refusal(not_yours)
    found = _team_for_alert(
        services, body["user"]["id"], meta.team, meta.spell, access.Action.RESPOND_TO_SILENCE
    )
    if found is None:
        raise Refusal(not_yours)
    team, spell, who = found
    if not _spell_is_open(services, team, spell):  # the spell comes from private_metadata
        raise Refusal("This team is back in touch already.")
    with transaction(services.sessions) as session:
        record(
            session,
            team.id,
            spell,
            SilenceActionKind.REACHED_OUT,
            who.user_id,
            services.clock(),
            note=note or None,
        )
    ack()


def _snooze(services: Services, body: dict[str, Any], client: WebClient) -> None:
    found = _team_for_button(services, body, access.Action.RESPOND_TO_SILENCE)
    if found is None:
        raise Refusal(ADVISOR_ONLY)
    team, spell, who = found
    if not _spell_is_open(services, team, spell):
        raise Refusal("This team is back in touch already: nothing to snooze.")
    today = services.today()
    with transaction(services.sessions) as session:
        current = [
            a.until
            for a in actions_for(session, [team.id]).get(team.id, [])
            if a.spell == spell
            and a.kind == SilenceActionKind.SNOOZED
            and a.until is not None
            and a.until > today
        ]
        if current:
            until = max(current)
        else:
            until = today + timedelta(days=SNOOZE_DAYS)
            record(
                session,
                team.id,
                spell,
                SilenceActionKind.SNOOZED,
                who.user_id,
                services.clock(),
                until=until,
            )
    verb = "Already snoozed" if current else "Snoozed"
    pair = f"<@{team.mentor.slack_id}> and <@{team.protege.slack_id}>"
    kit.tell(client, body, f"{verb}: no reminders about {pair} until {human_date(until, today)}.")


def _open_team(services: Services, body: dict[str, Any], client: WebClient) -> None:
    found = _team_for_button(services, body, access.Action.READ_TEAM)
    if found is None:
        raise Refusal("You can't see this team.")
    team, _, who = found
    with services.sessions() as session:
        fresh = get_team(session, team.id)
        if fresh is None:  # removed since the alert was sent
            raise Refusal("You can't see this team.")
        card = card_for(session, services, fresh)
    text_, blocks = team_cards_message([card], services.today(), who.is_staff)
    dm(client, who.user_id, text_, blocks)


# -- "My partner isn't responding" ------------------------------------------------------------


def _member_team(services: Services, user_id: str, partner: str | None) -> Team | list[Team] | None:
    with services.sessions() as session:
        teams = teams_of_member(session, user_id, scope.program(services).id)
    if partner:
        teams = [t for t in teams if partner in (t.mentor.slack_id, t.protege.slack_id)]
    if len(teams) == 1:
        return teams[0]
    return teams or None


def _open_partner_report(ctx: CommandContext) -> Answer | None:
    partner = ctx.parsed.mentions[0] if ctx.parsed.mentions else None
    team = _member_team(ctx.services, ctx.who.user_id, partner)
    if team is None:
        return kit.say(
            "You are not on an active team" + (f" with <@{partner}>." if partner else ".")
        )
    if isinstance(team, list):
        return kit.say(
            "You mentor several protégés: name the one who isn't responding, "
            "like `/mentor noresponse @protégé`."
        )
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=views.partner_modal(team.id))
    return None


def partner_button(team_id: int) -> dict[str, Any]:
    return views.partner_button_block(team_id)


def _open_partner_from_home(services: Services, body: dict[str, Any], client: WebClient) -> None:
    (team_id,) = kit.ids(body, 1)
    with services.sessions() as session:
        who = access.viewer(session, body["user"]["id"], services.settings.staff_ids)
        team = get_team(session, team_id)
    if team is None or not access.may_on_team(who, access.Action.FILE_TEAM_FORM, team):
        raise Refusal("You can only ask about your own team.")
    client.views_open(trigger_id=body["trigger_id"], view=views.partner_modal(team.id))


def _report_team(services: Services, body: dict[str, Any]) -> tuple[Team, access.Viewer]:
    not_yours = "You can only report on your own team."
    team_id = kit.metadata(body, stale=not_yours).team
    if team_id is None:
        raise Refusal(not_yours)
    with services.sessions() as session:
        who = access.viewer(session, body["user"]["id"], services.settings.staff_ids)
        team = get_team(session, team_id)
    if team is None or not access.may_on_team(who, access.Action.FILE_TEAM_FORM, team):
        raise Refusal(not_yours)
    return team, who


def _note(body: dict[str, Any]) -> TypedText:
    note = text(kit.state(body), "note")
    if len(note) > NOTE_MAX:
        raise FieldErrors({"note": f"Please keep it under {NOTE_MAX} characters."})
    return note


def _save_partner_report(
    services: Services, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    note = _note(body)
    team, who = _report_team(services, body)
    with transaction(services.sessions) as session:
        state = team_health(session, scope.program(services), [team], services.today())[team.id]
        record(
            session,
            team.id,
            state.last_activity,
            SilenceActionKind.PARTNER_REPORT,
            who.user_id,
            services.clock(),
            note=note or None,
            until=None,
        )
    ack()
    after_ack(_send_partner_report, services, client, team, who, note)


def _send_partner_report(
    services: Services, client: WebClient, team: Team, who: access.Viewer, note: TypedText
) -> None:
    today = services.today()
    with services.sessions() as session:
        state = team_health(session, scope.program(services), [team], today)[team.id]
        last = last_contact_detail(session, team.id)
        details = views.SilentTeam(
            team.id,
            team.mentor.slack_id,
            team.protege.slack_id,
            state.school_days_quiet,
            state.last_activity,
            f"{last.mode} ({last.kind}) on {human_date(last.day, today)}" if last else None,
            overdue_steps(session, scope.program(services), team, today),
        )
        staff = _staff(session, services)
    message = views.partner_report_message(
        details, who.user_id, state.last_activity, note or None, today
    )
    recipients = [team.advisor.slack_id] if team.advisor else staff
    # A deactivated advisor's DM is held (not sent): program staff hear instead.
    delivered = [r for r in recipients if direct.dm(services, client, r, *message)]
    if not delivered and team.advisor:
        delivered = [r for r in staff if direct.dm(services, client, r, *message)]
    to = " and ".join(f"<@{r}>" for r in delivered[:3]) or "program staff"
    dm(client, who.user_id, f"Thank you for letting us know. {to} will reach out to your team.")


def _staff(session: Session, services: Services) -> list[str]:
    from storage.models import Role
    from storage.people import granted_holders

    return sorted(granted_holders(session, Role.STAFF) | set(services.settings.staff_ids))


# -- /mentor silent ---------------------------------------------------------------------------


def _silent_list(ctx: CommandContext) -> Answer:
    services = ctx.services
    today = services.today()
    with services.sessions() as session:
        health: dict[int, Health] = {}
        by_id: dict[int, Team] = {}
        for program in services.programs:  # every program's teams, each judged by its own
            teams = active_teams(session, program.id)
            if not ctx.who.is_staff:
                teams = [t for t in teams if t.advisor and t.advisor.slack_id == ctx.who.user_id]
            health |= team_health(session, program, teams, today)
            by_id |= {t.id: t for t in teams}
        silent = sorted(
            (h for h in health.values() if h.silent),
            key=lambda h: (-h.school_days_quiet, h.team_id),
        )
        risky = [h for h in health.values() if h.at_risk and not h.silent]

        # The last contact is looked up only for the rows the list shows in detail.
        silent_rows = [
            _row(session, by_id[h.team_id], h, today, i < 25) for i, h in enumerate(silent)
        ]
        risk_rows = [_row(session, by_id[h.team_id], h, today, False) for h in risky]
    scope = "all teams" if ctx.who.is_staff else "your teams"
    return views.silent_list(silent_rows, risk_rows, today, scope)


def _row(
    session: Session, team: Team, health: Health, today: date, detailed: bool
) -> views.SilentTeam:
    last = last_contact_detail(session, team.id) if detailed else None
    described = f"{last.mode} on {human_date(last.day, today)}" if last else None
    return views.SilentTeam(
        team.id,
        team.mentor.slack_id,
        team.protege.slack_id,
        health.school_days_quiet,
        health.last_activity,
        described,
        (),
    )
