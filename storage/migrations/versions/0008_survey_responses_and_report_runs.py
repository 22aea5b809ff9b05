"""survey responses and report runs

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("lock", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_runs")),
        sa.UniqueConstraint("lock", name=op.f("uq_report_runs_lock")),
    )
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_runs_requester"), ["requester"], unique=False)

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("slack_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("relationship", sa.Integer(), nullable=False),
        sa.Column("benefits", sa.Integer(), nullable=False),
        sa.Column("materials", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_survey_responses_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("team_id", "slack_id", name=op.f("uq_survey_responses_team_id")),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_responses_program_id"), ["program_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_responses_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_team_id"))
        batch_op.drop_index(batch_op.f("ix_survey_responses_program_id"))

    op.drop_table("survey_responses")
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_runs_requester"))

    op.drop_table("report_runs")
