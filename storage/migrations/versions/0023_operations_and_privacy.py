"""Operations: the tick's heartbeat, and the audit of privacy requests

`tick_heartbeat` holds one row (written here): when the last tick ran and finished, the
instant it judged, its outcome and its counts, so that /healthz of every process reports it.
`privacy_requests` records each person forgotten: by pseudonym only, who asked, when, and
how many values changed.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

COUNTS = ("sent", "skipped", "failed", "held", "retry", "waiting")


def upgrade() -> None:
    heartbeat = op.create_table(
        "tick_heartbeat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tick_heartbeat")),
    )
    op.bulk_insert(heartbeat, [{"id": 1, **dict.fromkeys(COUNTS, 0)}])
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=True),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )


def downgrade() -> None:
    op.drop_table("privacy_requests")
    op.drop_table("tick_heartbeat")
