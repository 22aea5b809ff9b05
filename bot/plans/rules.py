"""The initial meeting's forms: rules for the Focal Points and Decision Points Checklists and
the Individual Mentoring Plan's path from the team to the content advisor and back.

Other features read two things here: `completed_steps` (when the calendar's "focal-points",
"decision-points" and "mentoring-plan" steps were done) and `current_plan_slots` (the four
planned experiences the structured experiences build on).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from bot.access import Refusal
from bot.plans import drafts
from bot.plans.form import (
    CONCERN_RATINGS,
    DecisionPointsForm,
    FocalPointsForm,
    ItemKey,
    PlanForm,
    decision_keys,
    focal_keys,
    top_count,
)
from bot.program import Program
from bot.slack.text import TypedText, typed, typed_or_none
from storage import plans as store
from storage.models import Team, TeamStatus
from storage.people import get_team
from storage.plans import (
    DecisionPointsFiling,
    FocalPointsFiling,
    MentoringPlan,
    PlanStatus,
)

FOCAL_STEP = "focal-points"
DECISION_STEP = "decision-points"
PLAN_STEP = "mentoring-plan"


@dataclass(frozen=True)
class PlanSlot:
    number: int  # 1–4: Experience N of the year
    semester: int  # 1 or 2
    selection: int | None  # the program's experience selection; None for "other"
    other_description: TypedText | None  # the team's words, as typed
    planned: TypedText
    due: date
    # The content advisor has approved this experience as planned: the revision is approved,
    # or the slot is unchanged from the last approved revision while a newer one is reviewed.
    approved: bool


@dataclass(frozen=True)
class PlanRecord:
    """One revision, as the views need it."""

    id: int
    team_id: int
    revision: int
    status: str  # "submitted", "approved", "returned"; see `superseded_at`
    submitted_by: str
    submitted_at: datetime
    received_by: str | None
    received_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    returned_by: str | None
    returned_at: datetime | None
    return_comment: TypedText | None  # the reviewer's words, as typed
    superseded_at: datetime | None
    slots: tuple[PlanSlot, ...]
    changed: tuple[int, ...]  # slot numbers that differ from the previous revision

    @property
    def other_slots(self) -> list[int]:
        return [slot.number for slot in self.slots if slot.selection is None]


@dataclass(frozen=True)
class TeamPeople:
    team_id: int
    mentor: str
    protege: str
    advisor: str | None
    area: str  # the program area's name: the IMP's "Teaching Content Area"
    track: str


PARTNER_SENT = "Your partner just sent a revision. Submit again to send yours on top of it."


# --- for other features --------------------------------------------------------------------


def completed_steps(session: Session, team: Team) -> dict[str, datetime]:
    """When each of the team's initial-meeting steps was first done (absent: not yet).

    The plan counts as done once it is sent to the content advisor; approval is its own
    status (see `current_plan`), as the manual's calendar asks only that it be uploaded.
    """
    done = {
        FOCAL_STEP: store.first_focal_points_at(session, team.id, team.program_id),
        DECISION_STEP: store.first_decision_points_at(session, team.id, team.program_id),
        PLAN_STEP: store.first_plan_submitted_at(session, team.id, team.program_id),
    }
    return {step: at for step, at in done.items() if at is not None}


def current_plan_slots(session: Session, team_id: int) -> list[PlanSlot]:
    team = get_team(session, team_id)
    if team is None:
        return []
    plan = store.current_plan(session, team.id, team.program_id)
    if plan is None:
        return []
    return list(_slots(session, plan))


# --- people --------------------------------------------------------------------------------


def team_people(program: Program, team: Team) -> TeamPeople:
    try:
        area = program.area(team.area).name
    except KeyError:
        area = team.area
    return TeamPeople(
        team_id=team.id,
        mentor=team.mentor.slack_id,
        protege=team.protege.slack_id,
        advisor=team.advisor.slack_id if team.advisor else None,
        area=area,
        track=team.track,
    )


def reviewers(
    team: Team, staff_ids: tuple[str, ...], away: Collection[str] = ()
) -> tuple[list[str], bool]:
    """Who gets the plan: the team's content advisor, else (none, or `away`: their notices
    are held) program staff (True) who are not on the team themselves (nobody approves
    their own plan: bot.access)."""
    if team.advisor is not None and team.advisor.slack_id not in away:
        return [team.advisor.slack_id], False
    members = {team.mentor.slack_id, team.protege.slack_id}
    return [user for user in staff_ids if user not in members], True


# --- Focal Points Checklist ----------------------------------------------------------------


def file_focal_points(
    session: Session, program: Program, team: Team, form: FocalPointsForm, by: str, now: datetime
) -> FocalPointsFiling:
    _require_active(team)
    rows = []
    for c, i in focal_keys(program):
        category = program.focal_points[c]
        rows.append(store.RatingRow(c, i, category.name, category.items[i], form.ratings[(c, i)]))
    filing = _filed(store.add_focal_points(session, team.id, team.program_id, rows, by, now))
    drafts.drop(session, team, drafts.FOCAL)
    return filing


def current_focal_points(session: Session, team: Team) -> FocalPointsFiling | None:
    return store.current_focal_points(session, team.id, team.program_id)


def ratings_of(filing: FocalPointsFiling | None) -> dict[ItemKey, int]:
    if filing is None:
        return {}
    return {(r.category_index, r.item_index): r.rating for r in filing.ratings}


def concerns_by_area(program: Program, ratings: dict[ItemKey, int]) -> dict[ItemKey, list[str]]:
    """Decision Points area -> its Focal Points items rated 2 or 3.

    The ten "Possible Areas of Collaboration" are the Focal Points categories, spelled a
    little differently ("&" for "and", other capitals); they are matched by name so that a
    program file listing them in another order still lines up.
    """
    categories = {_normal(category.name): c for c, category in enumerate(program.focal_points)}
    found: dict[ItemKey, list[str]] = {}
    for g, i in decision_keys(program):
        c = categories.get(_normal(program.decision_points[g].items[i]))
        if c is None:
            continue
        items = program.focal_points[c].items
        rated = [items[n] for n in range(len(items)) if ratings.get((c, n)) in CONCERN_RATINGS]
        if rated:
            found[(g, i)] = rated
    return found


def by_need(
    program: Program, areas: frozenset[ItemKey], ratings: dict[ItemKey, int]
) -> list[ItemKey]:
    """`areas`, the highest needs first: most items rated 3, then most rated 2 on the Focal
    Points Checklist; areas no category matches (the additional ones) last, in list order."""
    categories = {_normal(category.name): c for c, category in enumerate(program.focal_points)}

    def need(key: ItemKey) -> tuple[int, int]:
        c = categories.get(_normal(program.decision_points[key[0]].items[key[1]]))
        if c is None:
            return 0, 0
        rated = [ratings.get((c, n), 1) for n in range(len(program.focal_points[c].items))]
        return rated.count(3), rated.count(2)

    return sorted(areas, key=lambda key: (*(-n for n in need(key)), key))


def top_guess(
    program: Program,
    concerned: frozenset[ItemKey],
    ratings: dict[ItemKey, int],
    chosen: Sequence[ItemKey],
) -> tuple[ItemKey, ...]:
    """The top concerns the second step opens with: those chosen before that are still
    ticked, then the highest needs among the rest."""
    top = [key for key in chosen if key in concerned]
    top += [key for key in by_need(program, concerned, ratings) if key not in top]
    return tuple(top[: top_count(program)])


def _normal(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("&", " and ")).strip().casefold()


# --- Decision Points Checklist -------------------------------------------------------------


@dataclass(frozen=True)
class DecisionDraft:
    """What the Decision Points modal opens with."""

    concerned: frozenset[ItemKey]
    from_focal: dict[ItemKey, list[str]]  # areas pre-ticked from the Focal Points ratings
    notes: dict[ItemKey, TypedText]
    top: tuple[ItemKey, ...]
    focal_filed: bool
    ratings: dict[ItemKey, int] = field(default_factory=dict)  # the Focal Points ratings
    draft_saved: datetime | None = None  # when it opens with a saved draft


def decision_draft(session: Session, program: Program, team: Team) -> DecisionDraft:
    """A saved draft, else the last filing's answers; "concerned" comes from the newer of
    the filing and the ratings."""
    focal = current_focal_points(session, team)
    ratings = ratings_of(focal)
    from_focal = concerns_by_area(program, ratings)
    draft = drafts.decisions(session, program, team)
    if draft is not None:
        return DecisionDraft(
            draft.concerned,
            from_focal,
            draft.notes,
            draft.top,
            focal is not None,
            ratings,
            draft.saved_at,
        )
    filing = current_decision_points(session, team)
    if filing is None:
        return DecisionDraft(frozenset(from_focal), from_focal, {}, (), focal is not None, ratings)
    filed = filed_decisions(program, filing)
    concerned = filed.concerned
    if focal is not None and focal.filed_at > filing.filed_at:
        # The protégé re-rated the checklist since: its concerns are the news.
        concerned = frozenset(from_focal)
    return DecisionDraft(concerned, from_focal, filed.notes, filed.top, focal is not None, ratings)


def filed_decisions(program: Program, filing: DecisionPointsFiling) -> DecisionDraft:
    """A filing exactly as the team saved it (areas the program no longer lists are left out)."""
    valid = set(decision_keys(program))
    rows = {
        (a.group_index, a.item_index): a
        for a in filing.areas
        if (a.group_index, a.item_index) in valid
    }
    ranked = sorted((row.top_rank, key) for key, row in rows.items() if row.top_rank)
    return DecisionDraft(
        concerned=frozenset(key for key, row in rows.items() if row.concerned),
        from_focal={},
        notes={key: typed(row.notes) for key, row in rows.items() if row.notes},
        top=tuple(key for _, key in ranked),
        focal_filed=True,
    )


def file_decision_points(
    session: Session,
    program: Program,
    team: Team,
    form: DecisionPointsForm,
    by: str,
    now: datetime,
) -> DecisionPointsFiling:
    _require_active(team)
    rows = []
    for g, i in decision_keys(program):
        group = program.decision_points[g]
        key = (g, i)
        rank = form.top.index(key) + 1 if key in form.top else None
        rows.append(
            store.AreaRow(
                group_index=g,
                item_index=i,
                group_name=group.name,
                area=group.items[i],
                concerned=key in form.concerned,
                notes=form.notes.get(key),
                top_rank=rank,
            )
        )
    filing = _filed(store.add_decision_points(session, team.id, team.program_id, rows, by, now))
    drafts.drop(session, team, drafts.DECISIONS)
    return filing


def current_decision_points(session: Session, team: Team) -> DecisionPointsFiling | None:
    return store.current_decision_points(session, team.id, team.program_id)


def top_concerns(filing: DecisionPointsFiling | None) -> list[str]:
    if filing is None:
        return []
    ranked = sorted((a.top_rank, a.area) for a in filing.areas if a.top_rank)
    return [area for _, area in ranked]


# --- Individual Mentoring Plan -------------------------------------------------------------


def current_plan(session: Session, team: Team) -> PlanRecord | None:
    plan = store.current_plan(session, team.id, team.program_id)
    return None if plan is None else record(session, plan)


def plan_team(session: Session, plan_id: int) -> Team | None:
    """The team a revision belongs to, read without the revision itself."""
    team_id = store.plan_team_id(session, plan_id)
    return get_team(session, team_id) if team_id is not None else None


def plan_record(session: Session, plan_id: int) -> PlanRecord | None:
    plan = store.get_plan(session, plan_id)
    return None if plan is None else record(session, plan)


def record(session: Session, plan: MentoringPlan) -> PlanRecord:
    previous = _previous(session, plan)
    return PlanRecord(
        id=plan.id,
        team_id=plan.team_id,
        revision=plan.revision,
        status=str(plan.status),
        submitted_by=plan.submitted_by,
        submitted_at=plan.submitted_at,
        received_by=plan.received_by,
        received_at=plan.received_at,
        approved_by=plan.approved_by,
        approved_at=plan.approved_at,
        returned_by=plan.returned_by,
        returned_at=plan.returned_at,
        return_comment=typed_or_none(plan.return_comment),
        superseded_at=plan.superseded_at,
        slots=_slots(session, plan),
        changed=tuple(changed_slots(previous.slots, plan.slots)) if previous else (),
    )


def submit_plan(
    session: Session, program: Program, team: Team, form: PlanForm, by: str, now: datetime
) -> PlanRecord:
    """Send a new revision to the advisor. Resending what the advisor already has is refused."""
    _require_active(team)
    current = store.current_plan(session, team.id, team.program_id)
    rows = [
        store.SlotRow(
            number=slot.number,
            semester=slot.semester,
            selection=slot.selection,
            other_description=slot.other_description,
            planned=slot.planned,
            due=slot.due,
        )
        for slot in form.slots
    ]
    unchanged = current is not None and not changed_slots(current.slots, rows)
    if current is not None and unchanged and current.status != PlanStatus.RETURNED:
        # A returned plan may go back as it is: the team may have answered the comment.
        state = "approved" if current.status == PlanStatus.APPROVED else "with the advisor"
        raise Refusal(
            f"Nothing has changed since revision {current.revision}, which is {state}. "
            "Change an experience to send a revision."
        )
    plan = store.add_plan_revision(session, team.id, team.program_id, rows, by, now)
    if plan is None:
        raise Refusal(PARTNER_SENT)
    return record(session, plan)


def changed_slots(old: Sequence[_SlotLike], new: Sequence[_SlotLike]) -> list[int]:
    """Numbers of the slots whose experience, work or due date differ."""
    before = {slot.number: _content(slot) for slot in old}
    after = {slot.number: _content(slot) for slot in new}
    return sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))


def review_problem(plan: PlanRecord, team: Team) -> str | None:
    """Why the advisor cannot decide this revision now ("ended", "superseded", "approved",
    "returned"); None when they can."""
    if team.status != TeamStatus.ACTIVE:
        return "ended"
    if plan.superseded_at is not None:
        return "superseded"
    if plan.status == PlanStatus.APPROVED:
        return "approved"
    if plan.status == PlanStatus.RETURNED:
        return "returned"
    return None


def receive_plan(session: Session, plan_id: int, by: str, now: datetime) -> bool:
    """The manual's "initial here after you RECEIVE the IMP"; False if it already was."""
    plan = store.get_plan(session, plan_id)
    return plan is not None and store.mark_received(session, plan, by, now)


