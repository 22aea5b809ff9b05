"""Work that follows an ack: the one way a listener runs anything after answering Slack.

Slack waits for the HTTP answer of a slash command, a button or a submission, and every
millisecond before it is the user's. What the answer does not need (a DM to a partner, a
file upload, a summary over thousands of teams posted back through the response URL) runs
here after it:

- `after_ack(function, *args)` runs on a small pool of threads; a burst of requests queues
  instead of starting a thread each. `after_ack_once(key, ...)` drops a call whose key is
  already queued and not yet started (work that reads what it shows when it starts, such as
  republishing someone's Home tab: the queued run shows this change too).
- `heavy(function, *args, then=...)` runs `function(*args)` in a separate process, so
  counting a whole program does not hold the web worker's interpreter (its GIL) while other
  requests wait; the function must be importable and its arguments plain data. Its result
  comes back pickled in a temporary file readable only by this user (a report's megabytes
  are then held once on each side, not twice), and `then(result)` runs back on the thread
  pool, where the Slack client lives.
- `drain()` waits for everything handed over so far; `shutdown()` drains and stops the pools.
  A stopping worker calls it (gunicorn's worker_exit, the Socket Mode process's exit, and
  atexit as the last resort), so a restart finishes in-flight work instead of dropping it.
- `fork_helpers_here()`, called once a web worker has loaded the app and before it serves,
  makes every process of `heavy` a fork of the worker as it is then: it shares the worker's
  memory (the code, the program, the app) instead of importing it all again, and each piece
  of heavy work gets a process of its own that ends with it, so what a report held is given
  back. Without it (tests, Socket Mode) a process is started afresh ("spawn") and kept.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import ctypes
import functools
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import connection, forkserver, util
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="after-ack")
_pending: set[Future] = set()
_queued: set[str] = set()  # after_ack_once keys whose work has not started yet
_lock = threading.Lock()
_processes: ProcessPoolExecutor | None = None
_forked_helpers = False  # fork_helpers_here() ran in this process
_stopping = threading.Event()  # shutdown() began: no work is tried again
# Heavy work's processes yield the cores to the web worker: a program-wide count or a report
# takes seconds either way, while every ack waiting behind it is a person waiting.
BACKGROUND = 10  # added to the niceness


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
    """Run `function(*args)` in another process after the ack, then `then(result)` here.

    No thread waits for the process: the answer is handed to the pool when the result
    arrives. When the process fails, the failure is logged and `failed()` runs instead (to
    tell the person), so nobody waits for an answer that will not come. A process that dies
    (killed, out of memory: perhaps while it waited, before this work began) is replaced,
    and the work tried once more in the new one.
    """
    _heavy(function, args, then, failed, again=True)


def _heavy(
    function: Callable[..., T],
    args: tuple[Any, ...],
    then: Callable[[T], None],
    failed: Callable[[], None] | None,
    again: bool,
) -> None:
    # Made here, not in the helper: whatever becomes of the helper, this removes it.
    path = _result_file()

    def settle(future: Future[None]) -> None:
        try:
            future.result()
            result: T = _out_of_file(path)
        except Exception as exc:
            _discard(path)
            broken = isinstance(exc, BrokenProcessPool)
            if broken:
                _forget_pool(pool)
            # Not while stopping: a platform stopping the server signals every process, and
            # the person is better told at once than retried into a process killed with it.
            if broken and again and not _stopping.is_set():
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

    pool = _process_pool()
    try:
        future = pool.submit(_into_file, path, function, *args)
    except BrokenProcessPool:
        # The pool's process died before this (killed, out of memory): start a new one.
        _forget_pool(pool)
        pool = _process_pool()
        future = pool.submit(_into_file, path, function, *args)
    except BaseException:
        _discard(path)
        raise
    # settle first: it hands the answer over before the process's future is forgotten, so
    # drain() never sees a moment with nothing pending.
    future.add_done_callback(settle)
    _track(future)


def _result_file() -> str:
    """An empty file, readable by this user only (a report holds people's names), for one
    piece of heavy work to leave its result in. Through the process pool's pipe, a result of
    megabytes (a report's files) is held twice by each end: pickled whole before it is sent,
    and read whole before it is unpickled."""
    fd, path = tempfile.mkstemp(prefix="mentorbot-heavy-")
    os.close(fd)
    return path


def _into_file(path: str, function: Callable[..., Any], *args: Any) -> None:
    """In heavy work's process: run `function(*args)` and leave its result pickled at `path`."""
    result = function(*args)
    with open(path, "wb") as file:
        pickle.dump(result, file, pickle.HIGHEST_PROTOCOL)


def _out_of_file(path: str) -> Any:
    """The result `_into_file` left at `path`, read once (large bytes straight into their
    own objects), and the file removed."""
    try:
        with open(path, "rb") as file:
            return pickle.load(file)
    finally:
        _discard(path)


def _discard(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _retry(
    function: Callable[..., T],
    args: tuple[Any, ...],
    then: Callable[[T], None],
    failed: Callable[[], None] | None,
) -> None:
    """The second and last try; if it cannot even be handed to a process, the person is
    told, as after a failure."""
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
    """Finish in-flight work, then stop the process pool (the thread pool's threads end
    with the interpreter). Safe to call more than once."""
    global _processes
    _stopping.set()
    drain(timeout)
    with _lock:
        processes, _processes = _processes, None
    if processes is not None:
        processes.shutdown(wait=True)


class Closable(Protocol):
    def close(self) -> None: ...


def fork_helpers_here(listening: Sequence[Closable] = ()) -> None:
    """Make this process, as it is now, the one heavy work's processes are forked from.

    Call it once, while this process has no other thread (a gunicorn worker between loading
    the app and serving): a fork copies only the calling thread, so a fork made later, with
    requests in flight, could copy a lock some other thread held. Here a small process is
    forked at once and serves as multiprocessing's "forkserver": every process `heavy` starts
    is forked from it, never from this (by then threaded) process, and shares its memory.
    The server closes its copies of `listening` (the web server's sockets): a process that
    outlived the worker must not keep the port. Should the fork fail, heavy work runs in a
    fresh process instead (spawn), as without this.
    """
    try:
        _start_fork_server(listening)
    except OSError as exc:
        log.warning("no fork server (%s): heavy work starts fresh processes", type(exc).__name__)


def _start_fork_server(listening: Sequence[Closable]) -> None:
    global _forked_helpers
    # the module's one server (private: what ensure_running() keeps in it is set below)
    server: Any = forkserver._forkserver
    with socket.socket(socket.AF_UNIX) as listener:
        address = connection.arbitrary_address("AF_UNIX")  # type: ignore[attr-defined]
        listener.bind(address)
        if not util.is_abstract_socket_namespace(address):
            os.chmod(address, 0o600)
        listener.listen()
        # Every client holds the write end: the server stops once all of them have exited.
        alive_r, alive_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the server
            code = 1
            try:
                os.close(alive_w)
                for sock in listening:
                    sock.close()
                os.nice(BACKGROUND)  # inherited by every process it forks
                _end_with_parent()
                # The worker's signal handlers (gunicorn's) are neither the server's nor
                # those of the processes it forks.
                for number in _WORKER_SIGNALS:
                    signal.signal(number, signal.SIG_DFL)
                forkserver.main(listener.fileno(), alive_r, [])
                code = 0
            finally:
                os._exit(code)
        os.close(alive_r)
    # What ensure_running() records for a server it started itself: it now finds this one
    # alive and uses it; should it die, ensure_running() starts a fresh one in its place.
    with server._lock:
        server._forkserver_address = address
        server._forkserver_alive_fd = alive_w
        server._forkserver_pid = pid
    _forked_helpers = True


# What gunicorn's worker handles itself (its quit, reload and log signals).
_WORKER_SIGNALS = (
    signal.SIGTERM,
    signal.SIGQUIT,
    signal.SIGINT,
    signal.SIGHUP,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGWINCH,
    signal.SIGABRT,
)


def _process_pool() -> ProcessPoolExecutor:
    global _processes
    with _lock:
        if _processes is None:
            if _forked_helpers:
                # A fresh fork for each piece of work: the memory it took goes with it.
                _processes = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("forkserver"),
                    max_tasks_per_child=1,
                    initializer=_end_with_parent,
                )
            else:
                # spawn, not fork: a forked child would inherit this process's threads,
                # locks and database connections mid-use.
                _processes = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_in_background,
                )
        return _processes


def _in_background() -> None:
    """A spawned process's start: lower priority, and an end with the process it serves."""
    os.nice(BACKGROUND)
    _end_with_parent()


def _end_with_parent() -> None:
    """Have Linux stop this process when its parent dies (prctl's PR_SET_PDEATHSIG): a
    process of heavy work, or the fork server, must not outlive the worker it serves (a
    worker killed for a timeout or by the out-of-memory killer leaves them waiting forever
    otherwise). Elsewhere nothing is asked."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(0)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _forget_pool(broken: ProcessPoolExecutor) -> None:
    """A pool whose process died refuses all work from then on: the next call starts anew."""
    global _processes
    with _lock:
        if _processes is broken:
            _processes = None
    broken.shutdown(wait=False)


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
