"""Several programs at once, over signed HTTP: BMIT and the FCS sample served by one app."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.home import views as home_views
from storage.db import transaction
from storage.models import Team
from storage.people import get_or_create_person
from storage.plans import FocalPointsFiling
from tests.conftest import SIGNING_SECRET, STAFF, serve_app
from tests.interactions import last_opened_view, submit
from tests.signing import slash_command
from tests.test_home import open_home
from tests.test_plans_http import focal_values, open_form
from tests.test_programs import FCS_FILE, add
from tests.test_teams import pair_values

BMIT_MENTOR, BMIT_PROTEGE = "U0MENTOR1", "U0PROTEGE1"
FCS_MENTOR, FCS_PROTEGE, FCS_ADVISOR = "U0MENTOR2", "U0PROTEGE2", "U0ADVISOR2"
FCS_ID = "sample-fcs-2024-25"
# Tue Sep 10 2024, 10:00 CDT.
NOW = datetime(2024, 9, 10, 15, tzinfo=UTC)


@pytest.fixture
def both(sqlite_url, standin, program):
    from bot.program import load_program

    fcs = load_program(FCS_FILE)
    with serve_app(sqlite_url, standin, program, every=(program, fcs)) as (base, services):
        object.__setattr__(services, "clock", lambda: NOW)
        fake, _ = standin
        for user in (BMIT_MENTOR, BMIT_PROTEGE, FCS_MENTOR, FCS_PROTEGE, FCS_ADVISOR, STAFF):
            fake.add_user(user, f"Person {user[-2:]}")
        yield base, services, fake, fcs


def command(base: str, user: str, text: str) -> dict:
    status, body = slash_command(base + "/slack/events", SIGNING_SECRET, user, text)
    assert status == 200
    return body


def mentor_in_both(services, bmit, fcs) -> None:
    """BMIT_MENTOR mentors a BMIT protégé and an FCS one."""
    add(services.sessions, bmit, BMIT_MENTOR, BMIT_PROTEGE)
    add(services.sessions, fcs, BMIT_MENTOR, FCS_PROTEGE)


def shown(body: dict) -> str:
    return json.dumps(body.get("blocks") or [], ensure_ascii=False) + body.get("text", "")


def test_registering_asks_which_program_and_stores_it(both) -> None:
    base, services, fake, fcs = both
    command(base, STAFF, "pair")
    view = last_opened_view(fake)
    area = next(b for b in view["blocks"] if b.get("block_id") == "area")["element"]
    assert "options" not in area
    labels = [g["label"]["text"] for g in area["option_groups"]]
    assert [label.split()[0] for label in labels] == ["BMIT", "FCS"]
    assert all(len(label) <= 75 for label in labels)
    assert [o["value"] for o in area["option_groups"][1]["options"]] == [f"{FCS_ID}:fcs"]
    values = pair_values(FCS_MENTOR, FCS_PROTEGE, FCS_ADVISOR, area=f"{FCS_ID}:fcs")
    status, body = submit(base, STAFF, view, values)
    assert status == 200 and not body
    with services.sessions() as session:
        [team] = session.scalars(select(Team))
        assert (team.program_id, team.area) == (FCS_ID, "fcs")
    # The welcome speaks of the team's own program.
    [welcome] = [c.params for c in fake.wait_for("chat.postMessage", 3)][:1]
    assert "Family Consumer Sciences" in json.dumps(welcome["blocks"], ensure_ascii=False)
    # A program the app does not run is refused on the field, keeping what was typed.
    command(base, STAFF, "pair")
    values = pair_values(BMIT_MENTOR, BMIT_PROTEGE, None, area="nope-2024-25:fcs")
    status, body = submit(base, STAFF, last_opened_view(fake), values)
    assert body["response_action"] == "errors" and "area" in body["errors"]


def test_staff_status_is_across_programs_or_one(both, program) -> None:
    base, services, fake, fcs = both
    add(services.sessions, program, BMIT_MENTOR, BMIT_PROTEGE)
    add(services.sessions, fcs, FCS_MENTOR, FCS_PROTEGE)
    add(services.sessions, fcs, BMIT_MENTOR, "U0PROTEGE3")
    across = shown(command(base, STAFF, "status"))
    assert "*3 teams in 2 programs*" in across
    assert f"{program.name}: 1" in across and f"{fcs.name}: 2" in across
    assert "Family Consumer Sciences and Human Services" in across  # FCS's area, by name
    assert f"--program KEY` (`{program.id}`, `{FCS_ID}`)" in across
    one = shown(command(base, STAFF, f"status --program {FCS_ID}"))
    assert "Family Consumer Sciences and Human Services" in one
    assert "2 programs" not in one and program.areas[0].name not in one
    for kind in ("overdue", "completers"):
        assert "2 programs" in shown(command(base, STAFF, kind))
        assert "2 programs" not in shown(command(base, STAFF, f"{kind} --program {FCS_ID}"))
    card = shown(command(base, STAFF, f"team <@{FCS_MENTOR}>"))
    assert "Family Consumer Sciences and Human Services" in card
    refused = command(base, STAFF, "status --program nope")["text"]
    assert (
        refused == f"There is no program 'nope' running. The programs: `{program.id}`, `{FCS_ID}`."
    )
    assert (
        "Only look-ups take `--program KEY`"
        in command(base, FCS_MENTOR, f"log --program {FCS_ID}")["text"]
    )


def test_a_member_is_answered_in_their_own_program(both, program) -> None:
    base, services, fake, fcs = both
    add(services.sessions, program, BMIT_MENTOR, BMIT_PROTEGE)
    add(services.sessions, fcs, FCS_MENTOR, FCS_PROTEGE)
    assert "Classroom and Lab Management" in shown(command(base, FCS_PROTEGE, "topic"))
    assert "Classroom Management" in shown(command(base, BMIT_PROTEGE, "topic"))
    assert "Classroom and Lab" not in shown(command(base, BMIT_PROTEGE, "topic"))
    mine = shown(command(base, FCS_MENTOR, "status"))
    assert "Family Consumer Sciences" in mine and "2 programs" not in mine
    assert "Family Consumer Sciences" in json.dumps(
        open_home(base, fake, FCS_PROTEGE)["blocks"], ensure_ascii=False
    )


def test_staff_home_shows_every_program_with_the_buttons_once(both, program) -> None:
    base, services, fake, fcs = both
    add(services.sessions, program, BMIT_MENTOR, BMIT_PROTEGE)
    add(services.sessions, fcs, FCS_MENTOR, FCS_PROTEGE)
    view = open_home(base, fake, STAFF)
    blocks = view["blocks"]
    headers = [b["text"]["text"] for b in blocks if b["type"] == "header"]
    assert f"{program.name} 2024-25" in headers and f"{fcs.name} 2024-25" in headers
    assert [b.get("block_id") for b in blocks].count("staff_actions") == 1
    assert json.dumps(blocks).count("*1 active team*") == 2
    assert home_views.HOME_PAIR in json.dumps(blocks)


def test_a_teams_forms_are_its_own_programs(both, program) -> None:
    base, services, fake, fcs = both
    add(services.sessions, program, BMIT_MENTOR, BMIT_PROTEGE)
    add(services.sessions, fcs, FCS_MENTOR, FCS_PROTEGE)
    fcs_form = open_form(base, fake, FCS_PROTEGE, "focal")
    assert "FCCLA: starting a chapter and advising students" in json.dumps(fcs_form)
    bmit_form = open_form(base, fake, BMIT_PROTEGE, "focal")
    assert "FCCLA" not in json.dumps(bmit_form)
    # Filed with the FCS checklist: its items are the ones the submission is checked against.
    status, body = submit(base, FCS_PROTEGE, fcs_form, focal_values(fcs, highs={(1, 0)}))
    assert status == 200 and body["response_action"] == "update"
    with services.sessions() as session:
        [filing] = session.scalars(select(FocalPointsFiling))
        assert filing.program_id == FCS_ID
    # The co-sign DM to the mentor, sent after the ack, names the FCS item.
    [note] = fake.messages_to(FCS_MENTOR)
    assert "FCCLA: starting a chapter" in json.dumps(note["blocks"], ensure_ascii=False)


def test_a_mentor_in_both_programs_sees_each_team_in_its_own(both, program) -> None:
    base, services, fake, fcs = both
    mentor_in_both(services, program, fcs)
    home = json.dumps(open_home(base, fake, BMIT_MENTOR)["blocks"], ensure_ascii=False)
    assert program.areas[0].name in home and fcs.area("fcs").name in home
    assert "Classroom Management" in home and "Classroom and Lab Management" in home
    progress = shown(command(base, BMIT_MENTOR, "progress"))
    assert program.areas[0].name in progress and fcs.area("fcs").name in progress


def test_staff_silent_list_holds_every_programs_teams(both, program) -> None:
    base, services, fake, fcs = both
    add(services.sessions, program, BMIT_MENTOR, BMIT_PROTEGE)
    add(services.sessions, fcs, FCS_MENTOR, FCS_PROTEGE)
    object.__setattr__(services, "clock", lambda: datetime(2024, 10, 15, 15, tzinfo=UTC))
    silent = shown(command(base, STAFF, "silent"))
    assert f"<@{BMIT_PROTEGE}>" in silent and f"<@{FCS_PROTEGE}>" in silent


def test_a_mentor_in_both_programs_opens_either_teams_form(both, program) -> None:
    base, services, fake, fcs = both
    mentor_in_both(services, program, fcs)
    view = open_form(base, fake, BMIT_MENTOR, f"decisions <@{FCS_PROTEGE}>")
    assert json.loads(view["private_metadata"]) == {"team": 2}  # the FCS team
    assert f"<@{FCS_PROTEGE}>" in json.dumps(view["blocks"])


def test_an_advisor_in_both_programs_sees_every_team_on_home(both, program) -> None:
    base, services, fake, fcs = both
    add(services.sessions, program, BMIT_MENTOR, BMIT_PROTEGE)
    add(services.sessions, fcs, FCS_MENTOR, FCS_PROTEGE)
    with transaction(services.sessions) as session:
        advisor = get_or_create_person(session, FCS_ADVISOR, NOW, "A", "America/Chicago")
        for team in session.scalars(select(Team)):
            team.advisor = advisor
    home = json.dumps(open_home(base, fake, FCS_ADVISOR)["blocks"], ensure_ascii=False)
    # Each program's teams under its name, with a checklist button each.
    assert f"*{program.name}*" in home and f"*{fcs.name}*" in home
    assert home.index(f"*{program.name}*") < home.index(f"*{fcs.name}*")
    assert home.count('"See checklist"') == 2
    assert f"<@{BMIT_PROTEGE}>" in home and f"<@{FCS_PROTEGE}>" in home


def test_a_mentor_in_both_programs_gets_each_programs_topic(both, program) -> None:
    base, services, fake, fcs = both
    mentor_in_both(services, program, fcs)
    answer = shown(command(base, BMIT_MENTOR, "topic"))
    for each in (program, fcs):
        topic = each.topic_for(NOW.year, NOW.month)
        assert topic is not None and topic.title in answer
        assert f"*{each.name}*" in answer
    # A member of one program hears its topic alone, unnamed.
    alone = shown(command(base, FCS_MENTOR, "topic"))
    assert f"*{program.name}*" not in alone and f"*{fcs.name}*" not in alone


def test_a_mentor_in_both_programs_gets_each_programs_calendar(both, program) -> None:
    base, services, fake, fcs = both
    mentor_in_both(services, program, fcs)
    body = command(base, BMIT_MENTOR, "calendar")
    blocks = body["blocks"]
    names = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert names[0] == f"*{program.name}*" and f"*{fcs.name}*" in names
    for each in (program, fcs):
        assert f"{each.name}: Next deadlines, Year One" in body["text"]
    assert [b.get("type") for b in blocks].count("section") == 2
    # One calendar file of each program in the DM (the two files hold the same dates today).
    fake.wait_for("files.completeUploadExternal", 2, timeout=10)
    files = sorted(c.params["filename"] for c in fake.calls_to("files.getUploadURLExternal"))
    assert files == sorted([f"{program.id}-year1.ics", f"{FCS_ID}-year1.ics"])
    # A member of one program gets its calendar alone, unnamed, and one file.
    alone = command(base, FCS_PROTEGE, "calendar")
    assert alone["text"] == "Next deadlines, Year One" and fcs.name not in shown(alone)


def test_a_mentor_in_both_programs_gets_each_programs_next_step_in_help(both, program) -> None:
    base, services, fake, fcs = both
    mentor_in_both(services, program, fcs)
    body = command(base, BMIT_MENTOR, "help")
    blocks = body["blocks"]
    assert program.name in blocks[0]["text"]["text"] and fcs.name in blocks[0]["text"]["text"]
    kinds = [b["type"] for b in blocks]
    assert kinds[1:5] == ["context", "section", "context", "section"]
    assert [blocks[1]["elements"][0]["text"], blocks[3]["elements"][0]["text"]] == [
        f"*{program.name}*",
        f"*{fcs.name}*",
    ]
    for step in (blocks[2], blocks[4]):
        assert step["text"]["text"].startswith("*Your next step:*")
        assert step["accessory"]["style"] == "primary"
    # The commands are listed once, not once a program.
    commands = re.findall(r"`/mentor (\w+)", body["text"])
    assert "log" in commands and len(commands) == len(set(commands))
    # Someone in FCS alone (not the first listed program) is told their own next step, also
    # when the command is unknown.
    for text in ("help", "fly"):
        own = command(base, FCS_PROTEGE, text)
        assert "Your next step" in own["text"] and fcs.name not in json.dumps(own["blocks"][1:])
    assert fcs.name in command(base, FCS_PROTEGE, "help")["blocks"][0]["text"]["text"]


def test_staff_help_names_every_program_that_runs(both, program) -> None:
    base, _, _, fcs = both
    intro = command(base, STAFF, "help")["blocks"][0]["text"]["text"]
    assert f"runs the {program.name} and the {fcs.name}." in intro
