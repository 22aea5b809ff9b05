"""What a feature tells the status about the steps of its forms: when each team took them,
and the button that lets a person take one now.

A feature's `step.py` lists its `HANDLERS`; they are found with its step kinds
(`bot.program.kinds.feature_steps`), so deliverables, the Home tab and reminders pick up a new
form without naming it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.program import Deadline, Program, Step, StepKind
from bot.program.kinds import feature_steps
from storage.models import Team


@dataclass
class Facts:
    """What a handler knows of one team: when steps were done, and who holds the others."""

    done: dict[str, datetime] = field(default_factory=dict)
    holders: dict[str, tuple[str, ...]] = field(default_factory=dict)
    waiting: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    # Steps someone other than the team records (a meeting's attendance): due, never late,
    # until recorded.
    pending: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class NextAction:
    """The viewer's own next step, with the button that opens it."""

    text: str
    label: str
    action_id: str
    value: str


# The teams of one track, and the deadlines of that track of the handler's kind (and of any
# kind whose handler shares the function); the facts of every team. Asked once per batch of
# teams, so a few queries per batch rather than per team.
FactsOf = Callable[[Session, Program, Sequence[Team], Sequence[Deadline]], dict[int, Facts]]
# The step, the role of the person looking (who holds the step), the team id.
Opener = Callable[[Step, str, int], NextAction | None]
# The manual's name for one step, where the form's name says too little.
Namer = Callable[[Deadline], str]
# What a reminder asks of the person holding the step: the step, their role, their partner's
# Slack id, and when it is due ("today", "Fri, Sep 20").
Asker = Callable[[Step, str, str, str], str]


@dataclass(frozen=True)
class StepHandler:
    """What a feature knows of one kind of its steps. Without facts the step is dated but not
    tracked in Slack; without an opener there is nothing to press; without a name the
    program file's form name (or the deadline's title) is used; without an ask the reminder
    only thanks."""

    kind: StepKind
    facts: FactsOf | None = None
    opener: Opener | None = None
    name: Namer | None = None
    ask: Asker | None = None
    # The checklist's note goes into reminders too, where it says what is left to do.
    note_in_reminder: bool = False


def handler_for(kind: StepKind) -> StepHandler | None:
    return _handlers().get(kind)


@functools.cache
def _handlers() -> dict[StepKind, StepHandler]:
    found: dict[StepKind, StepHandler] = {}
    for module in feature_steps():
        listed: Sequence[StepHandler] = getattr(module, "HANDLERS", ())
        for handler in listed:
            kind = handler.kind
            if kind in found:
                raise RuntimeError(f"{module.__name__} handles the step kind {kind!r} again")
            found[kind] = handler
    return found


__all__ = [
    "Asker",
    "Facts",
    "FactsOf",
    "Namer",
    "NextAction",
    "Opener",
    "StepHandler",
    "handler_for",
]
