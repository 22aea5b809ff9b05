"""Heavy work's processes, each forked on request by one small process of ours: the fork server.

A process that counts a whole program or makes a report should share the loaded app's memory
instead of importing it all again, and give back what it held once its work ends: a fresh
fork for each piece of work does both. A web worker cannot fork it itself: it has threads, and
a fork copies only the calling thread, so a lock another thread held stays locked for good in
the child. So the fork server is forked while the worker is still one thread (after it loaded
the app, before it serves), and forks a process for each piece of work. Without such a moment
(tests, Socket Mode) the fork server is a fresh interpreter that imports heavy work's module
once, then forks the same way.

How work is asked for: the fork server holds one end of an unnamed socket pair, its asker
the other. The asker makes a socket pair for the piece of work and sends one end of it over
the shared one (SCM_RIGHTS); the server forks a process and hands it that end. The asker
writes the function and its arguments there, pickled, and reads the outcome pickled back as
it is written. Open files in the outcome (a report's table and spreadsheet, written to
unnamed temporary files) are not copied into it: their descriptors are sent ahead of the
pickle (SCM_RIGHTS again), which refers to them, and the asker gets each file back open at
its start. A report's megabytes are then never held by both processes at once, and nothing
is left in a file: only files without a name on disk are handed over, and they are gone
once both sides have closed them. Having no name, the server cannot be reached by anything
else on the host (a socket file or an abstract address would let another local user send it
a pickle to run).

A process of work ends with its work, or as soon as its asker has gone (its end of the pair
closes: a worker killed for a timeout takes its work with it). The server ends when its
asker has gone, or with it. Neither stops for SIGTERM or SIGINT: a platform stopping the
server signals every process, and the worker, stopping gracefully, waits for the work in
flight. Multiprocessing's own fork server would do the same with one more process beside
it (its resource tracker, a fresh interpreter of about 8 MiB).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import functools
import io
import os
import pickle
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, Protocol, TypeVar

from bot.platform.log_format import RemoteFrames, private_traceback

T = TypeVar("T")

# Heavy work's processes yield the cores to the web worker: a program-wide count or a report
# takes seconds either way, while every ack waiting behind it is a person waiting.
BACKGROUND = 10  # added to the niceness


class ProcessDied(Exception):
    """The work's process ended without an outcome (killed, out of memory)."""


class ServerGone(Exception):
    """The fork server has ended: nothing can be forked from it any more."""


class Closable(Protocol):
    def close(self) -> None: ...


class ForkServer:
    """What an asker holds: its end of the shared socket, and the server's process."""

    def __init__(self, channel: socket.socket, pid: int, started: subprocess.Popen[bytes] | None):
        self._channel = channel
        self._pid = pid
        self._started = started  # a fresh interpreter's, to be waited for by its Popen

    def run(self, function: Callable[..., T], *args: Any, timeout: float | None) -> T:
        """`function(*args)` in a fresh fork of the server, waited for: its result, or the
        error it raised (with the child's frames as its cause). ProcessDied when the process
        ends without an outcome, ServerGone when there is no server to fork it, TimeoutError
        when no outcome came within `timeout` seconds (the process then ends too; None:
        waited for as long as it takes)."""
        ours, theirs = socket.socketpair()
        with ours:
            try:
                socket.send_fds(self._channel, [b"w"], [theirs.fileno()])
            except OSError as exc:
                raise ServerGone(type(exc).__name__) from exc
            finally:
                theirs.close()
            ours.settimeout(timeout)
            try:
                with ours.makefile("wb") as out:
                    pickle.dump((function, args), out, pickle.HIGHEST_PROTOCOL)
                ok, value, *frames = _received(ours)
            except TimeoutError:  # an OSError, but the process may well be alive
                raise
            except (EOFError, OSError, pickle.UnpicklingError) as exc:
                raise ProcessDied(type(exc).__name__) from exc
        if not ok:
            raise value from RemoteFrames(*frames)
        return value

    def close(self) -> None:
        """This process asks no more: the server ends, and is waited for."""
        self._channel.close()
        if self._started is not None:
            try:
                self._started.wait(timeout=10)
            except subprocess.TimeoutExpired:  # still importing what it preloads
                self._started.kill()
                self._started.wait()
            return
        _reap(self._pid)


