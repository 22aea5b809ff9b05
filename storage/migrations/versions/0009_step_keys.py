"""delivery keys name the program year and the step, not the deadline id

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

Until 0008 the ledger keyed deadline notices by the program file's deadline ids and no year
(`nudge:team42:experience-1-send:U1:d3`, `overdue:team42:visit-report`,
`semester:semester-1-progress:U9:1`, `survey:team42:U1:invite`). The code now builds them from
the program year and the step (`nudge:team42:2024-25:experience-1-send:U1:d3`, …). Rewriting the
rows keeps a notice already sent, claimed or skipped from going out again after the upgrade.

The ids are those of the shipped BMIT file as it stood at 0008, copied here as data: program
files change, a migration must not. A row's school year is the one its due time falls in
(July to June, as program years run), so a file rolled to a later year with the same ids is
rewritten right too. Keys whose id is not in the table are left as they were.
"""

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Deadline id in the shipped file at 0008 -> the step's key (kind, number, part).
STEP_OF_ID = {
    "initial-meeting": "meeting",
    "contact-form": "contact_form",
    "focal-points": "focal_points",
    "decision-points": "decision_points",
    "mentoring-plan": "mentoring_plan",
    **{
        f"experience-{n}-{part}": f"experience-{n}-{part}"
        for n in (1, 2, 3, 4)
        for part in ("send", "comment", "file")
    },
    "visit-report": "visit_report",
    "semester-1-progress": "semester_progress-1",
    "semester-2-progress": "semester_progress-2",
    "pd-verification-1": "pd_verification-1",
    "pd-verification-2": "pd_verification-2",
    "survey-link": "survey-link",
    "survey": "survey-answer",
    "completers": "completers",
    "payment-requests": "payment-requests",
    "payment-finalized": "payment-finalized",
    "assessment-activity": "assessment",
    "extra-experiences": "extra_experiences",
}
ID_OF_STEP = {step: deadline_id for deadline_id, step in STEP_OF_ID.items()}

_deliveries = sa.table(
    "deliveries",
    sa.column("id", sa.Integer()),
    sa.column("key", sa.String(200)),
    sa.column("due_at", sa.DateTime(timezone=True)),
)
_PREFIXES = ("nudge:", "overdue:", "semester:", "survey:")
_CHUNK = 1000


def school_year(at: datetime) -> str:
    """ "2024-25" for any instant from July 2024 to June 2025."""
    first = at.year if at.month >= 7 else at.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def new_key(key: str, at: datetime) -> str | None:
    """The key as the code builds it now; None when it is not one the old code wrote."""
    parts = key.split(":")
    year = school_year(at)
    match parts:
        case ["nudge", team, deadline_id, person, lead] if deadline_id in STEP_OF_ID:
            return ":".join(["nudge", team, year, STEP_OF_ID[deadline_id], person, lead])
        case ["overdue", team, deadline_id] if deadline_id in STEP_OF_ID:
            return ":".join(["overdue", team, year, STEP_OF_ID[deadline_id]])
        case ["semester", deadline_id, advisor, n] if deadline_id in STEP_OF_ID:
            return ":".join(["semester", year, STEP_OF_ID[deadline_id], advisor, n])
        case ["survey", team, person, label]:
            return ":".join(["survey", team, year, person, label])
    return None


def old_key(key: str) -> str | None:
    """The key as 0008's code wrote it; None when it is not one this migration wrote."""
    parts = key.split(":")
    match parts:
        case ["nudge", team, _, step, person, lead] if step in ID_OF_STEP:
            return ":".join(["nudge", team, ID_OF_STEP[step], person, lead])
        case ["overdue", team, _, step] if step in ID_OF_STEP:
            return ":".join(["overdue", team, ID_OF_STEP[step]])
        case ["semester", _, step, advisor, n] if step in ID_OF_STEP:
            return ":".join(["semester", ID_OF_STEP[step], advisor, n])
        case ["survey", team, _, person, label]:
            return ":".join(["survey", team, person, label])
    return None


def _rewrite(change: Callable[[str, datetime], str | None]) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_deliveries.c.id, _deliveries.c.key, _deliveries.c.due_at).where(
            sa.or_(*(_deliveries.c.key.startswith(prefix) for prefix in _PREFIXES))
        )
    ).all()
    moved = [
        {"row_id": row_id, "new_key": changed}
        for row_id, key, due_at in rows
        if (changed := change(key, due_at)) is not None
    ]
    statement = (
        sa.update(_deliveries)
        .where(_deliveries.c.id == sa.bindparam("row_id"))
        .values(key=sa.bindparam("new_key"))
    )
    for start in range(0, len(moved), _CHUNK):
        connection.execute(statement, moved[start : start + _CHUNK])


def upgrade() -> None:
    _rewrite(new_key)


def downgrade() -> None:
    _rewrite(lambda key, _due_at: old_key(key))
