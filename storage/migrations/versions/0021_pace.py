"""People set the pace: a personal delivery time, an "away until" date and an away advisor's
cover; a step's reminders put off to the next school day or stopped as done outside Slack

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pace_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_id", sa.String(length=32), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=True),
        sa.Column("away_until", sa.Date(), nullable=True),
        sa.Column("cover", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pace_preferences")),
        sa.UniqueConstraint("slack_id", name=op.f("uq_pace_preferences_slack_id")),
    )
    op.create_table(
        "pace_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("slack_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(length=32), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_pace_steps_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pace_steps")),
    )
    op.create_index("ix_pace_steps_team_step", "pace_steps", ["team_id", "step"])


def downgrade() -> None:
    op.drop_index("ix_pace_steps_team_step", table_name="pace_steps")
    op.drop_table("pace_steps")
    op.drop_table("pace_preferences")