def _reap(pid: int, timeout: float = 10) -> None:
    """Wait for the forked server, which ends once its channel closes (killed should it not
    have within `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    with contextlib.suppress(ChildProcessError):
        while not os.waitpid(pid, os.WNOHANG)[0]:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.01)


def fork_here(listening: Sequence[Closable] = ()) -> ForkServer:
    """Fork the server from this process, now. Call it while this process has one thread;
    the server closes its copies of `listening` (a web server's sockets: a process that
    outlives the server must not keep its port)."""
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:
        mine.close()
        theirs.close()
        raise
    if pid == 0:
        code = 1
        try:
            mine.close()
            for sock in listening:
                sock.close()
            _serve(theirs, parent)
            code = 0
        finally:
            os._exit(code)
    theirs.close()
    return ForkServer(mine, pid, None)


def start_fresh(preload: Sequence[str]) -> ForkServer:
    """Start the server as a fresh interpreter that imports the `preload` modules first (their
    work is then not imported again by each process)."""
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    code = (
        f"import sys; sys.path[:0] = {sys.path!r}; from handlers.fork_server import _fresh; "
        f"_fresh({theirs.fileno()}, {os.getpid()}, {list(preload)!r})"
    )
    try:
        with theirs:
            started = subprocess.Popen([sys.executable, "-c", code], pass_fds=[theirs.fileno()])
    except BaseException:
        mine.close()
        raise
    return ForkServer(mine, started.pid, started)


def _fresh(fd: int, parent: int, preload: list[str]) -> None:
    """The fresh server's start."""
    os.set_inheritable(fd, False)  # passed to it; not to what it or its work may start
    channel = socket.socket(fileno=fd)
    _end_with(parent)
    for name in preload:
        __import__(name)
    _serve(channel, parent)


def _serve(channel: socket.socket, parent: int) -> None:
    """Fork a process for each end of a socket pair received, until its asker has gone."""
    os.nice(BACKGROUND)  # inherited by every process it forks
    _end_with(parent)
    # The signal handlers of the process it came from (gunicorn's) are not the server's,
    # nor those of the processes it forks.
    for number in _INHERITED_SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    # Stopping is its asker's to decide (see the module's docstring); inherited by its forks.
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, signal.SIG_IGN)
    # The system reaps the processes it forks: each reports its outcome to its asker.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        message, fds, _, _ = socket.recv_fds(channel, 1, 1)
        if not message:  # the asker's end has closed
            return
        for fd in fds:
            # (recvmsg gives it without close-on-exec in 3.11)
            os.set_inheritable(fd, False)
            try:
                pid = os.fork()
            except OSError:  # the asker reads an end without outcome: ProcessDied
                pid = -1
            if pid == 0:
                channel.close()
                _work(fd)
            os.close(fd)


