"""Every modal submission of the app, fuzzed (issue 8, part 3).

For each `app.view(...)` listener there is one row in ROWS: how a real user opens the modal
(a slash command or a button press, over signed HTTP, as the right role, on a freshly seeded
team in the right state), who submits it, and what an accepted submission must have stored.
Each example opens the modal, then submits it with every field kept, dropped, emptied or
replaced by arbitrary, unicode or huge text (selects and checkboxes also get unknown and
duplicated options), and with the private_metadata kept, dropped, garbled or tampered with.

Whatever is sent: HTTP 200, no traceback and no "something went wrong", no error logged;
a refusal (`response_action: errors`) names only input blocks of the submitted view and
writes nothing; an accepted submission stores what was typed, and every stored string fits
its column on PostgreSQL (length, no NUL).

ADDING A MODAL? Add its row to ROWS; a callback id without a row fails
`test_every_modal_has_a_row`.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Select, String, case, func, select, text

import storage.schema  # noqa: F401  (every model module, for the column check)
from bot.advisor import views as aviews
from bot.contact.views import CONTACT_CALLBACK
from bot.experiences import views as eviews
from bot.experiences.rules import selection_focus
from bot.logs import views as lviews
from bot.logs.form import TEAM as LOG_TEAM
from bot.meetings import views as mviews
from bot.plans import checklists as cviews
from bot.plans import views as pviews
from bot.platform.app import create_app
from bot.platform.services import Services
from bot.program import Program, default_program_path, roll_program
from bot.reports import views as rviews
from bot.silence import views as sviews
from bot.silence.rules import team_health
from bot.slack.fields import selected, selected_many
from bot.slack.fields import text as typed
from bot.slack.metadata import Metadata
from bot.survey import views as survey_views
from bot.teams import views as tviews
from bot.years import views as yviews
from storage.db import make_engine, make_session_factory, transaction
from storage.drafts import ChecklistDraft
from storage.experiences import (
    AssessmentActivity,
    Experience,
    ExperienceSubmission,
    FormEvent,
    MentorComment,
    PdVerification,
    VisitReport,
)
from storage.logs import CheckIn, CommunicationLog
from storage.meetings import MeetingAttendance
from storage.models import Base, Person, Team, TeamChange
from storage.people import add_team, get_or_create_person
from storage.plans import (
    DecisionPointsFiling,
    FocalPointsFiling,
    MentoringPlan,
)
from storage.silence import SilenceAction
from storage.survey import SurveyResponse
from storage.years import program_year
from tests.conftest import SIGNING_SECRET, STAFF, make_settings, serve_app
from tests.interactions import press, submit
from tests.signing import slash_command
from tests.test_access_matrix import fill, listener_ids
from tests.test_properties import TEXT, digest

NOW = datetime(2024, 9, 10, 15, tzinfo=UTC)  # a Tuesday, two weeks into the year
SILENT_NOW = datetime(2024, 10, 15, 15, tzinfo=UTC)  # a team quiet since it started is silent
SURVEY_NOW = datetime(2025, 4, 10, 15, tzinfo=UTC)  # the survey is open
YESTERDAY = "2024-09-09"
SENTENCE = "We met after school and talked about the first weeks."
LINK = "https://docs.example.org/d/work"

EXAMPLES = 18


# -- the world: the served app, and fresh teams ----------------------------------------------


@dataclass(frozen=True)
class People:
    team: int
    mentor: str
    protege: str
    advisor: str


class World:
    """The served app, the Slack stand-in, and a counter for fresh Slack ids.

    Not a dataclass: hypothesis prints the arguments of a failing example, and the
    stand-in's recorded calls would fill pages.
    """

    def __init__(self, base: str, services: Services, fake: Any) -> None:
        self.base, self.services, self.fake = base, services, fake
        self.ids = itertools.count(1)
        self.outsider = self.seed_team()  # a team no example's people are on

    @property
    def program(self) -> Program:
        return self.services.program

    def __repr__(self) -> str:  # hypothesis prints it with every failure
        return f"World({self.base})"

    def new_user(self, prefix: str) -> str:
        user_id = f"U0{prefix}{next(self.ids):06d}"
        self.fake.add_user(user_id, f"Person {user_id[-4:]}")
        return user_id

    def seed_team(self, track: str = "year1", mentor: str | None = None) -> People:
        mentor = mentor or self.new_user("MEN")
        protege, advisor = self.new_user("PRO"), self.new_user("ADV")
        now = self.services.clock()
        with transaction(self.services.sessions) as session:

            def person(slack_id: str):
                return get_or_create_person(session, slack_id, now, tz="America/Chicago")

            team = add_team(
                session,
                program_id=self.program.id,
                mentor=person(mentor),
                protege=person(protege),
                advisor=person(advisor),
                area="bmit",
                track=track,
                start_date=date(2024, 8, 26),
                created_by=STAFF,
                now=now,
            )
            return People(team.id, mentor, protege, advisor)


@pytest.fixture
def world(sqlite_url, standin, program) -> Iterator[World]:
    """The app served over HTTP on a fresh SQLite file, shared by one test's examples."""
    fake, _ = standin
    fake.add_user(STAFF, "Pat Staff")
    with serve_app(sqlite_url, standin, program) as served:
        base, services = served
        object.__setattr__(services, "clock", lambda: NOW)
        yield World(base, services, fake)


# -- opening a modal the way a person does ---------------------------------------------------


def _opened(world: World, since: int, callback: str) -> dict[str, Any]:
    calls = [c for c in world.fake.calls[since:] if c.method in ("views.open", "views.push")]
    assert calls, f"no modal opened for {callback}: {[c.method for c in world.fake.calls[since:]]}"
    view = calls[-1].params["view"]
    assert view["callback_id"] == callback, f"expected {callback}, got {view['callback_id']}"
    return view


def by_command(world: World, user: str, words: str, callback: str) -> dict[str, Any]:
    since = len(world.fake.calls)
    status, answer = slash_command(world.base + "/slack/events", SIGNING_SECRET, user, words)
    assert status == 200, answer
    return _opened(world, since, callback)


def by_button(world: World, user: str, action_id: str, value: str, callback: str):
    since = len(world.fake.calls)
    status, answer = press(world.base, user, action_id, value)
    assert status == 200, answer
    return _opened(world, since, callback)


def dm_button(world: World, user: str, action_id: str) -> str:
    """The value of the newest button `action_id` in a DM the app sent to `user`."""
    for call in reversed(world.fake.calls_to("chat.postMessage")):
        if call.params.get("channel") != user:
            continue
        for block in call.params.get("blocks") or []:
            for element in [*block.get("elements", []), block.get("accessory") or {}]:
                if element.get("action_id") == action_id:
                    return element.get("value", "")
    raise AssertionError(f"no {action_id} button was sent to {user}")


def file_valid(world: World, people: People, callback: str, view: dict[str, Any]) -> None:
    """A form filed correctly by the row's submitter, as a step towards another form."""
    row = ROWS[callback]
    values = valid_values(view, world)
    row.valid(view, world, people, values)
    status, answer = submit(world.base, row.user(people), {**view, "id": _view_id(world)}, values)
    assert status == 200 and not _errors(answer), answer


def _view_id(world: World) -> str:
    return f"V0FUZZ{next(world.ids):06d}"


# -- valid values for a view -------------------------------------------------------------------


def _element(block: dict[str, Any]) -> dict[str, Any]:
    return block["element"]


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    return element.get("options") or [
        o for group in element.get("option_groups", []) for o in group["options"]
    ]


def valid_one(element: dict[str, Any]) -> dict[str, Any]:
    """What a person would leave in the field: the pre-filled value, else a good one."""
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": element.get("initial_value") or SENTENCE}
    if kind == "url_text_input":
        return {"type": kind, "value": element.get("initial_value") or LINK}
    if kind == "number_input":
        return {"type": kind, "value": element.get("initial_value") or "30"}
    if kind == "datepicker":
        return {"type": kind, "selected_date": element.get("initial_date") or YESTERDAY}
    if kind in ("static_select", "radio_buttons"):
        chosen = element.get("initial_option") or _options(element)[0]
        return {"type": kind, "selected_option": chosen}
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": list(element.get("initial_options") or [])}
    if kind == "users_select":
        return {"type": kind, "selected_user": element.get("initial_user") or STAFF}
    return fill({"blocks": [{"type": "input", "block_id": "x", "element": element}]}, {})["x"][
        element["action_id"]
    ]


