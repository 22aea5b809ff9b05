"""Work that follows an ack, on a small pool of threads.

Slack waits for the HTTP answer of a slash command, a button or a submission, and every
millisecond before it is the user's. What the answer does not need (a DM to a partner, a
summary over thousands of teams posted back through the response URL) runs here after it.
A bounded pool makes a burst of requests queue instead of starting a thread each.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

log = logging.getLogger(__name__)

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="after-ack")
_pending: set[Future] = set()
_lock = threading.Lock()


def after_ack(function: Callable[..., Any], *args: Any) -> None:
    """Run `function(*args)` soon, on another thread; a failure is logged, never raised."""

    def guarded() -> None:
        try:
            function(*args)
        except Exception:
            log.exception("work after an ack failed")

    future = _POOL.submit(guarded)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def drain(timeout: float = 30.0) -> None:
    """Wait for the work handed over so far (at exit, so a stopping worker finishes it)."""
    with _lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


atexit.register(drain)
