"""Bad input at scale (hypothesis): the slash-command parser, modal submissions over signed
HTTP and the program-file loader take arbitrary text, unicode, huge inputs and missing
fields without a 500, a stack trace for the user, or a partial write."""

from __future__ import annotations

import hashlib
import tomllib
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from bot.program import ProgramError
from bot.program.loader import default_program_path, loads_program
from bot.slack.commands import parse
from tests.conftest import SIGNING_SECRET, STAFF
from tests.interactions import last_opened_view, submit
from tests.signing import slash_command
from tests.test_access_matrix import fill

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400
) | st.sampled_from(["", " ", "\u202e" * 50, "x" * 5000, "<@U0ABC|x>" * 40, "\x00\n\t"])


@given(TEXT)
def test_the_parser_takes_any_text(raw: str) -> None:
    parsed = parse(raw)
    words = raw.split()
    assert parsed.name == (words[0].lower() if words else "help")
    assert parsed.args == tuple(words[1:])
    assert all(m[0] in "UW" and m.isalnum() for m in parsed.mentions)


SHIPPED = default_program_path().read_text()


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_program_loader_refuses_bad_files_with_a_program_error(data) -> None:
    """Arbitrary text, or the shipped file with one value replaced or one line dropped."""
    lines = SHIPPED.splitlines()
    kind = data.draw(st.sampled_from(["text", "drop", "replace"]))
    if kind == "text":
        candidate = data.draw(TEXT)
    elif kind == "drop":
        n = data.draw(st.integers(0, len(lines) - 1))
        candidate = "\n".join(lines[:n] + lines[n + 1 :])
    else:
        n = data.draw(st.integers(0, len(lines) - 1))
        value = data.draw(
            st.sampled_from(['""', "-1", "[]", "{}", '"2024-02-30"', "1e400", '"\u202e"'])
        )
        key = lines[n].split("=")[0] if "=" in lines[n] else lines[n]
        candidate = "\n".join(lines[:n] + [f"{key}= {value}"] + lines[n + 1 :])
    try:
        loads_program(candidate, "fuzzed.toml")
    except ProgramError as error:
        assert "fuzzed.toml" in str(error) and "\n" not in str(error)
    except tomllib.TOMLDecodeError:  # pragma: no cover - the loader must wrap these
        pytest.fail("a TOML syntax error escaped the loader")


def digest(services) -> str:
    hasher = hashlib.sha256()
    with services.sessions() as session:
        for name in sorted(inspect(session.get_bind()).get_table_names()):
            if name == "deliveries":
                continue  # inbound request claims are bookkeeping
            for row in session.execute(text(f'SELECT * FROM "{name}" ORDER BY 1')):
                hasher.update(repr(tuple(row)).encode())
    return hasher.hexdigest()


@pytest.fixture
def contact_form(app_server, standin):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: datetime(2024, 9, 10, 15, tzinfo=UTC))
    fake.add_user(STAFF, "Pat Staff")
    slash_command(base + "/slack/events", SIGNING_SECRET, STAFF, "contact")
    return base, services, last_opened_view(fake)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_a_modal_submission_with_any_values_never_fails_or_half_writes(contact_form, data) -> None:
    """The Contact Form (every field free text or a choice): fuzz each field or drop it."""
    base, services, view = contact_form
    values = fill(view, {"protege": STAFF})
    for block_id in list(values):
        choice = data.draw(st.sampled_from(["keep", "drop", "text", "none"]), label=block_id)
        action_id, value = next(iter(values[block_id].items()))
        if choice == "drop":
            del values[block_id]
        elif choice == "none":
            values[block_id] = {action_id: {"type": value["type"]}}
        elif choice == "text":
            fuzz = data.draw(TEXT, label=f"{block_id} text")
            values[block_id] = {action_id: {**value, "value": fuzz, "selected_date": fuzz}}
    before = digest(services)
    status, answer = submit(base, STAFF, view, values)
    assert status == 200, answer
    assert "Traceback" not in str(answer) and "something went wrong" not in str(answer)
    if isinstance(answer, dict) and answer.get("response_action") == "errors":
        assert digest(services) == before  # refused: nothing written, not even part of it
