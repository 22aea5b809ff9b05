"""Operations: the tick's heartbeat

`tick_heartbeat` holds one row (written here): when the last tick ran and finished, the
instant it judged, its outcome and its counts, so that /healthz of every process reports it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
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


def downgrade() -> None:
    op.drop_table("tick_heartbeat")
