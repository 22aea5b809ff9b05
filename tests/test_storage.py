"""Storage on every backend: the migrations match the models; the ledger's claim is exclusive;
a pooled PostgreSQL connection the server ended is replaced."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError

from storage import db, ledger
from storage.db import make_engine, make_session_factory, transaction
from storage.schema import metadata
from tests.conftest import PG_URL

NOW = datetime(2024, 9, 3, 13, tzinfo=UTC)


def test_the_migrations_build_exactly_the_models(database_url) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert diff == []


def test_instants_come_back_aware_and_in_utc(database_url) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    local = NOW.astimezone(datetime.now().astimezone().tzinfo)
    item = ledger.Claim("k1", "test", "U0X", local, local + timedelta(days=1))
    with transaction(factory) as session:
        assert ledger.claim(session, item, NOW)
    from storage.models import Delivery

    with factory() as session:
        row = session.query(Delivery).one()
    engine.dispose()
    assert row.due_at == NOW and row.due_at.tzinfo is not None
    assert row.lease_until == NOW + ledger.LEASE


def test_only_one_of_many_concurrent_claimants_wins(database_url) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    item = ledger.Claim("prompt:team1:U0X:2024-09", "test", "U0X", NOW, NOW + timedelta(days=1))
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def contend() -> None:
        barrier.wait()
        with transaction(factory) as session:
            wins.append(ledger.claim(session, item, NOW))

    threads = [threading.Thread(target=contend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert sorted(wins) == [False] * 7 + [True]


@pytest.fixture
def postgresql_url(request: pytest.FixtureRequest) -> str:
    if not PG_URL:
        pytest.skip("no TEST_DATABASE_URL")
    return request.getfixturevalue("postgres_databases").fresh()


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def _end_backend(url: str, pid: int) -> None:
    """As a database restart or an idle timeout ends a connection: from the server's side."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        gone = f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}"
        while connection.exec_driver_sql(gone).scalar_one():
            time.sleep(0.01)
    admin.dispose()


def test_a_pooled_connection_the_server_ended_while_it_sat_idle_is_replaced(
    postgresql_url, monkeypatch
) -> None:
    engine = make_engine(postgresql_url)
    ended = _backend(engine)
    _end_backend(postgresql_url, ended)
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)  # it has sat idle long enough
    factory = make_session_factory(engine)
    with transaction(factory) as session:  # asked first, then replaced: no error
        assert session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar() != ended
    engine.dispose()


def test_a_connection_back_in_use_at_once_costs_no_round_trip_and_the_pool_recovers(
    postgresql_url,
) -> None:
    engine = make_engine(postgresql_url)
    ended = _backend(engine)
    _end_backend(postgresql_url, ended)
    # Handed out as it is, without asking the server: the one request that held it fails
    # (as one using it when the server ended it would)...
    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    # ...and the pool, having seen the disconnection, connects anew.
    assert _backend(engine) != ended
    engine.dispose()
