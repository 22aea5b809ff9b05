"""The schema check every command makes at start: a SQLite file is brought up to date, a
PostgreSQL database behind the migrations is refused in one line, and the check runs in a
process of its own, so a server never holds alembic (and its template engine) in memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command

from bot import cli
from bot.cli import StartupError, services_from
from bot.platform.config import load_settings
from storage.db import alembic_config, make_engine, schema_is_current

ROOT = Path(__file__).resolve().parent.parent


def current(url: str) -> bool:
    engine = make_engine(url)
    try:
        return schema_is_current(engine)
    finally:
        engine.dispose()


def test_a_database_behind_the_migrations_is_upgraded_on_sqlite_and_refused_on_postgresql(
    database_url, monkeypatch
) -> None:
    command.downgrade(alembic_config(database_url), "-1")
    assert not current(database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    if database_url.startswith("sqlite"):
        _, engine = services_from(load_settings())
        engine.dispose()
        assert current(database_url)
    else:
        with pytest.raises(StartupError, match="run `mentorbot db upgrade` first"):
            services_from(load_settings())
        assert not current(database_url)


def test_the_schema_check_leaves_no_migration_tool_in_the_process(tmp_path) -> None:
    # nor multiprocessing, which a server would then hold for good for this one check
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code = (
        "import sys\n"
        "from bot.cli import services_from\n"
        "from bot.platform.config import load_settings\n"
        "services_from(load_settings())\n"
        "tools = ('alembic', 'mako', 'multiprocessing')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in tools))\n"
    )
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("MENTORBOT_PROGRAM", None)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert current(url)  # and the fresh file was migrated, by the forked process


def _dies(url: str) -> bool:
    os._exit(1)  # as when the process is killed, or its error cannot be sent back


def test_a_schema_check_that_dies_is_one_line_not_a_traceback(sqlite_url, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setattr(cli, "_schema_brought_up", _dies)
    with pytest.raises(StartupError, match="could not be checked: run `mentorbot db upgrade`"):
        services_from(load_settings())
