"""The bot's log format: tracebacks keep their frames and exception types, never messages.

An exception's message can quote what a person typed ("invalid literal for int(): 'my
protégé…'"), and the log must hold no personal data. The frames and the types are what an
operator needs to find the fault.
"""

from __future__ import annotations

import json
import logging
import re
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
        return private_traceback(error)


class RemoteFrames(Exception):
    """The frames of an error raised in another process, written there by `private_traceback`
    (no messages): shown as they are, as the cause of the error that process sent back."""


def private_traceback(error: BaseException) -> str:
    """The traceback of `error` and of what caused it, types and frames only."""
    return "\n".join(_chain(error))


def _chain(error: BaseException) -> list[str]:
    if isinstance(error, RemoteFrames):
        return [str(error)]
    lines: list[str] = []
    cause = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    if cause is not None:
        lines += _chain(cause)
        lines.append("The above led to:")
    lines.append("Traceback (most recent call last):")
    lines += [line.rstrip("\n") for line in traceback.format_tb(error.__traceback__)]
    lines.append(f"{type(error).__module__}.{type(error).__qualname__} (message withheld)")
    return lines


# What a log line may carry beside its message: a notice named by its ledger row, never by
# its key (keys name Slack ids) or its words.
FIELDS = ("delivery", "outcome", "kind", "reason")
# A Slack id of a member, channel, DM or workspace (U0123ABCD, D0456…): letters and at least
# one digit. A message that quotes one (a ledger key) keeps its shape without the id.
SLACK_ID = re.compile(r"(?<![A-Za-z0-9])[UWDCGTB](?=[A-Z]*[0-9])[A-Z0-9]{6,}(?![A-Za-z0-9])")


def without_slack_ids(text: str) -> str:
    return SLACK_ID.sub("<id>", text)


class JsonLines(PrivateTracebacks):
    """One JSON object a line, for a log platform to index: time, level, logger, message,
    the notice's fields when the line is about one, and the traceback's frames."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": without_slack_ids(record.getMessage()),
        }
        entry.update(
            (name, getattr(record, name))
            for name in FIELDS
            if getattr(record, name, None) is not None
        )
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: int = logging.INFO, style: str = "text") -> None:
    """`style`: "text" (a line per record, for people) or "json" (JSON lines)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if style == "json" else PrivateTracebacks(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("alembic").setLevel(logging.WARNING)
