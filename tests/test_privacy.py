"""Privacy requests: `mentorbot forget` and `mentorbot export --person`.

Every table is planted with two people's rows: every Slack-id column names the person, every
field a person can write holds their marker. Forgetting one leaves their marker and their
Slack id in no table, keeps every row (the program's counts), and leaves the other person's
rows as they were, but for the forgotten one's id in the other's text.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Engine,
    Enum,
    Integer,
    String,
    Text,
    func,
    insert,
    select,
)

from bot.cli import main
from storage import privacy
from storage.db import make_engine, make_session_factory, transaction
from storage.models import TeamStatus, UtcDateTime
from storage.privacy import (
    ADDRESSES,
    CONTACT,
    SLACK_IDS,
    STRUCTURAL,
    WRITTEN,
    PrivacyRequest,
    string_columns,
)
from storage.schema import metadata
from storage.survey import ReportRun
from tests import test_cli

env = test_cli.env  # the command line's environment (a fixture)

FORGOTTEN, OTHER, STAFF = "U0FORGET1", "U0KEEP1", "U0STAFF9"
MARKS = {FORGOTTEN: "ZQXP", OTHER: "ZQXQ"}
NOW = datetime(2024, 10, 1, 15, tzinfo=UTC)
EMBEDDED = {("deliveries", "key"), ("report_runs", "lock")}  # ids inside a longer value
# Rows the bot writes itself, once, at migration: nothing of anyone's.
# Tables with no person in them: the app's own state, and standings derived from the rest
# (keyed by team, recounted from the records after a forget like after any change).
UNPLANTED = {
    "slack_access",
    "tick_heartbeat",
    "team_standings",
    "team_standing_steps",
    "team_standing_groups",
    "team_standing_totals",
    "team_standing_late",
}


def written(table: str) -> set[str]:
    return {column for columns, _ in WRITTEN.get(table, []) for column in columns}


def personal(table: str, column: str) -> bool:
    """A field a person writes or that describes them: it gets the marker."""
    return (
        column in written(table)
        or (table == "people" and column in CONTACT)
        or ADDRESSES.get(table, ("",))[0] == column
    )


def test_every_string_column_of_every_table_is_classified_once() -> None:
    for table, column in string_columns():
        classes = [
            column in SLACK_IDS.get(table.name, ()),
            column in written(table.name),
            table.name == "people" and column in CONTACT,
            ADDRESSES.get(table.name, ("",))[0] == column,
            column in STRUCTURAL.get(table.name, ()),
        ]
        assert classes.count(True) == 1, (
            f"{table.name}.{column}: name it once in storage/privacy.py (SLACK_IDS, WRITTEN, "
            "CONTACT, ADDRESSES or STRUCTURAL) so that `mentorbot forget` handles it"
        )


def _value(table, column, owner: str, index: int, partner: str):
    name = (table.name, column.name)
    if isinstance(column.type, Enum):
        return column.type.enums[0]
    if isinstance(column.type, String):
        if name in EMBEDDED:
            return f"{table.name}:{owner}:{index}"
        if column.name in SLACK_IDS.get(table.name, ()):
            return owner
        if personal(table.name, column.name):
            mark = MARKS[owner]
            # Text can mention someone: the other's text names the forgotten person.
            return f"{mark} <@{partner}>" if isinstance(column.type, Text) else mark
        return f"s{index}"
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, UtcDateTime | DateTime):
        return NOW
    if isinstance(column.type, Date):
        return date(2024, 9, 3)
    if isinstance(column.type, Integer):
        return index
    raise AssertionError(f"{table.name}.{column.name}: a type the planting does not know")


OVERRIDES = {
    ("teams", "status"): TeamStatus.COMPLETED.value,  # a team still running is refused
    ("mentoring_plan_slots", "selection"): None,  # "other", described: one or the other
}


def plant(engine: Engine) -> None:
    """One row per table for each person, every Slack-id column theirs."""
    with transaction(make_session_factory(engine)) as session:
        for index, (owner, partner) in enumerate(((FORGOTTEN, OTHER), (OTHER, FORGOTTEN)), 1):
            rows: dict[str, int] = {}
            for table in metadata.sorted_tables:
                if table.name in UNPLANTED:
                    continue
                values = {}
                for column in table.columns:
                    if column.primary_key:
                        continue
                    if column.foreign_keys:
                        [fk] = column.foreign_keys
                        # A row pointing at its own table (a carried team) points at none.
                        own = fk.column.table is table
                        values[column.name] = None if own else rows[fk.column.table.name]
                    elif (table.name, column.name) in OVERRIDES:
                        values[column.name] = OVERRIDES[table.name, column.name]
                    else:
                        values[column.name] = _value(table, column, owner, index, partner)
                statement = insert(table).values(values).returning(table.c.id)
                rows[table.name] = session.execute(statement).scalar_one()


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in metadata.sorted_tables
        }


def strings(tables: dict[str, list[tuple]]) -> str:
    return "\n".join(str(value) for rows in tables.values() for row in rows for value in row)


@pytest.fixture
def planted(env):
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(env)
    plant(engine)
    yield engine
    engine.dispose()


def test_forget_dry_runs_first_then_leaves_no_trace_and_keeps_every_count(planted, capsys) -> None:
    before = snapshot(planted)
    assert FORGOTTEN in strings(before) and MARKS[FORGOTTEN] in strings(before)
    capsys.readouterr()

    assert main(["forget", FORGOTTEN, "--requested-by", STAFF]) == 0
    dry = capsys.readouterr().out.splitlines()
    assert dry[0].startswith(f"dry run: forgetting {FORGOTTEN} would change ")
    assert dry[0].endswith(" value(s); add --yes to do it")
    assert "  communication_logs.help_needed: 2" in dry and "  people.email: 1" in dry
    assert snapshot(planted) == before  # a dry run changes nothing

    assert main(["forget", FORGOTTEN, "--requested-by", STAFF, "--yes"]) == 0
    done = capsys.readouterr().out.splitlines()
    with planted.connect() as connection:
        audit = connection.execute(
            select(PrivacyRequest.__table__).where(PrivacyRequest.kind == "forget")
        ).one()
    pseudonym = audit.pseudonym
    assert pseudonym == f"forgotten-{audit.id}"
    assert (audit.requested_by, audit.done_at) == (STAFF, audit.done_at)
    assert done[0] == (
        f"forgot {FORGOTTEN}: now {pseudonym}, {audit.changes} value(s) changed "
        f"(audit record #{audit.id})"
    )
    assert done[1:] == dry[1:]  # it did what the dry run said
    assert audit.changes == sum(int(line.rsplit(": ", 1)[1]) for line in done[1:])
    after = snapshot(planted)
    text = strings(after)
    assert MARKS[FORGOTTEN] not in text
    assert FORGOTTEN not in text
    # Every row stays: the program's counts, dates and hours are the same.
    assert {name: len(rows) for name, rows in after.items()} == {
        name: len(rows) + (name == "privacy_requests") for name, rows in before.items()
    }
    # The other person's rows keep everything they wrote, naming the pseudonym.
    assert text.count(MARKS[OTHER]) == strings(before).count(MARKS[OTHER])
    assert f"<@{pseudonym}>" in text
    people = metadata.tables["people"]
    with planted.connect() as connection:
        emails = dict(connection.execute(select(people.c.slack_id, people.c.email)).all())
    assert emails == {pseudonym: None, OTHER: MARKS[OTHER]}


def test_forget_refuses_bad_input_in_one_line_and_changes_nothing(
    planted, capsys, monkeypatch
) -> None:
    before = snapshot(planted)
    teams = metadata.tables["teams"]
    with planted.begin() as connection:
        connection.execute(teams.update().where(teams.c.id == 1).values(status="active"))
    refusals = {
        ("forget", "not-an-id", "--requested-by", STAFF): (
            "SLACK_ID must be a Slack user id (like U0123ABCD), got 'not-an-id'"
        ),
        (
            "forget",
            "U0NOBODY1",
            "--requested-by",
            STAFF,
        ): "no one with Slack id U0NOBODY1 is stored",
        ("forget", OTHER, "--yes"): "--requested-by is required: the Slack id of whoever asked",
        ("forget", OTHER, "--requested-by", "boss"): (
            "--requested-by must be a Slack user id (like U0123ABCD), got 'boss'"
        ),
        ("forget", FORGOTTEN, "--requested-by", STAFF, "--yes"): (
            f"{FORGOTTEN} is in active team(s) 1: end the team or replace them first"
        ),
        ("export", "--person", "U0NOBODY1", "--requested-by", STAFF): (
            "no one with Slack id U0NOBODY1 is stored"
        ),
        ("export", "--person", OTHER): "--requested-by is required: the Slack id of whoever asked",
        ("export", "--format", "csv"): "export needs --format and --out (or --person SLACK_ID)",
    }
    for argv, line in refusals.items():
        capsys.readouterr()
        assert main(list(argv)) == 2, argv
        out = capsys.readouterr()
        assert (out.out, out.err) == ("", f"mentorbot: {line}\n")
    monkeypatch.setenv("MENTORBOT_STAFF", OTHER)
    assert main(["forget", OTHER, "--requested-by", STAFF, "--yes"]) == 2
    assert capsys.readouterr().err == (
        f"mentorbot: {OTHER} is in MENTORBOT_STAFF: take them out of it first\n"
    )
    with planted.begin() as connection:
        connection.execute(teams.update().where(teams.c.id == 1).values(status="completed"))
    after = snapshot(planted)
    after["people"] = before["people"]  # start-up granted MENTORBOT_STAFF its role
    after["role_grants"] = after["role_grants"][: len(before["role_grants"])]
    assert after == before


def test_a_person_who_asks_themselves_is_recorded_as_self(planted, capsys) -> None:
    assert main(["forget", FORGOTTEN, "--requested-by", FORGOTTEN, "--yes"]) == 0
    with planted.connect() as connection:
        asked = select(PrivacyRequest.requested_by).where(PrivacyRequest.kind == "forget")
        assert connection.execute(asked).scalar_one() == "self"
    assert FORGOTTEN not in strings(snapshot(planted))


def test_export_gives_a_person_everything_stored_about_them(planted, capsys, tmp_path) -> None:
    capsys.readouterr()
    assert main(["export", "--person", FORGOTTEN, "--requested-by", STAFF]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["slack_id"] == FORGOTTEN
    tables = document["tables"]
    # Every table they were planted in, with their row (planted first, so the lowest id),
    # and of the other person's only rows that name them.
    assert set(tables) == {t.name for t in metadata.sorted_tables} - UNPLANTED
    with planted.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in tables:
                first = connection.execute(select(func.min(table.c.id))).scalar_one()
                assert tables[table.name][0]["id"] == first, table.name
    person = tables["people"][0]
    assert person["slack_id"] == FORGOTTEN and person["email"] == MARKS[FORGOTTEN]
    assert tables["focal_points_ratings"][0]["filing_id"] == tables["focal_points_filings"][0]["id"]
    others = [row for rows in tables.values() for row in rows if MARKS[OTHER] in json.dumps(row)]
    assert others and all(f"<@{FORGOTTEN}>" in json.dumps(row) for row in others)
    out = tmp_path / "theirs.json"
    assert main(["export", "--person", FORGOTTEN, "--requested-by", STAFF, "--out", str(out)]) == 0
    again = json.loads(out.read_text())["tables"]
    # The first export's audit record is about them too: the second shows it.
    [audit] = [row for row in again["privacy_requests"] if row["kind"] == "export"]
    assert (audit["subject"], audit["requested_by"]) == (FORGOTTEN, STAFF)
    again["privacy_requests"].remove(audit)
    assert again == tables


def test_every_export_is_audited_who_asked_when_and_whose(planted, capsys, tmp_path) -> None:
    before = snapshot(planted)
    capsys.readouterr()
    assert main(["export", "--person", FORGOTTEN, "--requested-by", STAFF]) == 0
    exported = json.loads(capsys.readouterr().out)
    out = tmp_path / "theirs.json"
    assert main(["export", "--person", OTHER, "--requested-by", OTHER, "--out", str(out)]) == 0
    with planted.connect() as connection:
        audits = connection.execute(
            select(PrivacyRequest.__table__)
            .where(PrivacyRequest.kind == "export")
            .order_by(PrivacyRequest.id)
        ).all()
    rows = sum(len(found) for found in exported["tables"].values())
    assert [(a.subject, a.requested_by, a.changes > 0) for a in audits] == [
        (FORGOTTEN, STAFF, True),
        (OTHER, "self", True),
    ]
    assert audits[0].changes == rows
    assert all(a.done_at is not None and a.pseudonym is None for a in audits)
    assert capsys.readouterr().out == (
        f"wrote what is stored about {OTHER} to {out} (audit record #{audits[1].id})\n"
    )
    # A refused export leaves no record; nothing but the audit changed.
    assert main(["export", "--person", "U0NOBODY1", "--requested-by", STAFF]) == 2
    after = snapshot(planted)
    assert len(after["privacy_requests"]) == len(before["privacy_requests"]) + 2
    after["privacy_requests"] = before["privacy_requests"]
    assert after == before
    # Forgetting the person later replaces their Slack id in the export's record too.
    assert main(["forget", FORGOTTEN, "--requested-by", STAFF, "--yes"]) == 0
    with planted.connect() as connection:
        subjects = connection.execute(
            select(PrivacyRequest.subject).where(PrivacyRequest.kind == "export")
        ).scalars()
        assert [s.startswith("forgotten-") for s in subjects] == [True, False]


def test_rows_about_reads_the_id_as_a_word(planted) -> None:
    with make_session_factory(planted)() as session:
        assert privacy.rows_about(session, "U0FORGET", 999) == {}


def test_a_program_export_from_the_command_line_is_recorded_with_who_asked(
    planted, capsys, tmp_path
) -> None:
    out = tmp_path / "report.csv"
    argv = ["export", "--format", "csv", "--out", str(out), "--as-of", "2024-10-01"]
    capsys.readouterr()
    assert main([*argv, "--requested-by", STAFF]) == 0
    assert main(argv) == 0
    assert main([*argv, "--requested-by", "boss"]) == 2
    with planted.connect() as connection:
        runs = connection.execute(
            select(ReportRun.requester, ReportRun.scope, ReportRun.finished_at, ReportRun.outcome)
            .where(ReportRun.scope == "program")
            .order_by(ReportRun.id)
        ).all()
    assert [(r.requester, r.scope, r.outcome.startswith("written: ")) for r in runs] == [
        (STAFF, "program", True),
        ("cli", "program", True),
    ]
    assert all(r.finished_at is not None for r in runs)
    lines = capsys.readouterr()
    assert "(report run #" in lines.out
    assert "--requested-by must be a Slack user id" in lines.err


def test_a_kept_standing_that_names_the_person_is_exported_and_forgotten(planted, capsys) -> None:
    # A late step's standing names who it waits on (Slack ids): derived, keyed by team, and
    # without an id column of its own.
    steps = metadata.tables["team_standing_steps"]
    with transaction(make_session_factory(planted)) as session:
        team = session.execute(select(func.min(metadata.tables["teams"].c.id))).scalar_one()
        session.execute(
            insert(steps).values(
                team_id=team,
                program_id="bmit-2024-25",
                step="s1",
                deadline_id="d1",
                due=date(2024, 9, 25),
                done=False,
                effective_due=date(2024, 9, 25),
                responsible=f"{FORGOTTEN} {OTHER}",
                waiting_on=None,
                advisor_id=None,
            )
        )
    capsys.readouterr()
    assert main(["export", "--person", FORGOTTEN, "--requested-by", STAFF]) == 0
    [row] = json.loads(capsys.readouterr().out)["tables"]["team_standing_steps"]
    assert row["responsible"] == f"{FORGOTTEN} {OTHER}"
    assert main(["forget", FORGOTTEN, "--requested-by", STAFF, "--yes"]) == 0
    with planted.connect() as connection:
        [kept] = connection.execute(select(steps.c.responsible)).scalars().all()
    assert FORGOTTEN not in kept and kept.endswith(f" {OTHER}")
