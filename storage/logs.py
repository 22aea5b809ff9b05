"""Communication Logs, with every revision of each entry, and quick "We talked" check-ins.

A log entry is one conversation between a mentor and protégé, in the manual's Communication
Log fields plus the minutes spent. Editing files a new revision (storage.revisions) and keeps
the earlier one; nothing here is ever deleted. Queries read current revisions only. Dates of
conversations are local dates; instants are UTC.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Subquery,
    Text,
    UniqueConstraint,
    bindparam,
    case,
    func,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Mapped, Session, make_transient_to_detached, mapped_column

from storage.db import among, column_rows, conflict_insert, scope_of
from storage.models import Base, Person, Team, TeamStatus, UtcDateTime, string_enum
from storage.revisions import Revised, current, history
from storage.standing import mark_changed


class LogMode(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    TEXT = "text"
    VIDEO = "video"
    IN_PERSON = "in_person"


def _mode_type() -> Enum:
    return string_enum(LogMode, "log_mode")


class CommunicationLog(Revised, Base):
    """One revision of a conversation's entry, as its author filed or edited it.

    An entry's revisions share `entry_id` (the id it is known by in Slack); every revision
    keeps the author, role and first filing time, and `edited_by`/`edited_at` say who made
    this revision and when (None on the first). Co-signing is per revision: an edit asks the
    partner again, and what they confirmed stays on the revision they confirmed.
    """

    __tablename__ = "communication_logs"
    __table_args__ = (
        Index("ix_communication_logs_team_month", "team_id", "topic_month"),
        Index("ix_communication_logs_team_date", "team_id", "conversation_date"),
        UniqueConstraint("view_id"),
        UniqueConstraint("entry_id", "version"),
    )
    filing_key = ("entry_id",)

    # The id of the entry's first row: set right after that row is inserted.
    entry_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    author: Mapped[str] = mapped_column(String(32))  # Slack id
    author_role: Mapped[str] = mapped_column(String(16))  # "mentor" or "protege" when filed
    conversation_date: Mapped[date] = mapped_column(Date)
    mode: Mapped[LogMode] = mapped_column(_mode_type())
    topic_month: Mapped[str] = mapped_column(String(7))  # "YYYY-MM"
    help_needed: Mapped[str] = mapped_column(Text)
    ideas_discussed: Mapped[str] = mapped_column(Text)
    minutes: Mapped[int] = mapped_column(Integer)
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    edited_by: Mapped[str | None] = mapped_column(String(32))
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(String(32))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    disputed_by: Mapped[str | None] = mapped_column(String(32))
    disputed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    dispute_comment: Mapped[str | None] = mapped_column(Text)
    # The Slack view that filed it: a retried submission finds its entry instead of a twin.
    view_id: Mapped[str | None] = mapped_column(String(32))


class CheckIn(Base):
    """A quick "We talked": a contact without the full Communication Log."""

    __tablename__ = "check_ins"
    __table_args__ = (
        Index("ix_check_ins_team_date", "team_id", "conversation_date"),
        UniqueConstraint("view_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    person: Mapped[str] = mapped_column(String(32))  # Slack id of who recorded it
    conversation_date: Mapped[date] = mapped_column(Date)
    mode: Mapped[LogMode] = mapped_column(_mode_type())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    view_id: Mapped[str | None] = mapped_column(String(32))


# --- queries ---------------------------------------------------------------------------------

# Every query of entries reads their current revisions: earlier ones are history.
IS_CURRENT = CommunicationLog.superseded_at.is_(None)


def get_log(session: Session, log_id: int) -> CommunicationLog | None:
    """The current revision of the entry that row `log_id` belongs to: a Slack message keeps
    the id of the revision it showed, and its buttons lead to the entry as it is now."""
    row = session.get(CommunicationLog, log_id)
    return None if row is None else current(session, CommunicationLog, entry_id=row.entry_id)


def entry_history(session: Session, entry: CommunicationLog) -> list[CommunicationLog]:
    """Every revision of the entry, oldest first (the last is the current one)."""
    return history(session, CommunicationLog, entry_id=entry.entry_id)


def log_by_view(session: Session, view_id: str) -> CommunicationLog | None:
    """The entry the modal `view_id` filed, as it is now."""
    first = session.scalars(
        select(CommunicationLog).where(CommunicationLog.view_id == view_id)
    ).one_or_none()
    return None if first is None else get_log(session, first.id)


# The statements of a filing: Core statements on the table, built once, with the values
# bound at each run (building one cost about as much as running it, and the ORM's insert
# path twice the Core one's). The standing's watch sees neither: `insert_entry` marks the
# standing once for both.
_TABLE = Base.metadata.tables[CommunicationLog.__tablename__]
_INSERTS: dict[tuple[str, tuple[str, ...]], Any] = {}  # per backend and set of columns
_OWN_ENTRY_ID = (
    update(_TABLE).where(_TABLE.c.id == bindparam("row")).values(entry_id=bindparam("row"))
)


def _insert(session: Session, columns: tuple[str, ...]) -> Any:
    key = (session.get_bind().dialect.name, columns)
    if key not in _INSERTS:
        _INSERTS[key] = (
            conflict_insert(session, _TABLE)
            .values({column: bindparam(column) for column in columns})
            .on_conflict_do_nothing(index_elements=["view_id"])
            .returning(*_TABLE.c)
        )
    return _INSERTS[key]


def insert_entry(session: Session, **values: Any) -> CommunicationLog | None:
    """File a new entry's first revision, known by its own id (`entry_id`); None, with
    nothing written, when its `view_id` filed an entry already (a concurrent repeat).

    Three statements from the first write to the commit, which is as long as SQLite's one
    writer is held: the insert (an upsert that returns the row), the entry's id, and its
    team's standing marked stale. The ORM's flush would take six (a savepoint for the
    duplicate, the insert, the standing, the savepoint's release, the entry's id, the
    standing again), and under load each statement waits its turn for the interpreter.
    """
    row = session.execute(_insert(session, tuple(values)), values).one_or_none()
    if row is None:
        return None
    session.execute(_OWN_ENTRY_ID, {"row": row.id})
    # The entry as stored, in the session like one it had read.
    entry = CommunicationLog(**{**row._mapping, "entry_id": row.id})
    make_transient_to_detached(entry)
    session.add(entry)
    mark_changed(session, [entry.team_id])
    return entry


def check_in_by_view(session: Session, view_id: str) -> CheckIn | None:
    return session.scalars(select(CheckIn).where(CheckIn.view_id == view_id)).one_or_none()


def team_logs(
    session: Session, team_id: int, *, month: str | None = None, offset: int = 0, limit: int = 10
) -> list[CommunicationLog]:
    """A team's entries, newest conversation first."""
    query = select(CommunicationLog).where(CommunicationLog.team_id == team_id, IS_CURRENT)
    if month is not None:
        query = query.where(CommunicationLog.topic_month == month)
    query = query.order_by(
        CommunicationLog.conversation_date.desc(),
        CommunicationLog.filed_at.desc(),
        CommunicationLog.entry_id.desc(),
    )
    return list(session.scalars(query.offset(offset).limit(limit)))


