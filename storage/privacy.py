"""Privacy requests: what every table holds about a person, and the two requests on it.

Every string column of every table is named once below, in one of five classes, so that a
person can be forgotten everywhere and shown everything (tests/test_privacy.py fails for a
column named nowhere):

- SLACK_IDS: a Slack id (who filed, who was sent, …); forgetting writes the pseudonym there,
  and wherever else the id appears as a word (a ledger key, a report lock, a mention).
- WRITTEN: free text a person typed, with the columns that say who (or a parent row's);
  forgetting replaces their text with REMOVED and keeps the row, so counts, dates and hours
  stay. A reason staff gave about the person's own membership (a team ended, a member
  replaced) goes too: it is about them.
- CONTACT: the Mentor/Protégé Contact Form (a content advisor's block too) and Slack's name
  and timezone, on `people`; forgetting clears them.
- ADDRESSES: a DM channel of the person's, keyed by the recipient column.
- STRUCTURAL: what the bot writes itself (statuses, kinds, program ids, item texts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Table,
    false,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import literal

from storage.models import Base, Person, UtcDateTime

REMOVED = "[removed at a privacy request]"
PSEUDONYM_PREFIX = "forgotten-"  # lower case: never a Slack id


class PrivacyRequest(Base):
    """The audit of one privacy request: a forgetting (whom by pseudonym only, what changed)
    or an export of what is stored about someone (whom, how many rows); who asked, when."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "forget" or "export"
    pseudonym: Mapped[str | None] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(32))  # an export's person (Slack id)
    requested_by: Mapped[str] = mapped_column(String(32))  # a Slack id, or "self"
    done_at: Mapped[datetime] = mapped_column(UtcDateTime())
    changes: Mapped[int] = mapped_column(Integer)  # values changed; an export's rows


_REVISED = ("superseded_by",)
SLACK_IDS: dict[str, tuple[str, ...]] = {
    "people": ("slack_id",),
    "role_grants": ("granted_by", "revoked_by"),
    "teams": ("created_by", "ended_by"),
    "program_years": ("opened_by", "closed_by"),
    "team_changes": ("old_value", "new_value", "changed_by"),
    "deliveries": ("recipient", "key"),
    "report_runs": ("requester", "lock"),
    "slack_accounts": ("slack_id",),
    "privacy_requests": ("requested_by", "subject"),
    "communication_logs": ("author", "edited_by", "confirmed_by", "disputed_by", *_REVISED),
    "check_ins": ("person",),
    "focal_points_filings": ("filed_by", *_REVISED),
    "decision_points_filings": ("filed_by", *_REVISED),
    "checklist_drafts": ("saved_by",),
    "mentoring_plans": ("submitted_by", "received_by", "approved_by", "returned_by", *_REVISED),
    "mentoring_plan_slots": ("other_approved_by",),
    "plan_review_messages": ("recipient",),
    "experiences": ("submitted_by", "agreed_by"),
    "experience_submissions": ("submitted_by", *_REVISED),
    "mentor_comments": ("filed_by", *_REVISED),
    "visit_reports": ("filed_by", "confirmed_by", *_REVISED),
    "pd_verifications": ("filed_by", "signed_by", *_REVISED),
    "assessment_activities": ("submitted_by", *_REVISED),
    "form_events": ("by",),
    "silence_actions": ("by",),
    "survey_responses": ("slack_id",),
    "pace_preferences": ("slack_id", "cover"),
    "pace_steps": ("slack_id", "confirmed_by"),
    "meeting_attendance": ("recorded_by", *_REVISED),
    "advisor_duties": ("done_by",),
    "team_standing_steps": ("responsible",),  # whom a late step waits on, space-separated
}

CONTACT = (
    "name",
    "tz",
    "school_name_address",
    "email",
    "email_checked",
    "school_phone",
    "cell_phone",
    "preferred_contact",
    "admin_name",
    "admin_email",
    "admin_phone",
    "mailing_address",
    "city_state_zip",
)

# table -> (DM channel column, the recipient column that says whose)
ADDRESSES = {
    "deliveries": ("channel", "recipient"),
    "plan_review_messages": ("channel", "recipient"),
}

