"""Fixtures: databases (SQLite file, and PostgreSQL when configured), the Slack stand-in,
and the app served over HTTP on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from socketserver import TCPServer, ThreadingMixIn
from typing import NamedTuple
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.platform.app import create_app
from bot.platform.config import Settings
from bot.platform.services import Services
from bot.platform.slack_client import Clock, listener_client, scheduler_client
from bot.platform.web import wsgi_app
from bot.program import Program, load_program
from handlers import after_ack
from schedules.duties import DUTIES, Duty
from schedules.tick import TickResult, tick
from storage.db import make_engine, make_session_factory, upgrade
from tests.renamed_program import RENAMED_ENV, write_renamed
from tests.slack_standin import Server, SlackStandIn

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
STAFF = "U0STAFF01"

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _backends() -> list:
    if PG_URL:
        return ["sqlite", "postgresql"]
    if os.environ.get("CI"):
        # CI must prove PostgreSQL too; a silent skip would hide a missing server.
        raise RuntimeError("CI is set but TEST_DATABASE_URL is not: PostgreSQL tests cannot run")
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.skip("no TEST_DATABASE_URL"))]


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per session; each test starts from a copy of it (running
    the migrations costs a tenth of a second, copying the file almost nothing)."""
    path = tmp_path_factory.mktemp("template") / "mentorbot.db"
    upgrade(f"sqlite:///{path}")
    return path


def fresh_sqlite(template: Path, folder: Path) -> str:
    """A migrated SQLite database of its own in `folder`, as `upgrade` would leave it."""
    shutil.copy(template, folder / "mentorbot.db")
    return f"sqlite:///{folder / 'mentorbot.db'}"


class _PostgresDatabases:
    """A fresh migrated database per test on the TEST_DATABASE_URL server, copied from a
    template migrated once. Each pytest-xdist worker names its own (`<name>_gw0`, …), so
    workers never share one; TEST_DATABASE_URL's database serves only to connect."""

    def __init__(self, url: str, worker: str) -> None:
        self.url = make_url(url)
        self.name = f"{self.url.database}_{worker}"
        self.template = f"{self.name}_template"
        self.server: Engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self._drop(self.template)
        self._execute(f'CREATE DATABASE "{self.template}"')
        upgrade(self._url_of(self.template))

    def fresh(self) -> str:
        self._drop(self.name)
        self._execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"')
        return self._url_of(self.name)

    def close(self) -> None:
        self._drop(self.name)
        self._drop(self.template)
        self.server.dispose()

    def _drop(self, name: str) -> None:
        # FORCE ends what a test left connected (a killed subprocess's session, say).
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _execute(self, statement: str) -> None:
        with self.server.connect() as connection:
            connection.exec_driver_sql(statement)

    def _url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[_PostgresDatabases]:
    assert PG_URL, "only the PostgreSQL parameter asks for this"
    databases = _PostgresDatabases(PG_URL, os.environ.get("PYTEST_XDIST_WORKER", "main"))
    yield databases
    databases.close()


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path) -> str:
    """A fresh, migrated database on every backend available."""
    if request.param == "sqlite":
        return fresh_sqlite(migrated_sqlite, tmp_path)
    return request.getfixturevalue("postgres_databases").fresh()


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    return fresh_sqlite(migrated_sqlite, tmp_path)


@pytest.fixture(scope="session")
def program(tmp_path_factory):
    if os.environ.get(RENAMED_ENV):  # the suite against a copy with every deadline id renamed
        return load_program(write_renamed(tmp_path_factory.mktemp("program")))
    return load_program()


