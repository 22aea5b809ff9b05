"""Work that follows an ack, on a small pool of threads.

Slack waits for the HTTP answer of a slash command, a button or a submission, and every
millisecond before it is the user's. What the answer does not need (a DM to a partner, a
summary over thousands of teams posted back through the response URL) runs here after it.
A bounded pool makes a burst of requests queue instead of starting a thread each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="after-ack")


def after_ack(function: Callable[..., Any], *args: Any) -> None:
    """Run `function(*args)` soon, on another thread; a failure is logged, never raised."""

    def guarded() -> None:
        try:
            function(*args)
        except Exception:
            log.exception("work after an ack failed")

    _POOL.submit(guarded)
