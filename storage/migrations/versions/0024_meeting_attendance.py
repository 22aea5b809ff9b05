"""Meeting attendance: the content advisor or staff record each team at the program's meetings

`meeting_attendance` keeps one filing per team, program year and meeting step, each revision
its own row (storage.revisions): attended, excused (paired after it, absent for cause, made
up) or absent.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_attendance",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "attended", "excused", "absent", name="attendance", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.String(length=32), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_meeting_attendance_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendance")),
        sa.UniqueConstraint(
            "team_id",
            "program_id",
            "step",
            "version",
            name=op.f("uq_meeting_attendance_team_id"),
        ),
    )
    op.create_index("ix_meeting_attendance_team", "meeting_attendance", ["team_id"])


def downgrade() -> None:
    op.drop_index("ix_meeting_attendance_team", table_name="meeting_attendance")
    op.drop_table("meeting_attendance")
