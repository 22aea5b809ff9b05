"""Fixtures: databases (SQLite file, and PostgreSQL when configured), the Slack stand-in,
and the app served over HTTP on loopback."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy import create_engine, text

from bot.platform.app import create_app
from bot.platform.config import Settings
from bot.platform.services import Services
from bot.platform.slack_client import listener_client
from bot.platform.web import wsgi_app
from bot.program import load_program
from handlers import after_ack
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


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, migrated database on every backend available."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'mentorbot.db'}"
    else:
        url = PG_URL
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'mentorbot.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def program(tmp_path_factory):
    if os.environ.get(RENAMED_ENV):  # the suite against a copy with every deadline id renamed
        return load_program(write_renamed(tmp_path_factory.mktemp("program")))
    return load_program()


@pytest.fixture
def standin() -> Iterator[tuple[SlackStandIn, str]]:
    fake = SlackStandIn()
    server = Server(fake)
    yield fake, server.url
    server.close()


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


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _settled(application):
    """Answers only once the work handed over after the ack is done too, so that a test
    reads the DMs a request caused right after it (tests/test_after_ack.py shows that in
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
    poll_interval: float = 0.5,
    **overrides,
):
    """The Bolt app behind its WSGI wrapper, on loopback. Yields (base URL, services).
    `settle=False` serves it as production does, answering before the after-ack work;
    a short `poll_interval` stops the server at once (for suites that start many)."""
    fake, api_url = standin
    settings = make_settings(database_url, api_url, **overrides)
    engine = make_engine(database_url)
    services = Services(settings, program, make_session_factory(engine))
    app = create_app(services, listener_client(settings))
    application = wsgi_app(app, engine)
    if settle:
        application = _settled(application)
    httpd = make_server("127.0.0.1", 0, application, _ThreadingWSGIServer, _QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, args=(poll_interval,), daemon=True)
    thread.start()
    host, port = httpd.server_address[:2]
    try:
        yield f"http://{host}:{port}", services
    finally:
        httpd.shutdown()
        httpd.server_close()
        engine.dispose()


@pytest.fixture
def app_server(sqlite_url, standin, program):
    with serve_app(sqlite_url, standin, program) as served:
        yield served
