"""The manual's forms in full: the Contact Form's content advisor block (mailing address and
city/state/zip beside name, cell phone and e-mail), the Visit Report's in-person answer and
the PD Verification Form's "outside of the mentorship program" attestation.

Rows filed before keep NULL: the form did not ask then.

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch_op:
        batch_op.add_column(sa.Column("mailing_address", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("city_state_zip", sa.String(length=120), nullable=True))
    with op.batch_alter_table("visit_reports") as batch_op:
        batch_op.add_column(sa.Column("in_person", sa.Boolean(), nullable=True))
    with op.batch_alter_table("pd_verifications") as batch_op:
        batch_op.add_column(sa.Column("outside_program", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pd_verifications") as batch_op:
        batch_op.drop_column("outside_program")
    with op.batch_alter_table("visit_reports") as batch_op:
        batch_op.drop_column("in_person")
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("city_state_zip")
        batch_op.drop_column("mailing_address")
