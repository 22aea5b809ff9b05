"""The Home tab as Slack receives it: through app_home_opened into the app and views.publish
at the stand-in, which checks it as Slack does. A protégé's row of forms holds several
"Submit Experience" and PD buttons from September on; Slack refuses two alike action ids in
one block (`invalid_blocks`), so each repeat is numbered and its listener still answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.experiences import views as exp_views
from bot.reports import views as report_views
from tests.interactions import last_opened_view, press
from tests.test_experiences_domain import MENTOR, PROTEGE, make_team
from tests.test_home import open_home

# Team start, the Sep 20, and later in the year.
DAYS = [date(2024, 8, 26), date(2024, 9, 20), date(2025, 1, 15), date(2025, 4, 21)]


def _at(services, day: date) -> None:
    noon = datetime(day.year, day.month, day.day, 17, tzinfo=UTC)
    object.__setattr__(services, "clock", lambda: noon)


def _action_ids(block: dict) -> list[str]:
    elements = [*(block.get("elements") or []), block.get("accessory") or {}]
    return [e["action_id"] for e in elements if "action_id" in e]


def _buttons(view: dict) -> list[dict]:
    return [
        element
        for block in view["blocks"]
        for element in block.get("elements") or []
        if element.get("type") == "button"
    ]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_a_protege_home_tab_has_unique_ids_and_slack_takes_it(
    app_server, standin, program, day
) -> None:
    base, services = app_server
    fake, _ = standin
    make_team(services.sessions, program)
    _at(services, day)
    view = open_home(base, fake, PROTEGE)
    for block in view["blocks"]:
        ids = _action_ids(block)
        assert len(ids) == len(set(ids)), block
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    assert fake.violations == []


def test_every_numbered_form_button_opens_its_own_form(app_server, standin, program) -> None:
    base, services = app_server
    fake, _ = standin
    make_team(services.sessions, program)
    # Late February: the four experiences (three late, one due) and both PD forms (due in
    # March) are open now; the Home tab has buttons only for forms open now.
    _at(services, date(2025, 2, 20))
    view = open_home(base, fake, PROTEGE)
    callbacks = {exp_views.SUBMIT_OPEN: "exp_submit", report_views.PD_OPEN: "pd_file"}
    pressed = 0
    for button in _buttons(view):
        family = button["action_id"].split("#")[0]
        if family not in callbacks:
            continue
        press(base, PROTEGE, button["action_id"], button["value"], view=view)
        opened = last_opened_view(fake)
        assert opened["callback_id"] == callbacks[family]
        number = int(button["value"].split(":")[1])
        assert json.loads(opened["private_metadata"])["n"] == number or number == 0
        pressed += 1
    # The row repeats both kinds of button, so some of them are numbered.
    assert sum("#" in b["action_id"] for b in _buttons(view)) >= 2
    assert pressed >= 4
    assert fake.violations == []


def test_a_mentor_of_two_teams_gets_distinct_block_ids(app_server, standin, program) -> None:
    base, services = app_server
    fake, _ = standin
    make_team(services.sessions, program)
    make_team(services.sessions, program, protege="U0PROTEG2")
    _at(services, date(2024, 9, 20))
    view = open_home(base, fake, MENTOR)
    forms = [b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("forms_")]
    assert len(forms) >= 2 and len(forms) == len(set(forms))
    assert fake.violations == []
