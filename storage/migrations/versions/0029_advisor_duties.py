"""Advisor duties: the content advisor's own steps (introduce yourself to the building
administrators, monthly contact with the team, review a plan within a week), marked done

`advisor_duties` keeps one row per team, program year and step: who marked it done, and when.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advisor_duties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("done_by", sa.String(length=32), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_advisor_duties_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisor_duties")),
        sa.UniqueConstraint(
            "team_id", "program_id", "step", name=op.f("uq_advisor_duties_team_id")
        ),
    )
    op.create_index("ix_advisor_duties_team", "advisor_duties", ["team_id"])


def downgrade() -> None:
    op.drop_index("ix_advisor_duties_team", table_name="advisor_duties")
    op.drop_table("advisor_duties")
