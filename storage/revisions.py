"""One revision scheme for every filing a person can edit.

Communication Logs, the Focal Points and Decision Points Checklists, the Individual Mentoring
Plan, experience submissions, Mentor Comment Forms, Visit Reports, PD Verification Forms and
Assessment Activities are all kept the same way:

- Each revision is its own row, and a row is never changed after a newer revision replaces it:
  what the advisor approved, the partner confirmed or the mentor commented on stays on the row
  it was given to, and anything that refers to a row (a comment to its submission, a review
  DM to its plan revision) keeps pointing at what was actually there.
- Every such model mixes in `Revised`: a `version` (1 for the first filing, +1 for each
  revision), and `superseded_by` (a Slack id) and `superseded_at`, set when a newer revision
  replaces the row. The current revision is the one not superseded.
- A model names in `filing_key` the columns that say which filing a row is a revision of
  (a team's checklist for a program year, the Visit Report number 2 of a team …). They
  are unique with `version`, so two people revising the same filing at once cannot both win.
- `revise` files the next revision, `current` finds the current one and `history` lists them
  all, oldest first: rows of the model, read the same way for every filing.

Why rows rather than copies of the old content (as logs once kept): eight of the nine
filings were already rows per revision, and their later steps (approving a plan revision,
commenting on a submission) belong to one revision; one kind of history is shorter than two.
A Communication Log entry is known in Slack by an id (in buttons, in modals): its rows share an
`entry_id`, and whichever row's id a message carries leads to the entry's current revision
(storage.logs.get_log). Its revisions stay in `communication_logs` rather than behind a separate
entry table, so a count or a month's contacts is still a one-table query, on current rows.
Views word a superseded revision the same way for every filing: bot.slack.history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import ColumnElement, Integer, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import UtcDateTime


class Revised:
    """The columns every editable filing has (see the module's docstring)."""

    filing_key: ClassVar[tuple[str, ...]]

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    superseded_by: Mapped[str | None] = mapped_column(String(32))
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


R = TypeVar("R", bound=Revised)


def revise(
    session: Session,
    earlier: R | None,
    later: R,
    by: str,
    now: datetime,
    *conditions: ColumnElement[bool],
) -> bool:
    """File `later` as the next revision of `earlier`'s filing (or as a first filing when
    `earlier` is None), and mark `earlier` superseded by `by` at `now`.

    False, with nothing written, when `earlier` is no longer current or fails one of
    `conditions` (a status it must still have): someone else moved it first. A conditional
    UPDATE rather than read-then-write, so of two clicks, two people or a retried request,
    one wins; the unique (filing, version) stops a second first filing (IntegrityError).
    """
    if earlier is not None:
        model = type(earlier)
        marked = session.execute(
            update(model)
            .where(model.id == earlier.id, model.superseded_at.is_(None), *conditions)
            .values(superseded_by=by, superseded_at=now)
            .returning(model.id)
            .execution_options(synchronize_session=False)
        ).all()
        if not marked:
            return False
        session.refresh(earlier)
        for name in model.filing_key:
            setattr(later, name, getattr(earlier, name))
    later.version = earlier.version + 1 if earlier is not None else 1
    session.add(later)
    session.flush()
    return True


def try_revise(
    session: Session,
    earlier: R | None,
    later: R,
    by: str,
    now: datetime,
    *conditions: ColumnElement[bool],
) -> bool:
    """`revise`, with a second first filing answered like any other lost race: False, in a
    savepoint, so the caller's transaction goes on and the person is told."""
    try:
        with session.begin_nested():
            return revise(session, earlier, later, by, now, *conditions)
    except IntegrityError:
        return False


def current(session: Session, model: type[R], **filing: Any) -> R | None:
    """The filing's current revision (`filing`: the model's `filing_key` columns)."""
    return session.scalars(
        select(model)
        .where(*_of(model, filing), model.superseded_at.is_(None))
        .order_by(model.version.desc())
    ).first()


def history(session: Session, model: type[R], **filing: Any) -> list[R]:
    """Every revision of the filing, oldest first: the last is the current one."""
    return list(session.scalars(select(model).where(*_of(model, filing)).order_by(model.version)))


def _of(model: type[R], filing: dict[str, Any]) -> list[ColumnElement[bool]]:
    if set(filing) != set(model.filing_key):
        raise TypeError(f"{model.__name__} filings are named by {', '.join(model.filing_key)}")
    return [getattr(model, name) == value for name, value in filing.items()]
