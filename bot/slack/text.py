"""Text a person typed, as its own type, rendered for where it goes.

A form parser hands out `TypedText`, and so does every record that reaches a view: view data
types a free-text field as `TypedText`, so a stored `str` column must be converted where the
record becomes view data (`typed`), and mypy refuses a view fed a plain `str` there.

Inside a view it cannot be shown unescaped by mistake:
- every operation that makes new text of it (a slice, `+`, `strip`, `replace`, `split` …)
  keeps the type, so cutting or joining it on does not lose where it came from;
- an f-string (or `format`) renders it as escaped mrkdwn, and so does the Block Kit builder
  that makes mrkdwn text (`bot.slack.blocks.mrkdwn`): a view that forgets to choose shows
  `&lt;!channel&gt;`, never a ping;
- as typed (`raw`) is asked for by name, for a form's `initial_value` and plain_text, which
  Slack shows literally; `cell` is the spreadsheet's rendering.
One path is not covered: `"; ".join(parts)` on a plain separator gives a plain `str`; join
rendered parts (`part.mrkdwn()`) instead.

It stays a `str`, so parsers, rules and storage read and store it as the text it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, SupportsIndex

# A cell starting with one of these is read as a formula by spreadsheet programs (OWASP's
# CSV injection advice): a leading apostrophe makes it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# An e-mail address as the Contact Form takes it: no space and none of Slack's control
# characters (<, >, |, !) or "&", so it can be shown, and linked, exactly as stored.
EMAIL = re.compile(
    r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)
EMAIL_MAX = 254


class TypedText(str):
    """A str that came from a person; render it with one of the methods below."""

    __slots__ = ()

    def mrkdwn(self) -> str:
        """For mrkdwn text shown to anyone: Slack's three control characters escaped."""
        return self.raw().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def raw(self) -> str:
        """As typed: for a form's `initial_value` and plain_text, which Slack shows literally."""
        return str.__str__(self)

    def cell(self) -> str:
        """For an exported cell: never the start of a formula."""
        return formula_safe(self.raw())

    def mailto(self) -> str:
        """An e-mail address as a mrkdwn link, when it has an e-mail's strict shape;
        anything else (a row stored before the shape was checked) as escaped text."""
        if len(self) <= EMAIL_MAX and EMAIL.match(self):
            return f"<mailto:{self.raw()}|{self.raw()}>"
        return self.mrkdwn()

    def clip(self, limit: int) -> TypedText:
        """For display: at most `limit` characters, the last an ellipsis when it was longer
        (what is stored stays whole)."""
        if len(self) <= limit:
            return self
        return TypedText(self.raw()[: limit - 1].rstrip() + "…")

    def __format__(self, spec: str) -> str:
        # An f-string is how a view writes mrkdwn: the safe rendering is the default one.
        return format(self.mrkdwn(), spec)

    def __getitem__(self, key: SupportsIndex | slice) -> TypedText:
        return TypedText(str.__getitem__(self, key))

    def __add__(self, other: str) -> TypedText:
        return TypedText(str.__add__(self, other))

    def __radd__(self, other: str) -> TypedText:
        # "label: " + typed: Python asks the subclass first, so the result stays typed.
        return TypedText(str.__add__(other, self))


def _keeping_type(method: Callable[..., Any]) -> Callable[..., Any]:
    def keeping(self: TypedText, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        if isinstance(result, str):
            return TypedText(result)
        if isinstance(result, list | tuple):
            return type(result)(TypedText(part) for part in result)
        return result

    keeping.__name__ = method.__name__
    keeping.__doc__ = method.__doc__
    return keeping


# The str methods that return new text (or a list or tuple of it) return TypedText too.
for _name in (
    "capitalize",
    "casefold",
    "center",
    "expandtabs",
    "join",
    "ljust",
    "lower",
    "lstrip",
    "partition",
    "removeprefix",
    "removesuffix",
    "replace",
    "rjust",
    "rpartition",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "strip",
    "swapcase",
    "title",
    "translate",
    "upper",
    "zfill",
    "__mod__",
    "__mul__",
    "__rmul__",
):
    setattr(TypedText, _name, _keeping_type(getattr(str, _name)))


def formula_safe(text: str) -> str:
    """Text a spreadsheet reads as text: one that would start a formula gets an apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def typed(value: str | None) -> TypedText:
    """Stored text (a database column) back as the typed text it was; '' for None."""
    return TypedText(value or "")


def typed_or_none(value: str | None) -> TypedText | None:
    """As `typed`, for a column where "not given" (None) differs from empty."""
    return None if value is None else TypedText(value)