def valid_values(view: dict[str, Any], world: World) -> dict[str, dict[str, Any]]:
    values = {}
    for block in view["blocks"]:
        if block.get("type") == "input":
            element = _element(block)
            values[block["block_id"]] = {element["action_id"]: valid_one(element)}
    return values


def _set(values, block_id: str, **value: Any) -> None:
    """Replace the one element value of `block_id` (keeping its action id and type)."""
    action_id, current = next(iter(values[block_id].items()))
    values[block_id] = {action_id: {"type": current["type"], **value}}


def _option(view: dict[str, Any], block_id: str, value: str) -> dict[str, Any]:
    for block in view["blocks"]:
        if block.get("block_id") == block_id:
            return next(o for o in _options(_element(block)) if o["value"] == value)
    raise KeyError(block_id)


# -- fuzzing -------------------------------------------------------------------------------------

DROP = object()
FREE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300)
BAD_NUMBERS = [
    "0",
    "-1",
    "2147483648",
    "99999999999999999999",
    "1e400",
    "Infinity",
    "NaN",
    "1.5",
    '"1"',
    "null",
    "true",
    "[1]",
    '{"team": 1}',
]
BAD_ID_TEXT = ["", "0", "-1", "99999999999999999999", "²", "١", " 1", "1:2", "x", "1e3"]


def mutate(data, block: dict[str, Any], world: World) -> Any:
    """One field as a careless person, a broken client or an attacker might send it."""
    element = _element(block)
    kind, label = element["type"], block["block_id"]
    common = ["drop", "none"]
    if kind in ("plain_text_input", "url_text_input", "number_input"):
        how = data.draw(st.sampled_from([*common, "text", "text", "over_cap", "blank"]), label)
    elif kind == "datepicker":
        how = data.draw(st.sampled_from([*common, "text", "date", "impossible"]), label)
    elif kind in ("static_select", "radio_buttons"):
        how = data.draw(st.sampled_from([*common, "unknown", "other_option", "no_value"]), label)
    elif kind in ("checkboxes", "multi_static_select"):
        how = data.draw(
            st.sampled_from([*common, "unknown", "duplicated", "subset", "empty", "no_value"]),
            label,
        )
    elif kind == "users_select":
        how = data.draw(st.sampled_from([*common, "text", "someone"]), label)
    else:
        how = data.draw(st.sampled_from(common), label)
    if how == "drop":
        return DROP
    if how == "none":
        return {"type": kind}
    if how == "text":
        fuzz = data.draw(TEXT, label=f"{label} text")
        key = {"datepicker": "selected_date", "users_select": "selected_user"}.get(kind, "value")
        return {"type": kind, key: fuzz}
    if how == "over_cap":
        cap = element.get("max_length") or 3000
        return {"type": kind, "value": data.draw(st.sampled_from(["é", "x", "😀"])) * (cap + 1)}
    if how == "blank":
        return {"type": kind, "value": data.draw(st.sampled_from(["", " ", "\n\t ", "\u200b"]))}
    if how == "date":
        day = data.draw(st.dates(date(1900, 1, 1), date(2100, 12, 31)), label=f"{label} date")
        return {"type": kind, "selected_date": day.isoformat()}
    if how == "impossible":
        return {"type": kind, "selected_date": data.draw(st.sampled_from(["2024-02-30", "0"]))}
    options = _options(element)
    if how == "unknown" and kind in ("static_select", "radio_buttons"):
        value = data.draw(TEXT, label=f"{label} option")
        return {"type": kind, "selected_option": {"value": value, "text": {"type": "plain_text"}}}
    if how == "other_option":
        return {"type": kind, "selected_option": data.draw(st.sampled_from(options))}
    if how == "no_value" and kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": {"text": {"type": "plain_text", "text": "?"}}}
    if how == "no_value":
        return {"type": kind, "selected_options": [*options, {"text": {"type": "plain_text"}}]}
    if how == "unknown":
        extra = [{"value": data.draw(TEXT, label=f"{label} option")}]
        return {"type": kind, "selected_options": options + extra}
    if how == "duplicated":
        return {"type": kind, "selected_options": options + options}
    if how == "subset":
        chosen = data.draw(st.lists(st.sampled_from(options), max_size=len(options)), label)
        return {"type": kind, "selected_options": chosen}
    if how == "empty":
        return {"type": kind, "selected_options": []}
    someone = [STAFF, world.outsider.mentor, world.outsider.protege, "U0NOBODY1", "USLACKBOT"]
    return {"type": kind, "selected_user": data.draw(st.sampled_from(someone), label)}


def tamper(data, raw: str, world: World) -> str:
    """The private_metadata: dropped, garbage, or one id (or date) replaced."""
    kinds = [k for k in ("missing", "garbage", "nested", "id", "outsider", "date")]
    how = data.draw(st.sampled_from(kinds), label="metadata")
    if how == "missing":
        return ""
    if how == "garbage":
        return data.draw(TEXT, label="metadata text")
    if how == "nested":  # deeper than json's recursion limit
        return "[" * 2999
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    bad = list(BAD_NUMBERS if isinstance(parsed, dict) else BAD_ID_TEXT)
    replacement = str(world.outsider.team) if how == "outsider" else data.draw(st.sampled_from(bad))
    if isinstance(parsed, dict) and parsed:
        key = data.draw(st.sampled_from(sorted(parsed)), label="metadata key")
        rest = json.dumps({k: v for k, v in parsed.items() if k != key})[1:-1]
        return "{" + f'"{key}": {replacement}' + (f", {rest}" if rest else "") + "}"
    head, sep, tail = raw.partition(":")  # "12" or "12:2024-09-02"
    if how == "date" and sep:
        day = data.draw(st.dates() | st.sampled_from(["", "2024-02-30", "x"]), label="date")
        return f"{head}:{day}"
    return replacement + sep + tail


def fuzzed(data, view, values, row: Row, world: World) -> tuple[dict, str]:
    """(state values, private_metadata) for one example."""
    inputs = [b for b in view["blocks"] if b.get("type") == "input" and b["block_id"] in values]
    modes = ["valid", "valid", "valid", "one", "one", "many", "metadata"]
    mode = data.draw(st.sampled_from(modes), label="mode")
    if mode == "one" and inputs:  # a confirmation (the next year's) has no input
        targets = {data.draw(st.sampled_from([b["block_id"] for b in inputs]), label="field")}
    elif mode == "many":
        targets = {b["block_id"] for b in inputs if data.draw(st.booleans(), b["block_id"])}
    else:
        targets = set()
    values = dict(values)
    for block in inputs:
        block_id = block["block_id"]
        if block_id in targets:
            changed = mutate(data, block, world)
            if changed is DROP:
                del values[block_id]
            else:
                values[block_id] = {_element(block)["action_id"]: changed}
        elif block_id in row.shapes:
            # What a person might type where the form takes it: any script, any format slip.
            _set(values, block_id, value=row.shapes[block_id](data, world))
    metadata = view.get("private_metadata", "")
    if mode == "metadata" or (mode == "many" and data.draw(st.booleans(), label="tamper")):
        metadata = tamper(data, metadata, world)
    return values, metadata


# -- the checks ----------------------------------------------------------------------------------