STRUCTURAL: dict[str, tuple[str, ...]] = {
    "deliveries": ("kind", "status", "ts", "error"),
    "report_runs": ("scope", "outcome"),
    "slack_access": ("error",),
    "slack_accounts": ("unreachable",),  # Slack's error code, e.g. user_not_found
    "tick_heartbeat": ("outcome",),
    "privacy_requests": ("kind", "pseudonym"),
    "role_grants": ("role",),
    "teams": ("program_id", "area", "track", "status"),
    "team_changes": ("role",),
    "communication_logs": ("author_role", "mode", "topic_month", "view_id"),
    "check_ins": ("mode", "view_id"),
    "focal_points_filings": ("program_id",),
    "focal_points_ratings": ("category", "item"),
    "decision_points_filings": ("program_id",),
    "decision_points_areas": ("group_name", "area"),
    "checklist_drafts": ("program_id", "form"),
    "mentoring_plans": ("program_id", "status"),
    "plan_review_messages": ("ts",),
    "experiences": ("status", "focus_areas"),
    "experience_submissions": ("focus_areas",),
    "mentor_comments": ("area",),
    "visit_reports": ("status", "area"),
    "pd_verifications": ("status", "area"),
    "form_events": ("form", "event"),
    "silence_actions": ("kind",),
    "pace_preferences": ("delivery",),
    "pace_steps": ("step", "kind"),
    "meeting_attendance": ("program_id", "step", "state"),
    "advisor_duties": ("program_id", "step"),
    "team_standings": ("program_id", "basis", "standing", "area", "track"),
    "team_standing_steps": ("program_id", "step", "deadline_id", "waiting_on"),
    "team_standing_groups": ("program_id", "area", "track", "standing"),
    "team_standing_totals": ("program_id", "area", "track", "step", "deadline_id"),
    "team_standing_late": ("program_id",),
    "survey_responses": ("program_id", "role"),
    "program_years": ("program_id", "school_year", "source", "follows"),  # the program file
}


@dataclass(frozen=True)
class Whose:
    """Says which rows of a table hold text of (or about) the person."""

    by: tuple[str, ...] = ()  # columns of the table holding the writer's Slack id
    parent: tuple[str, str, tuple[str, ...]] | None = None  # (fk column, table, writer columns)
    members: tuple[str, ...] = ()  # person-id columns: text about their own membership
    subject: tuple[str, ...] = ()  # Slack-id columns naming whom the text is about

    def rows(self, table: Table, slack_id: str, person_id: int) -> ColumnElement[bool]:
        found: list[ColumnElement[bool]] = [table.c[name] == slack_id for name in self.by]
        found += [table.c[name] == person_id for name in self.members]
        found += [table.c[name] == slack_id for name in self.subject]
        if self.parent is not None:
            fk, parent_name, writers = self.parent
            parent = _table(parent_name)
            mine = or_(*(parent.c[name] == slack_id for name in writers))
            found.append(table.c[fk].in_(select(parent.c.id).where(mine)))
        return or_(false(), *found)


WRITTEN: dict[str, list[tuple[tuple[str, ...], Whose]]] = {
    "teams": [(("end_reason",), Whose(by=("ended_by",), members=("mentor_id", "protege_id")))],
    "team_changes": [(("reason",), Whose(by=("changed_by",), subject=("old_value", "new_value")))],
    "communication_logs": [
        (("help_needed", "ideas_discussed"), Whose(by=("author", "edited_by"))),
        (("dispute_comment",), Whose(by=("disputed_by",))),
    ],
    "mentoring_plans": [(("return_comment",), Whose(by=("returned_by",)))],
    "meeting_attendance": [(("note",), Whose(by=("recorded_by",)))],
    # a checklist half filled in (JSON): a draft emptied reads as none (bot.plans.drafts)
    "checklist_drafts": [(("answers",), Whose(by=("saved_by",)))],
    "mentoring_plan_slots": [
        (
            ("other_description", "planned"),
            Whose(parent=("plan_id", "mentoring_plans", ("submitted_by",))),
        )
    ],
    "decision_points_areas": [
        (("notes",), Whose(parent=("filing_id", "decision_points_filings", ("filed_by",))))
    ],
    "experiences": [(("other_description",), Whose(by=("submitted_by",)))],
    "experience_submissions": [
        (("other_description", "link", "summary"), Whose(by=("submitted_by",)))
    ],
    "mentor_comments": [(("experience_text", "comments"), Whose(by=("filed_by",)))],
    "visit_reports": [(("location", "topics", "strategies"), Whose(by=("filed_by",)))],
    "pd_verifications": [
        (("location", "description"), Whose(by=("filed_by",))),
        (("mentor_comments",), Whose(by=("signed_by",))),
    ],
    "assessment_activities": [(("link", "summary"), Whose(by=("submitted_by",)))],
    "form_events": [(("note",), Whose(by=("by",)))],
    "silence_actions": [(("note",), Whose(by=("by",)))],
    "survey_responses": [(("comments",), Whose(by=("slack_id",)))],
}


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def string_columns() -> Iterator[tuple[Table, str]]:
    """Every string column of every table (what the classes above must cover)."""
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String):
                yield table, column.name


