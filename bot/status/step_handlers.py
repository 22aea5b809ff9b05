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


@dataclass(frozen=True)
class NextAction:
    """The viewer's own next step, with the button that opens it."""

    text: str
    label: str
    action_id: str
    value: str


# The teams of one track, and the deadlines of that track of the handler's kinds; the facts of
# every team, keyed by deadline id. Asked once per batch of teams, so a few queries per batch.
FactsOf = Callable[[Session, Program, Sequence[Team], Sequence[Deadline]], dict[int, Facts]]
# The step, the role of the person looking (mentor or protégé, who holds the step), the team id.
Opener = Callable[[Step, str, int], NextAction | None]


@dataclass(frozen=True)
class StepHandler:
    """A feature's steps of some kinds: its facts (none: the step is not tracked in Slack, only
    dated) and its opener (none: nothing to press)."""

    kinds: tuple[StepKind, ...]
    facts: FactsOf | None = None
    opener: Opener | None = None


@functools.cache
def handlers() -> tuple[StepHandler, ...]:
    """Every feature's step handlers, in the order of the features' names."""
    found: list[StepHandler] = []
    handled: set[StepKind] = set()
    for module in feature_steps():
        listed: Sequence[StepHandler] = getattr(module, "HANDLERS", ())
        for handler in listed:
            for kind in handler.kinds:
                if kind in handled:
                    raise RuntimeError(f"{module.__name__} handles the step kind {kind!r} again")
                handled.add(kind)
            found.append(handler)
    return tuple(found)


def handler_for(kind: StepKind) -> StepHandler | None:
    return _by_kind().get(kind)


@functools.cache
def _by_kind() -> dict[StepKind, StepHandler]:
    return {kind: handler for handler in handlers() for kind in handler.kinds}


__all__ = ["Facts", "FactsOf", "NextAction", "Opener", "StepHandler", "handler_for", "handlers"]
