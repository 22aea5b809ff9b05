"""The tables. Instants are stored in UTC; program calendar dates are local dates.

Nothing here is deleted by a user action: ended teams and revoked grants keep their rows,
marked with who and when.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store instants as aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(enum.StrEnum):
    STAFF = "staff"
    ADVISOR = "advisor"


class TeamStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class DeliveryStatus(enum.StrEnum):
    CLAIMED = "claimed"  # a sender holds it until lease_until
    SENT = "sent"
    RETRY = "retry"  # a transient failure; try again at next_attempt_at
    FAILED = "failed"  # a permanent failure; never retried
    SKIPPED = "skipped"  # its moment passed before it could go out
    HELD = "held"  # its recipient's Slack account is deactivated: sent if it comes back


def string_enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings: adding a member later needs no type migration on PostgreSQL.
    return Enum(cls, name=name, native_enum=False, length=16, values_callable=_values)


def _values(cls: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in cls]


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    tz: Mapped[str | None] = mapped_column(String(64))
    # The manual's Mentor/Protégé Contact Form.
    school_name_address: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    email_checked: Mapped[str | None] = mapped_column(String(32))
    school_phone: Mapped[str | None] = mapped_column(String(40))
    cell_phone: Mapped[str | None] = mapped_column(String(40))
    preferred_contact: Mapped[str | None] = mapped_column(String(16))
    admin_name: Mapped[str | None] = mapped_column(String(200))
    admin_email: Mapped[str | None] = mapped_column(String(320))
    admin_phone: Mapped[str | None] = mapped_column(String(40))
    # The form's content advisor block adds these to name, cell phone and e-mail.
    mailing_address: Mapped[str | None] = mapped_column(String(300))
    city_state_zip: Mapped[str | None] = mapped_column(String(120))
    contact_filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RoleGrant(Base):
    __tablename__ = "role_grants"
    __table_args__ = (Index("ix_role_grants_person_role", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[Role] = mapped_column(string_enum(Role, "role"))
    granted_by: Mapped[str | None] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(32))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    person: Mapped[Person] = relationship()


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (Index("ix_teams_status", "status"), UniqueConstraint("carried_from_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[str] = mapped_column(String(64))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    protege_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    area: Mapped[str] = mapped_column(String(64))
    track: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[TeamStatus] = mapped_column(string_enum(TeamStatus, "team_status"))
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(32))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    end_reason: Mapped[str | None] = mapped_column(Text)
    # Year two's team points at the year-one team it continues (the same people).
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    # Set when its program year is closed: its records stay readable, nothing more is filed.
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Set while the team is paused (leave of absence): one conditional update begins or
    # ends a pause (storage.teams.set_paused); team_changes keeps every pause's history.
    paused_since: Mapped[datetime | None] = mapped_column(UtcDateTime())

    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])
    protege: Mapped[Person] = relationship(foreign_keys=[protege_id])
    advisor: Mapped[Person | None] = relationship(foreign_keys=[advisor_id])


class ProgramYear(Base):
    """A program file the deployment has run: opened for its year, closed after it. Its text
    is kept so a closed year's records stay readable once the deployment runs the next file."""

    __tablename__ = "program_years"
    __table_args__ = (UniqueConstraint("program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[str] = mapped_column(String(64))
    school_year: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    follows: Mapped[str | None] = mapped_column(String(64))  # the program it was opened from
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    opened_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(64))


class Delivery(Base):
    """The delivery ledger: one row per outgoing notice, claimed before it is sent.

    The unique `key` is the exactly-once guarantee across ticks, restarts and instances.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_deliveries_status_next", "status", "next_attempt_at"),
        # "who heard from the bot today": today's sends, not the year's
        Index("ix_deliveries_status_finished", "status", "finished_at"),
        # a person's latest message about a step (news edits it: bot.accounts.direct)
        Index("ix_deliveries_recipient_finished", "recipient", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(32))
    status: Mapped[DeliveryStatus] = mapped_column(string_enum(DeliveryStatus, "delivery_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(200))


class TeamChange(Base):
    """The history of a team's membership: who held which role from when, who changed it."""

    __tablename__ = "team_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # mentor, protege, advisor, status
    old_value: Mapped[str | None] = mapped_column(String(64))  # a Slack id or a status
    new_value: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
