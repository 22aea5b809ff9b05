"""Structured experiences: the protégé submits, the mentor files the Mentor Comment Form, the
protégé agrees (or asks to discuss, which returns it to the mentor). Each step is taken in
that order only, by the person whose step it is; the first time each is met is kept for the
calendar, and every step is recorded with who took it and when (the signatures).

Experience N belongs to plan slot N of the Individual Mentoring Plan. Year two adds extra
experiences until the protégé's experiences cover all the program's focus areas.

An experience of the team's own design ("Other") counts only once the content advisor approved
it: the manual's "You MUST first seek approval from the content advisor before seeking a
different experience" and "a written description of the experience must be submitted to and
approved by the appropriate content advisor". In a plan slot the plan's approval is that
approval; beyond the plan the advisor approves the experience on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.access import Refusal
from bot.plans.rules import PlanSlot, current_plan_slots
from bot.program import Deadline, Program, StepKind
from bot.slack.text import TypedText, typed, typed_or_none
from storage.db import update_if
from storage.experiences import (
    OTHER_APPROVED,
    Experience,
    ExperienceStatus,
    ExperienceSubmission,
    FormEvent,
    MentorComment,
    current_comment,
    current_submission,
    events_of,
    experience,
    experiences_of,
    join_focus,
    other_approvals,
    proteges_experiences,
    record_event,
    split_focus,
)
from storage.models import Team
from storage.plans import latest_approved_plan
from storage.revisions import R, try_revise

FORM = "experience"
MAX_EXPERIENCES = 8  # four planned, and room for year two's extras

# Named here because the rules ask the program for them; declared, with their parameters, in
# `bot.experiences.step`.
EXPERIENCE = StepKind("experience")
EXTRA_EXPERIENCES = StepKind("extra_experiences")
# An experience's parts, in the order the chain runs: the protégé sends it, the mentor writes
# the Mentor Comment Form, the protégé signs both off (the manual's "uploads … to Google").
SEND, COMMENT, FILE = "send", "comment", "file"
STEPS = (SEND, COMMENT, FILE)


CHANGED_MEANWHILE = (
    "Someone else changed this a moment ago. Please open it again to see where it stands."
)


@dataclass(frozen=True)
class ExperienceEntry:
    """The protégé's submission: what the experience is, and where the work is."""

    selection: int | None
    other_description: str | None
    focus_areas: tuple[str, ...]
    link: str
    summary: str


@dataclass(frozen=True)
class CommentEntry:
    """The Mentor Comment Form's fields (the mentor and protégé come from the team)."""

    comment_date: date
    area: str
    experience_text: str
    comments: str


@dataclass(frozen=True)
class ShownExperience:
    """An experience's record as views show it: what it is, and where it stands."""

    id: int
    status: ExperienceStatus
    selection: int | None
    other_description: TypedText | None


@dataclass(frozen=True)
class ShownSubmission:
    """The protégé's current submission as views show it: their words are typed text."""

    id: int
    selection: int | None
    other_description: TypedText | None
    focus_areas: tuple[str, ...]
    link: TypedText
    summary: TypedText
    submitted_at: datetime


@dataclass(frozen=True)
class ShownComment:
    """The current Mentor Comment Form as views show it."""

    id: int
    comment_date: date
    area: str
    experience_text: TypedText
    comments: TypedText


@dataclass(frozen=True)
class ExperienceState:
    """Everything the forms and messages show about one experience of a team."""

    number: int
    slot: PlanSlot | None
    deadlines: dict[str, Deadline]  # "send" / "comment" / "file" -> the calendar's step
    record: ShownExperience | None
    submission: ShownSubmission | None
    comment: ShownComment | None
    discuss_note: TypedText | None  # the protégé's latest "let's discuss" note, while discussing

    @property
    def status(self) -> ExperienceStatus | None:
        return self.record.status if self.record else None

    @property
    def holder(self) -> str | None:
        """Whose move it is: "protege", "mentor", or None when it is done."""
        if self.status in (None, ExperienceStatus.COMMENTED):
            return "protege"
        if self.status in (ExperienceStatus.SUBMITTED, ExperienceStatus.DISCUSS):
            return "mentor"
        return None


