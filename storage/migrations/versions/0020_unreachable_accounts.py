"""Slack accounts a DM cannot reach: the error Slack gave, and since when

A DM that fails with an error about its recipient (channel_not_found, user_not_found,
cannot_dm_bot, …) holds that person's notices, as a deactivation does, until Slack tells the
bot their account changed.

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("slack_accounts") as table:
        table.add_column(sa.Column("unreachable", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_accounts") as table:
        table.drop_column("unreachable_at")
        table.drop_column("unreachable")