def count_team_logs(session: Session, team_id: int, *, month: str | None = None) -> int:
    query = select(func.count()).where(CommunicationLog.team_id == team_id, IS_CURRENT)
    if month is not None:
        query = query.where(CommunicationLog.topic_month == month)
    return session.scalar(query) or 0


def closing(completed_by: str) -> tuple[ColumnElement[bool], ColumnElement[Any]]:
    """Which entries close their month's Communication Log, and from when, by the program's
    `log_completed_by`: "mentor" (the mentor filed it, or co-signed the protégé's: the
    co-signer is always the other member), "both" (co-signed) or "either" (any entry)."""
    confirmed = CommunicationLog.confirmed_at.is_not(None)
    if completed_by == "both":
        return confirmed, CommunicationLog.confirmed_at.expression
    if completed_by == "mentor":
        by_mentor = CommunicationLog.author_role == "mentor"
        return (
            by_mentor | confirmed,
            case((by_mentor, CommunicationLog.filed_at), else_=CommunicationLog.confirmed_at),
        )
    return true().self_group(), CommunicationLog.filed_at.expression


def teams_with_log(
    session: Session, team_ids: Iterable[int], month: str, completed_by: str
) -> set[int]:
    """Which of `team_ids` have an entry closing topic month `month` ("YYYY-MM")."""
    ids = list(team_ids)
    if not ids:
        return set()
    closes, _ = closing(completed_by)
    return set(
        session.scalars(
            select(CommunicationLog.team_id)
            .where(
                CommunicationLog.team_id.in_(ids),
                CommunicationLog.topic_month == month,
                IS_CURRENT,
                closes,
            )
            .distinct()
        )
    )