# --- which experiences a team has -----------------------------------------------------------


def scheduled_numbers(program: Program, track: str) -> tuple[int, ...]:
    """Experience numbers the track's calendar dates (year one: 1–4)."""
    return program.step_numbers(track, EXPERIENCE)


def allows_extras(program: Program, track: str) -> bool:
    """A track with an extra-experiences step lets teams add experiences."""
    return program.has_step(track, EXTRA_EXPERIENCES)


def experience_numbers(
    program: Program, track: str, slots: Sequence[PlanSlot], existing: Iterable[int]
) -> tuple[int, ...]:
    """The experiences a team can work on: the calendar's, the plan's, those already started,
    and (where the track asks for extras) one more."""
    numbers = set(scheduled_numbers(program, track)) | {s.number for s in slots} | set(existing)
    if allows_extras(program, track):
        numbers.add(max(numbers, default=0) + 1)
    return tuple(sorted(n for n in numbers if 1 <= n <= MAX_EXPERIENCES))


def step_deadlines(program: Program, track: str, number: int) -> dict[str, Deadline]:
    found = {part: program.step(track, EXPERIENCE, number, part) for part in STEPS}
    return {part: d for part, d in found.items() if d is not None}


def slot_for(slots: Sequence[PlanSlot], number: int) -> PlanSlot | None:
    return next((slot for slot in slots if slot.number == number), None)


def state_of(session: Session, program: Program, team: Team, number: int) -> ExperienceState:
    slots = current_plan_slots(session, team.id)
    return _state(session, program, team, number, slot_for(slots, number))


def states_of(session: Session, program: Program, team: Team) -> list[ExperienceState]:
    """Every experience the team can work on, in order."""
    slots = current_plan_slots(session, team.id)
    records = {e.number: e for e in experiences_of(session, [team.id])}
    numbers = experience_numbers(program, team.track, slots, records)
    return [_state(session, program, team, n, slot_for(slots, n), records) for n in numbers]


def _state(
    session: Session,
    program: Program,
    team: Team,
    number: int,
    slot: PlanSlot | None,
    records: dict[int, Experience] | None = None,
) -> ExperienceState:
    record = records.get(number) if records is not None else experience(session, team.id, number)
    submission = comment = None
    note = None
    if record is not None:
        submission = current_submission(session, record.id)
        comment = current_comment(session, record.id)
        if record.status is ExperienceStatus.DISCUSS:
            asks = [e for e in events_of(session, team.id, FORM, record.id) if e.event == "discuss"]
            note = typed_or_none(asks[-1].note) if asks else None
    deadlines = step_deadlines(program, team.track, number)
    return experience_state(number, slot, deadlines, record, submission, comment, note)


def experience_state(
    number: int,
    slot: PlanSlot | None,
    deadlines: dict[str, Deadline],
    record: Experience | None,
    submission: ExperienceSubmission | None,
    comment: MentorComment | None,
    discuss_note: TypedText | None,
) -> ExperienceState:
    """Here the records become what views show: what people typed, as typed text."""
    return ExperienceState(
        number=number,
        slot=slot,
        deadlines=deadlines,
        record=None
        if record is None
        else ShownExperience(
            record.id, record.status, record.selection, typed_or_none(record.other_description)
        ),
        submission=None
        if submission is None
        else ShownSubmission(
            submission.id,
            submission.selection,
            typed_or_none(submission.other_description),
            split_focus(submission.focus_areas),
            typed(submission.link),
            typed(submission.summary),
            submission.submitted_at,
        ),
        comment=None
        if comment is None
        else ShownComment(
            comment.id,
            comment.comment_date,
            comment.area,
            typed(comment.experience_text),
            typed(comment.comments),
        ),
        discuss_note=discuss_note,
    )


