"""The ledger by recipient: `ix_deliveries_recipient_finished`

News about a step looks for the reader's latest message about it (bot.accounts.direct):
one person's sent rows of the last weeks, read through this index rather than through every
row sent in those weeks.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05
"""

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deliveries_recipient_finished", "deliveries", ["recipient", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_recipient_finished", table_name="deliveries")
