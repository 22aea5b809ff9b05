"""`mentorbot forget` and `mentorbot export --person`: what they may do and what they change.

Both are audited in `privacy_requests`: who asked (a Slack id, or "self"), when, and whom
(a forgetting by the pseudonym only; an export by the person's Slack id, which a later
forgetting replaces like every other).

Forgetting keeps every row (the program's counts, dates and hours), puts a pseudonym where
the person's Slack id was, replaces the free text they wrote and clears their contact
details. It runs in one transaction: a dry run (the default) rolls it back and reports what
would change, `--yes` commits it with an audit record of who asked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.platform.config import SLACK_USER_ID
from bot.privacy import PrivacyError
from storage import privacy
from storage.models import Team, TeamStatus
from storage.people import find_person
from storage.privacy import Changes, PrivacyRequest

SELF = "self"  # requested_by when the person asked to be forgotten themselves


@dataclass(frozen=True)
class Forgetting:
    slack_id: str
    pseudonym: str
    changes: Changes
    done: bool  # False: a dry run, nothing changed
    request_id: int | None

    @property
    def total(self) -> int:
        return sum(self.changes.values())


def checked_slack_id(option: str, value: str) -> str:
    if not SLACK_USER_ID.match(value):
        raise PrivacyError(f"{option} must be a Slack user id (like U0123ABCD), got {value!r}")
    return value


def forget(
    factory: sessionmaker[Session],
    slack_id: str,
    requested_by: str | None,
    configured_staff: tuple[str, ...],
    now: datetime,
    *,
    apply: bool,
) -> Forgetting:
    checked_slack_id("SLACK_ID", slack_id)
    asker = checked_asker(requested_by, slack_id)
    if slack_id in configured_staff:
        raise PrivacyError(f"{slack_id} is in MENTORBOT_STAFF: take them out of it first")
    with factory() as session:
        person = find_person(session, slack_id)
        if person is None:
            raise PrivacyError(f"no one with Slack id {slack_id} is stored")
        active = _active_teams(session, person.id)
        if active:
            listed = ", ".join(str(team_id) for team_id in active)
            raise PrivacyError(
                f"{slack_id} is in active team(s) {listed}: end the team or replace them first"
            )
        request = PrivacyRequest(kind="forget", requested_by=asker, done_at=now, changes=0)
        session.add(request)
        session.flush()
        pseudonym = f"{privacy.PSEUDONYM_PREFIX}{request.id}"
        changes = privacy.remove_text(session, slack_id, person.id)
        changes.update(privacy.clear_contact(session, person.id))
        changes.update(privacy.replace_addresses(session, slack_id, pseudonym))
        for where, rows in privacy.replace_slack_id(session, slack_id, pseudonym).items():
            changes[where] = changes.get(where, 0) + rows
        request.pseudonym = pseudonym
        request.changes = sum(changes.values())
        if apply:
            session.commit()
        else:
            session.rollback()
        return Forgetting(slack_id, pseudonym, changes, apply, request.id if apply else None)


def checked_asker(requested_by: str | None, slack_id: str) -> str:
    """Who asked, as the audit records it: a Slack id, or SELF."""
    if requested_by is None:
        raise PrivacyError("--requested-by is required: the Slack id of whoever asked")
    checked_slack_id("--requested-by", requested_by)
    return SELF if requested_by == slack_id else requested_by


def _active_teams(session: Session, person_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Team.id)
            .where(
                Team.status == TeamStatus.ACTIVE,
                or_(
                    Team.mentor_id == person_id,
                    Team.protege_id == person_id,
                    Team.advisor_id == person_id,
                ),
            )
            .order_by(Team.id)
        )
    )


def forgetting_lines(forgetting: Forgetting) -> list[str]:
    if forgetting.done:
        head = (
            f"forgot {forgetting.slack_id}: now {forgetting.pseudonym}, "
            f"{forgetting.total} value(s) changed (audit record #{forgetting.request_id})"
        )
    else:
        head = (
            f"dry run: forgetting {forgetting.slack_id} would change {forgetting.total} "
            "value(s); add --yes to do it"
        )
    return [head] + [f"  {where}: {rows}" for where, rows in sorted(forgetting.changes.items())]


def export_person(
    factory: sessionmaker[Session], slack_id: str, requested_by: str | None, now: datetime
) -> tuple[str, int]:
    """Everything stored about the person, as JSON, and the id of the audit record that
    says who asked for it, when (the record is written with the export, in one transaction)."""
    checked_slack_id("--person", slack_id)
    asker = checked_asker(requested_by, slack_id)
    with factory() as session, session.begin():
        person = find_person(session, slack_id)
        if person is None:
            raise PrivacyError(f"no one with Slack id {slack_id} is stored")
        tables = privacy.rows_about(session, slack_id, person.id)
        request = PrivacyRequest(
            kind="export",
            subject=slack_id,
            requested_by=asker,
            done_at=now,
            changes=sum(len(rows) for rows in tables.values()),
        )
        session.add(request)
        session.flush()
        request_id = request.id
    document = {"slack_id": slack_id, "exported_at": now.isoformat(), "tables": tables}
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return text, request_id
