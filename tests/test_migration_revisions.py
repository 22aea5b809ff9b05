"""Migration 0010 carries every filing and every earlier version over, and back, without loss.

The database starts as migrations up to 0008 left it, holding the demo's year: the filing
tables of a `mentorbot demo --keep` run on the 0008-era code are in
tests/fixtures/demo_0008.json. On top, one more revision of every kind, written the way the
0008-era code wrote it, so that each kind has a history to carry over.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command

from bot.logs.rules import changed_fields
from storage.db import alembic_config, make_engine, make_session_factory, upgrade
from storage.experiences import (
    AssessmentActivity,
    ExperienceSubmission,
    MentorComment,
    PdVerification,
    VisitReport,
)
from storage.logs import CommunicationLog, entry_history, get_log
from storage.plans import DecisionPointsFiling, FocalPointsFiling, MentoringPlan
from storage.revisions import current, history

FIXTURE = Path(__file__).parent / "fixtures" / "demo_0008.json"
RENAMED = {"replaced_by": "superseded_by", "replaced_at": "superseded_at", "revision": "version"}
REVISED = (
    FocalPointsFiling,
    DecisionPointsFiling,
    MentoringPlan,
    ExperienceSubmission,
    MentorComment,
    VisitReport,
    PdVerification,
    AssessmentActivity,
)
LOG_CONTENT = ("conversation_date", "mode", "topic_month", "help_needed", "ideas_discussed")
LOG_CONTENT += ("minutes", "confirmed_by", "confirmed_at", "disputed_by", "disputed_at")
LOG_CONTENT += ("dispute_comment",)
Snapshot = dict[str, dict[int, dict[str, Any]]]


def test_every_filing_and_earlier_version_survives_the_upgrade_and_the_downgrade(
    database_url,
) -> None:
    command.downgrade(alembic_config(database_url), "0008")
    engine = make_engine(database_url)
    _fill(engine)
    before = _snapshot(engine)
    assert before["log_versions"] and all(before[model.__tablename__] for model in REVISED)

    upgrade(database_url)
    after = _snapshot(engine)
    for table, rows in before.items():
        if table == "log_versions":
            continue
        for row_id, row in rows.items():
            kept = after[table][row_id]
            assert {RENAMED.get(name, name): value for name, value in row.items()} == {
                name: kept[name] for name in map(lambda n: RENAMED.get(n, n), row)
            }, (table, row_id)
    _check_logs(before, after)
    _check_numbering(before, after)
    _check_history(engine)

    command.downgrade(alembic_config(database_url), "0008")
    again = _snapshot(engine)
    assert _without_ids(again.pop("log_versions")) == _without_ids(before.pop("log_versions"))
    assert again == before
    engine.dispose()


def _check_logs(before: Snapshot, after: Snapshot) -> None:
    """Each entry keeps its row and id; each kept version is a superseded row of its entry."""
    logs = after["communication_logs"]
    assert len(logs) == len(before["communication_logs"]) + len(before["log_versions"])
    for entry_id in before["communication_logs"]:
        row = logs[entry_id]
        assert (row["entry_id"], row["superseded_at"]) == (entry_id, None)
    revisions = {(row["entry_id"], row["version"]): row for row in logs.values()}
    for kept in before["log_versions"].values():
        entry = before["communication_logs"][kept["log_id"]]
        row = revisions[(kept["log_id"], kept["version"])]
        assert {name: row[name] for name in LOG_CONTENT} == {n: kept[n] for n in LOG_CONTENT}
        assert (row["superseded_by"], row["superseded_at"]) == (
            kept["replaced_by"],
            kept["replaced_at"],
        )
        for name in ("team_id", "author", "author_role", "filed_at"):
            assert row[name] == entry[name]
        successor = revisions[(kept["log_id"], kept["version"] + 1)]
        assert ",".join(changed_fields(_obj(row), _obj(successor))) == kept["changed_fields"]
        made_by = revisions.get((kept["log_id"], kept["version"] - 1))
        assert row["edited_by"] == (made_by["superseded_by"] if made_by else None)
        assert row["edited_at"] == (made_by["superseded_at"] if made_by else None)


def _check_numbering(before: Snapshot, after: Snapshot) -> None:
    """Filings numbered for the first time count their rows in the order they were filed."""
    for model in REVISED:
        old = before[model.__tablename__]
        for row_id, row in after[model.__tablename__].items():
            same = [
                other_id
                for other_id, other in old.items()
                if all(other[key] == row[key] for key in model.filing_key)
            ]
            expected = old[row_id].get("version") or old[row_id].get("revision")
            assert row["version"] == (expected or sorted(same).index(row_id) + 1)


def _check_history(engine: sa.Engine) -> None:
    """Read through the one history function: every filing is versions 1..n, the last current."""
    with make_session_factory(engine)() as session:
        for model in (*REVISED, CommunicationLog):
            keys = {
                tuple(getattr(row, key) for key in model.filing_key)
                for row in session.scalars(sa.select(model))
            }
            for key in keys:
                filing = dict(zip(model.filing_key, key, strict=True))
                revisions = history(session, model, **filing)
                assert [r.version for r in revisions] == list(range(1, len(revisions) + 1))
                assert [r.superseded_at is None for r in revisions] == [False] * (
                    len(revisions) - 1
                ) + [True]
                assert all(r.superseded_by for r in revisions[:-1])
                assert current(session, model, **filing) is revisions[-1]
        for row in session.scalars(sa.select(CommunicationLog)):
            # A message that showed any revision leads to the entry as it is now.
            entry = get_log(session, row.id)
            assert entry is not None and entry_history(session, entry)[-1] is entry


# --- the 0008 database ------------------------------------------------------------------------


def _fill(engine: sa.Engine) -> None:
    tables = _tables(engine)
    data = json.loads(FIXTURE.read_text())
    with engine.begin() as connection:
        for name, stored in data.items():
            table = tables[name]
            rows = [
                {c: _typed(table.c[c], v) for c, v in zip(stored["columns"], row, strict=True)}
                for row in stored["rows"]
            ]
            connection.execute(table.insert(), rows)
            if engine.dialect.name == "postgresql":  # rows inserted later take the next ids
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {rows[-1]['id']})"
                    )
                )
        _edit_a_log_twice(connection, tables)
        for name in (model.__tablename__ for model in REVISED):
            _revise_once(connection, tables[name])


def _edit_a_log_twice(connection: sa.Connection, tables: dict[str, sa.Table]) -> None:
    """As 0008's edit_log did: each earlier version copied to log_versions, the entry updated."""
    logs, versions = tables["communication_logs"], tables["log_versions"]
    edited = connection.execute(sa.select(versions.c.log_id)).scalars().all()
    entry = connection.execute(
        sa.select(logs).where(logs.c.id.not_in(edited)).order_by(logs.c.id)
    ).first()
    assert entry is not None
    content = {name: entry._mapping[name] for name in LOG_CONTENT}
    for version, minutes in ((1, entry.minutes + 5), (2, entry.minutes + 10)):
        at = _utc(entry.filed_at) + timedelta(days=version)
        changed = "minutes" if version == 1 else "mode,minutes"
        connection.execute(
            versions.insert().values(
                log_id=entry.id,
                version=version,
                **content,
                changed_fields=changed,
                replaced_by=entry.author,
                replaced_at=at,
            )
        )
        content.update(
            minutes=minutes,
            confirmed_by=None,
            confirmed_at=None,
            disputed_by=None,
            disputed_at=None,
            dispute_comment=None,
        )
        if version == 2:
            content["mode"] = "video" if entry.mode != "video" else "phone"
        connection.execute(
            logs.update()
            .where(logs.c.id == entry.id)
            .values(version=version + 1, edited_by=entry.author, edited_at=at, **content)
        )