def stop_promptly(stop: Callable[[], None], server: TCPServer) -> None:
    """Runs `stop`, which shuts `server` down, without waiting out the server's poll.

    serve_forever looks for a shutdown request only between polls of its socket; a
    connection to the socket ends the poll at once. `stop` runs on this thread, so that
    what it raises (the stand-in's check of what the app sent) fails the test.
    """
    address = _address(server)
    stopped = threading.Event()

    def poke() -> None:
        # A poke that comes before the shutdown request only starts another poll: repeat.
        while not stopped.is_set():
            with suppress(OSError), socket.create_connection(address, timeout=1):
                pass
            stopped.wait(0.02)

    poker = threading.Thread(target=poke, daemon=True)
    poker.start()
    try:
        stop()
    finally:
        stopped.set()
        poker.join()


def _address(server: TCPServer) -> tuple[str, int]:
    host, port = server.server_address[:2]
    return str(host), int(port)


@pytest.fixture
def standin() -> Iterator[tuple[SlackStandIn, str]]:
    fake = SlackStandIn()
    server = Server(fake)
    yield fake, server.url
    stop_promptly(server.close, server.httpd)


class SkippingClock(Clock):
    """A clock for the scheduler's client on which waits pass at once: a sleep moves the
    clock on instead. Real time still passes beneath it, so it never goes back; for tests
    whose Slack stand-in does not itself keep time."""

    def __init__(self) -> None:
        self._skipped = 0.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return time.monotonic() + self._skipped

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._skipped += max(0.0, seconds)


def make_settings(database_url: str, api_url: str, **overrides) -> Settings:
    values = dict(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        app_token=None,
        slack_api_url=api_url,
        database_url=database_url,
        program_path=None,
        staff_ids=(STAFF,),
        port=0,
    )
    values.update(overrides)
    return Settings(**values)


class Ticking(NamedTuple):
    """The tick against the Slack stand-in on the test's database, as the scheduler runs it."""

    fake: SlackStandIn
    factory: sessionmaker[Session]
    client: WebClient

    def run(
        self, program: Program | Sequence[Program], now: datetime, duties: Iterable[Duty] = DUTIES
    ) -> TickResult:
        return tick(self.factory, self.client, program, now, duties)


@pytest.fixture
def ticking(database_url, standin) -> Iterator[Ticking]:
    fake, api_url = standin
    engine = make_engine(database_url)
    yield Ticking(
        fake, make_session_factory(engine), scheduler_client(make_settings(database_url, api_url))
    )
    engine.dispose()


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _settled(application: Callable) -> Callable:
    """Answers only once the work the listener handed to after_ack is done too, so that a
    test reads the DMs a request caused right after it (tests/test_after_ack.py shows that in
    production the answer does not wait for that work)."""

    def settled(environ, start_response):
        try:
            return list(application(environ, start_response))
        finally:
            after_ack.drain()

    return settled


@contextmanager
def serve_app(
    database_url: str,
    standin,
    program,
    *,
    settle: bool = True,
    every: Sequence[Program] = (),
    prepare: Callable[[App], None] | None = None,
    **overrides,
):
    """The Bolt app behind its WSGI wrapper, on loopback. Yields (base URL, services).
    `settle=False` serves it as production does, answering before the after-ack work;
    `every` lists the programs it runs side by side (`program` among them); `prepare` is
    given the Bolt app before it is served."""
    fake, api_url = standin
    settings = make_settings(database_url, api_url, **overrides)
    engine = make_engine(database_url)
    services = Services(settings, program, make_session_factory(engine), every=tuple(every))
    app = create_app(services, listener_client(settings))
    if prepare is not None:
        prepare(app)
    application = wsgi_app(app, engine)
    if settle:
        application = _settled(application)
    httpd = make_server("127.0.0.1", 0, application, _ThreadingWSGIServer, _QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    host, port = _address(httpd)
    try:
        yield f"http://{host}:{port}", services
    finally:
        stop_promptly(httpd.shutdown, httpd)
        httpd.server_close()
        engine.dispose()


@pytest.fixture
def app_server(sqlite_url, standin, program):
    with serve_app(sqlite_url, standin, program) as served:
        yield served
