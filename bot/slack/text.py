"""Text a person typed, as its own type, rendered for where it goes.

A form parser hands out `TypedText`; a view or an export says how it is shown: escaped in
mrkdwn (no `<!channel>`, `<@U…>` or masked link passes), as typed in a form's
`initial_value`, formula-safe in a spreadsheet cell. One way each, so no view forgets.
"""

from __future__ import annotations

# A cell starting with one of these is read as a formula by spreadsheet programs (OWASP's
# CSV injection advice): a leading apostrophe makes it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class TypedText(str):
    """A str that came from a person; render it with one of the methods below."""

    __slots__ = ()

    def mrkdwn(self) -> str:
        """For mrkdwn text shown to anyone: Slack's three control characters escaped."""
        return self.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def raw(self) -> str:
        """As typed: for a form's `initial_value` and plain_text, which Slack shows literally."""
        return str.__str__(self)

    def cell(self) -> str:
        """For an exported cell: never the start of a formula."""
        return formula_safe(self.raw())


def formula_safe(text: str) -> str:
    """Text a spreadsheet reads as text: one that would start a formula gets an apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def typed(value: str | None) -> TypedText:
    """Stored text (a database column) back as the typed text it was; '' for None."""
    return TypedText(value or "")
