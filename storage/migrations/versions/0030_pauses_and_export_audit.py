"""A team's pause on its own row (`teams.paused_since`); whose data a privacy request was about

`teams.paused_since`: a pause begins and ends by one conditional update of the team's row
(set where it is empty, emptied where it is set), so that two staff pausing the same team at
once pause it once: the second is told who did. The pauses' history stays in
`team_changes`; this column says whether one lasts now, filled here from that history.

`privacy_requests.subject`: an export of what is stored about a person (`mentorbot export
--person`) is audited like a forgetting, with who asked and when; `subject` is the Slack id
of the person it was about (a Slack-id column: forgetting them later replaces it too).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def _last(column: str) -> str:
    return (
        f"(SELECT c.{column} FROM team_changes c WHERE c.team_id = teams.id AND c.role = 'pause'"
        " ORDER BY c.id DESC LIMIT 1)"
    )


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("paused_since", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("privacy_requests") as batch:
        batch.add_column(sa.Column("subject", sa.String(length=32), nullable=True))
    op.execute(
        f"UPDATE teams SET paused_since = {_last('changed_at')} "
        f"WHERE {_last('new_value')} = 'paused'"
    )


def downgrade() -> None:
    with op.batch_alter_table("privacy_requests") as batch:
        batch.drop_column("subject")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("paused_since")
