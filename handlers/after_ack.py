"""Work that follows an ack: the one way a listener runs anything after answering Slack.

Slack waits for the HTTP answer of a slash command, a button or a submission, and every
millisecond before it is the user's. What the answer does not need (a DM to a partner, a
file upload, a summary over thousands of teams posted back through the response URL) runs
here after it:

- `after_ack(function, *args)` runs on a small pool of threads; a burst of requests queues
  instead of starting a thread each. `after_ack_once(key, ...)` drops a call whose key is
  already queued and not yet started (work that reads what it shows when it starts, such as
  republishing someone's Home tab: the queued run shows this change too).
- `heavy(function, *args, then=...)` runs `function(*args)` in a process of its own, forked
  for it by the fork server (`handlers.fork_server`), so counting a whole program does not
  hold the web worker's interpreter (its GIL) while other requests wait; the function must be
  importable and its arguments plain data; unnamed temporary files open in its result come
  back open (their descriptors, not their bytes), for `then` to close. Heavy work runs one
  piece at a time (one thread waits for each in turn: two reports at once would hold twice
  the memory), and `then(result)` runs back on the thread pool, where the Slack client lives.
- `drain()` waits for everything handed over so far; `shutdown()` drains and stops the pools.
  A stopping worker calls it (gunicorn's worker_exit, the Socket Mode process's exit, and
  atexit as the last resort), so a restart finishes in-flight work instead of dropping it.
- `fork_helpers_here()`, called once by a server while it has one thread and the app loaded,
  forks the fork server from it: heavy work's processes then share the loaded app's memory.
  Without it (tests, Socket Mode), the first piece of heavy work starts the fork server as a
  fresh interpreter.
"""

from __future__ import annotations

import atexit
import contextvars
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from handlers import fork_server
from handlers.fork_server import Closable, ForkServer, ProcessDied, ServerGone

log = logging.getLogger(__name__)
T = TypeVar("T")

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="after-ack")
# One piece of heavy work at a time: its thread waits for the process doing it.
_HEAVY = ThreadPoolExecutor(max_workers=1, thread_name_prefix="heavy")
_pending: set[Future] = set()
_queued: set[str] = set()  # after_ack_once keys whose work has not started yet
_lock = threading.Lock()
_server: ForkServer | None = None
_stopping = threading.Event()  # shutdown() began: no work is tried again
# Heavy work that has not answered in this long never will (a process stopped, or waiting
# on something that will not come): the person is told, and the next piece of work, which
# waits in line behind it, goes on. A report over 5,000 teams takes about 10 s.
HEAVY_TIMEOUT = 600.0


def after_ack(function: Callable[..., Any], *args: Any) -> None:
    """Run `function(*args)` soon, on another thread; a failure is logged, never raised."""

    def guarded() -> None:
        try:
            function(*args)
        except Exception as exc:
            # The type and the function only: arguments may hold what people wrote.
            log.error(
                "work after an ack failed in %s: %s",
                name_of(function),
                type(exc).__name__,
                exc_info=True,
            )

    # in the request's context: its program (bot.across.scope) is the work's
    _track(_POOL.submit(contextvars.copy_context().run, guarded))


def after_ack_once(key: str, function: Callable[..., Any], *args: Any) -> None:
    """`after_ack(function, *args)`, unless work under `key` is queued and has not started:
    that work reads the database when it starts, after this request's commit, so it covers
    this call as well. Once it has started, a new call queues it again."""
    with _lock:
        if key in _queued:
            return
        _queued.add(key)

    @functools.wraps(function)  # the failure log names the function, not this wrapper
    def started(*args: Any) -> None:
        with _lock:
            _queued.discard(key)
        function(*args)

    after_ack(started, *args)


def heavy(
    function: Callable[..., T],
    *args: Any,
    then: Callable[[T], None],
    failed: Callable[[], None] | None = None,
) -> None:
    """Run `function(*args)` in a process of its own after the ack, then `then(result)` here.

    When the work fails (or takes longer than HEAVY_TIMEOUT), the failure is logged and
    `failed()` runs instead (to tell the person), so nobody waits for an answer that will
    not come. Work whose process dies (killed, out of memory) is tried once more, in a new
    process, unless this process is stopping.
    """
    _heavy(function, args, then, failed, again=True)