class ErrorLog(logging.Handler):
    """Every record at ERROR or above, from any thread: a stack trace nobody sees is still one."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def _errors(answer: Any) -> dict[str, str] | None:
    if isinstance(answer, dict) and answer.get("response_action") == "errors":
        return answer.get("errors") or {}
    return None


def storable(services: Services) -> list[str]:
    """Stored strings PostgreSQL would refuse: longer than the column, or holding a NUL."""
    problems = []
    with services.sessions() as session:
        for columns, measures in _string_measures():
            found = session.execute(measures).one()
            for column, longest, nul in zip(columns, found[::2], found[1::2], strict=True):
                if column.type.length and longest and longest > column.type.length:
                    problems.append(f"{column.table.name}.{column.name}: {longest} characters")
                if nul:
                    problems.append(f"{column.table.name}.{column.name}: a NUL character")
    return problems


@functools.cache
def _string_measures() -> list[tuple[list[Column], Select]]:
    """Per table, its string columns and one query of each one's longest value and count of
    values holding a NUL: built once, since every example runs them."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, String)]
        if columns:
            measures = [
                measure
                for column in columns
                for measure in (
                    func.max(func.length(column)),
                    func.count(case((func.instr(column, text("char(0)")) > 0, 1))),
                )
            ]
            found.append((columns, select(*measures).select_from(table)))
    return found


def check_view(view: dict[str, Any]) -> None:
    """The limits Slack enforces on a view the app sends (it rejects the whole view)."""
    assert len(view["title"]["text"]) <= 24, view["title"]
    assert len(view.get("blocks", [])) <= 100
    assert len(view.get("private_metadata", "")) <= 3000
    for block in view.get("blocks", []):
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"].strip()) <= 3000, block


def check_message(params: dict[str, Any]) -> None:
    blocks = params.get("blocks") or []
    assert len(blocks) <= 50
    assert params.get("text") or blocks
    for block in blocks:
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"].strip()) <= 3000, block


@dataclass(frozen=True)
class Sent:
    """One fuzzed submission, for a row's check of what an accepted one stored."""

    world: World
    people: People
    view: dict[str, Any]
    values: dict[str, dict[str, Any]]
    metadata: str
    answer: Any
    written: bool

    def text(self, block_id: str) -> str:
        return typed(self.values, block_id)

    def option(self, block_id: str) -> str | None:
        return selected(self.values, block_id)

    def date(self, block_id: str) -> date:
        return date.fromisoformat(
            self.values[block_id][next(iter(self.values[block_id]))]["selected_date"]
        )

    def session(self):
        return self.world.services.sessions()


def exchange(world: World, row: Row, people: People, view, values, metadata, error_log) -> Sent:
    """Submit, and check what every submission must satisfy, accepted or refused."""
    view = {**view, "id": _view_id(world)}
    before, since, logged = digest(world.services), len(world.fake.calls), len(error_log.records)
    status, answer = submit(world.base, row.user(people), view, values, private_metadata=metadata)
    assert status == 200, answer
    shown = json.dumps(answer) if isinstance(answer, dict) else str(answer)
    assert "Traceback" not in shown and "something went wrong" not in shown.lower(), shown[:500]
    assert not error_log.records[logged:], [r.getMessage() for r in error_log.records[logged:]]
    for call in world.fake.calls[since:]:
        if call.method in ("views.open", "views.push", "views.update"):
            check_view(call.params["view"])
        elif call.method == "chat.postMessage":
            check_message(call.params)
    errors = _errors(answer)
    if errors is not None:
        inputs = {b.get("block_id") for b in view["blocks"] if b.get("type") == "input"}
        assert errors, "an errors answer with no error"
        for block_id, message in errors.items():
            assert block_id in inputs, f"error on {block_id!r}, not an input of the view"
            assert isinstance(message, str) and message.strip(), errors
        assert digest(world.services) == before, "refused, but something was written"
    elif isinstance(answer, dict) and answer.get("response_action") in ("update", "push"):
        check_view(answer["view"])
    assert not storable(world.services)
    written = digest(world.services) != before
    return Sent(world, people, view, values, metadata, answer, written)


# -- the rows ------------------------------------------------------------------------------------

Opener = Callable[[World, People], dict[str, Any]]
Check = Callable[[Sent], None]
Valid = Callable[[dict[str, Any], World, People, dict], None]
Shape = Callable[[Any, World], str]


def drawn(strategy: st.SearchStrategy[str], label: str) -> Shape:
    return lambda data, world: data.draw(strategy, label=label)


def free(*block_ids: str) -> dict[str, Shape]:
    """Fields that take any text a person might type, in any script."""
    return {block_id: drawn(FREE_TEXT, block_id) for block_id in block_ids}


PHONES = st.from_regex(r"\A\+?1?[ (]?\d{3}[) .-]{0,2}\d{3}[ .-]?\d{4}( ?(x|ext\.?) ?\d{0,40})?\Z")
LINKS = st.from_regex(r"\Ahttps?://[a-z0-9.:\[\]%@-]{1,40}(/[!-~]{0,60})?\Z") | st.just(LINK)
SLIPS = st.sampled_from(["0", "-5", "601", "1e3", "٣٠", "²", "30.5", "9" * 30])
HOURS = st.from_regex(r"\A ?\d{1,2}([.,]\d{0,2})? ?(h|hrs|hours)? ?\Z") | SLIPS
MINUTES = st.integers(1, 600).map(str) | SLIPS
CELLS = TEXT | st.sampled_from(
    [
        "",
        " ",
        "U0NOBODY1",
        "USLACKBOT",
        "year2",
        "nowhere",
        "2024-02-30",
        "2023-01-01",
        '"',
        "x" * 300,
    ]
)


def csv_files(data, world: World) -> str:
    """A pasted CSV: good lines for fresh people, some cells broken, some lines repeated."""
    lines = [tviews.IMPORT_HEADER]
    for _ in range(data.draw(st.integers(1, 3), label="lines")):
        cells = [world.new_user(p) for p in ("IMM", "IMP", "IMA")] + ["bmit", "year1", YESTERDAY]
        if data.draw(st.booleans(), label="broken cell"):
            cells[data.draw(st.integers(0, 5), label="cell")] = data.draw(CELLS, label="value")
        lines.append(",".join(cells))
    if data.draw(st.booleans(), label="repeat a line"):
        lines.append(lines[1])
    return "\n".join(lines)


def _no_changes(view, world, people, values) -> None:
    return None


@dataclass(frozen=True)
class Row:
    submitter: str  # "mentor", "protege", "advisor" (of the example's team) or "staff"
    open: Opener
    check: Check
    valid: Valid = _no_changes  # adjusts valid_values where the form needs more than defaults
    shapes: dict[str, Shape] = field(default_factory=dict)  # block id -> what people type
    clock: datetime = NOW

    def user(self, people: People) -> str:
        return STAFF if self.submitter == "staff" else getattr(people, self.submitter)


def _accepted(sent: Sent) -> bool:
    return _errors(sent.answer) is None


def _meta_team(sent: Sent) -> int:
    """The team a staff form was accepted for: the one its metadata names (staff may manage
    every team, so a tampered id that names another team is theirs to change too)."""
    value = json.loads(sent.metadata)["team"]
    return int(value)


# teams -------------------------------------------------------------------------------------


def open_pair(world, people):
    return by_command(world, STAFF, "pair", tviews.PAIR_CALLBACK)


def valid_pair(view, world, people, values) -> None:
    for block_id in ("mentor", "protege", "advisor"):
        _set(values, block_id, selected_user=world.new_user(block_id[:3].upper()))
    _set(values, "start", selected_date=YESTERDAY)


def check_pair(sent: Sent) -> None:
    protege = sent.values["protege"]["value"]["selected_user"]
    with sent.session() as session:
        team = session.scalars(
            select(Team)
            .join(Person, Team.protege_id == Person.id)
            .where(Person.slack_id == protege)
        ).one()
        assert team.mentor.slack_id == sent.values["mentor"]["value"]["selected_user"]
        advisor = (sent.values.get("advisor") or {}).get("value", {}).get("selected_user")
        assert (team.advisor.slack_id if team.advisor else None) == advisor
        assert (team.area, team.track) == (sent.option("area"), sent.option("track"))
        start = sent.values.get("start", {}).get("value", {}).get("selected_date")
        assert team.start_date == (date.fromisoformat(start) if start else NOW.date())
        assert team.created_by == STAFF


