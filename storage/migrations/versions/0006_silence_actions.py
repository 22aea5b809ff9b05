"""silence actions: what advisors and members did about a silent team

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "silence_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("spell", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "reached_out",
                "snoozed",
                "partner_report",
                name="silence_action_kind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("by", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_silence_actions_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silence_actions")),
    )
    with op.batch_alter_table("silence_actions", schema=None) as batch_op:
        batch_op.create_index("ix_silence_actions_team_spell", ["team_id", "spell"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("silence_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_silence_actions_team_spell")
    op.drop_table("silence_actions")