# --- the steps ------------------------------------------------------------------------------


def submit(
    session: Session,
    program: Program,
    team: Team,
    number: int,
    entry: ExperienceEntry,
    by: str,
    now: datetime,
) -> Experience:
    """The protégé sends the completed experience (or a revision, until the mentor comments)."""
    _must_be(by, team.protege.slack_id, "Only the protégé submits the experience.")
    slots = current_plan_slots(session, team.id)
    existing = {e.number: e for e in experiences_of(session, [team.id])}
    record = existing.get(number)
    numbers = experience_numbers(program, team.track, slots, existing)
    if number not in numbers:
        raise Refusal(f"There is no Experience {number} for this team.")
    slot = slot_for(slots, number)
    entry = _resolved(program, entry, slot, number)
    if record is None:
        record = _first_submission(session, team, number, entry, by, now)
        _approved_in_plan(session, team, record, slot, now)
        return record
    if record.status is ExperienceStatus.AGREED:
        raise Refusal(f"Experience {number} is done: you both signed it.")
    if record.status is ExperienceStatus.COMMENTED:
        raise Refusal(
            f"Your mentor has filed the Mentor Comment Form for Experience {number}. "
            "Please agree to it or ask to discuss it first."
        )
    earlier = current_submission(session, record.id)
    _transition(
        session,
        record,
        {ExperienceStatus.SUBMITTED, ExperienceStatus.DISCUSS},
        selection=entry.selection,
        other_description=entry.other_description,
        focus_areas=join_focus(entry.focus_areas),
        updated_at=now,
    )
    _add_submission(session, record, entry, by, now, earlier)
    _event(session, team, record, "resubmitted", by, now)
    _approved_in_plan(session, team, record, slot, now)
    return record


def _approved_in_plan(
    session: Session, team: Team, record: Experience, slot: PlanSlot | None, now: datetime
) -> None:
    """An "Other" experience of an approved plan slot: the plan's approval is its approval."""
    if record.selection is not None or slot is None or not slot.approved:
        return
    if record.id in other_approvals(session, [team.id]):
        return
    plan = latest_approved_plan(session, team.id, team.program_id)
    by = plan.approved_by if plan is not None and plan.approved_by else "plan"
    submission = current_submission(session, record.id)
    _event(
        session,
        team,
        record,
        OTHER_APPROVED,
        by,
        now,
        "approved in the plan",
        submission.id if submission is not None else None,
    )


def awaiting_approval(session: Session, team: Team, number: int) -> bool:
    """An "Other" experience the content advisor has not approved yet (it does not count)."""
    record = experience(session, team.id, number)
    if record is None or record.selection is not None:
        return False
    return record.id not in other_approvals(session, [team.id])


def approved_before(session: Session, team: Team, number: int) -> bool:
    """An "Other" experience the advisor approved in an earlier version: changed since."""
    record = experience(session, team.id, number)
    return record is not None and any(
        e.event == OTHER_APPROVED for e in events_of(session, team.id, FORM, record.id)
    )


def approve_other(
    session: Session, team: Team, number: int, submission_id: int, by: str, now: datetime
) -> bool:
    """The content advisor approves an experience of the team's own design as they saw it:
    `submission_id` names the version their button showed (access is the caller's:
    `Action.APPROVE_PLAN`). Whether the experience as it stands now counts: False when the
    protégé has changed its description or focus areas since that version."""
    record = experience(session, team.id, number)
    seen = session.get(ExperienceSubmission, submission_id)
    if record is None or seen is None or seen.experience_id != record.id:
        raise Refusal(f"Experience {number} is not an experience of the team's own design.")
    if seen.selection is not None:
        raise Refusal(f"Experience {number} is not an experience of the team's own design.")
    now_current = record.selection is None and (
        seen.other_description == record.other_description
        and seen.focus_areas == record.focus_areas
    )
    if now_current and record.id in other_approvals(session, [team.id]):
        raise Refusal(f"Experience {number} is already approved. Thank you!")
    _event(session, team, record, OTHER_APPROVED, by, now, revision_id=seen.id)
    return record.id in other_approvals(session, [team.id])


