"""Engine and session handling, and applying the migrations.

alembic is imported where the migrations are read or applied, never with this module: with
its template engine it takes about 11 MiB, which a server that only checks the schema at
start (in a process of its own: `bot.cli`) would otherwise keep while it serves."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVarTuple, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Engine,
    Update,
    create_engine,
    event,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.sql.selectable import TypedReturnsRows

if TYPE_CHECKING:
    from alembic.config import Config


_Ts = TypeVarTuple("_Ts")


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message is one line without credentials."""


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Handlers run on several threads; each gets its own pooled connection.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10)
    _ping_when_idle(engine)
    return engine


# A pooled PostgreSQL connection used again within this many seconds is used as it is; one
# idle longer is first asked whether the server still has it, as SQLAlchemy's pre-ping would
# ask at every checkout. Under load a connection is back in use within milliseconds, and that
# ping was a round trip more for every request (`/mentor help` at 50 concurrent: p50 a
# quarter lower without it, p99 a sixth). When the server has gone (a restart), the first
# request to find out fails, or the first ping does; either way the pool then drops every
# connection it holds and connects anew.
PING_AFTER_IDLE = 10.0  # seconds


def _ping_when_idle(engine: Engine) -> None:
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _idle(_connection: Any, entry: ConnectionPoolEntry) -> None:
        entry.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(connection: Any, entry: ConnectionPoolEntry, _: PoolProxiedConnection) -> None:
        # (a connection's `info` starts empty: a new one is not pinged)
        idle_since = entry.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, connection, None):
                # The server restarted, most likely: every pooled connection has gone, those
                # used moments ago too. The pool drops them all and connects anew.
                raise InvalidatePoolError from exc
            raise


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: the database cannot
    # corrupt, and only a power cut (not a crash) can lose the last moments' commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def gather_planner_statistics(engine: Engine) -> None:
    """SQLite only: sample each index for the query planner (`ANALYZE`, bounded to a few
    hundred rows an index). Without statistics SQLite trusts any index on a compared column:
    it finds a person's own teams through teams.status, where every team is 'active', and so
    reads every team on each `/mentor help`. PostgreSQL's autovacuum gathers its own."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA analysis_limit=400")
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    from storage.standing import watch  # the models import this module

    factory = sessionmaker(engine, expire_on_commit=False)
    # A change to a team's filings makes its kept standing stale in the same transaction.
    watch(factory)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """A bare connection of the sessions' engine for one statement that reads and needs no
    ORM objects (who is asking, on every command): a Session costs more to open, run a
    statement through and close than such a read does. On PostgreSQL in autocommit, so the
    server is asked once instead of three times (BEGIN, the read, ROLLBACK); one statement
    sees one snapshot either way. (SQLite begins no transaction for a read, and SQLAlchemy
    would reset its isolation with a PRAGMA on every return.)"""
    with cast(Engine, factory.kw["bind"]).connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("storage").joinpath("migrations"))
    )
    # ConfigParser interpolation would mangle a '%' in a password.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration of every branch."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as exc:  # the driver's own error types differ per backend
        target = engine.url.render_as_string(hide_password=True)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot reach the database at {target}: {reason}") from exc


# Over this many teams a query reads every team's rows and the caller keeps the ones it
# wants: a long IN list costs more to build and send than the extra rows cost to read.
MANY_TEAMS = 500


def among(
    column: ColumnElement[int] | InstrumentedAttribute[int], ids: list[int] | None
) -> ColumnElement[bool]:
    """`column IN ids`; None means every row."""
    return true() if ids is None else column.in_(ids)


def scope_of(ids: list[int]) -> list[int] | None:
    """The ids to filter on, or None (read everything) when there are many."""
    return None if len(ids) > MANY_TEAMS else ids


def conflict_insert(session: Session, target: Any) -> Any:
    """An INSERT on the session's backend, which takes `on_conflict_do_nothing` (PostgreSQL's
    or SQLite's: the two dialects spell it alike)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(target)


def column_rows(
    session: Session, statement: TypedReturnsRows[*_Ts], params: dict[str, Any]
) -> CursorResult[*_Ts]:
    """The rows of a statement that reads columns, no ORM objects, run on the session's own
    connection (in its transaction): through the Session the ORM's execution of a statement
    costs more than such a read does, on every member's `/mentor help` and Home tab. What
    the transaction has pending is flushed first, as the Session's own reads do."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


def updated(session: Session, statement: Update) -> int:
    """How many rows an UPDATE changed. Session.execute is typed for any statement; an
    UPDATE's result is always a CursorResult, which has the rowcount."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def update_if(
    session: Session, row: object, *conditions: ColumnElement[bool], **values: object
) -> bool:
    """Change `row` only while `conditions` hold, in one conditional UPDATE (of two clicks, two
    people or a retried request, one wins), and reload it. False when nothing changed."""
    model = type(row)
    key = model.id  # type: ignore[attr-defined]  # every mapped model here has an integer id
    changed = session.execute(
        update(model)
        .where(key == row.id, *conditions)  # type: ignore[attr-defined]  # as above
        .values(**values)
        .returning(key)
        .execution_options(synchronize_session=False)
    ).all()
    if changed:
        session.refresh(row)
    return bool(changed)
