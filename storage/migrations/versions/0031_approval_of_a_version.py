"""An approval names the version it approved: `form_events.revision_id`

A content advisor's approval of an experience of the team's own design ("Other") applies to
the description they saw: the submission (`experience_submissions.id`) their button named.
The approvals already given are tied to the submission that was current when they were given.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("form_events") as batch:
        batch.add_column(sa.Column("revision_id", sa.Integer(), nullable=True))
    op.execute(
        """
        UPDATE form_events SET revision_id = (
            SELECT s.id FROM experience_submissions s
            WHERE s.experience_id = form_events.form_id AND s.submitted_at <= form_events.at
            ORDER BY s.version DESC LIMIT 1
        )
        WHERE form = 'experience' AND event = 'other_approved'
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("form_events") as batch:
        batch.drop_column("revision_id")