def file_comment(
    session: Session,
    team: Team,
    number: int,
    submission_id: int,
    entry: CommentEntry,
    by: str,
    now: datetime,
) -> MentorComment:
    """The mentor files (or revises, until the protégé agrees) the Mentor Comment Form."""
    _must_be(by, team.mentor.slack_id, "Only the mentor files the Mentor Comment Form.")
    record = experience(session, team.id, number)
    if record is None:
        raise Refusal(
            f"Experience {number} has not been submitted yet. The Mentor Comment Form opens "
            f"when <@{team.protege.slack_id}> sends it."
        )
    if record.status is ExperienceStatus.AGREED:
        raise Refusal(f"Experience {number} is done: you both signed it.")
    submission = current_submission(session, record.id)
    if submission is None or submission.id != submission_id:
        raise Refusal(
            f"<@{team.protege.slack_id}> sent a new version of Experience {number} while you "
            "were writing. Please open the form again to see it."
        )
    earlier = current_comment(session, record.id)
    _transition(
        session,
        record,
        {ExperienceStatus.SUBMITTED, ExperienceStatus.DISCUSS, ExperienceStatus.COMMENTED},
        status=ExperienceStatus.COMMENTED,
        commented_at=record.commented_at or now,
        updated_at=now,
    )
    comment = MentorComment(
        experience_id=record.id,
        submission_id=submission.id,
        comment_date=entry.comment_date,
        area=entry.area,
        experience_text=entry.experience_text,
        comments=entry.comments,
        filed_by=by,
        filed_at=now,
    )
    file_revision(session, earlier, comment, by, now)
    _event(session, team, record, "comment_revised" if earlier else "commented", by, now)
    return comment


def agree(
    session: Session, team: Team, number: int, comment_id: int, by: str, now: datetime
) -> Experience:
    """The protégé agrees to the Mentor Comment Form: the experience is done, both signed."""
    _must_be(by, team.protege.slack_id, "Only the protégé agrees to the Mentor Comment Form.")
    record = _commented(session, team, number, comment_id)
    _transition(
        session,
        record,
        {ExperienceStatus.COMMENTED},
        status=ExperienceStatus.AGREED,
        agreed_by=by,
        agreed_at=now,
        updated_at=now,
    )
    _event(session, team, record, "agreed", by, now)
    return record


def ask_to_discuss(
    session: Session,
    team: Team,
    number: int,
    comment_id: int,
    note: str | None,
    by: str,
    now: datetime,
) -> Experience:
    """The protégé asks to talk it over: the form goes back to the mentor."""
    _must_be(by, team.protege.slack_id, "Only the protégé can ask to discuss the comments.")
    record = _commented(session, team, number, comment_id)
    _transition(
        session,
        record,
        {ExperienceStatus.COMMENTED},
        status=ExperienceStatus.DISCUSS,
        updated_at=now,
    )
    _event(session, team, record, "discuss", by, now, note)
    return record


def history(session: Session, record: Experience) -> list[FormEvent]:
    return events_of(session, record.team_id, FORM, record.id)


# --- year two: focus areas --------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    covered: tuple[str, ...]  # by experiences both signed
    in_progress: tuple[str, ...]  # only by experiences under way
    missing: tuple[str, ...]  # by none yet
    complete_at: datetime | None  # when the last missing area was covered

    @property
    def complete(self) -> bool:
        return not self.missing


