"""Kinds of step: the names a program file gives its steps (`step = "..."`), each with the
parameters it takes.

The kinds the program core asks for by name are declared here. A feature declares the kinds of
its own forms in its `step.py` (`KINDS`); the registry finds every `bot/<feature>/step.py` the
first time a kind is looked up, so a program file may name a feature's kind without any list
of features.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import ClassVar

import bot


class StepKind(str):
    """A kind of step, by its name in program files. The constants here are the kinds the
    program core asks for; a feature names its own (`EXPERIENCE = StepKind("experience")`)."""

    __slots__ = ()

    MEETING: ClassVar[StepKind]
    COMMUNICATION_LOG: ClassVar[StepKind]
    SEMESTER_PROGRESS: ClassVar[StepKind]
    SURVEY: ClassVar[StepKind]
    COMPLETERS: ClassVar[StepKind]
    PAYMENT: ClassVar[StepKind]


StepKind.MEETING = StepKind("meeting")
StepKind.COMMUNICATION_LOG = StepKind("communication_log")
StepKind.SEMESTER_PROGRESS = StepKind("semester_progress")
StepKind.SURVEY = StepKind("survey")
StepKind.COMPLETERS = StepKind("completers")
StepKind.PAYMENT = StepKind("payment")

# Survey parts: staff send the link, then mentors and protégés answer.
LINK, ANSWER = "link", "answer"


@dataclass(frozen=True)
class Spec:
    """The parameters a kind takes; the loader refuses any other."""

    numbered: bool = False
    parts: tuple[str, ...] = ()
    # The parts are taken in this order: each waits on the one before it, and a numbered
    # step cannot be without its first part.
    in_order: bool = False
    meeting: bool = False  # may say where (place) and whether in person
    recurring: bool = False  # only on [[rules]]: one step, one deadline per date


# Refusals list the kinds in a year's order: the initial meeting, the features' forms, then
# the steps that run through the year and close it.
_OPENING: dict[StepKind, Spec] = {StepKind.MEETING: Spec(meeting=True)}
_CLOSING: dict[StepKind, Spec] = {
    StepKind.COMMUNICATION_LOG: Spec(recurring=True),
    StepKind.SEMESTER_PROGRESS: Spec(numbered=True),
    StepKind.SURVEY: Spec(parts=(LINK, ANSWER)),
    StepKind.COMPLETERS: Spec(),
    StepKind.PAYMENT: Spec(parts=("requests", "finalized")),
}


def kinds() -> Mapping[StepKind, Spec]:
    """Every kind a program file may name, the core's and every feature's, with its spec."""
    return _registered()


def spec(kind: StepKind) -> Spec:
    return _registered()[kind]


@functools.cache
def feature_steps() -> tuple[ModuleType, ...]:
    """Every feature's `step` module, by package name: a feature's steps join the program by
    its having one. Imported on first use, not with this module: they import the program."""
    found = []
    for package in sorted(pkgutil.iter_modules(bot.__path__), key=lambda m: m.name):
        if package.ispkg and importlib.util.find_spec(f"bot.{package.name}.step"):
            found.append(importlib.import_module(f"bot.{package.name}.step"))
    return tuple(found)


@functools.cache
def _registered() -> dict[StepKind, Spec]:
    found = dict(_OPENING)
    for module in feature_steps():
        declared: Mapping[StepKind, Spec] = getattr(module, "KINDS", {})
        for kind, kind_spec in declared.items():
            if kind in found or kind in _CLOSING:
                raise RuntimeError(f"{module.__name__} declares the step kind {kind!r} again")
            found[kind] = kind_spec
    return found | _CLOSING


__all__ = ["ANSWER", "LINK", "Spec", "StepKind", "feature_steps", "kinds", "spec"]
