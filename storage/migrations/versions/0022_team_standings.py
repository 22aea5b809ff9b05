"""Each team's standing per program year, kept up to date as filings and days change it

`team_standings` holds a team's standing, counts and last activity as of a day, with the
count of changes to its inputs it was computed from; `team_standing_steps` each deliverable
whose date has come (done or not, and how late). Program-wide status, the overdue list and
the completers read them in aggregate.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_standings",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("counted", sa.Integer(), nullable=False, server_default="-1"),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("basis", sa.String(length=64), nullable=True),
        sa.Column("standing", sa.String(length=16), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("required", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("late", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_activity", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_standings_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("team_id", "program_id", name=op.f("pk_team_standings")),
    )
    op.create_index(
        "ix_team_standings_program_standing", "team_standings", ["program_id", "standing"]
    )
    op.create_table(
        "team_standing_steps",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=100), nullable=False),
        sa.Column("deadline_id", sa.String(length=100), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("days_late", sa.Integer(), nullable=True),
        sa.Column("effective_due", sa.Date(), nullable=True),
        sa.Column("responsible", sa.String(length=100), nullable=True),
        sa.Column("waiting_on", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_standing_steps_team_id_teams")
        ),
        sa.PrimaryKeyConstraint(
            "team_id", "program_id", "step", name=op.f("pk_team_standing_steps")
        ),
    )
    op.create_index(
        "ix_team_standing_steps_program_late", "team_standing_steps", ["program_id", "days_late"]
    )


def downgrade() -> None:
    op.drop_index("ix_team_standing_steps_program_late", table_name="team_standing_steps")
    op.drop_table("team_standing_steps")
    op.drop_index("ix_team_standings_program_standing", table_name="team_standings")
    op.drop_table("team_standings")