def approve_plan(
    session: Session, plan_id: int, by: str, now: datetime, approved_others: set[int]
) -> bool:
    """Approve a revision under review; False when someone decided it first.

    Each experience not on the selection list needs its own explicit approval.
    """
    plan = store.get_plan(session, plan_id)
    if plan is None:
        return False
    missing = [
        s.number
        for s in plan.slots
        if s.other_description is not None and s.number not in approved_others
    ]
    if missing:
        listed = ", ".join(f"Experience {n}" for n in missing)
        raise Refusal(f"{listed} is not on the selection list: approve it explicitly first.")
    return store.approve(session, plan, by, now, sorted(approved_others))


def return_plan(session: Session, plan_id: int, by: str, comment: str, now: datetime) -> bool:
    plan = store.get_plan(session, plan_id)
    return plan is not None and store.return_plan(session, plan, by, comment, now)


def add_review_message(
    session: Session, plan_id: int, recipient: str, channel: str, ts: str, now: datetime
) -> None:
    store.add_review_message(session, plan_id, recipient, channel, ts, now)


def review_messages(session: Session, plan_id: int) -> list[tuple[str, str]]:
    """(channel, ts) of every review DM sent for the revision."""
    return [(m.channel, m.ts) for m in store.review_messages(session, plan_id)]


