"""The access matrix's world, read where no request is: what the tick sends and what exports
hold, while roles change.

Team 1 has filed every form with a marker in each free-text field (tests/test_access_matrix.py);
team 2 files its own, tagged `team2`. Then team 1's content advisor is replaced and team 2's
protégé's Slack account is deactivated, and the tick runs over the first semester. Every DM
it sends may carry a team's markers, or name its mentor and protégé, only when its recipient
may read that team now; those no longer in a role (the replaced advisor, team 1's first
mentor and advisor, the ended team's people, revoked staff and advisors) hear nothing of
team 1, and the deactivated protégé hears nothing at all. `/mentor report` and
`mentorbot export` are read the same way, before and after a change of advisor.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.cli import main
from bot.platform.slack_client import scheduler_client
from handlers import after_ack
from schedules.tick import tick
from storage.db import transaction
from storage.models import Delivery, DeliveryStatus
from storage.people import get_or_create_person, get_team
from storage.teams import replace_member
from tests import test_access_matrix
from tests.conftest import SIGNING_SECRET, STAFF, SkippingClock
from tests.signing import post_event, slash_command
from tests.test_access_matrix import (
    CHANGED,
    NOW,
    OTHER_PROTEGE,
    PEOPLE,
    _file,
    _markers,
    _open,
)

world = test_access_matrix.world  # the fixture: team 1 has filed every form, marked

NEW_ADVISOR = "U0ADVNEW1"  # replaces team 1's content advisor
TEAM_2 = "2"
STAFF_MEMBER = CHANGED["staff_member"][0]
# Who may read each team now, once the changes below are made.
READERS = {
    "team1": {PEOPLE["mentor"], PEOPLE["protege"], NEW_ADVISOR, STAFF, STAFF_MEMBER},
    "team2": {PEOPLE["other_member"], OTHER_PROTEGE, PEOPLE["other_advisor"], STAFF, STAFF_MEMBER},
}
# People who were in a role touching team 1 and are no longer (or never were, and hold none).
FORMER = {PEOPLE["advisor"], *(slack_id for slack_id, _ in CHANGED.values())} - {STAFF_MEMBER}
TEAM_1_PEOPLE = (f"<@{PEOPLE['mentor']}>", f"<@{PEOPLE['protege']}>")


def _team_of(marker: str) -> str:
    return "team2" if marker.split("-")[1].lower().startswith("team2") else "team1"


def _file_team_2(base: str, fake, names: dict[str, str]) -> None:
    """Team 2's mentor files a contact form and a Communication Log, every field marked."""
    _open(base, fake, "other_member", "contact_open", "")
    _file(base, fake, "other_member", names, "team2_contact")
    _open(base, fake, "other_member", "log_open", f"{TEAM_2}:2024-09")
    _file(base, fake, "other_member", names, "team2_log")


def _replace_team_1s_advisor(services, names: dict[str, str], new: str) -> None:
    with transaction(services.sessions) as session:
        team = get_team(session, int(names["team"]))
        assert team is not None
        person = get_or_create_person(session, new, NOW, tz="America/Chicago")
        replace_member(session, team, "advisor", person, "Moved.", STAFF, NOW)


def _school_mornings() -> list[datetime]:
    """A weekday morning (09:00 or 10:00 in Chicago) every few days of the first semester,
    and the day of the semester progress note."""
    day, found = date(2024, 9, 11), []
    while day <= date(2024, 12, 20):
        if day.weekday() < 5:
            found.append(datetime(day.year, day.month, day.day, 15, tzinfo=UTC))
        day += timedelta(days=3)
    found.append(datetime(2024, 12, 13, 16, tzinfo=UTC))
    return sorted(found)


