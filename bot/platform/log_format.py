"""The bot's log format: tracebacks keep their frames and exception types, never messages.

An exception's message can quote what a person typed ("invalid literal for int(): 'my
protégé…'"), and the log must hold no personal data. The frames and the types are what an
operator needs to find the fault.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class PrivateTracebacks(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # logging caches a record's traceback text; another handler's text may hold messages.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 (logging's naming)
        _, error, _ = ei
        if error is None:
            return ""
        return "\n".join(_chain(error))


def _chain(error: BaseException) -> list[str]:
    """The traceback of `error` and of what caused it, types and frames only."""
    lines: list[str] = []
    cause = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    if cause is not None:
        lines += _chain(cause)
        lines.append("The above led to:")
    lines.append("Traceback (most recent call last):")
    lines += [line.rstrip("\n") for line in traceback.format_tb(error.__traceback__)]
    lines.append(f"{type(error).__module__}.{type(error).__qualname__} (message withheld)")
    return lines


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(PrivateTracebacks(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("alembic").setLevel(logging.WARNING)
