"""The Communication Log list between its first and last pages holds "◀ Newer" and "Older ▶"
in one row: Slack refuses the view if both carry one action_id, so the second is numbered
and the page listener answers both."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.logs import views
from bot.logs.form import LogInput
from bot.logs.rules import file_log
from storage.db import transaction
from storage.logs import LogMode
from storage.people import get_team
from tests.conftest import SIGNING_SECRET
from tests.interactions import last_opened_view, press
from tests.signing import slash_command
from tests.test_experiences_domain import MENTOR, PROTEGE, make_team

MONDAY_OCT_7 = datetime(2024, 10, 7, 15, tzinfo=UTC)


def _entries(services, team_id: int, count: int) -> None:
    with transaction(services.sessions) as session:
        team = get_team(session, team_id)
        for n in range(count):
            data = LogInput(date(2024, 9, 1 + n), LogMode.EMAIL, "2024-09", "", f"note {n}", 10)
            file_log(session, services.program, team, MENTOR, data, MONDAY_OCT_7, date(2024, 10, 7))


def _nav(view: dict) -> list[dict]:
    [row] = [b for b in view["blocks"] if b.get("block_id") == "logs_nav"]
    return row["elements"]


def test_a_middle_page_has_both_arrows_and_each_turns_the_page(
    app_server, standin, program
) -> None:
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: MONDAY_OCT_7)
    team = make_team(services.sessions, program)
    _entries(services, team, 2 * views.PAGE_SIZE + 1)
    slash_command(base + "/slack/events", SIGNING_SECRET, PROTEGE, "logs")
    first = {**last_opened_view(fake), "id": "V0LIST"}
    [older] = _nav(first)
    press(base, PROTEGE, older["action_id"], older["value"], view=first)
    middle = fake.wait_for("views.update", 1)[-1].params["view"]
    newer, older = _nav(middle)
    assert "Page 2 of 3" in str(middle["blocks"])
    assert newer["action_id"] == views.PAGE and older["action_id"] == f"{views.PAGE}#2"
    for button, page in ((older, "Page 3 of 3"), (newer, "Page 1 of 3")):
        before = len(fake.calls_to("views.update"))
        press(base, PROTEGE, button["action_id"], button["value"], view={**middle, "id": "V0LIST"})
        turned = fake.wait_for("views.update", before + 1)[-1].params["view"]
        assert page in str(turned["blocks"])
    assert fake.violations == []
