"""The bot's own words over a demo year (issue 13 §7, issue 14 §10).

`mentorbot demo` plays its year over the shipped program with one change: Experience 1's
upload is still required (the program file's `upload = { required = true, link = … }`).
Then the people of the demo ask the served app, over signed HTTP on the demo's database,
for what they read on three days of the year: the Home tab, `/mentor progress`, `status`,
`team`, `calendar` (and its .ics file). Every text of every message, update, view and file
is read: no step says it is uploaded "to Google" (the bot's filing replaces the upload,
except the one step still required, which says where instead, with its link); no text names
a team by its internal number.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.demo import year as demo
from bot.platform.slack_client import RecordingClient
from bot.program import default_program_path, load_program
from tests.conftest import SIGNING_SECRET, serve_app
from tests.signing import post_event, slash_command
from tests.slack_standin import Server, SlackStandIn

REQUIRED = "https://forms.gle/Wf5R8thSCd2Ejz9p8"  # the manual's link for Experience 1
# A step said to go to Google ("uploads … to Google", "Assessment Activity in Google."); a
# hint naming Google Drive as a place for one's own document is not one.
GOOGLE = re.compile(r"\b(to|in|into) google\b", re.IGNORECASE)
TEAM_NUMBER = re.compile(r"\bteam\s*#?\s*\d+", re.IGNORECASE)
# What the people read on: the week Experience 1 is filed, the first semester's end, March.
DAYS = (
    datetime(2024, 10, 23, 15, tzinfo=UTC),
    datetime(2024, 12, 9, 15, tzinfo=UTC),
    datetime(2025, 3, 5, 15, tzinfo=UTC),
)
ASKED = ("progress", "status", "team", "calendar")


def texts(payload: Any) -> Iterator[str]:
    """Every text a person may read in a payload: `text` wherever it sits (a message's, a
    block's, a button's, a view's title), and any other string value under a text key."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key in ("text", "title", "alt_text", "placeholder") and isinstance(value, str):
                yield value
            else:
                yield from texts(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from texts(value)


def _jsonish(value: Any) -> Any:
    """Blocks and views go to Slack as JSON strings in form calls: read them back."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: _jsonish(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def demo_year(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    """The demo year played over the variant file: (database, program file, every text the
    tick and the demo's scenes sent)."""
    folder = tmp_path_factory.mktemp("words")
    shipped = default_program_path().read_text(encoding="utf-8")
    line = f'upload = {{ required = false, link = "{REQUIRED}" }}'
    assert shipped.count(line) == 1
    path = folder / "experience-1-uploaded.toml"
    path.write_text(shipped.replace(line, line.replace("false", "true")), encoding="utf-8")
    clients: list[RecordingClient] = []

    class Kept(RecordingClient):
        def __init__(self) -> None:
            super().__init__()
            clients.append(self)

    level = logging.getLogger().level
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()):
        patch.setattr(demo, "RecordingClient", Kept)
        demo.run_demo(keep=folder / "demo.db", program_path=path)
    logging.getLogger().setLevel(level)  # the demo quiets the root logger for its printing
    [client] = clients
    sent = [t for _, params in client.calls for t in texts(_jsonish(params))]
    return folder / "demo.db", path, sent


@pytest.fixture(scope="module")
def read_by_people(demo_year) -> list[str]:
    """What each demo person reads when they ask, on each of DAYS."""
    database, path, _ = demo_year
    program = load_program(path)
    fake = SlackStandIn()
    server = Server(fake)
    people = sorted(
        {p.slack_id for t in demo.TEAMS for p in (t.mentor, t.protege)}
        | {demo.ADVISOR.slack_id, demo.STAFF.slack_id}
    )
    answers: list[Any] = []
    try:
        with serve_app(
            f"sqlite:///{database}",
            (fake, server.url),
            program,
            staff_ids=(demo.STAFF.slack_id,),
        ) as (base, services):
            for day in DAYS:
                object.__setattr__(services, "clock", lambda day=day: day)
                for person in people:
                    assert post_event(base, SIGNING_SECRET, _home(person)) == 200
                    for words in ASKED:
                        status, answer = slash_command(
                            base + "/slack/events", SIGNING_SECRET, person, words
                        )
                        assert status == 200, answer
                        answers.append(answer)
    finally:
        server.close()
    read = [t for answer in answers for t in texts(answer)]
    read += [t for call in fake.calls for t in texts(_jsonish(call.params))]
    # A calendar file as its reader's calendar shows it: lines unfolded, commas unescaped.
    read += [
        data.decode("utf-8", "replace").replace("\r\n ", "").replace("\\,", ",")
        for data in fake.uploads.values()
    ]
    assert any("BEGIN:VCALENDAR" in t for t in read)  # the .ics files are read too
    assert len(fake.calls_to("views.publish")) >= len(people) * len(DAYS)
    return read


def _home(user: str) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0HOME"}


def test_no_step_filed_in_slack_says_google(demo_year, read_by_people) -> None:
    _, _, sent = demo_year
    every = [*sent, *read_by_people]
    assert len(sent) > 200
    said = sorted({t for t in every if GOOGLE.search(t)})
    assert said == [], said[:3]


def test_the_step_still_uploaded_says_where(demo_year, read_by_people) -> None:
    _, _, sent = demo_year
    every = [*sent, *read_by_people]
    where = [t for t in every if REQUIRED in t]
    assert where, "the required upload's link is shown nowhere"
    # On the step's own lines, and only there: no other step borrows its link.
    for text in every:
        for line in text.splitlines():
            if "then upload it at" in line:
                named = f"Experience 1 and its Mentor Comment Form, then upload it at {REQUIRED}"
                assert named in line, line
    # The protégé reads it where they plan their week: the calendar and the Home tab.
    assert any(REQUIRED in t and "Next deadlines" in t for t in read_by_people)
    assert any("BEGIN:VCALENDAR" in t and REQUIRED in t for t in every)


def test_no_text_names_a_team_by_its_number(demo_year, read_by_people) -> None:
    _, _, sent = demo_year
    named = sorted({t for t in [*sent, *read_by_people] if TEAM_NUMBER.search(t)})
    assert named == [], named[:3]
