"""Reading the Focal Points, Decision Points and Individual Mentoring Plan modals.

The block ids are defined here, beside the parsers that read them, and the view builders use
the same functions, so a modal and its parser cannot drift apart. Every check Slack makes in
the client (required fields, maximum lengths) is made again here: a submission is data from
outside and is read as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.program import Program
from bot.slack import fields as forms
from bot.slack.fields import FieldErrors, State

TEXT_MAX = 3000
CONCERN_RATINGS = frozenset({2, 3})  # the manual: tick "concerned" if an item was a 2 or 3
TOP_CONCERNS = 4
OTHER = "other"
CHECKBOX_MAX = 10  # Slack's limit of options in one checkboxes element

ItemKey = tuple[int, int]  # (category or group index, item index) in the program file


# --- block ids -----------------------------------------------------------------------------


NEEDS = {"moderate": 2, "high": 3}  # the Focal Points boxes a protégé ticks; unticked is 1
NEED_LABELS = {"moderate": "Moderate need", "high": "High need"}


def need_block(category: int, chunk: int, need: str) -> str:
    """One category's (or, past ten items, one part of it) "moderate" or "high" boxes."""
    return f"fp_{need}_{category}_{chunk}"


def concerned_block(group: int, chunk: int) -> str:
    return f"dp_concerned_{group}_{chunk}"


def notes_block(group: int, item: int) -> str:
    return f"dp_notes_{group}_{item}"


def top_block(rank: int) -> str:
    return f"dp_top_{rank}"


def key_value(key: ItemKey) -> str:
    return f"{key[0]}.{key[1]}"


def selection_block(slot: int) -> str:
    return f"imp_selection_{slot}"


def other_block(slot: int) -> str:
    return f"imp_other_{slot}"


def planned_block(slot: int) -> str:
    return f"imp_planned_{slot}"


def due_block(slot: int) -> str:
    return f"imp_due_{slot}"


def other_approval_block(slot: int) -> str:
    return f"approve_other_{slot}"


RETURN_COMMENT_BLOCK = "return_comment"
APPROVE_VALUE = "approve"


# --- the forms -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FocalPointsForm:
    ratings: dict[ItemKey, int]  # every item of the program's checklist


@dataclass(frozen=True)
class DecisionPointsForm:
    concerned: frozenset[ItemKey]
    notes: dict[ItemKey, str]  # only areas with notes
    top: tuple[ItemKey, ...]  # the top four concerns, in order


@dataclass(frozen=True)
class SlotForm:
    number: int
    semester: int
    selection: int | None  # None: "other"
    other_description: str | None
    planned: str
    due: date


@dataclass(frozen=True)
class PlanForm:
    slots: tuple[SlotForm, ...]


def focal_keys(program: Program) -> list[ItemKey]:
    return [
        (c, i)
        for c, category in enumerate(program.focal_points)
        for i in range(len(category.items))
    ]


def decision_keys(program: Program) -> list[ItemKey]:
    return [
        (g, i) for g, group in enumerate(program.decision_points) for i in range(len(group.items))
    ]


def area_name(program: Program, key: ItemKey) -> str:
    return program.decision_points[key[0]].items[key[1]]


def top_count(program: Program) -> int:
    return min(TOP_CONCERNS, len(decision_keys(program)))


def focal_chunks(program: Program) -> list[tuple[int, int, list[ItemKey]]]:
    """(category, chunk, its items): a category of more than ten items is split, since a
    checkbox group holds at most ten options."""
    found = []
    for c, category in enumerate(program.focal_points):
        keys = [(c, i) for i in range(len(category.items))]
        for chunk in range(chunk_count(len(keys))):
            found.append((c, chunk, keys[chunk * CHECKBOX_MAX : (chunk + 1) * CHECKBOX_MAX]))
    return found


def parse_focal_points(program: Program, state: State, *, draft: bool = False) -> FocalPointsForm:
    """Every item rated: 3 where "high" is ticked, 2 where "moderate" is, else 1. A draft
    is read leniently: an item ticked twice counts as high, an unknown value is left out."""
    ratings: dict[ItemKey, int] = dict.fromkeys(focal_keys(program), 1)
    errors: dict[str, str] = {}
    for c, chunk, keys in focal_chunks(program):
        allowed = {key_value(key): key for key in keys}
        ticked: dict[str, set[ItemKey]] = {}
        for need in NEEDS:
            block = need_block(c, chunk, need)
            values = forms.selected_many(state, block)
            if any(value not in allowed for value in values):
                errors[block] = "Tick items from this list only."
            ticked[need] = {allowed[value] for value in values if value in allowed}
        both = ticked["moderate"] & ticked["high"]
        if both and not draft:
            item = program.focal_points[c].items[min(both)[1]]
            errors[need_block(c, chunk, "moderate")] = (
                f"“{clip(item, 60)}” is ticked as high too: untick one."
            )
        for need, rating in NEEDS.items():
            for key in ticked[need]:
                ratings[key] = max(ratings[key], rating)
    if errors and not draft:
        raise FieldErrors(errors)
    return FocalPointsForm(ratings)


