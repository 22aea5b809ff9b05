"""Focal Points and Decision Points Checklists, Individual Mentoring Plan revisions

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_points_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("filed_by", sa.String(length=32), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by", sa.String(length=32), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_decision_points_filings_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_points_filings")),
    )
    with op.batch_alter_table("decision_points_filings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_decision_points_filings_team_program", ["team_id", "program_id"], unique=False
        )

    op.create_table(
        "focal_points_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("filed_by", sa.String(length=32), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by", sa.String(length=32), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_focal_points_filings_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focal_points_filings")),
    )
    with op.batch_alter_table("focal_points_filings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_focal_points_filings_team_program", ["team_id", "program_id"], unique=False
        )

    op.create_table(
        "mentoring_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "approved",
                "returned",
                name="plan_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("submitted_by", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(length=32), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=32), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by", sa.String(length=32), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_comment", sa.Text(), nullable=True),
        sa.Column("superseded_by", sa.String(length=32), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_mentoring_plans_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_plans")),
        sa.UniqueConstraint(
            "team_id", "program_id", "revision", name=op.f("uq_mentoring_plans_team_id")
        ),
    )
    op.create_table(
        "decision_points_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filing_id", sa.Integer(), nullable=False),
        sa.Column("group_index", sa.Integer(), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column("concerned", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("top_rank", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "top_rank BETWEEN 1 AND 4", name=op.f("ck_decision_points_areas_top_rank")
        ),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["decision_points_filings.id"],
            name=op.f("fk_decision_points_areas_filing_id_decision_points_filings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_points_areas")),
        sa.UniqueConstraint(
            "filing_id",
            "group_index",
            "item_index",
            name=op.f("uq_decision_points_areas_filing_id"),
        ),
    )
    op.create_table(
        "focal_points_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filing_id", sa.Integer(), nullable=False),
        sa.Column("category_index", sa.Integer(), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.CheckConstraint("rating IN (1, 2, 3)", name=op.f("ck_focal_points_ratings_rating")),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["focal_points_filings.id"],
            name=op.f("fk_focal_points_ratings_filing_id_focal_points_filings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focal_points_ratings")),
        sa.UniqueConstraint(
            "filing_id",
            "category_index",
            "item_index",
            name=op.f("uq_focal_points_ratings_filing_id"),
        ),
    )
    op.create_table(
        "mentoring_plan_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("semester", sa.Integer(), nullable=False),
        sa.Column("selection", sa.Integer(), nullable=True),
        sa.Column("other_description", sa.Text(), nullable=True),
        sa.Column("planned", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("other_approved_by", sa.String(length=32), nullable=True),
        sa.Column("other_approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(selection IS NULL) <> (other_description IS NULL)",
            name=op.f("ck_mentoring_plan_slots_selection_or_other"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["mentoring_plans.id"],
            name=op.f("fk_mentoring_plan_slots_plan_id_mentoring_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_plan_slots")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_mentoring_plan_slots_plan_id")),
    )
    op.create_table(
        "plan_review_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["mentoring_plans.id"],
            name=op.f("fk_plan_review_messages_plan_id_mentoring_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_review_messages")),
    )
    with op.batch_alter_table("plan_review_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_review_messages_plan_id"), ["plan_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_review_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_review_messages_plan_id"))

    op.drop_table("plan_review_messages")
    op.drop_table("mentoring_plan_slots")
    op.drop_table("focal_points_ratings")
    op.drop_table("decision_points_areas")
    op.drop_table("mentoring_plans")
    with op.batch_alter_table("focal_points_filings", schema=None) as batch_op:
        batch_op.drop_index("ix_focal_points_filings_team_program")

    op.drop_table("focal_points_filings")
    with op.batch_alter_table("decision_points_filings", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_points_filings_team_program")

    op.drop_table("decision_points_filings")