def pending_plans(session: Session, program: Program) -> list[PlanRecord]:
    return [record(session, plan) for plan in store.pending_plans(session, program.id)]


# --- helpers -------------------------------------------------------------------------------


F = TypeVar("F", FocalPointsFiling, DecisionPointsFiling)


def _filed(filing: F | None) -> F:
    if filing is None:
        raise Refusal(
            "Your partner just saved this checklist. Open it again to see theirs, and save "
            "yours on top of it."
        )
    return filing


def _require_active(team: Team) -> None:
    if team.status != TeamStatus.ACTIVE:
        raise Refusal("This team's mentoring year has ended, so its forms are closed.")


class _SlotLike(Protocol):
    """A stored slot or a frozen SlotRow: read-only, so both fit."""

    @property
    def number(self) -> int: ...
    @property
    def selection(self) -> int | None: ...
    @property
    def other_description(self) -> str | None: ...
    @property
    def planned(self) -> str: ...
    @property
    def due(self) -> date: ...


def _content(slot: _SlotLike) -> tuple[object, ...]:
    return (slot.selection, slot.other_description, slot.planned, slot.due)


def _previous(session: Session, plan: MentoringPlan) -> MentoringPlan | None:
    earlier = [
        p
        for p in store.plan_revisions(session, plan.team_id, plan.program_id)
        if p.revision < plan.revision
    ]
    return earlier[-1] if earlier else None


def _slots(session: Session, plan: MentoringPlan) -> tuple[PlanSlot, ...]:
    approved_content: dict[int, tuple[object, ...]] | None = None
    if plan.status != PlanStatus.APPROVED:
        last = store.latest_approved_plan(session, plan.team_id, plan.program_id, plan.revision)
        approved_content = {s.number: _content(s) for s in last.slots} if last else {}
    return tuple(
        PlanSlot(
            number=slot.number,
            semester=slot.semester,
            selection=slot.selection,
            other_description=typed_or_none(slot.other_description),
            planned=typed(slot.planned),
            due=slot.due,
            approved=approved_content is None
            or approved_content.get(slot.number) == _content(slot),
        )
        for slot in plan.slots
    )
