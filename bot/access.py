"""Every permission decision of the bot, in one place (DESIGN.md's access table).

Handlers ask here; hiding a button is never the check. A person's roles come from
configuration (bootstrap staff), grants in the database, and their active teams. Mentoring
is confidential: a team's records are for its members, its content advisor and staff.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from storage.models import Role, Team
from storage.people import TeamTies, roles_of


class Refusal(Exception):
    """The app's one polite no: `message` is what the person reads, and nothing has changed.

    `field` names the modal input the refusal concerns, so a submission shows it there (and
    Slack keeps what was typed); without one the kit picks the form's first input.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Action(enum.StrEnum):
    # Program-wide actions, decided by the person's roles alone.
    HELP = "help"
    SEE_TOPIC = "see_topic"
    SEE_CALENDAR = "see_calendar"
    REGISTER_TEAMS = "register_teams"  # pair, import
    OPEN_YEAR = "open_year"  # /mentor year: preview, then open the next school year
    GRANT_ROLES = "grant_roles"  # staff add/remove, advisor add/remove
    FILE_CONTACT_FORM = "file_contact_form"  # one's own contact details
    SEE_ALL_TEAMS = "see_all_teams"
    LOOK_UP_TEAMS = "look_up_teams"  # /mentor team: each card is then checked with READ_TEAM
    SEE_SILENT = "see_silent"  # /mentor silent: advisors see their teams, staff all
    # /mentor focal, decisions, plan: members file them, advisors and staff review them.
    INITIAL_FORMS = "initial_forms"
    # /mentor log, checkin, logs: open to anyone so a person without a team hears why not;
    # the team each one touches is then checked with FILE_TEAM_FORM or READ_TEAM.
    LOG_CONVERSATIONS = "log_conversations"
    LOOK_UP_LOGS = "look_up_logs"
    # /mentor experience, visit, pd, assessment and progress: open to anyone so a person
    # without a team hears why not; each team is then checked with FILE_TEAM_FORM (and the
    # member's role) or READ_TEAM.
    YEAR_FORMS = "year_forms"
    SEE_PROGRESS = "see_progress"
    # /mentor status and overdue: open to anyone so a person without a team hears why not;
    # the teams shown are the person's own, their advised ones, or all for staff.
    SEE_STATUS = "see_status"
    SEE_COMPLETERS = "see_completers"  # advisors (their teams) and staff (all)
    EXPORT_REPORTS = "export_reports"  # /mentor report: advisors (their teams) and staff (all)
    SET_PACE = "set_pace"  # one's own delivery time and away dates (the Home tab)
    # An advisor away names who gets their alerts: the one named must be able to answer them.
    COVER_ALERTS = "cover_alerts"
    # Team actions, decided by the person's relation to one team.
    READ_TEAM = "read_team"  # the team card, logs and forms
    FILE_TEAM_FORM = "file_team_form"  # logs, checklists, plan, experiences, reports
    APPROVE_PLAN = "approve_plan"
    MANAGE_TEAM = "manage_team"  # reassign, end
    EXPORT_TEAM = "export_team"
    RESPOND_TO_SILENCE = "respond_to_silence"  # the buttons of a silent-team alert
    RECORD_ATTENDANCE = "record_attendance"  # the program's meetings, from the team card
    ADVISOR_STEP = "advisor_step"  # mark one of the advisor's own steps for the team done


# Who may do what; "anyone" covers people the bot does not know yet.
_PROGRAM_RULES: dict[Action, frozenset[str]] = {
    Action.HELP: frozenset({"anyone"}),
    Action.SEE_TOPIC: frozenset({"anyone"}),
    Action.SEE_CALENDAR: frozenset({"anyone"}),
    Action.REGISTER_TEAMS: frozenset({"staff"}),
    Action.OPEN_YEAR: frozenset({"staff"}),
    Action.GRANT_ROLES: frozenset({"staff"}),
    Action.FILE_CONTACT_FORM: frozenset({"anyone"}),
    Action.SEE_ALL_TEAMS: frozenset({"staff"}),
    Action.LOOK_UP_TEAMS: frozenset({"anyone"}),
    Action.SEE_SILENT: frozenset({"advisor", "staff"}),
    Action.INITIAL_FORMS: frozenset({"mentor", "protege", "advisor", "staff"}),
    Action.LOG_CONVERSATIONS: frozenset({"anyone"}),
    Action.LOOK_UP_LOGS: frozenset({"anyone"}),
    Action.YEAR_FORMS: frozenset({"anyone"}),
    Action.SEE_PROGRESS: frozenset({"anyone"}),
    Action.SEE_STATUS: frozenset({"anyone"}),
    Action.SEE_COMPLETERS: frozenset({"advisor", "staff"}),
    Action.EXPORT_REPORTS: frozenset({"advisor", "staff"}),
    Action.SET_PACE: frozenset({"anyone"}),
    Action.COVER_ALERTS: frozenset({"advisor", "staff"}),
}