# -- forgetting --------------------------------------------------------------------------


Changes = dict[str, int]  # "table.column" -> rows changed


def remove_text(session: Session, slack_id: str, person_id: int) -> Changes:
    """Replace the free text the person wrote (or staff wrote about their membership)."""
    changes: Changes = {}
    for name, entries in WRITTEN.items():
        table = _table(name)
        for columns, whose in entries:
            for column in columns:
                statement = (
                    update(table)
                    .where(whose.rows(table, slack_id, person_id), table.c[column].is_not(None))
                    .where(table.c[column] != REMOVED)
                    .values({column: REMOVED})
                    .returning(table.c.id)
                )
                _count(changes, f"{name}.{column}", len(session.execute(statement).all()))
    return changes


def clear_contact(session: Session, person_id: int) -> Changes:
    person = session.get(Person, person_id)
    assert person is not None
    changes: Changes = {}
    for column in CONTACT:
        if getattr(person, column) is not None:
            setattr(person, column, None)
            _count(changes, f"people.{column}", 1)
    session.flush()
    return changes


def replace_addresses(session: Session, slack_id: str, pseudonym: str) -> Changes:
    """The person's DM channel ids, wherever the bot kept them."""
    changes: Changes = {}
    for name, (column, recipient) in ADDRESSES.items():
        table = _table(name)
        rows = session.execute(
            update(table)
            .where(table.c[recipient] == slack_id, table.c[column].is_not(None))
            .values({column: literal(pseudonym)})
            .returning(table.c.id)
        ).all()
        _count(changes, f"{name}.{column}", len(rows))
    return changes


def replace_slack_id(session: Session, slack_id: str, pseudonym: str) -> Changes:
    """The pseudonym for the Slack id in every string column of every table, wherever it
    stands as a word (a column of its own, a ledger key, a mention in someone's text)."""
    word = _word(slack_id)
    changes: Changes = {}
    for table, name in string_columns():
        column = table.c[name]
        keys = list(table.primary_key.columns)  # some tables are keyed by team and program
        rows = session.execute(select(*keys, column).where(column.contains(slack_id))).all()
        for *key, value in rows:
            replaced = word.sub(pseudonym, value)
            if replaced != value:
                this_row = [part == part_value for part, part_value in zip(keys, key, strict=True)]
                session.execute(update(table).where(*this_row).values({name: replaced}))
                _count(changes, f"{table.name}.{name}", 1)
    return changes


def _count(changes: Changes, where: str, rows: int) -> None:
    if rows:
        changes[where] = changes.get(where, 0) + rows


# -- what is stored about a person ---------------------------------------------------------


def rows_about(session: Session, slack_id: str, person_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row that is theirs (a Slack-id column or a person id names them) with the rows
    under it (a checklist's ratings, a plan's slots), and every row whose text mentions
    them, by table."""
    word = _word(slack_id)
    theirs: dict[str, set[Any]] = {}  # ids of their rows, by table (for the rows under them)
    found: dict[str, dict[tuple[Any, ...], Any]] = {}
    for table in Base.metadata.sorted_tables:  # parents before their children
        own = [table.c[name] == slack_id for name in SLACK_IDS.get(table.name, ())]
        own += [table.c.id == person_id] if table.name == "people" else []
        for column in table.columns:
            for fk in column.foreign_keys:
                parent = fk.column.table.name
                if parent == "people":
                    own.append(column == person_id)
                elif parent != "teams" and theirs.get(parent):
                    # a team's rows are everyone's in it: only what names them is theirs
                    own.append(column.in_(list(theirs[parent])))
        # Keyed by primary key: a kept standing has no id of its own.
        keys = list(table.primary_key.columns)
        mine = {
            _key(row, keys): row._mapping
            for row in session.execute(select(table).where(or_(false(), *own)))
        }
        theirs[table.name] = {row["id"] for row in mine.values()} if "id" in table.c else set()
        named = [c.contains(slack_id) for c in table.columns if isinstance(c.type, String)]
        mentions = {
            _key(row, keys): row._mapping
            for row in session.execute(select(table).where(or_(false(), *named)))
            if any(isinstance(value, str) and word.search(value) for value in row)
        }
        if mine or mentions:
            found[table.name] = {**mentions, **mine}
    return {
        name: [{key: _plain(value) for key, value in rows[k].items()} for k in sorted(rows)]
        for name, rows in found.items()
    }


def _key(row: Any, keys: list[Any]) -> tuple[Any, ...]:
    return tuple(row._mapping[column] for column in keys)


def _word(slack_id: str) -> re.Pattern[str]:
    """The id as a word: U01 is not in U012."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(slack_id)}(?![A-Za-z0-9])")


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
