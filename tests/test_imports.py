"""Bulk import: all or nothing, every bad row named, a re-run changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.platform.slack_users import SlackUser
from bot.teams.imports import decode, import_teams
from storage.db import make_engine, make_session_factory, transaction
from storage.models import Team
from tests.conftest import SIGNING_SECRET, STAFF
from tests.interactions import submit, text_value
from tests.signing import slash_command

NOW = datetime(2024, 9, 10, 15, tzinfo=UTC)
HEADER = "mentor,protege,advisor,area,track,start_date"
PEOPLE = {
    "U0MEN0001": SlackUser("U0MEN0001", "Dana", "America/Chicago", False, False),
    "U0PRO0001": SlackUser("U0PRO0001", "Luis", "America/Chicago", False, False),
    "U0MEN0002": SlackUser("U0MEN0002", "Ruth", "America/New_York", False, False),
    "U0PRO0002": SlackUser("U0PRO0002", "Sam", "America/Denver", False, False),
    "U0ADV0001": SlackUser("U0ADV0001", "Grace", "America/Chicago", False, False),
    "U0BOT0001": SlackUser("U0BOT0001", "bot", None, True, False),
    "sam@school.example": SlackUser("U0PRO0002", "Sam", "America/Denver", False, False),
}
GOOD = "\n".join(
    [
        HEADER,
        "U0MEN0001,U0PRO0001,U0ADV0001,bmit,year1,2024-09-25",
        "U0MEN0002,sam@school.example,,Family Consumer Sciences and Human Services,2,2024-09-25",
    ]
)


@pytest.fixture
def factory(database_url):
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def run(factory, program, text):
    with transaction(factory) as session:
        return import_teams(session, (program,), text, PEOPLE.get, "U0STAFF01", NOW)


def count(factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Team))


def test_a_good_file_imports_and_a_rerun_changes_nothing(factory, program) -> None:
    report = run(factory, program, GOOD)
    assert report.ok and len(report.created) == 2 and report.unchanged == 0
    with factory() as session:
        second = session.scalars(select(Team).where(Team.id == report.created[1])).one()
        assert (second.area, second.track, second.advisor_id) == ("fcs", "year2", None)
    again = run(factory, program, GOOD)
    assert again.ok and again.created == [] and again.unchanged == 2
    assert count(factory) == 2


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["U0MEN0001,U0PRO0001,,bmit,year1,2024-09-25"] * 2, "line 3: the same row as line 2"),
        (["U0MEN0001,U0PRO0001,,cooking,year1,2024-09-25"], "line 2: area 'cooking' is not one of"),
        (["U0MEN0001,U0PRO0001,,bmit,year9,2024-09-25"], "line 2: track 'year9' is not one of"),
        (["U0MEN0001,U0PRO0001,,bmit,year1,25/09/2024"], "line 2: start_date '25/09/2024'"),
        (["U0MEN0001,U0NOBODY1,,bmit,year1,2024-09-25"], "line 2: protégé U0NOBODY1 is not in"),
        (["U0MEN0001,bob,,bmit,year1,2024-09-25"], "neither a Slack id nor an e-mail"),
        (["U0BOT0001,U0PRO0001,,bmit,year1,2024-09-25"], "line 2: mentor: That is a bot"),
        (["U0MEN0001,U0MEN0001,,bmit,year1,2024-09-25"], "line 2: protégé: The protégé must be"),
        (["U0MEN0001,U0PRO0001,,bmit,year1"], "line 2: 5 values where the header has 6"),
        (
            [
                "U0MEN0001,U0PRO0001,,bmit,year1,2024-09-25",
                "U0MEN0002,U0PRO0001,,bmit,1,2024-09-25",
            ],
            "line 3: this protégé is also on line 2",
        ),
    ],
)
def test_any_bad_row_means_nothing_is_stored(factory, program, rows, expected) -> None:
    text = "\n".join([HEADER, *rows, "U0MEN0002,U0PRO0002,,bmit,year1,2024-09-25"])
    report = run(factory, program, text)
    assert not report.ok
    assert any(problem.startswith(expected) or expected in problem for problem in report.problems)
    assert count(factory) == 0


def test_every_bad_row_is_listed(factory, program) -> None:
    text = "\n".join([HEADER, "x,y,,bmit,year1,2024-09-25", "U0MEN0001,U0PRO0001,,zz,year1,nope"])
    report = run(factory, program, text)
    lines = sorted({p.split(":")[0] for p in report.problems})
    assert lines == ["line 2", "line 3"] and len(report.problems) == 4


def test_a_wrong_header_or_encoding_is_refused(factory, program) -> None:
    report = run(factory, program, "mentor,protégé,area\nU0MEN0001,U0PRO0001,bmit")
    assert report.problems[0].startswith("line 1: the header must be")
    with pytest.raises(ValueError, match="not UTF-8"):
        decode("mentor,protégé".encode("latin-1"))
    assert decode(b"\xef\xbb\xbf" + GOOD.encode()) == GOOD  # Excel's byte-order mark


def test_import_in_slack_reports_rows_then_imports(app_server, standin) -> None:
    base, services = app_server
    fake, _ = standin
    for user_id in ("U0MEN0001", "U0PRO0001", "U0ADV0001"):
        fake.add_user(user_id)
    _, body = slash_command(base + "/slack/events", SIGNING_SECRET, "U0MEN0001", "import")
    assert body["text"].startswith("Only program staff")
    slash_command(base + "/slack/events", SIGNING_SECRET, STAFF, "import")
    view = fake.calls_to("views.open")[-1].params["view"]
    status, body = submit(base, STAFF, view, {"csv": {"value": text_value("  ")}})
    assert "Paste the CSV" in body["errors"]["csv"]
    bad = HEADER + "\nU0MEN0001,U0PRO0001,U0ADV0001,bmit,year7,2024-09-25"
    status, body = submit(base, STAFF, view, {"csv": {"value": text_value(bad)}})
    assert body["response_action"] == "update"
    [update] = fake.wait_for("views.update", 1)
    shown = update.params["view"]
    assert "line 2: track 'year7'" in str(shown["blocks"]), shown["blocks"][0]["text"]["text"]
    csv_input = next(b for b in shown["blocks"] if b.get("block_id") == "csv")
    assert csv_input["element"]["initial_value"] == bad  # what was pasted is kept
    assert count_teams(services) == 0
    good = HEADER + "\nU0MEN0001,U0PRO0001,U0ADV0001,bmit,year1,2024-09-25"
    submit(base, STAFF, view, {"csv": {"value": text_value(good)}})
    updates = fake.wait_for("views.update", 2)
    assert "Imported 1 new team" in str(updates[-1].params["view"]["blocks"])
    assert count_teams(services) == 1
    welcomed = {c.params["channel"] for c in fake.wait_for("chat.postMessage", 3)}
    assert welcomed == {"U0MEN0001", "U0PRO0001", "U0ADV0001"}


def count_teams(services) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Team))
