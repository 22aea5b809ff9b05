"""Step kinds and their handlers come from the features' `step.py` modules, found rather than
listed: a kind a feature declares is one a program file may name, and no kind is declared or
handled twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from bot.program import kinds, load_program
from bot.program.kinds import Spec, StepKind
from bot.status import step_handlers
from bot.status.step_handlers import StepHandler, handler_for
from tests.test_program import refusal, variant

REFLECTION = StepKind("reflection")


@pytest.fixture
def found_afresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ModuleType]]:
    """The features' step modules as found, plus those a test appends, read afresh."""
    modules = list(kinds.feature_steps())
    monkeypatch.setattr(kinds, "feature_steps", lambda: tuple(modules))
    monkeypatch.setattr(step_handlers, "feature_steps", lambda: tuple(modules))
    _forget()
    yield modules
    monkeypatch.undo()
    _forget()


def _forget() -> None:
    kinds._registered.cache_clear()
    step_handlers._handlers.cache_clear()


def _feature(name: str, **attributes: object) -> ModuleType:
    module = ModuleType(f"bot.{name}.step")
    for attribute, value in attributes.items():
        setattr(module, attribute, value)
    return module


def test_the_features_step_modules_are_found() -> None:
    names = [module.__name__ for module in kinds.feature_steps()]
    assert {"bot.contact.step", "bot.experiences.step", "bot.logs.step"} <= set(names)
    assert names == sorted(names)


def test_a_features_kind_is_one_a_program_file_may_name(
    found_afresh: list[ModuleType], tmp_path: Path
) -> None:
    path = variant(tmp_path, 'step = "completers"', 'step = "reflection"')
    error = refusal(path)
    assert error.key == "deadlines[24].step"
    assert error.reason.startswith("'reflection' is not a step kind (meeting, ")

    found_afresh.append(_feature("reflection", KINDS={REFLECTION: Spec()}))
    _forget()
    program = load_program(path)
    assert program.step("year2", REFLECTION) is not None
    assert kinds.spec(REFLECTION) == Spec()


def test_a_kind_declared_twice_is_refused(found_afresh: list[ModuleType]) -> None:
    found_afresh.append(_feature("twin", KINDS={StepKind("experience"): Spec()}))
    with pytest.raises(RuntimeError, match="bot.twin.step declares the step kind 'experience'"):
        kinds.kinds()


def test_a_kind_handled_twice_is_refused(found_afresh: list[ModuleType]) -> None:
    twin = StepHandler(StepKind.COMMUNICATION_LOG)
    found_afresh.append(_feature("twin", HANDLERS=(twin,)))
    with pytest.raises(RuntimeError, match="bot.twin.step handles the step kind"):
        handler_for(StepKind.COMMUNICATION_LOG)
