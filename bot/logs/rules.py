"""Communication Logs: filing, editing, co-signing, quick check-ins, and what counts as contact.

The manual asks the mentor to complete a Communication Log each month and to talk with the
protégé at least twice a month, and the Missouri standard (5 CSR 20-400.380 (13)) asks for a
log "signed by both the mentor and mentee". Here the author files an entry, the other member
confirms it (or says something is not right), and the author may edit it during the program
year, each edit kept.

Callers check access with bot.access first; these functions enforce the rules that need the
entry itself (only the author edits, nobody confirms their own entry, versions must match) and
raise `Refusal` with the sentence the person should read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.access import Refusal
from bot.logs.form import LogInput
from bot.program import Program, Topic
from bot.slack.dates import human_date
from bot.slack.text import TypedText, typed, typed_or_none
from storage.logs import (
    CheckIn,
    CommunicationLog,
    LogMode,
    check_in_by_view,
    contact_days,
    get_log,
    insert_entry,
    last_contact_dates,
    log_by_view,
    teams_with_log,
)
from storage.models import Person, Team
from storage.revisions import try_revise

# The fields a person fills in, by the names the edit history shows.
FIELDS: dict[str, str] = {
    "conversation_date": "date",
    "mode": "mode",
    "topic_month": "topic",
    "help_needed": "help needed",
    "ideas_discussed": "ideas discussed",
    "minutes": "minutes",
}


class LogContent(Protocol):
    """What a person fills in: a form's input, a stored revision or one as views show it."""

    @property
    def conversation_date(self) -> date: ...
    @property
    def mode(self) -> LogMode: ...
    @property
    def topic_month(self) -> str: ...
    @property
    def help_needed(self) -> str: ...
    @property
    def ideas_discussed(self) -> str: ...
    @property
    def minutes(self) -> int: ...


@dataclass(frozen=True)
class ShownLog:
    """One revision of an entry as views show it: what the author typed is typed text."""

    id: int
    version: int
    team_id: int
    author: str
    author_role: str
    conversation_date: date
    mode: LogMode
    topic_month: str
    help_needed: TypedText
    ideas_discussed: TypedText
    minutes: int
    filed_at: datetime
    edited_at: datetime | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    disputed_by: str | None
    disputed_at: datetime | None
    dispute_comment: TypedText | None
    superseded_by: str | None
    superseded_at: datetime | None


def shown_log(entry: CommunicationLog) -> ShownLog:
    return ShownLog(
        id=entry.id,
        version=entry.version,
        team_id=entry.team_id,
        author=entry.author,
        author_role=entry.author_role,
        conversation_date=entry.conversation_date,
        mode=entry.mode,
        topic_month=entry.topic_month,
        help_needed=typed(entry.help_needed),
        ideas_discussed=typed(entry.ideas_discussed),
        minutes=entry.minutes,
        filed_at=entry.filed_at,
        edited_at=entry.edited_at,
        confirmed_by=entry.confirmed_by,
        confirmed_at=entry.confirmed_at,
        disputed_by=entry.disputed_by,
        disputed_at=entry.disputed_at,
        dispute_comment=typed_or_none(entry.dispute_comment),
        superseded_by=entry.superseded_by,
        superseded_at=entry.superseded_at,
    )


STALE_EDIT = "This entry was changed after you opened it. Close this form and open it again."


# --- who is who ------------------------------------------------------------------------------


def member_role(team: Team, user_id: str) -> str | None:
    """'mentor' or 'protege' when `user_id` is one of the team's two members."""
    if team.mentor.slack_id == user_id:
        return "mentor"
    if team.protege.slack_id == user_id:
        return "protege"
    return None


def partner(team: Team, user_id: str) -> Person:
    """The other member of the team (the protégé for the mentor, and the other way round)."""
    return team.protege if team.mentor.slack_id == user_id else team.mentor


def status(entry: CommunicationLog) -> str:
    """'confirmed', 'disputed' or 'awaiting' (the co-signer has not answered yet)."""
    if entry.confirmed_at is not None:
        return "confirmed"
    if entry.disputed_at is not None:
        return "disputed"
    return "awaiting"


# --- months and topics -----------------------------------------------------------------------


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def is_month(value: str) -> bool:
    """True for a "YYYY-MM" that names a month a date can hold. A button's value is never
    trusted: "0000-01" is no date, and "²024-10" is digits to isdigit() but not to int()."""
    if len(value) != 7 or value[4] != "-" or not value.isascii():
        return False
    year, number = value[:4], value[5:]
    if not (year.isdigit() and number.isdigit()):
        return False
    return int(year) >= 1 and 1 <= int(number) <= 12


