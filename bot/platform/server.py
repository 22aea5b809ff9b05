"""Serve the WSGI app under gunicorn (Bolt's own `app.start()` is for development only)."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.platform.web import WsgiApp


class _Server(BaseApplication):
    def __init__(self, load_app: Callable[[], WsgiApp], options: dict[str, Any]) -> None:
        self._load_app = load_app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    # the stub types environ as any MutableMapping; gunicorn passes a dict, as WSGI says
    def load(self) -> WsgiApp:  # type: ignore[override]
        """In the arbiter, before it forks workers (preload): each worker shares the loaded
        app's memory with it, page for page, instead of holding a copy of its own."""
        app = self._load_app()
        # Everything built so far (the program, the listeners, SQLAlchemy's mappers) lives as
        # long as the processes: frozen, a collection in a worker walks only what requests
        # made, never the shared objects (writing to them would copy their pages), and a
        # full collection during a request does not walk all of it.
        gc.collect()
        gc.freeze()
        return app


def serve(
    load_app: Callable[[], WsgiApp],
    port: int,
    on_worker_ready: Callable[[list[Any]], None],
    on_worker_exit: Callable[[], None],
) -> None:
    """Run until stopped. Workers and threads come from WEB_CONCURRENCY and WEB_THREADS.

    Two cores: one process with a thread pool fits; handlers are stateless, so more
    processes or machines scale out behind Slack's HTTP delivery. `load_app` runs once, in
    gunicorn's arbiter, before the workers are forked. `on_worker_ready` runs in each worker
    before it serves (and so before it starts any thread), given its listening sockets
    (gunicorn's, each with `close()`); `on_worker_exit` runs in each
    worker as it stops (a restart, a deploy), to finish the work it took on after acks.
    """
    options = {
        "bind": f"0.0.0.0:{port}",
        "workers": int(os.environ.get("WEB_CONCURRENCY", "1")),
        "worker_class": "gthread",
        "preload_app": True,
        "threads": int(os.environ.get("WEB_THREADS", "8")),
        "timeout": 30,
        # A stopping worker first finishes the work it took on after acks (a report over
        # thousands of teams takes 5 to 10 s): within the 30 s a platform gives between its
        # SIGTERM and its SIGKILL (Heroku's, and Kubernetes' default grace period).
        "graceful_timeout": 25,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        # No runtime control socket (gunicornc): the process supervisor manages the server,
        # and the default path is one per user, so two servers on a host would share it.
        "control_socket_disable": True,
        "post_worker_init": lambda worker: on_worker_ready(worker.sockets),
        "worker_exit": lambda _server, _worker: on_worker_exit(),
    }
    _Server(load_app, options).run()