def months_closed(
    session: Session, team_ids: Iterable[int], completed_by: str
) -> dict[tuple[int, str], datetime]:
    """(team id, topic month) -> when the month's Communication Log was first closed."""
    rows = column_rows(session, _months_closed(completed_by), {"team_ids": list(team_ids)}).all()
    return {(team_id, month): at for team_id, month, at in rows}


@functools.cache
def _months_closed(completed_by: str) -> Select[int, str, Any]:
    """`months_closed`'s statement, built once for each rule (the team ids bound at each run):
    every member's `/mentor help` and Home tab ask it."""
    closes, closed_at = closing(completed_by)
    return (
        select(CommunicationLog.team_id, CommunicationLog.topic_month, func.min(closed_at))
        .where(CommunicationLog.team_id.in_(bindparam("team_ids", expanding=True)))
        .where(IS_CURRENT, closes)
        .group_by(CommunicationLog.team_id, CommunicationLog.topic_month)
    )


def contact_dates(
    team_ids: list[int] | None, first: date | None = None, last: date | None = None
) -> Subquery:
    """(team_id, day) of every log entry and check-in of these teams (None: all teams),
    between `first` and `last` when given: a subquery to aggregate."""
    logs = select(
        CommunicationLog.team_id.label("team_id"),
        CommunicationLog.conversation_date.label("day"),
    ).where(among(CommunicationLog.team_id, team_ids), IS_CURRENT)
    checks = select(CheckIn.team_id.label("team_id"), CheckIn.conversation_date.label("day")).where(
        among(CheckIn.team_id, team_ids)
    )
    if first is not None and last is not None:
        logs = logs.where(CommunicationLog.conversation_date.between(first, last))
        checks = checks.where(CheckIn.conversation_date.between(first, last))
    return union_all(logs, checks).subquery()


def contact_days(session: Session, team_id: int) -> set[date]:
    """Every day on which the team recorded a contact (a log entry or a check-in)."""
    contacts = contact_dates([team_id])
    return set(session.scalars(select(contacts.c.day).distinct()))


def last_contact_dates(session: Session, team_ids: Iterable[int]) -> dict[int, date]:
    """For each team with any contact, the newest conversation date of a log or check-in
    (with many teams asked for, other teams' dates may come back too)."""
    ids = list(team_ids)
    if not ids:
        return {}
    contacts = contact_dates(scope_of(ids))
    rows = session.execute(
        select(contacts.c.team_id, func.max(contacts.c.day)).group_by(contacts.c.team_id)
    )
    return {team_id: day for team_id, day in rows}


def teams_advised(session: Session, slack_id: str, program_id: str) -> list[Team]:
    """Active teams whose content advisor is `slack_id`."""
    person_id = select(Person.id).where(Person.slack_id == slack_id).scalar_subquery()
    return list(
        session.scalars(
            select(Team)
            .where(
                Team.status == TeamStatus.ACTIVE,
                Team.program_id == program_id,
                Team.advisor_id == person_id,
            )
            .order_by(Team.id)
        )
    )


def person_tz(session: Session, slack_id: str) -> str | None:
    """The person's timezone name as stored (None when unknown): dates are theirs."""
    return session.scalar(select(Person.tz).where(Person.slack_id == slack_id))
