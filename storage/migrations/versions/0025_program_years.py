"""Program years: the year each program file runs, opened and closed; teams carried into year two

`program_years` keeps, for each program file the deployment has run, its school year, when it
was opened (and from which program) and when it was closed, and the file's text, so a closed
year's records stay readable after the deployment moves to the next file. A team carried into
the next year's year-two track points at its year-one team (`carried_from_id`, once only), and
a closed year's teams carry `closed_at`: read-only from then on.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "program_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("school_year", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("follows", sa.String(length=64), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_years")),
        sa.UniqueConstraint("program_id", name=op.f("uq_program_years_program_id")),
    )
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_teams_carried_from_id_teams"), "teams", ["carried_from_id"], ["id"]
        )
        batch.create_unique_constraint(op.f("uq_teams_carried_from_id"), ["carried_from_id"])


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_constraint(op.f("uq_teams_carried_from_id"), type_="unique")
        batch.drop_constraint(op.f("fk_teams_carried_from_id_teams"), type_="foreignkey")
        batch.drop_column("closed_at")
        batch.drop_column("carried_from_id")
    op.drop_table("program_years")