def open_import(world, people):
    return by_command(world, STAFF, "import", tviews.IMPORT_CALLBACK)


def valid_import(view, world, people, values) -> None:
    lines = [tviews.IMPORT_HEADER]
    for _ in range(2):
        mentor, protege, advisor = (world.new_user(p) for p in ("IMM", "IMP", "IMA"))
        lines.append(f"{mentor},{protege},{advisor},bmit,year1,{YESTERDAY}")
    _set(values, "csv", value="\n".join(lines))


def check_import(sent: Sent) -> None:
    """All or nothing: every data line of a good file is a team, or nothing is stored."""
    updates = [c for c in sent.world.fake.calls_to("views.update")]
    assert updates, "the import never answered"
    done = updates[-1].params["view"]["callback_id"] == tviews.IMPORT_CALLBACK + "_done"
    if not done:
        assert not sent.written
        return
    with sent.session() as session:
        for line in list(csv.reader(io.StringIO(sent.text("csv"))))[1:]:
            found = session.scalars(
                select(Team)
                .join(Person, Team.protege_id == Person.id)
                .where(Person.slack_id == line[1].strip())
            ).all()
            assert len(found) == 1, line


def open_replace(world, people):
    return by_button(world, STAFF, tviews.REPLACE_MENTOR, str(people.team), tviews.REPLACE_CALLBACK)


def valid_replace(view, world, people, values) -> None:
    _set(values, "person", selected_user=world.new_user("NEW"))


def check_replace(sent: Sent) -> None:
    team_id = _meta_team(sent)
    person = sent.values["person"]["value"]["selected_user"]
    with sent.session() as session:
        team = session.get(Team, team_id)
        assert team.mentor.slack_id == person
        change = session.scalars(
            select(TeamChange).where(TeamChange.team_id == team_id).order_by(TeamChange.id.desc())
        ).first()
        assert change.new_value == person and change.changed_by == STAFF
        assert change.reason == (sent.text("reason") or None)


def open_end(world, people):
    return by_button(world, STAFF, tviews.END_TEAM, str(people.team), tviews.END_CALLBACK)


def check_end(sent: Sent) -> None:
    with sent.session() as session:
        team = session.get(Team, _meta_team(sent))
        assert str(team.status) == sent.option("status")
        assert team.end_reason == sent.text("reason") and team.ended_by == STAFF


# contact ------------------------------------------------------------------------------------


def open_contact(world, people):
    return by_command(world, people.mentor, "contact", CONTACT_CALLBACK)


def valid_contact(view, world, people, values) -> None:
    _set(values, "email", value="pat.mentor@school.example.org")
    _set(values, "admin_email", value="principal@school.example.org")
    for block_id in ("school_phone", "cell_phone", "admin_phone"):
        _set(values, block_id, value="(573) 555-0100 x12")


def check_contact(sent: Sent) -> None:
    with sent.session() as session:
        person = session.scalars(select(Person).where(Person.slack_id == sent.people.mentor)).one()
        for name in ("school_name_address", "email", "admin_name", "admin_email"):
            assert getattr(person, name) == (sent.text(name) or None), name
        for name in ("school_phone", "cell_phone", "admin_phone"):
            stored, digits = getattr(person, name), re.sub(r"\D", "", sent.text(name))
            if stored is None:
                assert not digits
            else:
                assert re.fullmatch(r"\d{3}-\d{3}-\d{4}( x\d+)?", stored), stored
                assert re.sub(r"\D", "", stored) in (digits, digits[1:]), (stored, digits)
        assert person.email_checked == sent.option("email_checked")
        assert person.preferred_contact == sent.option("preferred_contact")
        assert person.contact_filed_at is not None


# Communication Logs ----------------------------------------------------------------------------


def open_log(world, people):
    value = f"{people.team}:2024-09"
    return by_button(world, people.mentor, lviews.OPEN_LOG, value, lviews.LOG_CALLBACK)


def check_log(sent: Sent) -> None:
    with sent.session() as session:
        entry = session.scalars(
            select(CommunicationLog).where(CommunicationLog.view_id == sent.view["id"])
        ).one()
        assert entry.team_id == sent.people.team and entry.author == sent.people.mentor
        assert entry.ideas_discussed == sent.text("log_ideas")
        assert entry.help_needed == sent.text("log_help")
        assert entry.minutes == int(sent.text("log_minutes"))
        assert entry.topic_month == sent.option("log_topic")
        assert str(entry.mode) == sent.option("log_mode")
        assert entry.conversation_date == sent.date("log_date")


def open_check_in(world, people):
    value = f"{people.team}:2024-09"
    return by_button(world, people.mentor, lviews.OPEN_CHECK_IN, value, lviews.CHECK_IN_CALLBACK)


def check_check_in(sent: Sent) -> None:
    with sent.session() as session:
        found = session.scalars(select(CheckIn).where(CheckIn.view_id == sent.view["id"])).one()
        assert found.team_id == sent.people.team and found.person == sent.people.mentor
        assert found.conversation_date == sent.date("checkin_date")
        assert str(found.mode) == sent.option("checkin_mode")


def open_dispute(world, people):
    file_valid(world, people, lviews.LOG_CALLBACK, open_log(world, people))
    value = dm_button(world, people.protege, lviews.DISPUTE)
    return by_button(world, people.protege, lviews.DISPUTE, value, lviews.DISPUTE_CALLBACK)


def check_dispute(sent: Sent) -> None:
    with sent.session() as session:
        entry = session.scalars(
            select(CommunicationLog).where(CommunicationLog.team_id == sent.people.team)
        ).one()
        assert entry.disputed_by == sent.people.protege
        assert entry.dispute_comment == sent.text("dispute_comment")


# Focal Points, Decision Points, the Individual Mentoring Plan ------------------------------------


def open_focal(world, people):
    value = str(people.team)
    return by_button(
        world, people.protege, f"{cviews.PICK_TEAM}_focal", value, cviews.FOCAL_CALLBACK
    )


def check_focal(sent: Sent) -> None:
    with sent.session() as session:
        filing = session.scalars(
            select(FocalPointsFiling).where(
                FocalPointsFiling.team_id == sent.people.team,
                FocalPointsFiling.superseded_at.is_(None),
            )
        ).one()
        stored = {f"{r.category_index}.{r.item_index}": r.rating for r in filing.ratings}
    ticked = {
        need: {
            value
            for block_id in sent.values
            if block_id.startswith(f"fp_{need}_")
            for value in selected_many(sent.values, block_id)
        }
        for need in ("moderate", "high")
    }
    assert stored == {
        key: 3 if key in ticked["high"] else 2 if key in ticked["moderate"] else 1 for key in stored
    }


def open_decisions(world, people):
    value = str(people.team)
    return by_button(world, people.mentor, cviews.OPEN_DECISIONS, value, cviews.DECISIONS_CALLBACK)


def valid_decision_areas(view, world, people, values) -> None:
    for block in view["blocks"]:
        if block.get("block_id", "").startswith("dp_concerned_"):
            _set(values, block["block_id"], selected_options=_options(_element(block)))


def check_decision_areas(sent: Sent) -> None:
    """The first step keeps the ticks as a draft, and leads to the notes of the ticked areas."""
    assert sent.answer["view"]["callback_id"] == cviews.DECISION_NOTES_CALLBACK
    ticked = {
        value
        for block_id in sent.values
        if block_id.startswith("dp_concerned_")
        for value in selected_many(sent.values, block_id)
    }
    shown = {
        b["block_id"].removeprefix("dp_notes_").replace("_", ".")
        for b in sent.answer["view"]["blocks"]
        if b.get("block_id", "").startswith("dp_notes_")
    }
    assert shown == ticked
    with sent.session() as session:
        draft = session.scalars(
            select(ChecklistDraft).where(ChecklistDraft.team_id == sent.people.team)
        ).one()
        assert set(json.loads(draft.answers)["concerned"]) == ticked


def open_decision_notes(world, people):
    view = open_decisions(world, people)
    values = valid_values(view, world)
    valid_decision_areas(view, world, people, values)
    status, answer = submit(world.base, people.mentor, {**view, "id": _view_id(world)}, values)
    assert status == 200 and not _errors(answer), answer
    return answer["view"]