def default_topic(program: Program, today: date) -> Topic | None:
    """This month's topic; before the first topic month the first, after the last the last."""
    if not program.topics:
        return None
    current = program.topic_for(today.year, today.month)
    if current is not None:
        return current
    later = [t for t in program.topics if (t.year, t.month) > (today.year, today.month)]
    return later[0] if later else program.topics[-1]


def topic_choices(program: Program, today: date, first: str | None = None) -> list[Topic]:
    """The program's topics for the modal: `first` (or the default), then the earlier months
    newest first (late logs are the common case), then the later ones."""
    chosen = _topic_by_month(program, first) or default_topic(program, today)
    if chosen is None:
        return []
    earlier = [t for t in program.topics if t.month_id < chosen.month_id]
    later = [t for t in program.topics if t.month_id > chosen.month_id]
    return [chosen, *reversed(earlier), *later]


def _topic_by_month(program: Program, month: str | None) -> Topic | None:
    if not month or not is_month(month):
        return None
    return program.topic_for(int(month[:4]), int(month[5:]))


# --- filing, editing, co-signing -------------------------------------------------------------


def ensure_year_open(program: Program, today: date) -> None:
    if today > program.end:
        raise Refusal(
            f"The {program.school_year} program year ended on {human_date(program.end)}, "
            "so its Communication Logs are closed."
        )


def file_log(
    session: Session,
    program: Program,
    team: Team,
    author_id: str,
    data: LogInput,
    now: datetime,
    today: date,
    *,
    view_id: str | None = None,
) -> tuple[CommunicationLog, bool]:
    """Store a new entry; (entry, False) when this modal already filed it (a retried request)."""
    role = member_role(team, author_id)
    if role is None:
        raise Refusal("You're not a member of this team, so you can't log its conversations.")
    ensure_year_open(program, today)
    entry = insert_entry(
        session,
        team_id=team.id,
        author=author_id,
        author_role=role,
        conversation_date=data.conversation_date,
        mode=data.mode,
        topic_month=data.topic_month,
        help_needed=data.help_needed,
        ideas_discussed=data.ideas_discussed,
        minutes=data.minutes,
        version=1,
        filed_at=now,
        view_id=view_id,
    )
    if entry is None:  # this modal filed its entry already (a repeat of the submission)
        existing = log_by_view(session, view_id or "")
        if existing is None or existing.team_id != team.id or existing.author != author_id:
            raise Refusal("This form was already used for another entry. Please start again.")
        return existing, False
    return entry, True


def entry_of_team(session: Session, team: Team, entry_id: int) -> CommunicationLog:
    """The entry `entry_id` as it is now, which must belong to `team` (ids in buttons are
    never trusted)."""
    entry = get_log(session, entry_id)
    if entry is None or entry.team_id != team.id:
        raise Refusal("That Communication Log entry isn't one of this team's.")
    return entry


def ensure_may_edit(program: Program, entry: CommunicationLog, user_id: str, today: date) -> None:
    """Only the author edits an entry, and only during the program year."""
    if entry.author != user_id:
        raise Refusal(f"Only <@{entry.author}>, who filed this entry, can edit it.")
    ensure_year_open(program, today)


def changed_fields(entry: LogContent, data: LogContent) -> list[str]:
    """The fields that differ between a revision and a newer content (a form or revision)."""
    return [name for name in FIELDS if getattr(entry, name) != getattr(data, name)]


def edit_log(
    session: Session,
    program: Program,
    team: Team,
    entry: CommunicationLog,
    editor_id: str,
    data: LogInput,
    now: datetime,
    today: date,
    *,
    expected_version: int,
) -> list[str]:
    """File the edit as the entry's next revision, keeping the earlier one; returns the
    changed fields (read the new revision with `storage.logs.get_log`).

    An edit asks the co-signer again: what they confirmed (or disputed) was the old text.
    """
    if entry.team_id != team.id:
        raise Refusal("That Communication Log entry isn't one of this team's.")
    ensure_may_edit(program, entry, editor_id, today)
    entry = get_log(session, entry.id) or entry
    changed = changed_fields(entry, data)
    if entry.version != expected_version:
        if not changed and entry.edited_by == editor_id:
            return []  # the same edit, submitted again: it is already saved
        raise Refusal(STALE_EDIT)
    if not changed:
        return []
    edited = CommunicationLog(
        team_id=entry.team_id,
        author=entry.author,
        author_role=entry.author_role,
        filed_at=entry.filed_at,
        edited_by=editor_id,
        edited_at=now,
        **{name: getattr(data, name) for name in FIELDS},
    )
    if not try_revise(session, entry, edited, editor_id, now):
        raise Refusal(STALE_EDIT)
    return changed


