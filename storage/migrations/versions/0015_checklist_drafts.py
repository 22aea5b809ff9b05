"""Checklist drafts: a half-filled Focal Points or Decision Points Checklist, kept until filed

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checklist_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("form", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=32), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_checklist_drafts_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_drafts")),
        sa.UniqueConstraint(
            "team_id", "program_id", "form", name=op.f("uq_checklist_drafts_team_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("checklist_drafts")