def clip(text: str, limit: int = 900) -> str:
    """For display only: long answers are shown in part and kept whole in the database."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_decision_areas(
    program: Program, state: State, *, draft: bool = False
) -> frozenset[ItemKey]:
    """The first step: the areas ticked "concerned". The top four concerns are chosen from
    them, so at least that many are ticked (a draft may hold fewer)."""
    by_value = {key_value(key): key for key in decision_keys(program)}
    errors: dict[str, str] = {}
    concerned: set[ItemKey] = set()
    for g, group in enumerate(program.decision_points):
        for chunk in range(chunk_count(len(group.items))):
            block = concerned_block(g, chunk)
            for value in forms.selected_many(state, block):
                if value not in by_value:
                    errors[block] = "Tick areas from this list only."
                else:
                    concerned.add(by_value[value])
    if not errors and len(concerned) < top_count(program):
        errors[concerned_block(0, 0)] = (
            f"Tick at least {top_count(program)} areas: the top {top_count(program)} "
            "concerns are chosen from them."
        )
    if errors and not draft:
        raise FieldErrors(errors)
    return frozenset(concerned)


def shown_areas(program: Program, block_ids: set[str]) -> frozenset[ItemKey]:
    """The areas the second step was opened with: those with a notes box in the view (which
    Slack keeps and returns as the app built it)."""
    return frozenset(key for key in decision_keys(program) if notes_block(*key) in block_ids)


def parse_decision_points(
    program: Program, state: State, concerned: frozenset[ItemKey], *, draft: bool = False
) -> DecisionPointsForm:
    """The second step: notes on the ticked areas and the top four concerns among them."""
    by_value = {key_value(key): key for key in concerned}
    errors: dict[str, str] = {}
    notes: dict[ItemKey, str] = {}
    for key in sorted(concerned):
        block = notes_block(*key)
        note = forms.text(state, block)
        if len(note) > TEXT_MAX:
            errors[block] = too_long(note)
        elif note:
            notes[key] = note
    top: list[ItemKey] = []
    for rank in range(1, top_count(program) + 1):
        block = top_block(rank)
        picked = by_value.get(forms.selected(state, block) or "")
        if picked is None:
            errors[block] = "Choose an area from the list."
        elif picked in top:
            errors[block] = f"Already concern {top.index(picked) + 1}: choose another area."
        else:
            top.append(picked)
    if errors and not draft:
        raise FieldErrors(errors)
    return DecisionPointsForm(concerned, notes, tuple(top))


def parse_plan(program: Program, track: str, state: State) -> PlanForm:
    """The plan in the track's shape (`[[tracks]] plan_slots`): where its slots are optional,
    a slot left wholly empty is no experience planned."""
    numbers = {str(s.number): s.number for s in program.experience_selections}
    errors: dict[str, str] = {}
    slots: list[SlotForm] = []
    shape = program.track(track)
    for number, semester in shape.slot_semesters().items():
        if shape.plan_slots_optional and _empty_slot(state, number):
            continue
        slot, slot_errors = _parse_slot(program, state, numbers, number, semester)
        errors.update(slot_errors)
        if slot is not None:
            slots.append(slot)
    if errors:
        raise FieldErrors(errors)
    return PlanForm(tuple(slots))


def _empty_slot(state: State, number: int) -> bool:
    return not (
        forms.selected(state, selection_block(number))
        or forms.text(state, other_block(number))
        or forms.text(state, planned_block(number))
        or forms.day(state, due_block(number))
    )


def _parse_slot(
    program: Program, state: State, numbers: dict[str, int], number: int, semester: int
) -> tuple[SlotForm | None, dict[str, str]]:
    choice = forms.selected(state, selection_block(number))
    description = forms.text(state, other_block(number))
    planned = forms.text(state, planned_block(number))
    due = forms.day(state, due_block(number))
    errors: dict[str, str] = {}
    selection: int | None = None
    if choice == OTHER:
        if not description:
            errors[other_block(number)] = (
                "Describe the experience: it is not on the selection list, so your "
                "content advisor approves it on its own."
            )
    elif choice in numbers:
        selection = numbers[choice]
        if description:
            errors[other_block(number)] = (
                "A description is only for “Other”: choose “Other” above, or clear this."
            )
    else:
        errors[selection_block(number)] = "Choose an experience selection, or “Other”."
    if len(description) > TEXT_MAX:
        errors[other_block(number)] = too_long(description)
    if not planned:
        errors[planned_block(number)] = "Describe the planned work."
    elif len(planned) > TEXT_MAX:
        errors[planned_block(number)] = too_long(planned)
    if due is None:
        errors[due_block(number)] = "Choose a due date."
    elif not program.start <= due <= program.end:
        errors[due_block(number)] = outside_year(program)
    if errors or due is None:
        return None, errors
    slot = SlotForm(
        number=number,
        semester=semester,
        selection=selection,
        other_description=description if selection is None else None,
        planned=planned,
        due=due,
    )
    return slot, {}


def parse_return_comment(state: State) -> str:
    comment = forms.text(state, RETURN_COMMENT_BLOCK)
    if not comment:
        raise FieldErrors({RETURN_COMMENT_BLOCK: "Tell the team what to change."})
    if len(comment) > TEXT_MAX:
        raise FieldErrors({RETURN_COMMENT_BLOCK: too_long(comment)})
    return comment


def parse_other_approvals(state: State, slots: list[int]) -> set[int]:
    """Every "other" slot must be ticked: approving the plan approves each of them explicitly."""
    errors = {
        other_approval_block(number): (
            "Tick to approve this experience, or close this and return the plan with a comment."
        )
        for number in slots
        if APPROVE_VALUE not in forms.selected_many(state, other_approval_block(number))
    }
    if errors:
        raise FieldErrors(errors)
    return set(slots)


def too_long(text: str) -> str:
    return f"Please keep this under {TEXT_MAX:,} characters (it has {len(text):,})."


def outside_year(program: Program) -> str:
    return (
        f"Choose a date in the {program.school_year} program year "
        f"({program.start:%b} {program.start.day}, {program.start.year} to "
        f"{program.end:%b} {program.end.day}, {program.end.year})."
    )


def chunk_count(count: int) -> int:
    """How many checkboxes elements a group of `count` areas needs."""
    return (count + CHECKBOX_MAX - 1) // CHECKBOX_MAX
