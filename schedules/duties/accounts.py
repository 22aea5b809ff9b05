"""Program staff hear, once for each time it happens, that a team member's Slack account is
deactivated, or that no DM reaches them (Slack answered an error about them), with the
buttons that replace them or end the team. Their own notices are held meanwhile (the tick);
an advisor's silence alerts go to staff (the silence duty)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session

from bot.accounts.views import Seat, deactivated_message
from bot.program import Program
from schedules.notice import Notice
from storage import accounts
from storage.models import Role, Team
from storage.people import find_person, granted_holders
from storage.teams import active_teams_of

KIND = "deactivated"
UNREACHABLE = "unreachable"  # no DM reaches the person: staff hear it as they do a deactivation
USEFUL_FOR = timedelta(days=30)


def deactivated_members(session: Session, program: Program, now: datetime) -> Iterator[Notice]:
    gone = accounts.held(session)
    if not gone:
        return
    staff = sorted(granted_holders(session, Role.STAFF))
    zones = {slack_id: _zone_of(session, slack_id) for slack_id in staff}
    for member, hold in sorted(gone.items()):
        seats = [
            Seat(team.id, role, team.mentor.slack_id, team.protege.slack_id)
            for team in active_teams_of(session, member, program.id)
            for role in _roles(team, member)
        ]
        if not seats:
            continue
        since = hold.since
        compose = partial(deactivated_message, member, seats, hold.error)
        kind = KIND if hold.error is None else UNREACHABLE
        # Named by the instant it was learned: deactivated again after a reactivation, the
        # account is news again.
        spell = since.strftime("%Y%m%dT%H%M%S")
        for recipient in staff:
            yield Notice(
                key=f"{kind}:{member}:{spell}:{recipient}",
                kind=kind,
                recipient=recipient,
                due_at=since,
                expires_at=since + USEFUL_FOR,
                compose=compose,
                tz=zones[recipient],
            )


def _roles(team: Team, slack_id: str) -> list[str]:
    seats = {"mentor": team.mentor, "protege": team.protege, "advisor": team.advisor}
    return [role for role, person in seats.items() if person and person.slack_id == slack_id]


def _zone_of(session: Session, slack_id: str) -> str | None:
    person = find_person(session, slack_id)
    return person.tz if person else None