def _check_cosigner(team: Team, entry: CommunicationLog, user_id: str, version: int) -> None:
    if entry.team_id != team.id:
        raise Refusal("That Communication Log entry isn't one of this team's.")
    if member_role(team, user_id) is None:
        raise Refusal("Only the team's mentor and protégé can confirm its Communication Log.")
    if entry.author == user_id:
        raise Refusal(
            f"You filed this entry, so <@{partner(team, user_id).slack_id}> is the one to "
            "confirm it."
        )
    if entry.version != version:
        raise Refusal(
            f"<@{entry.author}> edited this entry after this request was sent. "
            "I've sent you the new version to confirm."
        )


def confirm_log(
    session: Session,
    team: Team,
    entry: CommunicationLog,
    user_id: str,
    version: int,
    now: datetime,
) -> bool:
    """Co-sign the entry; False when it was already confirmed (nothing changes)."""
    _check_cosigner(team, entry, user_id, version)
    if entry.confirmed_at is not None:
        return False
    entry.confirmed_by = user_id
    entry.confirmed_at = now
    session.flush()
    return True


def dispute_log(
    session: Session,
    team: Team,
    entry: CommunicationLog,
    user_id: str,
    version: int,
    comment: str,
    now: datetime,
) -> bool:
    """Record "something's not right" with the comment; False when already recorded."""
    _check_cosigner(team, entry, user_id, version)
    if entry.confirmed_at is not None:
        raise Refusal(
            f"You confirmed this entry on {human_date(entry.confirmed_at.date())}. If something "
            f"is wrong, ask <@{entry.author}> to edit it: the new version comes back to you."
        )
    if entry.disputed_at is not None:
        return False
    entry.disputed_by = user_id
    entry.disputed_at = now
    entry.dispute_comment = comment
    session.flush()
    return True


def ensure_may_dispute(team: Team, entry: CommunicationLog, user_id: str, version: int) -> None:
    """The checks of `dispute_log`, before the comment modal opens."""
    _check_cosigner(team, entry, user_id, version)
    if entry.confirmed_at is not None:
        raise Refusal(
            f"You confirmed this entry on {human_date(entry.confirmed_at.date())}. If something "
            f"is wrong, ask <@{entry.author}> to edit it: the new version comes back to you."
        )


# --- quick check-ins -------------------------------------------------------------------------


def record_check_in(
    session: Session,
    team: Team,
    person_id: str,
    day: date,
    mode: LogMode,
    now: datetime,
    *,
    view_id: str | None = None,
) -> tuple[CheckIn, bool]:
    """A "We talked" contact; (check-in, False) when this modal already recorded it."""
    if member_role(team, person_id) is None:
        raise Refusal("You're not a member of this team, so you can't record its contacts.")
    if view_id:
        existing = check_in_by_view(session, view_id)
        if existing is not None:
            return existing, False
    check_in = CheckIn(
        team_id=team.id,
        person=person_id,
        conversation_date=day,
        mode=mode,
        recorded_at=now,
        view_id=view_id,
    )
    if not _insert_once(session, check_in):
        existing = check_in_by_view(session, view_id or "")
        if existing is None:
            raise Refusal("This form was already used. Please start again.")
        return existing, False
    return check_in, True


def _insert_once(session: Session, row: CommunicationLog | CheckIn) -> bool:
    """Insert `row`; False when a concurrent retry of the same modal inserted it first."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


# --- what the schedule and reports ask -------------------------------------------------------


def log_exists_for_month(session: Session, program: Program, team_id: int, month: str) -> bool:
    """True once the team has an entry on `month`'s topic that closes the month for the
    program (`settings.log_completed_by`: BMIT's log is "Completed by Mentor")."""
    return team_id in teams_logged(session, program, [team_id], month)


def teams_logged(session: Session, program: Program, team_ids: list[int], month: str) -> set[int]:
    """The teams among `team_ids` whose `month` is logged (one query for the whole tick)."""
    return teams_with_log(session, team_ids, month, program.settings.log_completed_by)


def contacts_by_month(session: Session, team_id: int) -> dict[str, int]:
    """Contacts per "YYYY-MM": days with a log entry or a check-in, by either member.

    A day counts once: the mentor's log and the protégé's "We talked" of the same call are
    one contact toward the program's minimum of two a month.
    """
    return dict(Counter(month_of(day) for day in contact_days(session, team_id)))


def last_contact(session: Session, team_id: int) -> date | None:
    """The newest conversation date of a log entry or check-in by either member."""
    return last_contact_dates(session, [team_id]).get(team_id)
