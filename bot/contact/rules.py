"""The Contact Form's rules: whose filing counts for which program year, and when a team's
Contact Form step is done.

The form is each person's own, but the step is the team's and belongs to one program year: a
filing from last year does not count for this one (the manual's calendar asks for it at each
year's first meeting, with a link per year). A mentor change does not undo the step: when the
protégé and the team's mentor at the time had both filed, the team's Contact Form stays done,
and the new mentor is asked for theirs without the team turning overdue (what a coordinator
expects: the team did its step; the new person only owes their own details).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.contact.form import fields_for
from bot.contact.views import AdvisorContact
from bot.program import Program
from bot.slack.text import typed
from storage.models import Person
from storage.people import roles_of
from storage.teams import active_teams_of


def filed_this_year(program: Program, filed_at: datetime | None) -> datetime | None:
    """`filed_at` when it falls in the program year, else None."""
    if filed_at is None:
        return None
    day = filed_at.astimezone(program.tz).date()
    return filed_at if program.start <= day <= program.end else None


def filing_time(program: Program, filed_at: datetime | None, now: datetime) -> datetime:
    """What a person's filing stores: the first filing of this program year stays; a filing
    from an earlier year gives way to this one."""
    return filed_this_year(program, filed_at) or now


def team_contact_done(
    program: Program, protege: Person, mentors: Iterable[Person]
) -> tuple[datetime | None, tuple[str, ...]]:
    """When the team's Contact Form step was done (the protégé's filing and the first of its
    mentors', this program year), and otherwise who still holds it ("mentor", "protege")."""
    protege_at = filed_this_year(program, protege.contact_filed_at)
    mentor_at = min(
        (at for m in mentors if (at := filed_this_year(program, m.contact_filed_at))),
        default=None,
    )
    if protege_at is not None and mentor_at is not None:
        return max(protege_at, mentor_at), ()
    holders = (("mentor",) if mentor_at is None else ()) + (
        ("protege",) if protege_at is None else ()
    )
    return None, holders


def asked_of(session: Session, slack_id: str) -> tuple[str, ...]:
    """The fields of the person's Contact Form, by the roles they hold now."""
    roles = roles_of(session, slack_id)
    return fields_for(member=bool({"mentor", "protege"} & roles), advisor="advisor" in roles)


def advisor_contacts(session: Session, program: Program, slack_id: str) -> list[AdvisorContact]:
    """The content advisors' blocks of the person's active teams (not their own), each once."""
    advisors: dict[str, Person] = {}
    for team in active_teams_of(session, slack_id, program.id):
        if team.advisor is not None and team.advisor.slack_id != slack_id:
            advisors.setdefault(team.advisor.slack_id, team.advisor)
    return [advisor_contact(person) for person in advisors.values()]


def advisor_contact(person: Person) -> AdvisorContact:
    return AdvisorContact(
        person.slack_id,
        typed(person.name),
        typed(person.cell_phone),
        typed(person.email),
        typed(person.mailing_address),
        typed(person.city_state_zip),
        person.contact_filed_at is not None,  # once, for every team and year
    )
