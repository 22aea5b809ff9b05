"""`/mentor status`, `overdue`, `completers` and `report` over signed HTTP, for every role:
staff see the program, a content advisor their teams, a member their own team, a stranger
is told why not; bad areas and people get a clear answer; a report asked for twice at once
is made once and arrives in the requester's DM as files."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime

import pytest

from bot.status import export
from handlers import after_ack
from handlers import status as status_handlers
from storage.db import transaction
from storage.models import Role, TeamStatus
from storage.people import get_or_create_person, get_team, grant
from storage.survey import ReportRun
from storage.teams import replace_member
from tests.conftest import STAFF
from tests.test_experiences_domain import ADVISOR, MENTOR, PROTEGE, make_team
from tests.test_experiences_http import command
from tests.test_status import add_check_in, add_log

NOW = datetime(2024, 10, 1, 15, tzinfo=UTC)  # Tue Oct 1, 10:00 in Missouri
OTHER_MENTOR, OTHER_PROTEGE, OTHER_ADVISOR = "U0MENTORX", "U0PROTEGEX", "U0ADVISORX"
STRANGER = "U0STRANGER"


@pytest.fixture
def served(app_server, standin, program):
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: NOW)
    ours = make_team(services.sessions, program)
    theirs = make_team(
        services.sessions,
        program,
        mentor=OTHER_MENTOR,
        protege=OTHER_PROTEGE,
        advisor=OTHER_ADVISOR,
        track="year2",
    )
    with transaction(services.sessions) as session:
        get_team(session, theirs).area = "afnr"
    add_log(services.sessions, ours, date(2024, 9, 18))
    add_check_in(services.sessions, ours, date(2024, 9, 27))
    return base, services, fake, ours, theirs


def finished_runs(services) -> list[tuple[str | None, str | None]]:
    """The report runs, once the work after the acks is done (a run finishes just after its
    upload)."""
    after_ack.drain(timeout=30)
    with services.sessions() as session:
        return [(r.outcome, r.lock) for r in session.query(ReportRun).order_by(ReportRun.id)]


def text_of(answer: dict) -> str:
    return answer.get("text", "") + json.dumps(answer.get("blocks") or [], ensure_ascii=False)


def test_staff_see_the_whole_program(served) -> None:
    base, _, _, _, _ = served
    status, answer = command(base, STAFF, "status")
    assert status == 200 and answer["response_type"] == "ephemeral"
    shown = text_of(answer)
    assert "Program status" in shown and "*2 teams*" in shown
    assert "Business, Marketing and Information Technology" in shown
    assert "Agricultural, Food and Natural Resources" in shown
    assert "Deliverables due so far" in shown and "Contact Form" in shown


def test_an_advisor_sees_only_their_teams_and_a_member_their_own(served) -> None:
    base, _, _, _, _ = served
    _, answer = command(base, ADVISOR, "status")
    shown = text_of(answer)
    assert "*1 team*" in shown and f"<@{MENTOR}>" in shown and OTHER_MENTOR not in shown
    _, answer = command(base, PROTEGE, "status")
    shown = text_of(answer)
    assert f"<@{PROTEGE}>" in shown and OTHER_PROTEGE not in shown
    assert "behind" in shown  # the September forms were due Sep 25


def test_status_narrowed_to_an_area_or_a_person(served) -> None:
    base, _, _, _, _ = served
    _, answer = command(base, STAFF, "status afnr")
    shown = text_of(answer)
    assert "Agricultural" in shown and "*1 team*" in shown and f"<@{OTHER_MENTOR}>" in shown
    _, answer = command(base, STAFF, "status Business, Marketing and Information Technology")
    assert f"<@{MENTOR}>" in text_of(answer)
    _, answer = command(base, STAFF, f"status <@{OTHER_PROTEGE}|x>")
    shown = text_of(answer)
    assert f"<@{OTHER_PROTEGE}>" in shown and f"<@{PROTEGE}>" not in shown


def test_bad_areas_and_people_get_a_clear_answer(served) -> None:
    base, _, _, _, _ = served
    _, answer = command(base, STAFF, "status cooking")
    assert "`cooking`" in answer["text"] and "`bmit`" in answer["text"]
    assert "`afnr`" in answer["text"]
    _, answer = command(base, STAFF, f"status <@{STRANGER}>")
    assert "not on a mentoring team" in answer["text"]


def test_refusals_change_nothing_and_say_what_to_do(served) -> None:
    base, services, fake, _, _ = served
    # A member naming someone on another team.
    _, answer = command(base, MENTOR, f"status <@{OTHER_PROTEGE}>")
    assert "Only the team, its content advisor and program staff" in answer["text"]
    # An advisor asking about another advisor's team.
    _, answer = command(base, ADVISOR, f"status <@{OTHER_MENTOR}>")
    assert "Only the team" in answer["text"]
    _, answer = command(base, STRANGER, "status")
    assert "not on a mentoring team" in answer["text"]
    for sub in ("completers", "report"):
        _, answer = command(base, MENTOR, sub)
        assert "content advisors" in answer["text"].lower() or "staff" in answer["text"]
    with services.sessions() as session:
        assert session.query(ReportRun).count() == 0
    assert not fake.calls_to("files.completeUploadExternal")


def test_overdue_lists_steps_by_advisor_most_late_first(served) -> None:
    base, _, _, _, _ = served
    _, answer = command(base, STAFF, "overdue")
    shown = text_of(answer)
    assert f"Teams of <@{ADVISOR}>" in shown and f"Teams of <@{OTHER_ADVISOR}>" in shown
    # The other team never filed September's log (due Sep 20): 11 days late, listed first.
    assert "11 days late* · Communication Log for September" in shown
    assert shown.index("11 days late") < shown.index("6 days late")
    _, answer = command(base, ADVISOR, "overdue")
    shown = text_of(answer)
    assert OTHER_ADVISOR not in shown and f"<@{MENTOR}>" in shown
    _, answer = command(base, STRANGER, "overdue")
    assert "nothing of yours is overdue" in answer["text"]


def test_completers_for_staff_and_advisors(served) -> None:
    base, _, _, _, _ = served
    _, answer = command(base, STAFF, "completers")
    assert "No team has completed every required deliverable yet (of 2)" in answer["text"]
    _, answer = command(base, ADVISOR, "completers")
    assert "(of 1)" in answer["text"]


def test_the_report_arrives_in_the_dm_once_even_when_asked_twice(served) -> None:
    base, services, fake, _, _ = served
    answers = []

    def ask() -> None:
        answers.append(command(base, STAFF, "report")[1]["text"])

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [completed] = fake.wait_for("files.completeUploadExternal", 1, timeout=20)
    assert sum("Preparing your report" in a for a in answers) == 1
    assert sum("already being prepared" in a for a in answers) == 1
    assert [c.params["users"] for c in fake.calls_to("conversations.open")] == [STAFF]
    assert completed.params["channel_id"] == STAFF  # the stand-in names a DM by the user id
    names = [f["title"] for f in json.loads(completed.params["files"])]
    assert names == [
        "mentoring-report-2024-10-01.csv",
        "mentoring-report-2024-10-01-summary.csv",
        "mentoring-report-2024-10-01.xlsx",
        "mentoring-report-2024-10-01-completion.png",
    ]
    assert len(fake.uploads) == 4
    assert any(data.startswith(b"\x89PNG") for data in fake.uploads.values())
    assert any(data.startswith(b"PK") for data in fake.uploads.values())  # the XLSX zip
    # The lock is given back: a later request makes a new report.
    assert finished_runs(services) == [("sent", None)]
    _, answer = command(base, STAFF, "report")
    assert "Preparing your report" in answer["text"]
    fake.wait_for("files.completeUploadExternal", 2, timeout=20)


def test_an_advisors_report_holds_only_their_teams(served) -> None:
    base, _, fake, ours, theirs = served
    _, answer = command(base, ADVISOR, "report")
    assert "Preparing your report" in answer["text"]
    fake.wait_for("files.completeUploadExternal", 1, timeout=20)
    csvs = [d for d in fake.uploads.values() if d.startswith(b"\xef\xbb\xbfteam,")]
    [table] = csvs
    rows = table.decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and rows[1].startswith(f"{ours},{MENTOR},")


def test_a_failed_upload_tells_the_requester_and_frees_the_lock(served) -> None:
    base, services, fake, _, _ = served
    fake.fail("files.getUploadURLExternal", error="not_allowed_token_type")
    command(base, STAFF, "report")
    [sorry] = fake.wait_for("chat.postMessage", 1, timeout=20)
    assert "could not send your report" in sorry.params["text"]
    [(outcome, lock)] = finished_runs(services)
    assert lock is None and outcome.startswith("failed")


def test_a_report_read_a_team_at_a_time_holds_every_team_once(served, monkeypatch) -> None:
    base, _, fake, ours, theirs = served
    monkeypatch.setattr(export, "CHUNK", 1)  # a batch per team: the batches' seams are crossed
    command(base, STAFF, "report")
    fake.wait_for("files.completeUploadExternal", 1, timeout=20)
    [table] = [d for d in fake.uploads.values() if d.startswith(b"\xef\xbb\xbfteam,")]
    rows = table.decode("utf-8-sig").splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == [str(ours), str(theirs)]
    [summary] = [d for d in fake.uploads.values() if d.startswith(b"\xef\xbb\xbfmeasure,")]
    assert "Teams,2" in summary.decode("utf-8-sig").splitlines()


def test_staff_report_covers_teams_that_ended_during_the_year(served) -> None:
    """Staff's count of a report's teams (their ids, not every team loaded) takes in
    teams that ended: a year whose teams have all ended still has its report, and a count
    of active teams only would say there is nothing to report."""
    base, services, fake, ours, theirs = served
    with transaction(services.sessions) as session:
        for team in (ours, theirs):
            get_team(session, team).status = TeamStatus.WITHDRAWN
    _, answer = command(base, STAFF, "report")
    assert "Preparing your report" in answer["text"]
    fake.wait_for("files.completeUploadExternal", 1, timeout=20)
    [table] = [d for d in fake.uploads.values() if d.startswith(b"\xef\xbb\xbfteam,")]
    assert len(table.decode("utf-8-sig").splitlines()) == 3  # the header and both teams


def report_of(base, fake, who: str, reports: int = 1) -> tuple[list[str], list[str], str]:
    """`who`'s report, the `reports`th of the test: its team table's lines, its summary's
    lines and the comment of its DM."""
    command(base, who, "report")
    completed = fake.wait_for("files.completeUploadExternal", reports, timeout=20)[-1]
    files = {f["title"]: fake.uploads[f["id"]] for f in json.loads(completed.params["files"])}
    table = files["mentoring-report-2024-10-01.csv"].decode("utf-8-sig").splitlines()
    summary = files["mentoring-report-2024-10-01-summary.csv"].decode("utf-8-sig").splitlines()
    return table, summary, completed.params["initial_comment"]


def reassign(services, team: int) -> None:
    """The team goes to the other content advisor, as `/mentor reassign` does it."""
    with transaction(services.sessions) as session:
        to = get_or_create_person(session, OTHER_ADVISOR, NOW)
        replace_member(session, get_team(session, team), "advisor", to, "Moved.", STAFF, NOW)


def test_reports_cover_the_teams_one_advises_not_those_one_is_on(served, program) -> None:
    """A content advisor who mentors on another team (year two, someone else's to advise):
    their report's head, count and rows hold the team they advise only (bot.access decides
    on the teams' ids before any is loaded); their status shows both teams, as a member's."""
    base, services, fake, ours, theirs = served
    own = make_team(
        services.sessions,
        program,
        mentor=ADVISOR,
        protege="U0PROTEGEY",
        advisor=OTHER_ADVISOR,
        track="year2",
    )
    table, summary, comment = report_of(base, fake, ADVISOR)
    assert [row.split(",")[0] for row in table[1:]] == [str(ours)]
    assert "Assessment Activity" not in table[0]  # a step of year two's only
    assert "Teams,1" in summary and "Mentors,1" in summary
    assert ": 1 team, 0 completers." in comment
    _, answer = command(base, ADVISOR, "completers")
    assert "(of 1)" in answer["text"]
    _, answer = command(base, ADVISOR, "status")
    assert "*2 teams*" in text_of(answer)
    # The other advisor's report holds both of theirs, year two's steps among its columns.
    table, summary, comment = report_of(base, fake, OTHER_ADVISOR, reports=2)
    assert [row.split(",")[0] for row in table[1:]] == [str(theirs), str(own)]
    assert "Assessment Activity: status" in table[0]
    assert "Teams,2" in summary and ": 2 teams, 0 completers." in comment


def test_a_team_reassigned_leaves_its_former_advisors_report(served, program) -> None:
    """An advisor (by grant) whose one team went to another advisor has nothing to report,
    though they are on a team themselves; the new advisor's report holds it."""
    base, services, fake, ours, theirs = served
    make_team(services.sessions, program, mentor=ADVISOR, protege="U0PROTEGEY", advisor=None)
    with transaction(services.sessions) as session:
        grant(session, get_or_create_person(session, ADVISOR, NOW), Role.ADVISOR, STAFF, NOW)
    reassign(services, ours)
    _, answer = command(base, ADVISOR, "report")
    assert "You advise no teams" in answer["text"]
    _, answer = command(base, ADVISOR, "completers")
    assert "(of 0)" in answer["text"]
    table, summary, _ = report_of(base, fake, OTHER_ADVISOR)
    assert [row.split(",")[0] for row in table[1:]] == [str(ours), str(theirs)]
    assert "Teams,2" in summary


def test_a_team_reassigned_while_its_report_is_made_is_left_out(served, monkeypatch) -> None:
    """The ids of a report's teams are read first, their rows a batch at a time later: a
    team that went to another advisor in between has no row in the former advisor's files,
    and is not counted in them."""
    base, services, fake, ours, _ = served
    read = status_handlers.teams_by_id

    def reassigned_first(session, ids):
        reassign(services, ours)
        return read(session, ids)

    monkeypatch.setattr(status_handlers, "teams_by_id", reassigned_first)
    table, summary, comment = report_of(base, fake, ADVISOR)
    assert table[1:] == []
    assert "Teams,0" in summary and ": 0 teams, 0 completers." in comment
