"""Silent teams: alert the content advisor, remind, escalate to staff, and close the loop.

One alert per silent spell (named by the last activity date it began after); a reminder
7 days after the alert if nobody acted; an escalation to program staff 7 days after the
reminder if still nobody acted; a "back in touch" note to whoever was alerted once the team
shows activity again. A snooze holds the follow-ups until it ends. While the advisor's Slack
account is deactivated (or no DM reaches them), or for a team without an advisor, program
staff are told instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from bot.advisor.rules import escalated_item, quiet_item
from bot.advisor.views import TeamItem, resolved
from bot.program import Program
from bot.silence.rules import (
    Health,
    last_contact_detail,
    overdue_steps,
    season_end,
    silent_from,
    team_health,
)
from bot.silence.views import SilentTeam, alert_message, back_in_touch_message, escalation_message
from bot.slack.dates import human_date, local_instant, zone
from schedules.notice import Message, Notice
from storage import accounts, ledger
from storage.models import Person, Role
from storage.people import RosterTeam, find_person, get_team, granted_holders, roster
from storage.silence import SilenceAction, SilenceActionKind, actions_for

ALERT, REMINDER, ESCALATION, BACK = (
    "silence_alert",
    "silence_reminder",
    "silence_escalation",
    "silence_back",
)
FOLLOW_UP = timedelta(days=7)
USEFUL_FOR = timedelta(days=21)


def silence(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    today = now.astimezone(program.tz).date()
    if not program.start <= today <= season_end(program):
        return
    teams = roster(session, program.id)
    health = team_health(session, program, teams, today)
    sent = ledger.sent_of_kinds(session, (ALERT, REMINDER, ESCALATION))
    alerted = _alerted_spells(sent)
    firsts = _first_sent(sent)
    told = _told(sent)
    watched = [t for t in teams if health[t.id].silent or t.id in alerted]
    if not watched:
        return
    actions = actions_for(session, [t.id for t in watched])
    staff = sorted(granted_holders(session, Role.STAFF))
    advisors = {t.advisor.slack_id for t in watched if t.advisor is not None}
    gone = advisors & set(accounts.held(session))
    zones = {t.advisor.slack_id: t.advisor.tz for t in watched if t.advisor is not None}
    zones.update({slack_id: _zone_of(session, slack_id) for slack_id in staff})
    for team in watched:
        state = health[team.id]
        advisor = (
            team.advisor.slack_id if team.advisor and team.advisor.slack_id not in gone else None
        )
        if state.silent:
            yield from _spell_notices(
                session,
                program,
                team,
                state,
                advisor,
                staff,
                zones,
                sent,
                firsts,
                actions.get(team.id, []),
                now,
                today,
            )
        for spell in alerted.get(team.id, ()):
            if spell != state.spell:
                recipients = told.get((team.id, spell), set())
                yield from _back(program, team, spell, state, recipients, zones, sent, now, today)


def _alerted_spells(sent: dict[str, ledger.SentNotice]) -> dict[int, set[date]]:
    found: dict[int, set[date]] = {}
    for key in sent:
        _, team, spell = key.split(":")[:3]
        found.setdefault(int(team.removeprefix("team")), set()).add(date.fromisoformat(spell))
    return found


def _first_sent(sent: dict[str, ledger.SentNotice]) -> dict[str, datetime]:
    """When the first notice of each family went out, by key up to the spell ("silent:team4:
    2024-09-02"): looked up per team, where scanning every sent key made the duty O(n²)."""
    firsts: dict[str, datetime] = {}
    for key, notice in sent.items():
        prefix = ":".join(key.split(":")[:3])
        if prefix not in firsts or notice.sent_at < firsts[prefix]:
            firsts[prefix] = notice.sent_at
    return firsts


def _spell_notices(
    session: Session,
    program: Program,
    team: RosterTeam,
    state: Health,
    advisor: str | None,
    staff: list[str],
    zones: dict[str, str | None],
    sent: dict[str, ledger.SentNotice],
    firsts: dict[str, datetime],
    actions: list[SilenceAction],
    now: datetime,
    today: date,
) -> Iterator[Notice]:
    spell = state.last_activity
    acted = [a for a in actions if a.spell == spell and a.kind != SilenceActionKind.PARTNER_REPORT]
    snoozed_until = max(
        (a.until for a in acted if a.kind == SilenceActionKind.SNOOZED and a.until), default=None
    )
    reached_out = any(a.kind == SilenceActionKind.REACHED_OUT for a in acted)
    # Building the details costs queries per team: only for notices not sent yet (the
    # tick would drop the others), and here, while the duty's session is open.
    cache: list[SilentTeam] = []

    def details() -> SilentTeam:
        if not cache:
            cache.append(_details(session, program, team.id, state, today))
        return cache[0]

    recipients = [advisor] if advisor else staff
    start_day = silent_from(program, spell)
    alert_key = f"silent:team{team.id}:{spell.isoformat()}"
    for recipient in recipients:
        key = alert_key if recipient == advisor else f"{alert_key}:{recipient}"
        if key in sent:
            continue
        yield _notice(
            program,
            key,
            ALERT,
            (recipient, zones.get(recipient)),
            partial(alert_message, details(), spell, today),
            datetime.combine(start_day, program.settings.quiet_hours.end),
            item=lambda: quiet_item(details(), today),
        )
    first_alert = firsts.get(alert_key)
    if first_alert is None or reached_out:
        return
    hold = local_instant(snoozed_until, time(0), program.tz) if snoozed_until else None
    reminder_due = max(first_alert + FOLLOW_UP, hold) if hold else first_alert + FOLLOW_UP
    reminder_key = f"silentrem:team{team.id}:{spell.isoformat()}"
    if reminder_due > now:
        return  # not due yet (nor, then, the escalation)
    for recipient in recipients:
        key = reminder_key if recipient == advisor else f"{reminder_key}:{recipient}"
        if key in sent:
            continue
        yield _notice(
            program,
            key,
            REMINDER,
            (recipient, zones.get(recipient)),
            partial(alert_message, details(), spell, today, reminder=True),
            reminder_due,
            item=lambda: quiet_item(details(), today, reminder=True),
        )
    reminded = firsts.get(reminder_key)
    if reminded is None:
        return
    escalation_due = max(reminded + FOLLOW_UP, hold) if hold else reminded + FOLLOW_UP
    if escalation_due > now:
        return
    for recipient in staff:
        key = f"silentesc:team{team.id}:{spell.isoformat()}:{recipient}"
        if key in sent:
            continue
        yield _notice(
            program,
            key,
            ESCALATION,
            (recipient, zones.get(recipient)),
            partial(escalation_message, details(), advisor, spell, today),
            escalation_due,
            item=lambda: escalated_item(details(), advisor, today),
        )


def _told(sent: dict[str, ledger.SentNotice]) -> dict[tuple[int, date], set[str]]:
    """Who was alerted or escalated to, by (team, spell): reminders go to those alerted."""
    told: dict[tuple[int, date], set[str]] = {}
    for key, notice in sent.items():
        family, team, spell = key.split(":")[:3]
        if family in ("silent", "silentesc"):
            at = (int(team.removeprefix("team")), date.fromisoformat(spell))
            told.setdefault(at, set()).add(notice.recipient)
    return told


def _back(
    program: Program,
    team: RosterTeam,
    spell: date,
    state: Health,
    told: set[str],
    zones: dict[str, str | None],
    sent: dict[str, ledger.SentNotice],
    now: datetime,
    today: date,
) -> Iterator[Notice]:
    """Everyone alerted or escalated to about the spell sees, in the messages that told them,
    that it is over: the team's lines there are edited in place, not followed by a DM."""
    compose = partial(
        back_in_touch_message,
        team.mentor.slack_id,
        team.protege.slack_id,
        state.last_activity,
        today,
    )
    told_by = {
        f"{family}:team{team.id}:{spell.isoformat()}"
        for family in ("silent", "silentrem", "silentesc")
    }
    note = f"Back in touch: latest activity {human_date(state.last_activity)}."
    edit = partial(resolved, team_id=team.id, closing=note)
    for recipient in sorted(told):
        key = f"silentback:team{team.id}:{spell.isoformat()}:{recipient}"
        edits = tuple(
            sorted(
                k
                for k, notice in sent.items()
                if notice.recipient == recipient and ":".join(k.split(":")[:3]) in told_by
            )
        )
        yield _notice(
            program,
            key,
            BACK,
            (recipient, zones.get(recipient)),
            compose,
            now,
            edits=edits,
            edit=edit,
        )


def _details(
    session: Session, program: Program, team_id: int, state: Health, today: date
) -> SilentTeam:
    team = get_team(session, team_id)
    assert team is not None  # read in the same session as the roster that named it
    last = last_contact_detail(session, team.id)
    described = f"{last.mode} ({last.kind}) on {human_date(last.day, today)}" if last else None
    return SilentTeam(
        team_id=team.id,
        mentor=team.mentor.slack_id,
        protege=team.protege.slack_id,
        school_days_quiet=state.school_days_quiet,
        last_activity=state.last_activity,
        last_contact=described,
        overdue=overdue_steps(session, program, team, today),
    )


def _zone_of(session: Session, slack_id: str) -> str | None:
    person: Person | None = find_person(session, slack_id)
    return person.tz if person else None


def _notice(
    program: Program,
    key: str,
    kind: str,
    recipient: tuple[str, str | None],
    compose: Callable[[], Message],
    due: datetime,
    item: Callable[[], TeamItem] | None = None,
    edits: tuple[str, ...] = (),
    edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
) -> Notice:
    slack_id, tz = recipient
    if due.tzinfo is None:  # a local wall-clock time in the recipient's zone
        due = due.replace(tzinfo=zone(tz, program.tz))
    return Notice(
        key=key,
        kind=kind,
        recipient=slack_id,
        due_at=due,
        expires_at=due + USEFUL_FOR,
        compose=compose,
        tz=tz,
        item=item,
        edits=edits,
        edit=edit,
    )