def test_the_ticks_dm_each_team_only_to_those_who_may_read_it_now(world) -> None:
    base, services, fake, names, receiver = world
    _file_team_2(base, fake, names)
    fake.add_user(NEW_ADVISOR, "Person NEW1")
    _replace_team_1s_advisor(services, names, NEW_ADVISOR)
    assert post_event(base, SIGNING_SECRET, fake.deactivate(OTHER_PROTEGE)) == 200
    since = len(fake.calls)
    client = scheduler_client(services.settings, clock=SkippingClock())
    kinds = set()
    for now in _school_mornings():
        result = tick(services.sessions, client, services.program, now)
        kinds |= {o.notice.kind for o in result.outcomes if o.status == "sent"}
    # What was read: alerts, nudges and semester notes among the rest.
    assert kinds >= {
        "silence_alert",
        "silence_escalation",
        "deadline_nudge",
        "deadline_overdue",
        "log_nudge",
        "semester_progress",
        "topic_prompt",
        "deactivated",
    }, kinds

    sent = [c.params for c in fake.calls[since:] if c.method == "chat.postMessage"]
    problems = []
    for message in sent:
        recipient = message["channel"]
        for marker in _markers(message):
            if recipient not in READERS[_team_of(marker)]:
                problems.append(f"{recipient} was sent {marker}")
        if recipient in FORMER and any(p in json.dumps(message) for p in TEAM_1_PEOPLE):
            problems.append(f"{recipient}, no longer on team 1, heard of its people")
    assert not problems, problems
    assert OTHER_PROTEGE not in {m["channel"] for m in sent}
    # Not vacuous: team 1's new advisor was sent team 1's filings (the semester note names
    # the building administrator each protégé wrote on the Contact Form), the old one nothing.
    to_new = [m for m in sent if m["channel"] == NEW_ADVISOR]
    assert any(_team_of(marker) == "team1" for m in to_new for marker in _markers(m))
    assert {m["channel"] for m in sent} >= {PEOPLE["mentor"], PEOPLE["other_advisor"], STAFF_MEMBER}
    with services.sessions() as session:
        held = session.scalars(
            select(Delivery.kind).where(
                Delivery.recipient == OTHER_PROTEGE, Delivery.status == DeliveryStatus.HELD
            )
        ).all()
    assert held, "the deactivated protégé's notices are held in the ledger"


# -- exports -------------------------------------------------------------------------------


def _report(base: str, fake, user: str) -> tuple[str, str]:
    """`user` types `/mentor report`: the answer, and the text of every file uploaded."""
    before = set(fake.uploads)
    status, answer = slash_command(base + "/slack/events", SIGNING_SECRET, user, "report")
    assert status == 200
    after_ack.drain()
    files = [fake.uploads[k] for k in fake.uploads if k not in before]
    return json.dumps(answer), "\n".join(_text_of(content) for content in files)


def _text_of(content: bytes) -> str:
    """A CSV as text; an XLSX (a zip) as the text of every part, its strings included."""
    if content[:2] != b"PK":
        return content.decode("utf-8-sig", errors="replace")
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return "\n".join(book.read(name).decode(errors="replace") for name in book.namelist())


def _team_1_in(text: str) -> list[str]:
    found = [m for m in _markers(text) if _team_of(m) == "team1"]
    return found + [p for p in (PEOPLE["mentor"], PEOPLE["protege"]) if p in text]


def test_reports_hold_only_the_teams_their_asker_advises_now(world) -> None:
    base, services, fake, names, receiver = world
    # Before: team 1's advisor and staff get team 1; another advisor does not.
    _, advisor = _report(base, fake, PEOPLE["advisor"])
    _, staff = _report(base, fake, STAFF)
    _, other = _report(base, fake, PEOPLE["other_advisor"])
    assert PEOPLE["mentor"] in advisor and PEOPLE["mentor"] in staff
    assert PEOPLE["other_member"] in other and not _team_1_in(other)
    # People whose standing changed get no report of team 1, or none at all.
    for slack_id, _ in CHANGED.values():
        if slack_id == STAFF_MEMBER:
            continue
        answer, files = _report(base, fake, slack_id)
        assert not _team_1_in(answer + files), slack_id
    # After team 1's advisor is replaced by the other advisor, the two swap.
    _replace_team_1s_advisor(services, names, PEOPLE["other_advisor"])
    answer, old = _report(base, fake, PEOPLE["advisor"])
    assert not old and not _team_1_in(answer)
    _, new = _report(base, fake, PEOPLE["other_advisor"])
    assert PEOPLE["mentor"] in new


def test_mentorbot_export_names_each_teams_people_of_now(world, tmp_path, monkeypatch) -> None:
    base, services, fake, names, receiver = world
    _replace_team_1s_advisor(services, names, NEW_ADVISOR)
    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    out = tmp_path / "report.csv"
    assert main(["export", "--format", "csv", "--out", str(out), "--as-of", "2024-10-01"]) == 0
    rows = {line.split(",")[0]: line for line in out.read_text(encoding="utf-8-sig").splitlines()}
    assert NEW_ADVISOR in rows[names["team"]]
    # The replaced advisor and team 1's first mentor and advisor are nowhere in the program's
    # export.
    gone = {PEOPLE["advisor"]} | {
        CHANGED[role][0] for role in ("replaced_mentor", "replaced_advisor")
    }
    text = out.read_text(encoding="utf-8-sig")
    assert not [slack_id for slack_id in gone if slack_id in text]
    # The ended team was served this year, so the year's report counts it (issue 14): its
    # people appear in its own row only, together, never beside another team's.
    ended = CHANGED["ended_mentor"][0], CHANGED["ended_protege"][0]
    naming = [line for line in rows.values() if any(slack_id in line for slack_id in ended)]
    assert len(naming) == 1 and all(slack_id in naming[0] for slack_id in ended)