def valid_decisions(view, world, people, values) -> None:
    tops = [b for b in view["blocks"] if b.get("block_id", "").startswith("dp_top_")]
    for rank, block in enumerate(tops):
        _set(values, block["block_id"], selected_option=_options(_element(block))[rank])


def check_decisions(sent: Sent) -> None:
    with sent.session() as session:
        filing = session.scalars(
            select(DecisionPointsFiling).where(
                DecisionPointsFiling.team_id == sent.people.team,
                DecisionPointsFiling.superseded_at.is_(None),
            )
        ).one()
        ticked = {  # the areas the second step was opened with
            b["block_id"].removeprefix("dp_notes_").replace("_", ".")
            for b in sent.view["blocks"]
            if b.get("block_id", "").startswith("dp_notes_")
        }
        for area in filing.areas:
            key = f"{area.group_index}.{area.item_index}"
            assert area.concerned == (key in ticked), key
            assert (area.notes or "") == sent.text(f"dp_notes_{key.replace('.', '_')}"), key
            if area.top_rank is not None:
                assert sent.option(f"dp_top_{area.top_rank}") == key


def open_plan(world, people):
    value = str(people.team)
    return by_button(world, people.mentor, cviews.OPEN_PLAN, value, pviews.PLAN_CALLBACK)


def valid_plan(view, world, people, values) -> None:
    for number in range(1, 5):
        _set(values, f"imp_other_{number}", value="")
        _set(values, f"imp_due_{number}", selected_date="2024-10-15")
        _set(
            values,
            f"imp_selection_{number}",
            selected_option=_option(view, f"imp_selection_{number}", str(number)),
        )


def check_plan(sent: Sent) -> None:
    with sent.session() as session:
        plan = session.scalars(
            select(MentoringPlan)
            .where(MentoringPlan.team_id == sent.people.team)
            .order_by(MentoringPlan.revision.desc())
        ).first()
        assert plan.status == "submitted" and plan.submitted_by == sent.people.mentor
        assert len(plan.slots) == 4
        for slot in plan.slots:
            choice = sent.option(f"imp_selection_{slot.number}")
            assert (str(slot.selection) if slot.selection else "other") == choice
            assert (slot.other_description or "") == sent.text(f"imp_other_{slot.number}")
            assert slot.planned == sent.text(f"imp_planned_{slot.number}")
            assert slot.due == sent.date(f"imp_due_{slot.number}")


def _submit_plan_with_other(world: World, people: People, number: int = 1) -> None:
    """The team sends a plan whose experience `number` is not on the list (needs approval)."""
    view = open_plan(world, people)
    values = valid_values(view, world)
    valid_plan(view, world, people, values)
    block = f"imp_selection_{number}"
    _set(values, block, selected_option=_option(view, block, "other"))
    _set(values, f"imp_other_{number}", value="Shadow a veteran teacher for a day.")
    status, answer = submit(world.base, people.mentor, {**view, "id": _view_id(world)}, values)
    assert status == 200 and not _errors(answer), answer


def open_approve(world, people):
    _submit_plan_with_other(world, people, number=1 + people.team % 2)
    value = dm_button(world, people.advisor, pviews.REVIEW_APPROVE)
    return by_button(world, people.advisor, pviews.REVIEW_APPROVE, value, pviews.APPROVE_CALLBACK)


def valid_approve(view, world, people, values) -> None:
    for block in view["blocks"]:
        if block.get("block_id", "").startswith("approve_other_"):
            _set(values, block["block_id"], selected_options=_options(_element(block)))


def check_approve(sent: Sent) -> None:
    with sent.session() as session:
        plan = session.scalars(
            select(MentoringPlan).where(MentoringPlan.team_id == sent.people.team)
        ).one()
        if not sent.written:  # a plan that no longer waits: a message, and nothing changed
            assert sent.answer.get("response_action") == "update", sent.answer
            return
        assert plan.status == "approved" and plan.approved_by == sent.people.advisor
        others = [s for s in plan.slots if s.selection is None]
        assert others and all(s.other_approved_by == sent.people.advisor for s in others)


def open_return(world, people):
    _submit_plan_with_other(world, people, number=1 + people.team % 2)
    value = dm_button(world, people.advisor, pviews.REVIEW_RETURN)
    return by_button(world, people.advisor, pviews.REVIEW_RETURN, value, pviews.RETURN_CALLBACK)


def check_return(sent: Sent) -> None:
    with sent.session() as session:
        plan = session.scalars(
            select(MentoringPlan).where(MentoringPlan.team_id == sent.people.team)
        ).one()
        assert plan.status == "returned" and plan.returned_by == sent.people.advisor
        assert plan.return_comment == sent.text("return_comment")


# silent teams ---------------------------------------------------------------------------------


def open_reached_out(world, people):
    services = world.services
    with services.sessions() as session:
        team = session.get(Team, people.team)
        health = team_health(session, world.program, [team], services.today())[team.id]
    assert health.silent
    value = f"{people.team}:{health.spell.isoformat()}"
    return by_button(world, people.advisor, sviews.REACHED_OUT, value, sviews.REACHED_OUT_CALLBACK)


def check_reached_out(sent: Sent) -> None:
    with sent.session() as session:
        action = session.scalars(
            select(SilenceAction).where(SilenceAction.team_id == sent.people.team)
        ).one()
        assert str(action.kind) == "reached_out" and action.by == sent.people.advisor
        assert action.note == (sent.text("note") or None)
        assert Metadata(team=action.team_id, spell=action.spell).dump() == sent.metadata


def open_attendance(world, people):
    value = str(people.team)
    return by_button(world, people.advisor, mviews.OPEN, value, mviews.CALLBACK)


def check_attendance(sent: Sent) -> None:
    with sent.session() as session:
        rows = session.scalars(
            select(MeetingAttendance).where(
                MeetingAttendance.team_id == sent.people.team,
                MeetingAttendance.superseded_at.is_(None),
            )
        ).all()
    picked = sent.option(mviews.block_id("meeting"))
    assert [str(row.state) for row in rows] == ([picked] if picked else [])
    assert all(row.recorded_by == sent.people.advisor for row in rows)


def open_partner(world, people):
    value = str(people.team)
    return by_button(world, people.mentor, sviews.PARTNER_OPEN, value, sviews.PARTNER_CALLBACK)


def check_partner(sent: Sent) -> None:
    with sent.session() as session:
        action = session.scalars(
            select(SilenceAction).where(SilenceAction.team_id == sent.people.team)
        ).one()
        assert str(action.kind) == "partner_report" and action.by == sent.people.mentor
        assert action.note == (sent.text("note") or None)
    assert sent.world.fake.messages_to(sent.people.advisor), "the advisor was not told"


def open_nudge(world, people):
    value = str(people.team)
    return by_button(world, people.advisor, aviews.NUDGE, value, aviews.NUDGE_CALLBACK)


def check_nudge(sent: Sent) -> None:
    with sent.session() as session:
        action = session.scalars(
            select(SilenceAction).where(SilenceAction.team_id == sent.people.team)
        ).one()
        assert str(action.kind) == "nudged" and action.by == sent.people.advisor
    sent.world.fake.wait_for("chat.postMessage", 2)  # sent after the ack
    for member in (sent.people.mentor, sent.people.protege):
        told = sent.world.fake.messages_to(member)
        assert told and f"<@{sent.people.advisor}>" in told[-1]["text"], "not headed by the advisor"


# structured experiences ---------------------------------------------------------------------------


def open_experience(world, people):
    value = f"{people.team}:1"
    return by_button(world, people.protege, eviews.SUBMIT_OPEN, value, eviews.SUBMIT_CALLBACK)


def valid_experience(view, world, people, values) -> None:
    _set(values, "other_description", value="")