def counted_at(record: Experience, approvals: Mapping[int, datetime]) -> datetime | None:
    """When an experience counts: both signed it, and for one of the team's own design the
    content advisor approved it (whichever came last); None while it does not."""
    if record.status is not ExperienceStatus.AGREED or record.agreed_at is None:
        return None
    if record.selection is not None:
        return record.agreed_at
    approved = approvals.get(record.id)
    return None if approved is None else max(record.agreed_at, approved)


def focus_of(
    program: Program, record: Experience, approvals: Mapping[int, datetime]
) -> tuple[str, ...]:
    """The focus areas an experience covers: a selection's own tags in the program file
    (never tags a person picked), an approved "Other" experience's as the advisor approved
    them, an unapproved one's none."""
    if record.selection is not None:
        return selection_focus(program, record.selection)
    return record.focus_area_list if record.id in approvals else ()


def coverage(
    program: Program, records: Iterable[Experience], approvals: Mapping[int, datetime]
) -> Coverage:
    """Which of the program's focus areas the protégé's experiences cover (`records`: those of
    every team the protégé has been in: year one's count toward year two)."""
    records = list(records)
    counted = [(at, r) for r in records if (at := counted_at(r, approvals)) is not None]
    counted.sort(key=lambda pair: pair[0])
    covered: set[str] = set()
    complete_at = None
    for at, record in counted:
        covered |= set(focus_of(program, record, approvals))
        if complete_at is None and covered >= set(program.focus_areas):
            complete_at = at
    under_way = {
        a
        for r in records
        if counted_at(r, approvals) is None
        for a in (selection_focus(program, r.selection) if r.selection else r.focus_area_list)
    }
    order = program.focus_areas
    return Coverage(
        covered=tuple(a for a in order if a in covered),
        in_progress=tuple(a for a in order if a in under_way - covered),
        missing=tuple(a for a in order if a not in covered),
        complete_at=complete_at,
    )


def protege_records(
    session: Session, teams: Sequence[Team]
) -> tuple[dict[int, list[Experience]], dict[int, datetime]]:
    """For each team, the experiences of every team its protégé has been in (records follow
    the person), and the approvals of those of their own design: a few queries a batch."""
    of_protege: dict[int, list[Experience]] = {}
    for protege_id, record in proteges_experiences(session, [team.protege_id for team in teams]):
        of_protege.setdefault(protege_id, []).append(record)
    records = {team.id: list(of_protege.get(team.protege_id, ())) for team in teams}
    # Approvals are recorded on an experience's own team: only teams with one have any.
    every = sorted({record.team_id for found in of_protege.values() for record in found})
    return records, other_approvals(session, every)


def team_coverage(session: Session, program: Program, team: Team) -> Coverage:
    """The focus areas the team's protégé has covered, in this team and earlier ones."""
    records, approvals = protege_records(session, [team])
    return coverage(program, records[team.id], approvals)


def selection_focus(program: Program, selection: int | None) -> tuple[str, ...]:
    if selection is None:
        return ()
    try:
        return program.experience_selection(selection).focus_areas
    except KeyError:
        return ()


def describe(program: Program, selection: int | None, other: str | None) -> TypedText:
    """The experience as the forms name it: "#7 Incorporate critical thinking…" or the
    team's own description (typed text, so the whole is: joined with +, not an f-string,
    which would render the description escaped)."""
    if selection is None:
        return typed("Other: ") + (other or "an experience of the team’s own design")
    try:
        text = program.experience_selection(selection).text
    except KeyError:
        return typed(f"Experience selection #{selection}")
    return typed(f"#{selection} {text}")


# --- internals --------------------------------------------------------------------------------


def _must_be(by: str, expected: str, message: str) -> None:
    if by != expected:
        raise Refusal(message)