def _revise_once(connection: sa.Connection, table: sa.Table) -> None:
    """A newer row for a current filing, the older marked replaced, as 0008 did it."""
    columns = table.c.keys()
    gone = "replaced_at" if "replaced_at" in columns else "superseded_at"
    who, when = ("filed_by", "filed_at")
    if "filed_at" not in columns:
        who, when = ("submitted_by", "submitted_at")
    row = connection.execute(
        sa.select(table).where(table.c[gone].is_(None)).order_by(table.c.id)
    ).first()
    assert row is not None
    newer = dict(row._mapping)
    del newer["id"]
    newer[when] = _utc(row._mapping[when]) + timedelta(days=1)
    for number in ("version", "revision"):
        if number in columns:
            newer[number] += 1
    connection.execute(table.insert().values(**newer))
    connection.execute(
        table.update()
        .where(table.c.id == row.id)
        .values({gone: newer[when], gone.replace("_at", "_by"): row._mapping[who]})
    )


def _tables(engine: sa.Engine) -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    return dict(metadata.tables)


def _typed(column: sa.Column, value: Any) -> Any:
    """A fixture value as the column takes it (the fixture holds SQLite's text)."""
    if value is None:
        return None
    if isinstance(column.type, sa.DateTime):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    if isinstance(column.type, sa.Date):
        return date.fromisoformat(value)
    if isinstance(column.type, sa.Boolean):
        return bool(value)
    return value


def _snapshot(engine: sa.Engine) -> Snapshot:
    """Every row of the filing tables, by table and id, instants in UTC."""
    tables = _tables(engine)
    names = json.loads(FIXTURE.read_text())
    with engine.connect() as connection:
        return {
            name: {
                row.id: {k: _utc(v) for k, v in row._mapping.items()}
                for row in connection.execute(sa.select(tables[name]))
            }
            for name in names
            if name in tables
        }


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _without_ids(rows: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    found = [{k: v for k, v in row.items() if k != "id"} for row in rows.values()]
    return sorted(found, key=lambda row: (row["log_id"], row["version"]))


def _obj(row: dict[str, Any]) -> CommunicationLog:
    return CommunicationLog(**{name: row[name] for name in LOG_CONTENT})
