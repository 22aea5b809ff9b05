"""Slack accounts: the token error that stopped sending, and each person's deactivation

`slack_access` holds one row (written here): the token error, if any, that stopped the
tick, so that every process's /healthz can report it. `slack_accounts` keeps what Slack
last said of each person the bot knows: when it was asked, and since when the account is
deactivated.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    access = op.create_table(
        "slack_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_access")),
    )
    op.bulk_insert(access, [{"id": 1, "error": None, "since": None}])
    op.create_table(
        "slack_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_id", sa.String(length=32), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_accounts")),
        sa.UniqueConstraint("slack_id", name=op.f("uq_slack_accounts_slack_id")),
    )


def downgrade() -> None:
    op.drop_table("slack_accounts")
    op.drop_table("slack_access")
