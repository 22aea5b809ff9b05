"""merge the step keys (0009) and the one revision scheme (0010): they touch different tables

Revision ID: 0011
Revises: 0009, 0010
Create Date: 2026-12-05
"""

revision = "0011"
down_revision = ("0009", "0010")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
