"""team membership history, contact form filed time

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contact_filed_at", sa.DateTime(timezone=True), nullable=True)
        )

    op.create_table(
        "team_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("old_value", sa.String(length=64), nullable=True),
        sa.Column("new_value", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=32), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_changes_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_changes")),
    )
    with op.batch_alter_table("team_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_changes_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("contact_filed_at")

    with op.batch_alter_table("team_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_changes_team_id"))

    op.drop_table("team_changes")