def check_experience(sent: Sent) -> None:
    with sent.session() as session:
        experience = session.scalars(
            select(Experience).where(Experience.team_id == sent.people.team, Experience.number == 1)
        ).one()
        submission = session.scalars(
            select(ExperienceSubmission).where(
                ExperienceSubmission.experience_id == experience.id,
                ExperienceSubmission.superseded_at.is_(None),
            )
        ).one()
        assert submission.link == sent.text("link") and submission.summary == sent.text("summary")
        choice = sent.option("selection")
        if choice == "other":
            assert submission.selection is None
            assert submission.other_description == sent.text("other_description")
        else:
            assert str(submission.selection) == choice
        program = sent.world.program
        if choice == "other":
            ticked = selected_many(sent.values, "focus_areas")
            assert experience.focus_area_list == tuple(
                a for a in program.focus_areas if a in ticked
            )
        else:
            assert experience.focus_area_list == selection_focus(program, int(choice))


def open_comment(world, people):
    file_valid(world, people, eviews.SUBMIT_CALLBACK, open_experience(world, people))
    value = dm_button(world, people.mentor, eviews.COMMENT_OPEN)
    return by_button(world, people.mentor, eviews.COMMENT_OPEN, value, eviews.COMMENT_CALLBACK)


def check_comment(sent: Sent) -> None:
    with sent.session() as session:
        comment = session.scalars(
            select(MentorComment)
            .join(Experience, MentorComment.experience_id == Experience.id)
            .where(Experience.team_id == sent.people.team)
        ).one()
        assert comment.filed_by == sent.people.mentor
        assert comment.comment_date == sent.date("comment_date")
        assert comment.area == sent.option("area")
        assert comment.experience_text == sent.text("experience_text")
        assert comment.comments == sent.text("comments")


def open_discuss(world, people):
    file_valid(world, people, eviews.COMMENT_CALLBACK, open_comment(world, people))
    value = dm_button(world, people.protege, eviews.DISCUSS_OPEN)
    return by_button(world, people.protege, eviews.DISCUSS_OPEN, value, eviews.DISCUSS_CALLBACK)


def check_discuss(sent: Sent) -> None:
    with sent.session() as session:
        experience = session.scalars(
            select(Experience).where(Experience.team_id == sent.people.team)
        ).one()
        assert str(experience.status) == "discuss"
        event = session.scalars(
            select(FormEvent)
            .where(FormEvent.team_id == sent.people.team)
            .order_by(FormEvent.id.desc())
        ).first()
        assert event.by == sent.people.protege and event.note == (sent.text("note") or None)


# Visit Report, PD verification, Assessment Activity -------------------------------------


def open_visit(world, people):
    value = str(people.team)
    return by_button(world, people.mentor, rviews.VISIT_OPEN, value, rviews.VISIT_CALLBACK)


def check_visit(sent: Sent) -> None:
    with sent.session() as session:
        report = session.scalars(
            select(VisitReport).where(VisitReport.team_id == sent.people.team)
        ).one()
        assert report.filed_by == sent.people.mentor and report.area == sent.option("area")
        assert report.visit_date == sent.date("visit_date")
        assert report.in_person is True and sent.option("in_person") == "yes"
        for name in ("location", "topics", "strategies"):
            assert getattr(report, name) == sent.text(name), name


def open_visit_change(world, people):
    file_valid(world, people, rviews.VISIT_CALLBACK, open_visit(world, people))
    value = dm_button(world, people.protege, rviews.VISIT_CHANGE_OPEN)
    return by_button(
        world, people.protege, rviews.VISIT_CHANGE_OPEN, value, rviews.VISIT_CHANGE_CALLBACK
    )


def check_visit_change(sent: Sent) -> None:
    with sent.session() as session:
        report = session.scalars(
            select(VisitReport).where(VisitReport.team_id == sent.people.team)
        ).one()
        assert str(report.status) == "changes"
        event = session.scalars(
            select(FormEvent)
            .where(FormEvent.team_id == sent.people.team)
            .order_by(FormEvent.id.desc())
        ).first()
        assert event.by == sent.people.protege and event.note == sent.text("note")


def open_pd(world, people):
    value = f"{people.team}:1"
    return by_button(world, people.protege, rviews.PD_OPEN, value, rviews.PD_CALLBACK)


def valid_pd(view, world, people, values) -> None:
    _set(values, "hours", value="1.5")
    _set(values, "outside_program", selected_options=[{"value": "outside"}])


def check_pd(sent: Sent) -> None:
    with sent.session() as session:
        form = session.scalars(
            select(PdVerification).where(PdVerification.team_id == sent.people.team)
        ).one()
        assert form.filed_by == sent.people.protege and form.number == 1
        assert form.area == sent.option("area") and form.pd_date == sent.date("pd_date")
        assert form.location == sent.text("location")
        assert form.description == sent.text("description")
        assert form.outside_program is True
        hours = float(re.sub(r"[^\d.,]", "", sent.text("hours")).replace(",", "."))
        assert form.minutes == round(hours * 60)


def open_pd_sign(world, people):
    file_valid(world, people, rviews.PD_CALLBACK, open_pd(world, people))
    value = dm_button(world, people.mentor, rviews.PD_SIGN_OPEN)
    return by_button(world, people.mentor, rviews.PD_SIGN_OPEN, value, rviews.PD_SIGN_CALLBACK)


def check_pd_sign(sent: Sent) -> None:
    with sent.session() as session:
        form = session.scalars(
            select(PdVerification).where(PdVerification.team_id == sent.people.team)
        ).one()
        assert str(form.status) == "signed" and form.signed_by == sent.people.mentor
        assert form.mentor_comments == sent.text("mentor_comments")


def open_assessment(world, people):
    value = str(people.team)
    return by_button(
        world, people.protege, rviews.ASSESSMENT_OPEN, value, rviews.ASSESSMENT_CALLBACK
    )


def check_assessment(sent: Sent) -> None:
    with sent.session() as session:
        found = session.scalars(
            select(AssessmentActivity).where(AssessmentActivity.team_id == sent.people.team)
        ).one()
        assert found.submitted_by == sent.people.protege
        assert found.link == sent.text("link") and found.summary == sent.text("summary")


# the survey ------------------------------------------------------------------------------


def open_survey(world, people):
    value = str(people.team)
    return by_button(
        world, people.protege, survey_views.SURVEY_OPEN, value, survey_views.SURVEY_CALLBACK
    )


def check_survey(sent: Sent) -> None:
    with sent.session() as session:
        found = session.scalars(
            select(SurveyResponse).where(SurveyResponse.team_id == sent.people.team)
        ).one()
        assert found.slack_id == sent.people.protege and found.role == "protege"
        for name in ("relationship", "benefits", "materials"):
            assert str(getattr(found, name)) == sent.option(name), name
        assert found.comments == (sent.text("comments") or None)


# opening the next school year ------------------------------------------------------------------


@functools.cache
def _next_year_folder() -> Path:
    """A copy of the shipped file with next year's beside it, as an operator leaves them."""
    folder = Path(tempfile.mkdtemp(prefix="next-year-"))
    shutil.copy(default_program_path(), folder / default_program_path().name)
    rolled = roll_program(default_program_path(), "2025-26").text
    (folder / "bmit-2025-26.toml").write_text(rolled, encoding="utf-8")
    return folder


def open_year(world, people):
    settings = world.services.settings
    current = _next_year_folder() / default_program_path().name
    object.__setattr__(settings, "program_path", current)  # MENTORBOT_PROGRAM names the copy
    return by_button(world, STAFF, yviews.YEAR_PREVIEW, "bmit-2025-26", yviews.YEAR_OPEN_CALLBACK)


def check_year(sent: Sent) -> None:
    """The preview's submit has no input: every answer replaces the modal. The year opened
    when the submit carried the preview's own metadata; a refusal says why and opens none."""
    view = sent.answer["view"]
    if sent.metadata != sent.view["private_metadata"]:
        assert view["callback_id"] == "notice"
        return
    assert view["callback_id"] == "year_opened"
    with sent.session() as session:
        opened = program_year(session, "bmit-2025-26")
        assert opened is not None and opened.opened_by == STAFF
        assert program_year(session, sent.world.program.id).closed_at is not None


