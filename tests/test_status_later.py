"""Program-wide answers over many teams: acknowledged at once, then posted to the command's
response URL (replacing the placeholder), counted by the same code as the inline answer."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot import access
from bot.status import export, rules, views
from handlers import status as status_handlers
from handlers.status import ANSWER_LATER_OVER
from storage.db import transaction
from storage.people import active_teams, add_team, get_or_create_person
from tests.conftest import SIGNING_SECRET, STAFF, stop_promptly
from tests.signing import slash_command
from tests.test_reports_export import sheets

TEAMS = ANSWER_LATER_OVER + 1


class ResponseUrl:
    """Slack's response URL on loopback: records what the app posts to it."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self._arrived = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with owner._arrived:
                    owner.posts.append(json.loads(raw))
                    owner._arrived.notify_all()
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/commands/T0/1/x"

    def wait(self, count: int, timeout: float = 30.0) -> list[dict]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.posts) >= count, timeout)
        return self.posts

    def close(self) -> None:
        stop_promptly(self._server.shutdown, self._server)
        self._server.server_close()


@pytest.fixture
def response_url() -> Iterator[ResponseUrl]:
    receiver = ResponseUrl()
    yield receiver
    receiver.close()


@pytest.fixture
def many_teams(app_server, program):
    base, services = app_server
    object.__setattr__(services, "clock", lambda: datetime(2024, 10, 7, 15, tzinfo=UTC))
    now = datetime(2024, 8, 1, tzinfo=UTC)
    with transaction(services.sessions) as session:
        for n in range(TEAMS):
            add_team(
                session,
                program_id=program.id,
                mentor=get_or_create_person(session, f"U0M{n:07d}", now),
                protege=get_or_create_person(session, f"U0P{n:07d}", now),
                advisor=get_or_create_person(session, f"U0A{n // 50:07d}", now),
                area="bmit",
                track="year1",
                start_date=date(2024, 8, 26),
                created_by=None,
                now=now,
            )
    return base


def command(base: str, text: str, user: str, receiver: ResponseUrl) -> dict:
    status, body = slash_command(
        base + "/slack/events", SIGNING_SECRET, user, text, response_url=receiver.url
    )
    assert status == 200
    return body


@pytest.mark.parametrize(
    ("text", "counted"),
    [
        ("status", f"*{TEAMS} teams*"),
        ("overdue", "Communication Log for September"),
        ("completers", f"No team has completed every required deliverable yet (of {TEAMS})"),
    ],
)
def test_staff_get_an_ack_at_once_and_the_answer_at_the_response_url(
    many_teams, response_url, text, counted
) -> None:
    ack = command(many_teams, text, STAFF, response_url)
    assert f"over {TEAMS:,} teams" in ack["text"] and ack["response_type"] == "ephemeral"
    [posted] = response_url.wait(1)
    assert posted["replace_original"] is True and posted["response_type"] == "ephemeral"
    assert counted in json.dumps(posted), posted["text"][:300]


def test_the_overdue_answer_shows_what_the_whole_list_would(
    many_teams, response_url, app_server, program
) -> None:
    # Read advisor by advisor until the message is full: the same message as every step.
    command(many_teams, "overdue", STAFF, response_url)
    [posted] = response_url.wait(1)
    services = app_server[1]
    today = services.today()
    with services.sessions() as session:
        live = rules.program_standings(session, program, active_teams(session, program.id), today)
    every = rules.overdue_items(program, live, today)
    text, blocks = views.overdue_message(program, every, today)
    assert len(blocks) == views.MESSAGE_BLOCKS and "more than one message" in json.dumps(blocks)
    assert (posted["text"], posted["blocks"]) == (text, blocks)