def _heavy(
    function: Callable[..., T],
    args: tuple[Any, ...],
    then: Callable[[T], None],
    failed: Callable[[], None] | None,
    again: bool,
) -> None:
    def settle(future: Future[T]) -> None:
        try:
            result = future.result()
        except Exception as exc:
            died = isinstance(exc, ProcessDied)
            # Not while stopping: a platform that stops the server kills what is left when its
            # time is up, and the person is better told at once than retried into that.
            if died and again and not _stopping.is_set():
                log.warning("the process of %s died: trying once more", name_of(function))
                after_ack(_retry, function, args, then, failed)
                return
            log.error(
                "heavy work after an ack failed in %s: %s",
                name_of(function),
                type(exc).__name__,
                exc_info=True,
            )
            if failed is not None:
                after_ack(failed)
            return
        after_ack(then, result)

    future = _HEAVY.submit(_in_a_fork, function, args)
    # settle first: it hands the answer over before the future is forgotten, so drain()
    # never sees a moment with nothing pending.
    future.add_done_callback(settle)
    _track(future)


def _in_a_fork(function: Callable[..., T], args: tuple[Any, ...]) -> T:
    """`function(*args)` in a fork of the fork server; should the server have ended (killed,
    or never forked here), a fresh one is started in its place, unless this process is
    stopping."""
    try:
        return _fork_server(function).run(function, *args, timeout=HEAVY_TIMEOUT)
    except ServerGone:
        _forget_server()
        log.warning("the fork server has gone: starting a fresh one")
        return _fork_server(function).run(function, *args, timeout=HEAVY_TIMEOUT)


def _fork_server(function: Callable[..., Any]) -> ForkServer:
    global _server
    with _lock:
        if _server is None:
            if _stopping.is_set():
                raise ServerGone("stopping")
            # the work's own module, imported once by the server rather than by each fork
            module = getattr(getattr(function, "func", function), "__module__", None)
            _server = fork_server.start_fresh([module] if isinstance(module, str) else [])
        return _server


def _forget_server() -> None:
    global _server
    with _lock:
        server, _server = _server, None
    if server is not None:
        server.close()


def _retry(
    function: Callable[..., T],
    args: tuple[Any, ...],
    then: Callable[[T], None],
    failed: Callable[[], None] | None,
) -> None:
    """The second and last try; if it cannot even be handed over, the person is told, as
    after a failure."""
    try:
        _heavy(function, args, then, failed, again=False)
    except Exception:
        log.exception("heavy work after an ack could not be tried again")
        if failed is not None:
            failed()


def drain(timeout: float = 30.0) -> None:
    """Wait for the work handed over so far (its own follow-ups included)."""
    while True:
        with _lock:
            pending = list(_pending)
        if not pending:
            return
        done, not_done = wait(pending, timeout=timeout)
        if not_done:
            log.warning("%d pieces of work after an ack did not finish in time", len(not_done))
            return


def shutdown(timeout: float = 30.0) -> None:
    """Finish in-flight work, then let the fork server go (the pools' threads end with the
    interpreter). Safe to call more than once."""
    _stopping.set()
    drain(timeout)
    _forget_server()


def fork_helpers_here(listening: Sequence[Closable] = ()) -> None:
    """Fork the fork server from this process as it is now: heavy work's processes share its
    memory (the code, the program, the app). Call it once, while this process has one
    thread (a gunicorn worker between loading the app and serving). The server closes its
    copies of `listening` (the web server's sockets). Should the fork fail, heavy work's
    first call starts a fresh server instead."""
    global _server
    try:
        server = fork_server.fork_here(listening)
    except OSError as exc:
        log.warning("no fork server (%s): heavy work will start a fresh one", type(exc).__name__)
        return
    with _lock:
        _server = server


def name_of(function: Callable[..., Any]) -> str:
    """A function's name for the log (never its repr: a partial's shows its arguments)."""
    function = getattr(function, "func", function)  # functools.partial
    return getattr(function, "__qualname__", type(function).__name__)


def _track(future: Future[Any]) -> None:
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


atexit.register(shutdown)
