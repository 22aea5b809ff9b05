"""Communication Log listeners: `/mentor log`, `/mentor checkin`, `/mentor logs [@person]`, the
buttons of the topic DM, the co-sign DM, reminders and lists, and the modals' submissions.

Every button value and every modal's private_metadata is re-checked: the team is re-loaded
and the person's access to it asked of bot.access before anything is shown or stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from bot import access
from bot.access import Refusal
from bot.accounts.direct import dm
from bot.across import scope
from bot.logs import form, views
from bot.logs import rules as domain
from bot.platform import inbound
from bot.platform.services import Services
from bot.program import Program
from bot.slack.blocks import Block, button, numbered, section
from bot.slack.commands import Subcommand
from bot.slack.dates import zone
from bot.slack.fields import record_id
from bot.slack.metadata import STALE_FORM, Metadata
from bot.slack.text import typed
from handlers import kit
from handlers.after_ack import after_ack
from handlers.commands import Answer, CommandContext, CommandRouter
from handlers.kit import STALE_BUTTON
from storage import logs as store
from storage.db import transaction
from storage.logs import CommunicationLog
from storage.models import Team
from storage.people import get_team, teams_of_member

log = logging.getLogger(__name__)

Action = access.Action


def register(app: App, services: Services, router: CommandRouter) -> None:
    listeners = _Listeners(services)
    router.add(
        Subcommand(
            "log",
            "/mentor log [@protégé]",
            "file a Communication Log entry",
            Action.LOG_CONVERSATIONS,
        ),
        listeners.log_command,
    )
    router.add(
        Subcommand(
            "checkin",
            "/mentor checkin",
            "note that you talked (counts toward two contacts a month)",
            Action.LOG_CONVERSATIONS,
        ),
        listeners.check_in_command,
    )
    router.add(
        Subcommand(
            "logs",
            "/mentor logs [@person]",
            "a team's Communication Log entries",
            Action.LOOK_UP_LOGS,
            earlier_years=True,
        ),
        listeners.logs_command,
    )
    for action_id, function in (
        (views.OPEN_LOG, listeners.open_log),
        (views.OPEN_CHECK_IN, listeners.open_check_in),
        (views.LAST_MONTH, listeners.last_month),
        (views.CONFIRM, listeners.confirm),
        (views.DISPUTE, listeners.open_dispute),
        (views.EDIT, listeners.open_edit),
        (views.VIEW, listeners.view_entry),
    ):
        app.action(action_id)(kit.button(function))
    # numbered(): a middle page's "Newer" and "Older" share one row.
    app.action(numbered(views.PAGE))(kit.button(listeners.page))
    app.view(views.LOG_CALLBACK)(kit.submission(listeners.submit_log))
    inbound.keyed_by_view(views.LOG_CALLBACK)
    app.view(views.CHECK_IN_CALLBACK)(kit.submission(listeners.submit_check_in))
    app.view(views.DISPUTE_CALLBACK)(kit.submission(listeners.submit_dispute, field=form.COMMENT))


def _team_month(value: str) -> tuple[int | None, str | None]:
    """ "12:2024-10", "12" or "" (the button names no team)."""
    if not value:
        return None, None
    team_part, _, month = value.partition(":")
    team_id = record_id(team_part)
    if team_id is None or (month and not domain.is_month(month)):
        raise Refusal(STALE_BUTTON)
    return team_id, month or None


class _Listeners(scope.Scoped):
    def __init__(self, services: Services) -> None:
        self.services = services

    # --- shared ------------------------------------------------------------------------------
    def _who(self, session: Session, user_id: str) -> access.Viewer:
        return access.viewer(session, user_id, self.services.settings.staff_ids)

    def _tz(self, session: Session, user_id: str, team: Team | None = None) -> ZoneInfo:
        """Where the person is: their timezone, else the program's. A member of `team` is
        read from the team already loaded (no query: a filing has its team)."""
        members = (team.mentor, team.protege) if team is not None else ()
        member = next((m for m in members if m.slack_id == user_id), None)
        name = member.tz if member is not None else store.person_tz(session, user_id)
        return zone(name, self.program.tz)

    def _today(self, session: Session, user_id: str, team: Team | None = None) -> date:
        """Today where the person is (`_tz`)."""
        return self.services.clock().astimezone(self._tz(session, user_id, team)).date()

    def _topics(self) -> dict[str, str]:
        return {t.month_id: views.topic_label(t) for t in self.program.topics}

    def _team(self, session: Session, team_id: int | None) -> Team:
        team = get_team(session, team_id) if team_id is not None else None
        if team is not None and team.closed_at is not None:
            return team  # a closed year's team: readable, and refused for filing as such
        if team is None or team.program_id != self.program.id:
            raise Refusal("I can't find that team. It may have been changed; try `/mentor help`.")
        return team

    def _filing_team(
        self, session: Session, user_id: str, team_id: int | None, *, doing: str = "log"
    ) -> Team:
        team = self._team(session, team_id)
        who = self._who(session, user_id)
        if not access.may_on_team(who, Action.FILE_TEAM_FORM, team):
            closed = access.closed_refusal(who, team)
            raise Refusal(closed or self._not_member(team, user_id, doing))
        return team

    def _not_member(self, team: Team, user_id: str, doing: str) -> str:
        if team.status != "active" and domain.member_role(team, user_id):
            return "This team has ended, so its Communication Log is closed."
        what = "confirm its Communication Log" if doing == "confirm" else "log its conversations"
        return (
            f"Only the team's mentor and protégé can {what}. "
            "Type `/mentor logs @person` to read a team's log."
        )

    def _reading_team(self, session: Session, user_id: str, team_id: int | None) -> Team:
        team = self._team(session, team_id)
        if not access.may_on_team(self._who(session, user_id), Action.READ_TEAM, team):
            raise Refusal(
                "A team's Communication Log is for its mentor and protégé, its content advisor "
                "and program staff."
            )
        return team

    def _choices(self, teams: list[Team], user_id: str) -> list[views.TeamChoice]:
        choices = []
        for team in teams:
            other = domain.partner(team, user_id)
            role = "protégé" if domain.member_role(team, user_id) == "mentor" else "mentor"
            name = other.name or other.slack_id
            label = typed(name) + f" (your {role})"
            choices.append(views.TeamChoice(team.id, other.slack_id, label))
        return choices

    def _my_teams(self, session: Session, user_id: str) -> list[Team]:
        teams = teams_of_member(session, user_id, self.program.id)
        if not teams:
            staff = self.services.settings.staff_ids
            ask = f"ask <@{staff[0]}>" if staff else "ask your program staff"
            raise Refusal(
                "You're not on a mentoring team yet, so there's nothing to log. "
                f"If you should be, {ask}."
            )
        return teams

    # --- the log modal -----------------------------------------------------------------------

    def _log_modal(
        self,
        session: Session,
        user_id: str,
        team_id: int | None,
        month: str | None,
        opened: str | None,
    ) -> dict[str, Any]:
        if team_id is not None:
            teams = [self._filing_team(session, user_id, team_id)]
        else:
            teams = self._my_teams(session, user_id)
        today = self._today(session, user_id)
        domain.ensure_year_open(self.program, today)
        single = teams[0] if len(teams) == 1 else None
        return views.log_modal(
            topics=domain.topic_choices(self.program, today, month),
            today=today,
            metadata=Metadata(team=single.id if single else None, opened=opened).dump(),
            teams=self._choices(teams, user_id),
            partner_id=domain.partner(single, user_id).slack_id if single else None,
            viewer_role=domain.member_role(single, user_id) if single else None,
            mentor_closes=self.program.settings.log_completed_by != "either",
        )

    def log_command(self, ctx: CommandContext) -> Answer | None:
        return self._command_modal(ctx, self._log_modal)

    def check_in_command(self, ctx: CommandContext) -> Answer | None:
        return self._command_modal(ctx, self._check_in_modal)

    def _command_modal(
        self, ctx: CommandContext, build: Callable[..., dict[str, Any]]
    ) -> Answer | None:
        user_id = ctx.who.user_id
        with self.services.sessions() as session:
            team_id = self._mentioned_team(session, user_id, ctx.parsed.mentions)
            view = build(session, user_id, team_id, None, kit.CHAT)
        try:
            ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
        except (SlackApiError, SlackClientError, OSError):
            log.exception("views.open failed for /mentor log")
            return kit.say(kit.SORRY)
        return None

    def _mentioned_team(
        self, session: Session, user_id: str, mentions: tuple[str, ...]
    ) -> int | None:
        if not mentions:
            return None
        for team in teams_of_member(session, user_id, self.program.id):
            if domain.partner(team, user_id).slack_id == mentions[0]:
                return team.id
        raise Refusal(f"You don't have a mentoring team with <@{mentions[0]}>.")

    def open_log(self, body: dict[str, Any], client: WebClient) -> None:
        team_id, month = _team_month(kit.value(body))
        with self.services.sessions() as session:
            view = self._log_modal(
                session, body["user"]["id"], team_id, month, kit.opened_from(body)
            )
        kit.show(client, body, view)

    def open_edit(self, body: dict[str, Any], client: WebClient) -> None:
        (entry_id,) = kit.ids(body, 1)
        user_id = body["user"]["id"]
        with self.services.sessions() as session:
            entry = store.get_log(session, entry_id)
            if entry is None:
                raise Refusal("I can't find that Communication Log entry.")
            team = self._filing_team(session, user_id, entry.team_id)
            today = self._today(session, user_id)
            domain.ensure_may_edit(self.program, entry, user_id, today)
            view = views.log_modal(
                topics=domain.topic_choices(self.program, today, entry.topic_month),
                today=today,
                metadata=Metadata(
                    team=team.id,
                    entry=entry.id,
                    version=entry.version,
                    opened=kit.opened_from(body),
                ).dump(),
                partner_id=domain.partner(team, user_id).slack_id,
                viewer_role=domain.member_role(team, user_id),
                mentor_closes=self.program.settings.log_completed_by != "either",
                entry=domain.shown_log(entry),
            )
        kit.show(client, body, view)

    def submit_log(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        user_id, view = body["user"]["id"], body["view"]
        state = view["state"]["values"]
        with transaction(self.services.sessions) as session:
            meta = kit.metadata(body)
            picked = form.selected_team(state, form.TEAM)
            if picked is not None and meta.entry is not None:
                raise Refusal(STALE_FORM)
            team = self._filing_team(session, user_id, picked if picked is not None else meta.team)
            today = self._today(session, user_id, team)
            data = form.parse_log(
                state,
                today=today,
                earliest=team.start_date,
                topic_months={t.month_id for t in self.program.topics},
            )
            now = self.services.clock()
            if meta.entry is None:
                entry, fresh = domain.file_log(
                    session, self.program, team, user_id, data, now, today, view_id=view["id"]
                )
                changed: list[str] = []
            else:
                entry = domain.entry_of_team(session, team, meta.entry)
                changed = domain.edit_log(
                    session,
                    self.program,
                    team,
                    entry,
                    user_id,
                    data,
                    now,
                    today,
                    expected_version=meta.version or 0,
                )
                entry = store.get_log(session, entry.id) or entry
                fresh = bool(changed)
            other = domain.partner(team, user_id).slack_id
        labels = [domain.FIELDS[name] for name in changed]
        shown = domain.shown_log(entry)
        ack(
            response_action="update",
            view=views.saved_view(shown, other, labels, edited=meta.entry is not None),
        )
        if fresh:
            after_ack(self._ask_to_confirm, client, other, shown, labels)

    def _ask_to_confirm(
        self, client: WebClient, partner: str, shown: domain.ShownLog, labels: list[str]
    ) -> None:
        """The partner's co-sign DM, written and sent after the ack (Slack's answer goes out
        once the listener returns: it waits for none of this)."""
        text, blocks = views.cosign_message(shown, self._topics(), labels)
        dm(self.services, client, partner, text, blocks)

    # --- quick check-in ----------------------------------------------------------------------

    def _check_in_modal(
        self,
        session: Session,
        user_id: str,
        team_id: int | None,
        _month: str | None,
        opened: str | None,
    ) -> dict[str, Any]:
        if team_id is not None:
            teams = [self._filing_team(session, user_id, team_id)]
        else:
            teams = self._my_teams(session, user_id)
        single = teams[0] if len(teams) == 1 else None
        return views.check_in_modal(
            today=self._today(session, user_id),
            metadata=Metadata(team=single.id if single else None, opened=opened).dump(),
            teams=self._choices(teams, user_id),
            partner_id=domain.partner(single, user_id).slack_id if single else None,
        )

    def open_check_in(self, body: dict[str, Any], client: WebClient) -> None:
        team_id, month = _team_month(kit.value(body))
        with self.services.sessions() as session:
            view = self._check_in_modal(
                session, body["user"]["id"], team_id, month, kit.opened_from(body)
            )
        kit.show(client, body, view)

    def submit_check_in(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        user_id, view = body["user"]["id"], body["view"]
        state = view["state"]["values"]
        with transaction(self.services.sessions) as session:
            meta = kit.metadata(body)
            picked = form.selected_team(state, form.CHECKIN_TEAM)
            team = self._filing_team(session, user_id, picked if picked is not None else meta.team)
            today = self._today(session, user_id, team)
            data = form.parse_check_in(state, today=today, earliest=team.start_date)
            domain.ensure_year_open(self.program, today)
            domain.record_check_in(
                session,
                team,
                user_id,
                data.conversation_date,
                data.mode,
                self.services.clock(),
                view_id=view["id"],
            )
            contacts = domain.contacts_by_month(session, team.id).get(
                domain.month_of(data.conversation_date), 0
            )
            other = domain.partner(team, user_id).slack_id
        minimum = self.program.settings.min_contacts_per_month
        ack(
            response_action="update",
            view=views.checked_in_view(
                team.id, other, data.conversation_date, data.mode, contacts, minimum
            ),
        )

    # --- co-signing --------------------------------------------------------------------------

    def _cosign_target(
        self, session: Session, body: dict[str, Any]
    ) -> tuple[Team, CommunicationLog, int, str]:
        entry_id, version = kit.ids(body, 2)
        user_id = body["user"]["id"]
        entry = store.get_log(session, entry_id)
        if entry is None:
            raise Refusal("I can't find that Communication Log entry.")
        team = self._filing_team(session, user_id, entry.team_id, doing="confirm")
        return team, entry, version, user_id

    def confirm(self, body: dict[str, Any], client: WebClient) -> None:
        with transaction(self.services.sessions) as session:
            team, entry, version, user_id = self._cosign_target(session, body)
            first_time = domain.confirm_log(
                session, team, entry, user_id, version, self.services.clock()
            )
            tz = self._tz(session, user_id)
            detail = self._detail(session, team, entry, user_id) if kit.in_modal(body) else None
        if not first_time:
            kit.tell(client, body, "You had already confirmed this entry. Thank you!")
        if detail is not None:
            _update_view(client, body, detail)
        else:
            text, blocks = views.cosign_answered_message(
                domain.shown_log(entry), self._topics(), tz
            )
            _update_message(client, body, text, blocks)

    def open_dispute(self, body: dict[str, Any], client: WebClient) -> None:
        with self.services.sessions() as session:
            team, entry, version, user_id = self._cosign_target(session, body)
            domain.ensure_may_dispute(team, entry, user_id, version)
            if entry.disputed_at is not None:
                raise Refusal(
                    f"You already told <@{entry.author}> something isn't right; they have your "
                    "comment and can edit the entry."
                )
            meta = Metadata(team=team.id, entry=entry.id, version=version).dump()
            view = views.dispute_modal(domain.shown_log(entry), self._topics(), meta)
        kit.show(client, body, view)

    def submit_dispute(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        user_id, view = body["user"]["id"], body["view"]
        comment = form.parse_dispute(view["state"]["values"])
        with transaction(self.services.sessions) as session:
            meta = kit.metadata(body)
            entry_id, version = meta.need("entry", "version")
            team = self._filing_team(session, user_id, meta.team, doing="confirm")
            entry = domain.entry_of_team(session, team, entry_id)
            first_time = domain.dispute_log(
                session, team, entry, user_id, version, comment, self.services.clock()
            )
        thanks = (
            f"Thank you. <@{entry.author}> has your comment and can edit the entry; "
            "the new version will come to you to confirm."
        )
        ack(response_action="update", view=views.refusal_view(thanks))
        if first_time:
            text, blocks = views.disputed_message(domain.shown_log(entry), self._topics())
            after_ack(dm, self.services, client, entry.author, text, blocks)

    # --- reading -----------------------------------------------------------------------------

    def _detail(
        self, session: Session, team: Team, entry: CommunicationLog, user_id: str
    ) -> dict[str, Any]:
        who = self._who(session, user_id)
        today = self._today(session, user_id)
        may_file = access.may_on_team(who, Action.FILE_TEAM_FORM, team)
        return views.entry_detail_modal(
            entry=domain.shown_log(entry),
            revisions=[domain.shown_log(r) for r in store.entry_history(session, entry)],
            header=_header(team),
            topics=self._topics(),
            tz=self._tz(session, user_id),
            today=today,
            can_edit=may_file
            and _allowed(domain.ensure_may_edit, self.program, entry, user_id, today),
            can_cosign=may_file and entry.author != user_id,
        )

    def view_entry(self, body: dict[str, Any], client: WebClient) -> None:
        (entry_id,) = kit.ids(body, 1)
        user_id = body["user"]["id"]
        with self.services.sessions() as session:
            entry = store.get_log(session, entry_id)
            if entry is None:
                raise Refusal("I can't find that Communication Log entry.")
            team = self._reading_team(session, user_id, entry.team_id)
            view = self._detail(session, team, entry, user_id)
        kit.show(client, body, view)

    def _list(
        self, session: Session, user_id: str, team: Team, page: int, month: str | None
    ) -> dict[str, Any]:
        total = store.count_team_logs(session, team.id, month=month)
        last_page = max(0, (total - 1) // views.PAGE_SIZE)
        page = min(page, last_page)
        entries = store.team_logs(
            session, team.id, month=month, offset=page * views.PAGE_SIZE, limit=views.PAGE_SIZE
        )
        who = self._who(session, user_id)
        return views.entry_list_modal(
            header=_header(team),
            entries=[domain.shown_log(e) for e in entries],
            topics=self._topics(),
            page=page,
            total=total,
            contacts=domain.contacts_by_month(session, team.id),
            minimum=self.program.settings.min_contacts_per_month,
            tz=self._tz(session, user_id),
            today=self._today(session, user_id),
            month=month,
            can_file=access.may_on_team(who, Action.FILE_TEAM_FORM, team),
        )

    def page(self, body: dict[str, Any], client: WebClient) -> None:
        parts = kit.value(body).split(":")
        month = parts[2] if len(parts) == 3 else None
        if len(parts) not in (2, 3) or (month is not None and not domain.is_month(month)):
            raise Refusal(STALE_BUTTON)
        team_id, page = (record_id(parts[0]), record_id(parts[1]) if parts[1] != "0" else 0)
        if team_id is None or page is None:
            raise Refusal(STALE_BUTTON)
        user_id = body["user"]["id"]
        with self.services.sessions() as session:
            team = self._reading_team(session, user_id, team_id)
            view = self._list(session, user_id, team, page, month)
        if body.get("view", {}).get("callback_id") == views.PAGE + "_view":
            _update_view(client, body, view)
        else:
            kit.show(client, body, view)

    def last_month(self, body: dict[str, Any], client: WebClient) -> None:
        team_id, month = _team_month(kit.value(body))
        if team_id is None or month is None:
            raise Refusal(STALE_FORM)
        user_id = body["user"]["id"]
        earlier = domain.previous_month(month)
        if self.program.topic_for(int(earlier[:4]), int(earlier[5:])) is None:
            raise Refusal(
                f"{views.month_name(month)} is the program's first topic month, "
                "so there's no earlier log yet."
            )
        with self.services.sessions() as session:
            team = self._reading_team(session, user_id, team_id)
            view = self._list(session, user_id, team, 0, earlier)
        kit.show(client, body, view)

    def logs_command(self, ctx: CommandContext) -> Answer | None:
        if ctx.services is not self.services:  # an earlier year's, asked with `--year`
            return _Listeners(ctx.services).logs_command(ctx)
        user_id = ctx.who.user_id
        with self.services.sessions() as session:
            who = self._who(session, user_id)
            if ctx.parsed.mentions:
                target = ctx.parsed.mentions[0]
                teams = teams_of_member(session, target, self.program.id)
                if not teams:
                    return kit.say(f"<@{target}> isn't a mentor or protégé on an active team.")
            else:
                teams = teams_of_member(session, user_id, self.program.id) + [
                    t
                    for t in store.teams_advised(session, user_id, self.program.id)
                    if domain.member_role(t, user_id) is None
                ]
                if not teams:
                    return kit.say(
                        "Name the mentor or protégé whose log you want: `/mentor logs @person`."
                    )
            readable = [t for t in teams if access.may_on_team(who, Action.READ_TEAM, t)]
            if not readable:
                return kit.say(
                    "A team's Communication Log is for its mentor and protégé, its content "
                    "advisor and program staff. You can see your own team's with `/mentor logs`."
                )
            if len(readable) > 1:
                return _team_picker(readable)
            view = self._list(session, user_id, readable[0], 0, None)
        try:
            ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
        except (SlackApiError, SlackClientError, OSError):
            log.exception("views.open failed for /mentor logs")
            return kit.say(kit.SORRY)
        return None


def home_blocks(
    session: Session, program: Program, team: Team, user_id: str, today: date
) -> list[Block]:
    """The Communication Log section of a member's Home tab (for the Home tab's builder).

    Its buttons are this module's actions, so the Home tab opens the log modal, the
    check-in and the entry list like the topic DM does.
    """
    topic = domain.default_topic(program, today)
    if topic is None or domain.member_role(team, user_id) is None:
        return []
    contacts = domain.contacts_by_month(session, team.id).get(topic.month_id, 0)
    return views.home_section(
        team_id=team.id,
        partner_id=domain.partner(team, user_id).slack_id,
        month=topic.month_id,
        logged=domain.log_exists_for_month(session, program, team.id, topic.month_id),
        contacts=contacts,
        minimum=program.settings.min_contacts_per_month,
    )


def _allowed(check: Callable[..., None], *args: Any) -> bool:
    """True when a domain check passes (it raises Refusal when not)."""
    try:
        check(*args)
    except Refusal:
        return False
    return True


# --- helpers that talk to Slack --------------------------------------------------------------


def _team_picker(teams: list[Team]) -> Answer:
    text = "Which team's Communication Log?"
    blocks = [section(f"*{text}*")]
    for team in teams[:40]:
        blocks.append(
            section(
                f"<@{team.mentor.slack_id}> (mentor) and <@{team.protege.slack_id}> (protégé)",
                accessory=button("Open", views.PAGE, f"{team.id}:0"),
            )
        )
    if len(teams) > 40:
        blocks.append(
            section(f"…and {len(teams) - 40} more: name one with `/mentor logs @person`.")
        )
    return text, blocks


def _header(team: Team) -> views.TeamHeader:
    return views.TeamHeader(team.id, team.mentor.slack_id, team.protege.slack_id)


def _update_message(
    client: WebClient, body: dict[str, Any], text: str, blocks: list[dict[str, Any]]
) -> None:
    container = body.get("container") or {}
    try:
        client.chat_update(
            channel=container["channel_id"], ts=container["message_ts"], text=text, blocks=blocks
        )
    except (SlackApiError, SlackClientError, OSError, KeyError):
        log.warning("could not update a co-sign message")


def _update_view(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    try:
        client.views_update(view_id=body["view"]["id"], view=view)
    except (SlackApiError, SlackClientError, OSError, KeyError):
        log.warning("could not update a Communication Log view")