def _resolved(
    program: Program, entry: ExperienceEntry, slot: PlanSlot | None, number: int
) -> ExperienceEntry:
    """Experience N is what plan slot N says (only without a slot does the entry choose); a
    selection brings its own focus areas, an "other" experience names them."""
    selection, other = entry.selection, entry.other_description
    if slot is not None:
        if slot.selection is None and not slot.approved:
            raise Refusal(
                f"Experience {number} in your plan is an experience of your own design, and "
                "your content advisor has not approved it yet. Ask them to approve it in the "
                "Individual Mentoring Plan first."
            )
        selection, other = slot.selection, slot.other_description
    if selection is not None:
        if not selection_focus(program, selection):
            raise Refusal(f"There is no experience selection #{selection} in the program.")
        return ExperienceEntry(
            selection, None, selection_focus(program, selection), entry.link, entry.summary
        )
    focus = tuple(a for a in program.focus_areas if a in entry.focus_areas)
    return ExperienceEntry(None, other, focus, entry.link, entry.summary)


def _first_submission(
    session: Session, team: Team, number: int, entry: ExperienceEntry, by: str, now: datetime
) -> Experience:
    record = Experience(
        team_id=team.id,
        number=number,
        status=ExperienceStatus.SUBMITTED,
        selection=entry.selection,
        other_description=entry.other_description,
        focus_areas=join_focus(entry.focus_areas),
        submitted_by=by,
        submitted_at=now,
        updated_at=now,
    )
    try:
        # A double click or Slack's retry races on (team, number): the second one is refused.
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        raise Refusal(CHANGED_MEANWHILE) from None
    _add_submission(session, record, entry, by, now)
    _event(session, team, record, "submitted", by, now)
    return record


def _add_submission(
    session: Session,
    record: Experience,
    entry: ExperienceEntry,
    by: str,
    now: datetime,
    earlier: ExperienceSubmission | None = None,
) -> None:
    submission = ExperienceSubmission(
        experience_id=record.id,
        selection=entry.selection,
        other_description=entry.other_description,
        focus_areas=join_focus(entry.focus_areas),
        link=entry.link,
        summary=entry.summary,
        submitted_by=by,
        submitted_at=now,
    )
    file_revision(session, earlier, submission, by, now)


def file_revision(
    session: Session,
    earlier: R | None,
    later: R,
    by: str,
    now: datetime,
    *conditions: ColumnElement[bool],
) -> None:
    """File `later` after `earlier` (storage.revisions.revise), or refuse when someone else
    moved first: revised it, moved it out of the state `conditions` ask, or filed it first."""
    if not try_revise(session, earlier, later, by, now, *conditions):
        raise Refusal(CHANGED_MEANWHILE)


def _commented(session: Session, team: Team, number: int, comment_id: int) -> Experience:
    record = experience(session, team.id, number)
    if record is None or record.status is ExperienceStatus.SUBMITTED:
        raise Refusal(
            f"There is no Mentor Comment Form for Experience {number} yet: your mentor "
            "files it after you submit the experience."
        )
    if record.status is ExperienceStatus.AGREED:
        raise Refusal(f"Experience {number} is already done: you agreed and both signed.")
    if record.status is ExperienceStatus.DISCUSS:
        raise Refusal(
            f"You asked to discuss Experience {number}; your mentor will send the Mentor "
            "Comment Form again after you talk."
        )
    comment = current_comment(session, record.id)
    if comment is None or comment.id != comment_id:
        raise Refusal(
            "Your mentor revised the Mentor Comment Form since this message. Please look at "
            "the latest version first."
        )
    return record


def _transition(
    session: Session, record: Experience, allowed: set[ExperienceStatus], **values: object
) -> None:
    """Change the experience only if it is still in an allowed state (two clicks, two people
    or Slack's retries cannot both take the same step)."""
    if not update_if(session, record, Experience.status.in_(allowed), **values):
        raise Refusal(CHANGED_MEANWHILE)


def _event(
    session: Session,
    team: Team,
    record: Experience,
    event: str,
    by: str,
    now: datetime,
    note: str | None = None,
    revision_id: int | None = None,
) -> None:
    record_event(session, team.id, FORM, record.id, event, by, now, note, revision_id)