# Relations to a team: "member" (its mentor or protégé), "mentor", "protege",
# "team_advisor" (its content advisor), "staff".
_TEAM_RULES: dict[Action, frozenset[str]] = {
    Action.READ_TEAM: frozenset({"member", "team_advisor", "staff"}),
    Action.FILE_TEAM_FORM: frozenset({"member"}),
    Action.APPROVE_PLAN: frozenset({"team_advisor", "staff"}),
    Action.MANAGE_TEAM: frozenset({"staff"}),
    Action.EXPORT_TEAM: frozenset({"team_advisor", "staff"}),
    Action.RESPOND_TO_SILENCE: frozenset({"team_advisor", "staff"}),
    Action.RECORD_ATTENDANCE: frozenset({"team_advisor", "staff"}),
    Action.ADVISOR_STEP: frozenset({"team_advisor", "staff"}),
}


@dataclass(frozen=True)
class Viewer:
    """Who is asking, with every role they hold right now."""

    user_id: str
    roles: frozenset[str]

    @property
    def is_staff(self) -> bool:
        return "staff" in self.roles


def viewer(session: Session | Connection, user_id: str, bootstrap_staff: tuple[str, ...]) -> Viewer:
    roles = roles_of(session, user_id)
    if user_id in bootstrap_staff:
        roles.add(Role.STAFF.value)
    return Viewer(user_id, frozenset(roles))


def may(who: Viewer, action: Action) -> bool:
    """A program-wide action."""
    allowed = _PROGRAM_RULES[action]
    return "anyone" in allowed or bool(allowed & who.roles)


def roles_allowed(action: Action) -> frozenset[str]:
    """The roles a program-wide action is open to (for telling people who may)."""
    return _PROGRAM_RULES[action]


# What `/mentor help` lists, and under which heading. Some actions are open to "anyone"
# because each request is then checked against a team; help lists them only to someone who
# has a team to use them on.
FORMS, LOOK_UPS, MANAGING = "forms", "look-ups", "managing"
_FILING = frozenset(
    {Action.FILE_CONTACT_FORM, Action.LOG_CONVERSATIONS, Action.INITIAL_FORMS, Action.YEAR_FORMS}
)
_MEMBERS_ONLY = frozenset({Action.LOG_CONVERSATIONS, Action.YEAR_FORMS})  # one's own team
_MANAGING = frozenset({Action.REGISTER_TEAMS, Action.GRANT_ROLES, Action.EXPORT_REPORTS})
_WITHOUT_A_ROLE = frozenset(
    {Action.HELP, Action.SEE_TOPIC, Action.SEE_CALENDAR, Action.FILE_CONTACT_FORM}
)


def help_heading(who: Viewer, action: Action) -> str | None:
    """Where `/mentor help` lists a command with this action for `who`, or None when it is
    of no use to them (refused, or needing a team they are not on)."""
    if not may(who, action):
        return None
    member = bool({"mentor", "protege"} & who.roles)
    if not who.roles and action not in _WITHOUT_A_ROLE:
        return None
    if action in _MEMBERS_ONLY and not member:
        return None
    if action in _FILING and (member or action is Action.FILE_CONTACT_FORM):
        return FORMS
    return MANAGING if action in _MANAGING else LOOK_UPS


