"""structured experiences with Mentor Comment Forms, Visit Reports, PD Verification Forms,
the Assessment Activity, and the history of their steps

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.String(length=32), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_assessment_activities_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_activities")),
    )
    with op.batch_alter_table("assessment_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_activities_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "experiences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "commented",
                "discuss",
                "agreed",
                name="experience_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("selection", sa.Integer(), nullable=True),
        sa.Column("other_description", sa.Text(), nullable=True),
        sa.Column("focus_areas", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agreed_by", sa.String(length=32), nullable=True),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_experiences_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiences")),
        sa.UniqueConstraint("team_id", "number", name=op.f("uq_experiences_team_id")),
    )
    with op.batch_alter_table("experiences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experiences_team_id"), ["team_id"], unique=False)

    op.create_table(
        "form_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=32), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("by", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_form_events_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_events")),
    )
    with op.batch_alter_table("form_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_form_events_team_form", ["team_id", "form", "form_id"], unique=False
        )

    op.create_table(
        "pd_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("filed", "signed", name="pd_status", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("pd_date", sa.Date(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=32), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mentor_comments", sa.Text(), nullable=True),
        sa.Column("signed_by", sa.String(length=32), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by", sa.String(length=32), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_pd_verifications_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pd_verifications")),
        sa.UniqueConstraint(
            "team_id", "number", "version", name=op.f("uq_pd_verifications_team_id")
        ),
    )
    with op.batch_alter_table("pd_verifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pd_verifications_team_id"), ["team_id"], unique=False)

    op.create_table(
        "visit_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "filed", "changes", "confirmed", name="visit_status", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("strategies", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=32), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(length=32), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by", sa.String(length=32), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_visit_reports_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_reports")),
        sa.UniqueConstraint("team_id", "number", "version", name=op.f("uq_visit_reports_team_id")),
    )
    with op.batch_alter_table("visit_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_reports_team_id"), ["team_id"], unique=False)

    op.create_table(
        "experience_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experience_id", sa.Integer(), nullable=False),
        sa.Column("selection", sa.Integer(), nullable=True),
        sa.Column("other_description", sa.Text(), nullable=True),
        sa.Column("focus_areas", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.String(length=32), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["experience_id"],
            ["experiences.id"],
            name=op.f("fk_experience_submissions_experience_id_experiences"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experience_submissions")),
    )
    with op.batch_alter_table("experience_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_experience_submissions_experience_id"), ["experience_id"], unique=False
        )

    op.create_table(
        "mentor_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experience_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("comment_date", sa.Date(), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("experience_text", sa.Text(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=32), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.String(length=32), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["experience_id"],
            ["experiences.id"],
            name=op.f("fk_mentor_comments_experience_id_experiences"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["experience_submissions.id"],
            name=op.f("fk_mentor_comments_submission_id_experience_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_comments")),
    )
    with op.batch_alter_table("mentor_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentor_comments_experience_id"), ["experience_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mentor_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_comments_experience_id"))

    op.drop_table("mentor_comments")
    with op.batch_alter_table("experience_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experience_submissions_experience_id"))

    op.drop_table("experience_submissions")
    with op.batch_alter_table("visit_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_reports_team_id"))

    op.drop_table("visit_reports")
    with op.batch_alter_table("pd_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pd_verifications_team_id"))

    op.drop_table("pd_verifications")
    with op.batch_alter_table("form_events", schema=None) as batch_op:
        batch_op.drop_index("ix_form_events_team_form")

    op.drop_table("form_events")
    with op.batch_alter_table("experiences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experiences_team_id"))

    op.drop_table("experiences")
    with op.batch_alter_table("assessment_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_activities_team_id"))

    op.drop_table("assessment_activities")
