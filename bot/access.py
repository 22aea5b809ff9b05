"""Every permission decision of the bot, in one place (DESIGN.md's access table).

Handlers ask here; hiding a button is never the check. A person's roles come from
configuration (bootstrap staff), grants in the database, and their active teams.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage.models import Role
from storage.people import granted_roles, team_roles


class Action(enum.StrEnum):
    HELP = "help"
    SEE_TOPIC = "see_topic"
    SEE_CALENDAR = "see_calendar"
    REGISTER_TEAMS = "register_teams"
    GRANT_ROLES = "grant_roles"


# Who may do what; "anyone" covers people the bot does not know yet.
_ALLOWED: dict[Action, frozenset[str]] = {
    Action.HELP: frozenset({"anyone"}),
    Action.SEE_TOPIC: frozenset({"anyone"}),
    Action.SEE_CALENDAR: frozenset({"anyone"}),
    Action.REGISTER_TEAMS: frozenset({"staff"}),
    Action.GRANT_ROLES: frozenset({"staff"}),
}


@dataclass(frozen=True)
class Viewer:
    """Who is asking, with every role they hold right now."""

    user_id: str
    roles: frozenset[str]

    @property
    def is_staff(self) -> bool:
        return "staff" in self.roles


def viewer(session: Session, user_id: str, bootstrap_staff: tuple[str, ...]) -> Viewer:
    roles = {str(role) for role in granted_roles(session, user_id)} | team_roles(session, user_id)
    if user_id in bootstrap_staff:
        roles.add(Role.STAFF.value)
    return Viewer(user_id, frozenset(roles))


def may(who: Viewer, action: Action) -> bool:
    allowed = _ALLOWED[action]
    return "anyone" in allowed or bool(allowed & who.roles)
