"""an index for "who heard from the bot today", read by every tick that has notices to send

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_status_finished", "deliveries", ["status", "finished_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_status_finished", table_name="deliveries")
