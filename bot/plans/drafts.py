"""Half-filled checklists: what a "Save draft" keeps, and what the form opens with later.

The answers are stored as JSON of the form's own keys ("category.item"); a key the program
file no longer lists is left out when read, as for a filing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.plans.form import (
    DecisionPointsForm,
    FocalPointsForm,
    ItemKey,
    decision_keys,
    focal_keys,
    key_value,
)
from bot.program import Program
from bot.slack.text import TypedText, typed
from storage import drafts as store
from storage.models import Team

FOCAL = "focal_points"
DECISIONS = "decision_points"


@dataclass(frozen=True)
class FocalDraft:
    ratings: dict[ItemKey, int]  # every item of the checklist
    saved_at: datetime


@dataclass(frozen=True)
class DecisionsDraft:
    concerned: frozenset[ItemKey]
    notes: dict[ItemKey, TypedText]
    top: tuple[ItemKey, ...]
    saved_at: datetime


def save_focal(session: Session, team: Team, form: FocalPointsForm, by: str, now: datetime) -> None:
    answers = {key_value(key): rating for key, rating in form.ratings.items() if rating > 1}
    _save(session, team, FOCAL, {"ratings": answers}, by, now)


def focal(session: Session, program: Program, team: Team) -> FocalDraft | None:
    row = store.get_draft(session, team.id, team.program_id, FOCAL)
    if row is None:
        return None
    keys = _keys(focal_keys(program))
    ratings = dict.fromkeys(focal_keys(program), 1)
    for value, rating in _answers(row.answers).get("ratings", {}).items():
        if value in keys and rating in (2, 3):
            ratings[keys[value]] = rating
    return FocalDraft(ratings, row.saved_at)


def save_decisions(
    session: Session, team: Team, form: DecisionPointsForm, by: str, now: datetime
) -> None:
    answers = {
        "concerned": sorted(key_value(key) for key in form.concerned),
        "notes": {key_value(key): str(note) for key, note in form.notes.items()},
        "top": [key_value(key) for key in form.top],
    }
    _save(session, team, DECISIONS, answers, by, now)


def decisions(session: Session, program: Program, team: Team) -> DecisionsDraft | None:
    row = store.get_draft(session, team.id, team.program_id, DECISIONS)
    if row is None:
        return None
    keys = _keys(decision_keys(program))
    answers = _answers(row.answers)
    concerned = frozenset(keys[v] for v in answers.get("concerned", []) if v in keys)
    notes = {
        keys[v]: typed(note)
        for v, note in answers.get("notes", {}).items()
        if v in keys and isinstance(note, str) and note
    }
    top = tuple(keys[v] for v in answers.get("top", []) if v in keys and keys[v] in concerned)
    return DecisionsDraft(concerned, notes, top, row.saved_at)


def drop(session: Session, team: Team, form: str) -> None:
    store.drop_draft(session, team.id, team.program_id, form)


def _save(
    session: Session, team: Team, form: str, answers: dict[str, Any], by: str, now: datetime
) -> None:
    raw = json.dumps(answers, ensure_ascii=False, separators=(",", ":"))
    store.save_draft(session, team.id, team.program_id, form, raw, by, now)


def _keys(keys: list[ItemKey]) -> dict[str, ItemKey]:
    return {key_value(key): key for key in keys}


def _answers(raw: str) -> dict[str, Any]:
    try:
        found = json.loads(raw)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
