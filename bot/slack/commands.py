"""The `/mentor` subcommands: how one is described, and how the command text is parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.access import Action

# Slack escapes mentions as <@U123|label>; the label is display text and unreliable.
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    action: Action


@dataclass(frozen=True)
class Parsed:
    name: str  # lower-cased first word; "help" when the text is empty
    args: tuple[str, ...]
    mentions: tuple[str, ...]  # user ids mentioned anywhere in the text


def parse(text: str | None) -> Parsed:
    words = (text or "").split()
    if not words:
        return Parsed("help", (), ())
    return Parsed(words[0].lower(), tuple(words[1:]), tuple(_MENTION.findall(text or "")))