ROWS: dict[str, Row] = {
    yviews.YEAR_OPEN_CALLBACK: Row("staff", open_year, check_year),
    tviews.PAIR_CALLBACK: Row("staff", open_pair, check_pair, valid_pair),
    tviews.IMPORT_CALLBACK: Row(
        "staff", open_import, check_import, valid_import, shapes={"csv": csv_files}
    ),
    tviews.REPLACE_CALLBACK: Row(
        "staff", open_replace, check_replace, valid_replace, shapes=free("reason")
    ),
    tviews.END_CALLBACK: Row("staff", open_end, check_end, shapes=free("reason")),
    CONTACT_CALLBACK: Row(
        "mentor",
        open_contact,
        check_contact,
        valid_contact,
        shapes={
            **free("school_name_address", "admin_name"),
            **{b: drawn(PHONES, b) for b in ("school_phone", "cell_phone", "admin_phone")},
            "email": drawn(st.emails(), "email"),
        },
    ),
    lviews.LOG_CALLBACK: Row(
        "mentor",
        open_log,
        check_log,
        shapes={**free("log_help", "log_ideas"), "log_minutes": drawn(MINUTES, "minutes")},
    ),
    lviews.CHECK_IN_CALLBACK: Row("mentor", open_check_in, check_check_in),
    lviews.DISPUTE_CALLBACK: Row(
        "protege",
        open_dispute,
        check_dispute,
        shapes=free("dispute_comment"),
    ),
    cviews.FOCAL_CALLBACK: Row("protege", open_focal, check_focal),
    cviews.DECISIONS_CALLBACK: Row(
        "mentor", open_decisions, check_decision_areas, valid_decision_areas
    ),
    cviews.DECISION_NOTES_CALLBACK: Row(
        "mentor", open_decision_notes, check_decisions, valid_decisions, shapes=free("dp_notes_0_0")
    ),
    pviews.PLAN_CALLBACK: Row(
        "mentor", open_plan, check_plan, valid_plan, shapes=free("imp_planned_1", "imp_planned_4")
    ),
    pviews.APPROVE_CALLBACK: Row("advisor", open_approve, check_approve, valid_approve),
    mviews.CALLBACK: Row("advisor", open_attendance, check_attendance),
    pviews.RETURN_CALLBACK: Row(
        "advisor", open_return, check_return, shapes=free("return_comment")
    ),
    sviews.REACHED_OUT_CALLBACK: Row(
        "advisor", open_reached_out, check_reached_out, shapes=free("note"), clock=SILENT_NOW
    ),
    sviews.PARTNER_CALLBACK: Row("mentor", open_partner, check_partner, shapes=free("note")),
    aviews.NUDGE_CALLBACK: Row("advisor", open_nudge, check_nudge, shapes=free("message")),
    eviews.SUBMIT_CALLBACK: Row(
        "protege",
        open_experience,
        check_experience,
        valid_experience,
        shapes={**free("summary"), "link": drawn(LINKS, "link")},
    ),
    eviews.COMMENT_CALLBACK: Row(
        "mentor", open_comment, check_comment, shapes=free("experience_text", "comments")
    ),
    eviews.DISCUSS_CALLBACK: Row("protege", open_discuss, check_discuss, shapes=free("note")),
    rviews.VISIT_CALLBACK: Row(
        "mentor", open_visit, check_visit, shapes=free("location", "topics", "strategies")
    ),
    rviews.VISIT_CHANGE_CALLBACK: Row(
        "protege", open_visit_change, check_visit_change, shapes=free("note")
    ),
    rviews.PD_CALLBACK: Row(
        "protege",
        open_pd,
        check_pd,
        valid_pd,
        shapes={**free("location", "description"), "hours": drawn(HOURS, "hours")},
    ),
    rviews.PD_SIGN_CALLBACK: Row(
        "mentor", open_pd_sign, check_pd_sign, shapes=free("mentor_comments")
    ),
    rviews.ASSESSMENT_CALLBACK: Row(
        "protege",
        open_assessment,
        check_assessment,
        shapes={**free("summary"), "link": drawn(LINKS, "link")},
    ),
    survey_views.SURVEY_CALLBACK: Row(
        "protege", open_survey, check_survey, shapes=free("comments"), clock=SURVEY_NOW
    ),
}
TRACKS = {rviews.ASSESSMENT_CALLBACK: "year2"}


def test_every_modal_has_a_row(sqlite_url, standin, program) -> None:
    fake, api_url = standin
    engine = make_engine(sqlite_url)
    app = create_app(
        Services(make_settings(sqlite_url, api_url), program, make_session_factory(engine))
    )
    registered = {key.removeprefix("view:") for key in listener_ids(app) if key.startswith("view:")}
    engine.dispose()
    assert not registered - set(ROWS), f"modals without a row in ROWS: {registered - set(ROWS)}"
    assert not set(ROWS) - registered, f"rows for modals that are gone: {set(ROWS) - registered}"


# -- the property ----------------------------------------------------------------------------------


def prepared(world: World, callback: str) -> tuple[People, dict[str, Any], dict]:
    """A fresh team in the row's state, its modal as the app opened it, and valid values."""
    row = ROWS[callback]
    people = world.seed_team(TRACKS.get(callback, "year1"))
    view = row.open(world, people)
    values = valid_values(view, world)
    row.valid(view, world, people, values)
    return people, view, values


@pytest.mark.parametrize("callback", sorted(ROWS))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_any_submission_is_answered_and_stored_whole(world, error_log, callback, data) -> None:
    row = ROWS[callback]
    object.__setattr__(world.services, "clock", lambda: row.clock)
    people, view, values = prepared(world, callback)
    values, metadata = fuzzed(data, view, values, row, world)
    sent = exchange(world, row, people, view, values, metadata, error_log)
    event("accepted" if _accepted(sent) else "refused")  # --hypothesis-show-statistics
    if _accepted(sent):
        row.check(sent)


@pytest.mark.parametrize("callback", sorted(ROWS))
def test_a_valid_submission_is_stored_as_typed(world, error_log, callback) -> None:
    """Each row's check runs at least once on what a careful person sends."""
    sent = one_case(world, error_log, callback)
    assert _accepted(sent) and sent.written, sent.answer
    ROWS[callback].check(sent)


# -- what the fuzzing found: one regression example each ------------------------------------------


def one_case(world, error_log, callback: str, change=None, metadata=None) -> Sent:
    """One submission of `callback`'s modal: valid values, then `change(view, values)`."""
    row = ROWS[callback]
    object.__setattr__(world.services, "clock", lambda: row.clock)
    people, view, values = prepared(world, callback)
    if change is not None:
        change(view, values)
    raw = view["private_metadata"] if metadata is None else metadata(view["private_metadata"])
    return exchange(world, row, people, view, values, raw, error_log)


def _replaced(key: str, value: str) -> Callable[[str], str]:
    def replace(raw: str) -> str:
        found = json.loads(raw)
        return json.dumps({**found, key: "@"}).replace('"@"', value)

    return replace


JSON_IDS = [
    (eviews.SUBMIT_CALLBACK, "team"),
    (eviews.COMMENT_CALLBACK, "team"),
    (eviews.DISCUSS_CALLBACK, "team"),
    (rviews.VISIT_CALLBACK, "team"),
    (rviews.VISIT_CHANGE_CALLBACK, "report"),
    (rviews.PD_CALLBACK, "team"),
    (rviews.PD_SIGN_CALLBACK, "form"),
    (rviews.ASSESSMENT_CALLBACK, "team"),
    (cviews.FOCAL_CALLBACK, "team"),
    (pviews.PLAN_CALLBACK, "team"),
    (pviews.RETURN_CALLBACK, "plan"),
    (tviews.END_CALLBACK, "team"),
    (tviews.REPLACE_CALLBACK, "team"),
]


