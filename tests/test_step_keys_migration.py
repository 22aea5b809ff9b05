"""Migration 0009: ledger rows written with 0008's keys (deadline ids, no year) keep their
meaning, so a notice already sent is not sent again after the upgrade.

A control database at head runs the real tick through a year's deadline notices; the database
under test, at 0008, gets the same ledger rows with the keys as 0008's code wrote them; after
the upgrade its keys are the control's, and the tick at the same instants sends nothing.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from alembic import command
from sqlalchemy import insert, select

from bot.platform.slack_client import scheduler_client
from schedules.tick import tick
from storage.db import alembic_config, make_engine, make_session_factory, transaction, upgrade
from storage.models import Delivery, DeliveryStatus, Person, Team
from tests.conftest import make_settings
from tests.test_experiences_domain import ADVISOR, MENTOR, PROTEGE, make_team

migration = importlib.import_module("storage.migrations.versions.0009_step_keys")

CHICAGO = ZoneInfo("America/Chicago")
# A deadline nudge, the advisor's overdue notice, a semester note and the survey invitation.
INSTANTS = [
    datetime(2024, 10, 18, 8, 0, tzinfo=CHICAGO),
    datetime(2024, 10, 22, 8, 0, tzinfo=CHICAGO),
    datetime(2024, 12, 13, 8, 0, tzinfo=CHICAGO),
    datetime(2025, 4, 7, 8, 0, tzinfo=CHICAGO),
]
COPIED = (
    "kind",
    "recipient",
    "status",
    "attempts",
    "due_at",
    "expires_at",
    "claimed_at",
    "lease_until",
    "next_attempt_at",
    "finished_at",
    "channel",
    "ts",
    "error",
)


def run_year(factory, program, api_url: str):
    client = scheduler_client(make_settings("sqlite://", api_url))
    return [tick(factory, client, program, now.astimezone(UTC)) for now in INSTANTS]


def ledger_rows(factory) -> list[Delivery]:
    with factory() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def test_rows_keyed_as_0008_wrote_them_are_not_sent_again(
    database_url, tmp_path, standin, program
) -> None:
    fake, api_url = standin
    control_url = f"sqlite:///{tmp_path / 'control.db'}"
    upgrade(control_url)
    control = make_session_factory(make_engine(control_url))
    team = make_team(control, program)
    run_year(control, program, api_url)
    sent = ledger_rows(control)
    assert sent and fake.messages_to(PROTEGE) and fake.messages_to(ADVISOR)

    old_keys = {row.key: migration.old_key(row.key) or row.key for row in sent}
    # The formats 0008's duties wrote, spelled out.
    assert {
        f"nudge:team{team}:experience-1-send:{PROTEGE}:d3",
        f"overdue:team{team}:experience-1-send",
        f"semester:semester-1-progress:{ADVISOR}:1",
        f"survey:team{team}:{PROTEGE}:invite",
    } <= set(old_keys.values())

    command.downgrade(alembic_config(database_url), "0008")
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    assert team_at_0008(factory, program) == team
    with transaction(factory) as session:
        for row in sent:
            values = {column: getattr(row, column) for column in COPIED}
            session.add(Delivery(key=old_keys[row.key], **values))

    upgrade(database_url)
    assert [row.key for row in ledger_rows(factory)] == [row.key for row in sent]
    before = {channel: len(fake.messages_to(channel)) for channel in (PROTEGE, ADVISOR)}
    again = run_year(factory, program, api_url)
    assert [o for result in again for o in result.outcomes if o.status == DeliveryStatus.SENT] == []
    assert {channel: len(fake.messages_to(channel)) for channel in (PROTEGE, ADVISOR)} == before
    engine.dispose()


def test_the_rewrite_is_undone_by_the_downgrade() -> None:
    at = datetime(2024, 10, 22, 13, tzinfo=UTC)
    for old, new in (
        ("nudge:team4:contact-form:U1:d3", "nudge:team4:2024-25:contact_form:U1:d3"),
        ("overdue:team4:survey", "overdue:team4:2024-25:survey-answer"),
        ("semester:semester-2-progress:U9:2", "semester:2024-25:semester_progress-2:U9:2"),
        ("survey:team4:U1:remind-2025-04-11", "survey:team4:2024-25:U1:remind-2025-04-11"),
    ):
        assert migration.new_key(old, at) == new
        assert migration.old_key(new) == old
    # Rows of a file rolled to the next year are keyed by the year they fall in.
    later = datetime(2025, 9, 20, 13, tzinfo=UTC)
    assert migration.new_key("overdue:team4:visit-report", later) == (
        "overdue:team4:2025-26:visit_report"
    )
    # Keys other duties write, and ids the shipped file never had, stay as they were.
    assert migration.new_key("prompt:team4:U1:2024-10", at) is None
    assert migration.new_key("overdue:team4:something-else", at) is None


def team_at_0008(factory, program) -> int:
    """`make_team`'s team in a database at 0008, written with 0008's columns only (the ORM's
    Team and Person have columns added since)."""
    now = datetime(2024, 8, 1, tzinfo=UTC)
    with transaction(factory) as session:
        people = [
            session.execute(
                insert(Person.__table__)
                .values(
                    slack_id=slack_id,
                    name=name,
                    tz="America/Chicago",
                    created_at=now,
                    updated_at=now,
                )
                .returning(Person.__table__.c.id)
            ).scalar_one()
            for slack_id, name in (
                (MENTOR, "Mentor " + MENTOR[-1]),
                (PROTEGE, "Protégé " + PROTEGE[-1]),
                (ADVISOR, "Advisor"),
            )
        ]
        return session.execute(
            insert(Team.__table__)
            .values(
                program_id=program.id,
                mentor_id=people[0],
                protege_id=people[1],
                advisor_id=people[2],
                area="bmit",
                track="year1",
                start_date=datetime(2024, 8, 26).date(),
                status="active",
                created_by=None,
                created_at=now,
            )
            .returning(Team.__table__.c.id)
        ).scalar_one()
