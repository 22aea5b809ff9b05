"""communication logs, log versions, check-ins

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=32), nullable=False),
        sa.Column("conversation_date", sa.Date(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "email",
                "phone",
                "text",
                "video",
                "in_person",
                name="log_mode",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("view_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_check_ins_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint("view_id", name=op.f("uq_check_ins_view_id")),
    )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_check_ins_team_date", ["team_id", "conversation_date"], unique=False
        )

    op.create_table(
        "communication_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("author_role", sa.String(length=16), nullable=False),
        sa.Column("conversation_date", sa.Date(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "email",
                "phone",
                "text",
                "video",
                "in_person",
                name="log_mode",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("topic_month", sa.String(length=7), nullable=False),
        sa.Column("help_needed", sa.Text(), nullable=False),
        sa.Column("ideas_discussed", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_by", sa.String(length=32), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=32), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disputed_by", sa.String(length=32), nullable=True),
        sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispute_comment", sa.Text(), nullable=True),
        sa.Column("view_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_communication_logs_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communication_logs")),
        sa.UniqueConstraint("view_id", name=op.f("uq_communication_logs_view_id")),
    )
    with op.batch_alter_table("communication_logs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_communication_logs_team_date", ["team_id", "conversation_date"], unique=False
        )
        batch_op.create_index(
            "ix_communication_logs_team_month", ["team_id", "topic_month"], unique=False
        )

    op.create_table(
        "log_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("conversation_date", sa.Date(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "email",
                "phone",
                "text",
                "video",
                "in_person",
                name="log_mode",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("topic_month", sa.String(length=7), nullable=False),
        sa.Column("help_needed", sa.Text(), nullable=False),
        sa.Column("ideas_discussed", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=32), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disputed_by", sa.String(length=32), nullable=True),
        sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispute_comment", sa.Text(), nullable=True),
        sa.Column("changed_fields", sa.String(length=200), nullable=False),
        sa.Column("replaced_by", sa.String(length=32), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"],
            ["communication_logs.id"],
            name=op.f("fk_log_versions_log_id_communication_logs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_versions")),
        sa.UniqueConstraint("log_id", "version", name=op.f("uq_log_versions_log_id")),
    )
    with op.batch_alter_table("log_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_versions_log_id"), ["log_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("log_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_versions_log_id"))

    op.drop_table("log_versions")
    with op.batch_alter_table("communication_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_communication_logs_team_month")
        batch_op.drop_index("ix_communication_logs_team_date")

    op.drop_table("communication_logs")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_check_ins_team_date")

    op.drop_table("check_ins")
