"""one revision scheme for every editable filing

Every editable filing gets the columns of storage.revisions: `version`, `superseded_by`,
`superseded_at`, with (filing, version) unique. Checklists' `replaced_by`/`replaced_at` are
renamed, the plan's `revision` becomes `version`, and each Communication Log version kept in
`log_versions` becomes a superseded row of its entry in `communication_logs` (the row an
entry had keeps its id, which Slack messages carry, and names the entry in `entry_id`).
Nothing is lost: the fields an edit changed, once stored, are the difference between two
successive revisions, and the downgrade stores them again.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-05
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

# Filings numbered for the first time, and the columns naming one filing.
NEWLY_NUMBERED = {
    "focal_points_filings": ("team_id", "program_id"),
    "decision_points_filings": ("team_id", "program_id"),
    "experience_submissions": ("experience_id",),
    "mentor_comments": ("experience_id",),
    "assessment_activities": ("team_id",),
}
CHECKLISTS = ("focal_points_filings", "decision_points_filings")
LOG_FIELDS: tuple[str, ...] = (
    "conversation_date",
    "mode",
    "topic_month",
    "help_needed",
    "ideas_discussed",
)
LOG_FIELDS += ("minutes",)
SIGNATURES = ("confirmed_by", "confirmed_at", "disputed_by", "disputed_at", "dispute_comment")


def upgrade() -> None:
    for table, key in NEWLY_NUMBERED.items():
        _number(table, key)
    for table in CHECKLISTS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("replaced_by", new_column_name="superseded_by")
            batch_op.alter_column("replaced_at", new_column_name="superseded_at")
    with op.batch_alter_table("mentoring_plans") as batch_op:
        batch_op.alter_column("revision", new_column_name="version", existing_type=sa.Integer())
    _logs_up()


def _number(table: str, key: tuple[str, ...]) -> None:
    """Add `version`: each row's place among its filing's rows, in the order they were filed."""
    with op.batch_alter_table(table) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
    same = " AND ".join(f"o.{column} = {table}.{column}" for column in key)
    op.execute(
        f"UPDATE {table} SET version = "
        f"(SELECT count(*) FROM {table} o WHERE {same} AND o.id <= {table}.id)"
    )
    with op.batch_alter_table(table) as batch_op:
        batch_op.alter_column("version", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(f"uq_{table}_{key[0]}", [*key, "version"])


def _logs_up() -> None:
    with op.batch_alter_table("communication_logs") as batch_op:
        batch_op.add_column(sa.Column("entry_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("superseded_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE communication_logs SET entry_id = id")
    # A kept version was made by whoever replaced the version before it (none for version 1).
    content = ", ".join(f"v.{name}" for name in (*LOG_FIELDS, *SIGNATURES))
    op.execute(
        "INSERT INTO communication_logs (entry_id, team_id, author, author_role, "
        f"{', '.join((*LOG_FIELDS, *SIGNATURES))}, version, filed_at, edited_by, edited_at, "
        "superseded_by, superseded_at) "
        f"SELECT e.id, e.team_id, e.author, e.author_role, {content}, v.version, e.filed_at, "
        "p.replaced_by, p.replaced_at, v.replaced_by, v.replaced_at "
        "FROM log_versions v JOIN communication_logs e ON e.id = v.log_id "
        "LEFT JOIN log_versions p ON p.log_id = v.log_id AND p.version = v.version - 1 "
        "ORDER BY v.log_id, v.version"
    )
    with op.batch_alter_table("communication_logs") as batch_op:
        batch_op.create_unique_constraint("uq_communication_logs_entry_id", ["entry_id", "version"])
    with op.batch_alter_table("log_versions") as batch_op:
        batch_op.drop_index("ix_log_versions_log_id")
    op.drop_table("log_versions")


def downgrade() -> None:
    _logs_down()
    with op.batch_alter_table("mentoring_plans") as batch_op:
        batch_op.alter_column("version", new_column_name="revision", existing_type=sa.Integer())
    for table in CHECKLISTS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("superseded_by", new_column_name="replaced_by")
            batch_op.alter_column("superseded_at", new_column_name="replaced_at")
    for table, key in NEWLY_NUMBERED.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_{key[0]}", type_="unique")
            batch_op.drop_column("version")


def _logs_down() -> None:
    log_versions = op.create_table(
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
    with op.batch_alter_table("log_versions") as batch_op:
        batch_op.create_index("ix_log_versions_log_id", ["log_id"], unique=False)
    # Typed where the driver hands back text (SQLite keeps dates and instants as strings).
    typed: dict[str, sa.types.TypeEngine[Any]]
    typed = {name: sa.DateTime(timezone=True) for name in ("confirmed_at", "disputed_at")}
    typed |= {"superseded_at": sa.DateTime(timezone=True), "conversation_date": sa.Date()}
    names = ("id", "entry_id", "version", *LOG_FIELDS, *SIGNATURES, "superseded_by")
    logs = sa.table(
        "communication_logs",
        *(sa.column(name, typed.get(name)) for name in (*names, "superseded_at")),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(logs).order_by(logs.c.entry_id, logs.c.version)).all()
    by_entry: dict[int, list] = {}
    for row in rows:
        by_entry.setdefault(row.entry_id, []).append(row)
    kept = []
    for revisions in by_entry.values():
        # The current revision stays the entry (with its own id); the others are versions.
        entry = revisions[-1]
        for earlier, later in zip(revisions, revisions[1:], strict=False):
            changed = [n for n in LOG_FIELDS if earlier._mapping[n] != later._mapping[n]]
            kept.append(
                {
                    "log_id": entry.id,
                    "version": earlier.version,
                    **{name: earlier._mapping[name] for name in (*LOG_FIELDS, *SIGNATURES)},
                    "changed_fields": ",".join(changed),
                    "replaced_by": earlier.superseded_by,
                    "replaced_at": earlier.superseded_at,
                }
            )
    if kept:
        op.bulk_insert(log_versions, kept)
    op.execute("DELETE FROM communication_logs WHERE superseded_at IS NOT NULL")
    with op.batch_alter_table("communication_logs") as batch_op:
        batch_op.drop_constraint("uq_communication_logs_entry_id", type_="unique")
        batch_op.drop_column("superseded_at")
        batch_op.drop_column("superseded_by")
        batch_op.drop_column("entry_id")
