"""Totals kept beside each team's standing, so program-wide answers read no team's rows

`team_standing_groups` (teams per area, track and standing), `team_standing_totals` (teams
per area, track and deliverable whose date has come, and how many did it) and
`team_standing_late` (overdue steps per content advisor) are the stored standings summed,
changed in the same transaction as the rows they sum. Each standing row keeps the group it
was counted in (area, track, advisor); a step keeps the advisor, for the overdue list read
in index order, and no longer its days late (counted from its effective due date on the day
asked, so an unchanged step is not rewritten every day).

The kept rows are a cache: they are emptied here and counted again (by the scheduler at
start, or the first answer), so the totals start equal to the rows.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM team_standing_steps")
    op.execute("DELETE FROM team_standings")
    with op.batch_alter_table("team_standings") as batch:
        batch.add_column(sa.Column("area", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("track", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("advisor_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("team_standing_steps") as batch:
        batch.drop_index("ix_team_standing_steps_program_late")
        batch.drop_column("days_late")
        batch.add_column(sa.Column("advisor_id", sa.Integer(), nullable=True))
        batch.create_index(
            "ix_team_standing_steps_late",
            ["program_id", "advisor_id", "effective_due", "team_id", "step"],
        )
        batch.create_index("ix_team_standing_steps_step", ["program_id", "step", "team_id"])
    op.create_table(
        "team_standing_groups",
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("track", sa.String(length=16), nullable=False),
        sa.Column("standing", sa.String(length=16), nullable=False),
        sa.Column("teams", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "program_id", "area", "track", "standing", name=op.f("pk_team_standing_groups")
        ),
    )
    op.create_table(
        "team_standing_totals",
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("track", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=100), nullable=False),
        sa.Column("deadline_id", sa.String(length=100), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("teams", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("first_team", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint(
            "program_id",
            "area",
            "track",
            "step",
            "deadline_id",
            "due",
            name=op.f("pk_team_standing_totals"),
        ),
    )
    op.create_table(
        "team_standing_late",
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("first_due", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("program_id", "advisor_id", name=op.f("pk_team_standing_late")),
    )


def downgrade() -> None:
    op.drop_table("team_standing_late")
    op.drop_table("team_standing_totals")
    op.drop_table("team_standing_groups")
    op.execute("DELETE FROM team_standing_steps")
    op.execute("DELETE FROM team_standings")
    with op.batch_alter_table("team_standing_steps") as batch:
        batch.drop_index("ix_team_standing_steps_step")
        batch.drop_index("ix_team_standing_steps_late")
        batch.drop_column("advisor_id")
        batch.add_column(sa.Column("days_late", sa.Integer(), nullable=True))
        batch.create_index("ix_team_standing_steps_program_late", ["program_id", "days_late"])
    with op.batch_alter_table("team_standings") as batch:
        batch.drop_column("advisor_id")
        batch.drop_column("track")
        batch.drop_column("area")