@pytest.mark.parametrize(("ids", "title"), [("U", "x"), ("U0123456789", "Communication Log")])
def test_steps_read_as_the_room_allows_make_the_message_every_step_would(
    program, ids, title
) -> None:
    # The room bounds each advisor's read by what the message can still show; the shortest
    # lines (one-character ids and title) are the most a section holds.
    def item(advisor: str, n: int) -> rules.OverdueItem:
        due = date(2025, 9, 1)
        return rules.OverdueItem(n, advisor, ids, ids, "log", title, (ids,), None, due, 1)

    every = [item(f"A{a}", n) for a in range(4) for n in range(3000)]
    per_advisor = {f"A{a}": 3000 for a in range(4)}
    room, read = views.OverdueRoom(), []
    for a in range(4):
        found = rules.OverdueList(tuple(read), len(every), per_advisor)
        limit = room(found)
        if limit <= 0:
            break
        read += every[a * 3000 : a * 3000 + limit]
    found = rules.OverdueList(tuple(read), len(every), per_advisor)
    whole = rules.OverdueList(tuple(every), len(every), per_advisor)
    today = date(2025, 10, 1)
    assert len(read) < len(every) // 2
    shown = views.overdue_message(program, found, today, room)
    assert shown == views.overdue_message(program, whole, today)


def test_the_first_answer_of_a_day_says_every_standing_is_counted_first(
    many_teams, response_url
) -> None:
    ack = command(many_teams, "status", STAFF, response_url)
    assert f"{TEAMS:,} of their standings are brought up to date first" in ack["text"]
    response_url.wait(1)
    # Counted: the next answer takes no while, and its placeholder says so.
    ack = command(many_teams, "overdue", STAFF, response_url)
    assert "brought up to date" not in ack["text"] and "shortly" in ack["text"]
    assert len(response_url.wait(2)) == 2


def test_a_member_asking_about_their_own_team_is_answered_inline(many_teams, response_url) -> None:
    ack = command(many_teams, "status", "U0M0000007", response_url)
    assert "Counting" not in json.dumps(ack) and "team" in ack["text"].lower()
    assert response_url.posts == []


def test_a_report_over_many_teams_is_made_elsewhere_and_its_files_handed_over_open(
    many_teams, app_server, standin, response_url, monkeypatch
) -> None:
    """Made in a process of its own, the report's table and spreadsheet come back as the
    files it wrote (their descriptors received), not as bytes; they are uploaded as the
    report made here would be, then closed."""
    fake, _ = standin
    services = app_server[1]
    handed: list[dict[str, export.ReportFile]] = []
    send = status_handlers._send_report

    def noted(*args: object) -> None:
        report = args[-1]
        assert isinstance(report, status_handlers.Report)
        handed.append(dict(report.files))
        send(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(status_handlers, "_send_report", noted)
    assert "Preparing your report" in command(many_teams, "report", STAFF, response_url)["text"]
    [files] = handed
    opened = {name: f for name, f in files.items() if not isinstance(f, bytes)}
    assert sorted(opened) == [
        "mentoring-report-2024-10-07.csv",
        "mentoring-report-2024-10-07.xlsx",
    ]
    # Received, not written here (the table is written to a file opened for reading and
    # writing), and closed once uploaded.
    assert all(isinstance(f, io.BufferedReader) and f.closed for f in opened.values())
    with services.sessions() as session:
        who = access.viewer(session, STAFF, services.settings.staff_ids)
    here = status_handlers.report_answer(
        services.settings, services.programs, services.clock(), who
    )
    made = export.files_bytes(here.files)
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
    uploaded = list(fake.uploads.values())
    assert len(uploaded) == 4
    assert made["mentoring-report-2024-10-07.csv"] in uploaded
    assert made["mentoring-report-2024-10-07-summary.csv"] in uploaded
    [book] = [content for content in uploaded if content.startswith(b"PK")]
    assert sheets(book) == sheets(made["mentoring-report-2024-10-07.xlsx"])
    assert len(made["mentoring-report-2024-10-07.csv"].splitlines()) == TEAMS + 1