def _work(fd: int) -> None:
    """A process of work: read the work, do it, write the outcome; never returns."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        with socket.socket(fileno=fd) as sock:
            work = _read_work(sock)
            with _ended_with_asker(sock):
                outcome, files = _outcome(work)
            _send(sock, outcome, files)
        code = 0
    finally:
        # Never the interpreter's own exit: it would run the parent's atexit work, such as
        # closing database connections that the parent still uses.
        os._exit(code)


def _read_work(sock: socket.socket) -> Callable[[], Any]:
    """The work the asker wrote; should it not load here (its module cannot be imported,
    say), work that raises why, so that the asker is told (and does not try it again)."""
    try:
        with sock.makefile("rb") as into:
            function, args = pickle.load(into)
    except EOFError:  # the asker has gone: nobody to tell
        raise
    except Exception as exc:
        return functools.partial(_raise, exc)
    return functools.partial(function, *args)


def _raise(error: Exception) -> None:
    raise error


def _outcome(work: Callable[[], Any]) -> tuple[tuple[Any, ...], list[io.IOBase]]:
    """What the asker is sent: (True, the result), or (False, the error, its frames); and
    the open files in it, to be sent beside it."""
    try:
        outcome: tuple[Any, ...] = (True, work())
        # Tried first without keeping the bytes: what cannot be pickled (half of it written
        # already) is a failure of the work, and the asker is told so. It finds the files.
        files: list[io.IOBase] = []
        _Pickler(_Nowhere(), files).dump(outcome)
    except BaseException as exc:  # SystemExit too: the work ended without a result
        # its frames (types and lines, no messages: they may hold what people wrote), for
        # the asker to log as its cause
        outcome, files = (False, _sendable(exc), private_traceback(exc)), []
    return outcome, files


# The most descriptors one message can carry (Linux's SCM_MAX_FD).
_MAX_FILES = 253


class _Pickler(pickle.Pickler):
    """Pickles an outcome, each open file in it (`files`, in the order met) as a reference
    to its descriptor, sent beside the pickle."""

    def __init__(self, out: Any, files: list[io.IOBase], found: bool = False):
        super().__init__(out, pickle.HIGHEST_PROTOCOL)
        self._files = files
        self._found = found  # every file is in `files` already (their descriptors are sent)
        self._index = {id(file): n for n, file in enumerate(files)}

    def persistent_id(self, obj: Any) -> int | None:
        if not isinstance(obj, io.BufferedIOBase | io.RawIOBase):
            return None
        n = self._index.get(id(obj))
        if n is not None:
            return n
        try:
            fd = obj.fileno()  # a closed file raises: the work failed
        except io.UnsupportedOperation:  # in memory (BytesIO): pickled as it is
            return None
        if self._found:
            raise pickle.PicklingError("a file that was not there at first")
        found = os.fstat(fd)
        # Only a file without a name: whatever a report holds must be gone once closed.
        if not stat.S_ISREG(found.st_mode) or found.st_nlink:
            raise pickle.PicklingError("only unnamed files are handed over")
        if len(self._files) == _MAX_FILES:
            raise pickle.PicklingError(f"more than {_MAX_FILES} files")
        obj.flush()  # what it still buffers, for the asker to read
        self._index[id(obj)] = n = len(self._files)
        self._files.append(obj)
        return n


def _send(sock: socket.socket, outcome: tuple[Any, ...], files: list[io.IOBase]) -> None:
    """The outcome's files' descriptors, then the outcome, pickled, which refers to them."""
    socket.send_fds(sock, [b"f"], [file.fileno() for file in files])
    with sock.makefile("wb") as out:
        _Pickler(out, files, found=True).dump(outcome)


class _Unpickler(pickle.Unpickler):
    """Loads what `_Pickler` wrote, its references to files as `files`."""

    def __init__(self, into: IO[bytes], files: list[io.IOBase]):
        super().__init__(into)
        self._files = files

    def persistent_load(self, pid: Any) -> io.IOBase:
        if not isinstance(pid, int) or not 0 <= pid < len(self._files):
            raise pickle.UnpicklingError("a file that was not sent")
        return self._files[pid]


def _received(sock: socket.socket) -> tuple[Any, ...]:
    """What `_send` sent: the outcome, its files open at their start (closed here if no
    outcome comes). EOFError and the like when the work's process ended without one."""
    # The descriptors first: a buffered read would take their byte and drop them.
    message, fds, flags, _ = socket.recv_fds(sock, 1, _MAX_FILES)
    files: list[io.IOBase] = []
    try:
        for fd in fds:
            os.set_inheritable(fd, False)  # recvmsg gives them without close-on-exec in 3.11
        if not message:
            raise EOFError
        if flags & socket.MSG_CTRUNC:
            raise pickle.UnpicklingError("descriptors left out")
        for fd in fds:
            files.append(os.fdopen(fd, "rb"))
            files[-1].seek(0)
        with sock.makefile("rb") as into:
            outcome: tuple[Any, ...] = _Unpickler(into, files).load()
            return outcome
    except BaseException:
        for file in files:
            file.close()
        for fd in fds[len(files) :]:
            os.close(fd)
        raise


def _sendable(error: BaseException) -> Exception:
    """`error`, or an error naming its type if it cannot be pickled or is not an Exception
    (the asker handles those)."""
    try:
        if isinstance(error, Exception):
            pickle.loads(pickle.dumps(error))
            return error
    except Exception:
        pass
    return RuntimeError(f"{type(error).__qualname__} (cannot be sent)")


class _Nowhere:
    def write(self, data: bytes) -> int:
        return len(data)


@contextlib.contextmanager
def _ended_with_asker(sock: socket.socket) -> Iterator[None]:
    """While the work runs, have the kernel end this process as soon as its asker goes.

    The asker writes nothing after the work, so its socket turns readable only when the
    asker's end closes; with O_ASYNC that sends this process SIGIO, whose default action
    ends it (no thread waits on the socket). Disarmed before the outcome is written: the
    socket turning writable again (a report's megabytes, read as they come) sends SIGIO too.
    """
    fd = sock.fileno()
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    signal.signal(signal.SIGIO, signal.SIG_DFL)
    fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_ASYNC)
    # Gone before that took effect, no signal would come: look once.
    with contextlib.suppress(BlockingIOError):
        if sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
            os._exit(1)
    yield
    fcntl.fcntl(fd, fcntl.F_SETFL, flags)


def _end_with(parent: int) -> None:
    """Have Linux kill this process when `parent`, its parent, dies (prctl's
    PR_SET_PDEATHSIG): the server must not outlive the process it serves. Elsewhere nothing
    is asked."""
    if not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(0)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h

# What gunicorn handles itself (its quit, reload and log signals).
_INHERITED_SIGNALS = (
    signal.SIGQUIT,
    signal.SIGHUP,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGWINCH,
    signal.SIGABRT,
    signal.SIGTTIN,
    signal.SIGTTOU,
)