@pytest.mark.parametrize("callback,key", JSON_IDS)
@pytest.mark.parametrize("value", ["99999999999999999999", "1e400"])
def test_an_id_no_row_can_have_is_refused(world, error_log, callback, key, value) -> None:
    """Found: 500s and "something went wrong" (int overflow in SQLite, int(inf))."""
    sent = one_case(world, error_log, callback, metadata=_replaced(key, value))
    assert _errors(sent.answer) and not sent.written


@pytest.mark.parametrize("callback", [c for c, _ in JSON_IDS] + [pviews.APPROVE_CALLBACK])
def test_metadata_nested_past_the_json_recursion_limit_is_refused(world, error_log, callback):
    """Found: RecursionError out of json.loads answered 500 / "something went wrong"."""
    sent = one_case(world, error_log, callback, metadata=lambda raw: "[" * 2999)
    assert not sent.written and sent.answer.get("response_action") in ("errors", "update")


@pytest.mark.parametrize(
    "callback,raw",
    [
        (survey_views.SURVEY_CALLBACK, "²"),
        (survey_views.SURVEY_CALLBACK, "99999999999999999999"),
        (sviews.PARTNER_CALLBACK, "99999999999999999999"),
        (sviews.REACHED_OUT_CALLBACK, "99999999999999999999:2024-09-02"),
    ],
)
def test_a_team_id_that_is_not_plain_digits_is_refused(world, error_log, callback, raw) -> None:
    """Found: "²".isdigit() passed and int("²") raised; big numbers overflowed: HTTP 500."""
    sent = one_case(world, error_log, callback, metadata=lambda _: raw)
    assert _errors(sent.answer) and not sent.written


def test_a_reached_out_note_names_the_open_spell_only(world, error_log) -> None:
    """Found: the spell date came from private_metadata unchecked, and was stored."""
    sent = one_case(
        world,
        error_log,
        sviews.REACHED_OUT_CALLBACK,
        metadata=_replaced("spell", '"1999-01-01"'),
    )
    assert _errors(sent.answer) == {"note": "This team is back in touch already."}


def test_an_import_without_its_csv_field_is_refused_and_logs_no_error(world, error_log) -> None:
    """Found: the lazy import listener raised KeyError('csv') after the refusal."""
    sent = one_case(world, error_log, tviews.IMPORT_CALLBACK, lambda view, values: values.clear())
    assert "csv" in _errors(sent.answer)


@pytest.mark.parametrize("callback", [eviews.SUBMIT_CALLBACK, rviews.ASSESSMENT_CALLBACK])
@pytest.mark.parametrize("link", ["http://]", "https://[::1"])
def test_a_link_urllib_cannot_read_is_a_field_error(world, error_log, callback, link) -> None:
    """Found: urlsplit's ValueError became "something went wrong"."""

    def change(view, values):
        _set(values, "link", value=link)

    sent = one_case(world, error_log, callback, change)
    assert "link" in _errors(sent.answer)


def test_a_phone_extension_that_would_not_fit_its_column_is_a_field_error(world, error_log):
    """Found: 40 typed characters normalise to 43 ("573-555-0100 x…"): PostgreSQL refuses."""

    def change(view, values):
        _set(values, "cell_phone", value="5735550100x" + "1" * 29)

    sent = one_case(world, error_log, CONTACT_CALLBACK, change)
    assert "cell_phone" in _errors(sent.answer)


def test_a_description_beside_a_listed_experience_is_not_lost(world, error_log) -> None:
    """Found: with a listed selection, the "Other" description was silently dropped."""

    def change(view, values):
        _set(values, "other_description", value="My own project on spreadsheets.")

    sent = one_case(world, error_log, eviews.SUBMIT_CALLBACK, change)
    assert "other_description" in _errors(sent.answer)


def test_an_unreadable_start_date_is_a_field_error_not_today(world, error_log) -> None:
    """Found: a start date that is not a date became today's, silently."""

    def change(view, values):
        _set(values, "start", selected_date="2024-02-30")

    sent = one_case(world, error_log, tviews.PAIR_CALLBACK, change)
    assert "start" in _errors(sent.answer)


def test_nul_characters_are_not_stored(world, error_log) -> None:
    """Found: a NUL typed into a text field was stored as is (PostgreSQL refuses it)."""

    def change(view, values):
        _set(values, "log_ideas", value="Planning\x00 the unit")

    sent = one_case(world, error_log, lviews.LOG_CALLBACK, change)
    assert _errors(sent.answer) is None
    with sent.session() as session:
        entry = session.scalars(
            select(CommunicationLog).where(CommunicationLog.view_id == sent.view["id"])
        ).one()
    assert entry.ideas_discussed == "Planning the unit"


def test_a_checkbox_option_without_a_value_is_left_out(world, error_log) -> None:
    """Found: selected_many raised KeyError('value'): "something went wrong"."""

    def change(view, values):
        _set(values, "dp_concerned_0_0", selected_options=[{"text": {"type": "plain_text"}}])
        _set(values, "dp_concerned_1_0", selected_options=[])

    sent = one_case(world, error_log, cviews.DECISIONS_CALLBACK, change)
    assert _errors(sent.answer)  # no area is ticked, so there is no top four to choose


def test_a_team_pick_that_is_not_an_ascii_number_is_a_field_error(world, error_log) -> None:
    """Found: the log modal's team select took "²" for a number: HTTP 500."""
    object.__setattr__(world.services, "clock", lambda: NOW)
    first = world.seed_team()
    second = world.seed_team(mentor=first.mentor)
    view = by_command(world, first.mentor, "log", lviews.LOG_CALLBACK)
    values = valid_values(view, world)
    assert LOG_TEAM in values, "a mentor of two protégés picks the team in the modal"
    _set(values, LOG_TEAM, selected_option={"value": "²"})
    sent = exchange(world, ROWS[lviews.LOG_CALLBACK], second, view, values, None, error_log)
    assert LOG_TEAM in _errors(sent.answer)


@pytest.mark.parametrize("callback", [lviews.LOG_CALLBACK, lviews.DISPUTE_CALLBACK])
@pytest.mark.parametrize("tampered", ["nested", "huge team id"])
def test_logs_metadata_that_broke_the_handler_is_refused(
    world, error_log, callback, tampered
) -> None:
    huge = _replaced("team", "99999999999999999999")
    one_case(world, error_log, callback, metadata=huge if tampered != "nested" else _nested)


def _nested(raw: str) -> str:
    return "[" * 2999


def test_an_approval_refused_for_another_plan_names_a_block_of_this_form(world, error_log):
    """Found: the refusal named the first "other" block of the plan in the (tampered)
    metadata, which this form may not have: Slack rejects errors for unknown blocks. A plan
    without "other" experiences got a message view with an empty section, which Slack
    rejects too."""
    elsewhere = world.seed_team()
    _submit_plan_with_other(world, elsewhere, number=3)
    other_plan = dm_button(world, elsewhere.advisor, pviews.REVIEW_APPROVE)

    def theirs(raw: str) -> str:
        return json.dumps({"plan": int(other_plan)})

    sent = one_case(world, error_log, pviews.APPROVE_CALLBACK, metadata=theirs)
    assert sent.answer["response_action"] == "update" and not sent.written


@pytest.mark.parametrize("words", ["experience ²", "pd ²"])
def test_a_form_number_that_is_not_an_ascii_number_is_not_an_error(world, error_log, words):
    """Found on the way to the modals: "²".isdigit() passed and int("²") raised."""
    people = world.seed_team()
    since = len(world.fake.calls)
    status, answer = slash_command(
        world.base + "/slack/events", SIGNING_SECRET, people.protege, words
    )
    assert status == 200 and "something went wrong" not in str(answer).lower()
    assert not error_log.records
    assert world.fake.calls[since:], "it answered nothing"


def test_a_button_id_that_is_not_an_ascii_number_is_refused_politely(world, error_log) -> None:
    people = world.seed_team()
    since = len(world.fake.calls)
    status, _ = press(world.base, people.protege, eviews.SUBMIT_OPEN, f"{people.team}:²")
    assert status == 200 and not error_log.records
    said = [c.params.get("text", "") for c in world.fake.calls[since:]]
    assert said and "out of date" in said[-1]
