"""The `/mentor` subcommands: how one is described, and how the command text is parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.access import Action
from bot.slack.text import TypedText

# Slack escapes mentions as <@U123|label>; the label is display text and unreliable.
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# A form's number in a command ("2" in `/mentor pd 2`) has a digit or two. A longer run is
# no form's number; reading it as one could even fail (Python's int() refuses 4,300 digits).
NUMBER_DIGITS = 4


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    action: Action
    # The step kinds it files: `/mentor help` leaves it out for a member whose track has
    # none of them (year two's Assessment Activity is not shown to year one).
    steps: tuple[str, ...] = ()
    # A look-up that also reads an earlier program year with `--year` (bot.years.lookup).
    earlier_years: bool = False


@dataclass(frozen=True)
class Parsed:
    name: str  # lower-cased first word; "help" when the text is empty
    args: tuple[TypedText, ...]  # what the person typed after it: echoed back only escaped
    mentions: tuple[str, ...]  # user ids mentioned anywhere in the text

    @property
    def numbers(self) -> tuple[int, ...]:
        """The form numbers among the words: ASCII digits ("²" or "２" are not), short."""
        return tuple(
            int(word)
            for word in self.args
            if word.isascii() and word.isdigit() and len(word) <= NUMBER_DIGITS
        )


def split_flag(parsed: Parsed, flag: str) -> tuple[Parsed, str | None]:
    """The command without `flag X` (`--year 2024-25`, `--program bmit-2024-25`), and X: None
    when the flag is not there, "" when X is missing."""
    words = [word.lower() for word in parsed.args]
    if flag not in words:
        return parsed, None
    at = words.index(flag)
    args = list(parsed.args)
    value = str(args[at + 1]) if at + 1 < len(args) else ""
    del args[at : at + 2]
    return replace(parsed, args=tuple(args)), value


def parse(text: str | None) -> Parsed:
    words = (text or "").split()
    if not words:
        return Parsed("help", (), ())
    args = tuple(TypedText(word) for word in words[1:])
    return Parsed(words[0].lower(), args, tuple(_MENTION.findall(text or "")))