def relation(who: Viewer, team: Team | TeamTies) -> frozenset[str]:
    """How `who` stands to `team` (loaded, or read by id); an ended team keeps its people's
    read access."""
    mentor, protege, advisor = _people(team)
    found: set[str] = set()
    if mentor == who.user_id:
        found |= {"member", "mentor"}
    if protege == who.user_id:
        found |= {"member", "protege"}
    if advisor == who.user_id:
        found.add("team_advisor")
    if who.is_staff:
        found.add("staff")
    return frozenset(found)


def _people(team: Team | TeamTies) -> tuple[str, str, str | None]:
    """A team's mentor, protégé and content advisor by Slack id."""
    if isinstance(team, Team):
        advisor = team.advisor.slack_id if team.advisor is not None else None
        return team.mentor.slack_id, team.protege.slack_id, advisor
    return team.mentor, team.protege, team.advisor


# Answers over many teams of a program year (status and overdue, completers, reports): the
# relations to a team that put it in the answer. Completers and reports cover the teams
# someone answers for: staff every team, a content advisor the teams they advise now, not
# the teams they are a member of. An answer picks its teams here before it loads one: every
# team of the year (`covers_every_team`: nobody's ties read), or those of the asker's own
# teams, read by id (`TeamTies`), that `covered` keeps. Its head, its count and its rows
# then cover the same teams.
_ANSWERS_FOR = frozenset({"team_advisor", "staff"})
_COVERS: dict[Action, frozenset[str]] = {
    Action.SEE_STATUS: _TEAM_RULES[Action.READ_TEAM],
    Action.SEE_COMPLETERS: _ANSWERS_FOR,
    Action.EXPORT_REPORTS: _ANSWERS_FOR,
}

_Teams = TypeVar("_Teams", Team, TeamTies)


def covers_every_team(who: Viewer, action: Action) -> bool:
    """Whether `who`'s answer of `action` covers every team of the program year (staff's
    do): it is then counted over the year, no team read to decide."""
    return "staff" in _COVERS[action] and who.is_staff


def covered(who: Viewer, action: Action, teams: Iterable[_Teams]) -> list[_Teams]:
    """Those of `teams` (read by id, or loaded) that `who`'s answer of `action` covers."""
    allowed = _COVERS[action]
    return [team for team in teams if allowed & relation(who, team)]


# Separation of duties: what a team's content advisor signs or answers for (the plan's
# receipt and approval, a silent-team alert) is never done by one of the team's own members,
# even one who is program staff: nobody approves their own plan.
_NOT_BY_MEMBERS = frozenset(
    {Action.APPROVE_PLAN, Action.RESPOND_TO_SILENCE, Action.RECORD_ATTENDANCE}
)

OWN_TEAM = (
    "You are on this team yourself, so its content advisor or another member of program "
    "staff does this. Type `/mentor help` for what you can do."
)


CLOSED_YEAR = (
    "This team's program year is closed, so nothing more can be filed in it; its records "
    "stay readable (`/mentor logs --year`, `/mentor team --year`). Type `/mentor progress` "
    "for this year's steps."
)


def may_on_team(who: Viewer, action: Action, team: Team) -> bool:
    """A team action. Filing needs an active team of an open year: the records of an ended
    team, or of any team of a closed program year, are read-only."""
    if action is Action.FILE_TEAM_FORM and (team.status != "active" or team.closed_at):
        return False
    found = relation(who, team)
    if action in _NOT_BY_MEMBERS and "member" in found:
        return False
    return bool(_TEAM_RULES[action] & found)


def closed_refusal(who: Viewer, team: Team) -> str | None:
    """The polite no for a member filing into a team of a closed year; None otherwise."""
    if team.closed_at is not None and "member" in relation(who, team):
        return CLOSED_YEAR
    return None


def own_team_refusal(who: Viewer, action: Action, team: Team) -> str | None:
    """The polite no for someone who could act as a team's advisor (staff) but is on the team
    themselves; None otherwise, and the caller says who may."""
    found = relation(who, team)
    if action in _NOT_BY_MEMBERS and "member" in found and _TEAM_RULES[action] & found:
        return OWN_TEAM
    return None


def is_last_staff(staff_ids: frozenset[str], user_id: str) -> bool:
    """True when removing `user_id` would leave the program without staff."""
    return staff_ids == frozenset({user_id})
