"""merge the branches of logs (with silence), plans, and experiences

Revision ID: 0007
Revises: 0004, 0005, 0006
Create Date: 2026-11-25
"""

revision = "0007"
down_revision = ("0004", "0005", "0006")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
