"""Storage on every backend: the migrations match the models; the ledger's claim is exclusive."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import ledger
from storage.db import make_engine, make_session_factory, transaction
from storage.schema import metadata

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
