"""`mentorbot doctor` against the Slack stand-in over loopback and a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.platform import doctor
from bot.platform.config import load_settings
from bot.platform.samples import HOME_ROLES, Sample
from bot.platform.slack_client import listener_client
from bot.program import default_program_path, roll_program
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, STAFF
from tests.slack_standin import MANIFEST_SCOPES

# A school day of the shipped 2024-25 program: the checks judge the program as of it.
AS_OF = "2024-10-15"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, standin, sqlite_url: str):
    fake, api_url = standin
    for name in ("SLACK_APP_TOKEN", "MENTORBOT_PROGRAM", "MENTORBOT_PROGRAMS", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", api_url)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MENTORBOT_STAFF", STAFF)
    fake.add_user(STAFF, "Pat Morgan")
    return fake


def _doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, str]]:
    """The exit code, and each check's line by its name."""
    code = main(["doctor", "--as-of", AS_OF, *args])
    out = capsys.readouterr().out.strip().splitlines()
    lines = {}
    for line in out[:-1]:
        name = line[6:].split(":", 1)[0]
        lines[name] = line
    return code, lines


def test_all_checks_pass_and_slack_accepts_every_sample(env, capsys) -> None:
    code, lines = _doctor(capsys, "--views")
    assert code == 0, "\n".join(lines.values())
    assert all(line.startswith("ok    ") for line in lines.values())
    assert list(lines) == [
        "Slack bot token",
        "scopes",
        "HTTP transport",
        "database",
        "program file",
        "staff",
        "DM to staff",
        "messages",
        "Home tabs",
    ]
    # One DM, a sample of each kind in its thread; the stand-in checked each as Slack does
    # (a refused one would fail this test when the stand-in closes).
    posted = env.messages_to(STAFF)
    intro, rest = posted[0], posted[1:]
    assert "thread_ts" not in intro and len(rest) >= 40
    thread = env.posted[0]["ts"]
    assert all(message["thread_ts"] == thread for message in rest)
    plain = [m["text"] for m in rest if not m.get("blocks")]
    assert len(plain) == 1 and "withdrawn" in plain[0]  # the one plain-text kind: team ended
    # Each role's Home tab went to the staff member, then their own came back.
    published = env.calls_to("views.publish")
    assert len(published) == len(HOME_ROLES) + 1
    assert {call.params["user_id"] for call in published} == {STAFF}
    views = [call.params["view"]["blocks"] for call in published]
    assert "Register a team" in str(views[0]) and "Your teams" in str(views[1])
    assert views[-1] != views[0]  # staff's own: the real, empty program


def test_a_missing_scope_names_it(env, capsys) -> None:
    env.scopes = tuple(s for s in MANIFEST_SCOPES if s != "users:read.email")
    code, lines = _doctor(capsys)
    assert code == 1
    assert lines["scopes"].startswith("FAIL  scopes: the token lacks users:read.email: add")
    assert "reinstall the app" in lines["scopes"]
    assert lines["Slack bot token"].startswith("ok")


def test_a_deactivated_staff_member(env, capsys) -> None:
    env.add_user(STAFF, "Pat Morgan", deleted=True)
    code, lines = _doctor(capsys)
    assert code == 1
    assert lines["staff"] == (
        f"FAIL  staff: {STAFF} is deactivated: correct MENTORBOT_STAFF (Slack member ids of "
        "active people)"
    )


def test_staff_who_are_bots_or_strangers(env, capsys, monkeypatch) -> None:
    env.add_user("U0HELPERBOT", is_bot=True)
    monkeypatch.setenv("MENTORBOT_STAFF", f"{STAFF},U0HELPERBOT,U0NOBODY1")
    code, lines = _doctor(capsys)
    assert code == 1
    assert "U0HELPERBOT is a bot, not a person" in lines["staff"]
    assert "U0NOBODY1 is not a member here (user_not_found)" in lines["staff"]


def test_an_unmigrated_database(env, capsys, monkeypatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{empty}")
    code, lines = _doctor(capsys)
    assert code == 1
    assert lines["database"].endswith(
        "is not migrated to the newest revision: run `mentorbot db upgrade`"
    )


def test_a_database_file_that_is_not_there_is_not_created(
    env, capsys, monkeypatch, tmp_path
) -> None:
    missing = tmp_path / "nowhere.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    code, lines = _doctor(capsys)
    assert code == 1
    assert "does not exist: check DATABASE_URL" in lines["database"]
    assert not missing.exists()


def test_a_program_file_that_does_not_cover_today(env, capsys) -> None:
    code = main(["doctor", "--as-of", "2025-08-15"])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  program file: " in out
    assert "2024-25 ended on 2025-05-31: write this year's file with `mentorbot program roll" in out


def test_a_program_file_for_a_later_year(env, capsys, monkeypatch, tmp_path: Path) -> None:
    rolled = tmp_path / "bmit-2025-26.toml"
    rolled.write_text(roll_program(default_program_path(), "2025-26").text, encoding="utf-8")
    monkeypatch.setenv("MENTORBOT_PROGRAM", str(rolled))
    code, lines = _doctor(capsys)  # as of 2024-10-15: ten months early
    assert code == 1
    assert "starts on 2025-08-01, more than 60 days away" in lines["program file"]
    # Set up in the summer: a file that starts within 60 days is the one to have.
    assert main(["doctor", "--as-of", "2025-06-15"]) == 0
    assert "ok    program file: " in capsys.readouterr().out


def test_every_listed_program_file_is_judged(env, capsys, monkeypatch, tmp_path: Path) -> None:
    fcs = default_program_path().parent / "sample-fcs-2024-25.toml"
    monkeypatch.setenv("MENTORBOT_PROGRAMS", f"{default_program_path()},{fcs}")
    code, lines = _doctor(capsys)
    assert code == 0
    assert "BMIT (Business" in lines["program file"] and "FCS (Family" in lines["program file"]
    # The second file for next year, ten months early: it fails, named.
    rolled = tmp_path / "fcs-2025-26.toml"
    rolled.write_text(roll_program(fcs, "2025-26").text, encoding="utf-8")
    monkeypatch.setenv("MENTORBOT_PROGRAMS", f"{default_program_path()},{rolled}")
    code, lines = _doctor(capsys)
    assert code == 1
    assert (
        "FCS (Family" in lines["program file"] and "starts on 2025-08-01" in lines["program file"]
    )


def test_an_invalid_token_skips_what_needs_it(env, capsys) -> None:
    env.fail("auth.test", error="invalid_auth", times=None)
    code, lines = _doctor(capsys, "--views")
    assert code == 1
    assert lines["Slack bot token"].startswith(
        "FAIL  Slack bot token: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the current"
    )
    for name in ("scopes", "staff", "DM to staff", "messages", "Home tabs"):
        assert lines[name] == f"skip  {name}: not checked: needs a working token"
    assert not env.calls_to("chat.postMessage")
    assert lines["database"].startswith("ok")  # what does not need Slack is still checked


def test_socket_mode_tries_the_app_token(env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-test")
    env.fail("apps.connections.open", error="invalid_auth")
    code, lines = _doctor(capsys)
    assert code == 1
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in lines["Socket Mode transport"]
    assert _doctor(capsys)[0] == 0
    assert env.calls_to("apps.connections.open")[-1].token == "xapp-1-test"


def test_a_refused_sample_is_named_with_slacks_reason(env) -> None:
    settings = load_settings()
    bad = Sample("a broken notice", lambda: ("hi", [{"type": "section"}]))
    good = Sample("a plain notice", lambda: ("hello", []))
    check = doctor.messages(listener_client(settings), STAFF, [good, bad])
    assert check.status == doctor.FAIL
    assert check.detail.startswith("Slack refused 1 of 2: a broken notice (invalid_blocks)")
    assert [v.method for v in env.take_violations()] == ["chat.postMessage"]


def test_the_manifest_scopes_are_read_from_the_file(tmp_path: Path) -> None:
    assert "chat:write" in doctor.manifest_scopes(doctor.default_manifest())
    broken = tmp_path / "manifest.yml"
    broken.write_text("display_information:\n  name: x\n", encoding="utf-8")
    check = doctor.scopes(frozenset({"chat:write"}), broken)
    assert check.status == doctor.FAIL and "no oauth_config.scopes.bot list" in check.detail


def test_the_report_ends_with_a_verdict() -> None:
    checks = [doctor.ok("a", "fine"), doctor.fail("b", "do this"), doctor.skip("c", "b")]
    assert doctor.report(checks).splitlines() == [
        "ok    a: fine",
        "FAIL  b: do this",
        "skip  c: not checked: needs b",
        "2 of 3 checks did not pass: fix what the lines above say, then run `mentorbot doctor` "
        "again",
    ]
    assert doctor.report(checks[:1]).endswith("all 1 checks passed")


def test_program_coverage_counts_an_early_start(env) -> None:
    settings = load_settings()
    found, _ = doctor.program(settings, date(2024, 6, 2))  # 60 days before Aug 1
    assert found.passed and "starts on 2024-08-01" in found.detail
    found, _ = doctor.program(settings, date(2024, 6, 1))
    assert not found.passed


def test_a_program_file_whose_year_was_closed_says_to_move_on(
    env, capsys, monkeypatch, tmp_path: Path
) -> None:
    rolled = tmp_path / "bmit-2025-26.toml"
    rolled.write_text(roll_program(default_program_path(), "2025-26").text, encoding="utf-8")
    assert main(["doctor", "--as-of", AS_OF]) == 0
    capsys.readouterr()
    assert main(["year", "open", str(rolled), "--yes", "--now", "2025-06-15T12:00:00+00:00"]) == 0
    capsys.readouterr()
    code, lines = _doctor(capsys)
    assert code == 1
    assert lines["program file"] == (
        "FAIL  program file: MENTORBOT_PROGRAM names 2024-25 (bmit-2024-25), closed on "
        "2025-06-15 by `mentorbot year open`: nothing more can be filed in it. Set "
        "MENTORBOT_PROGRAM to the next year's file (2025-26, bmit-2025-26) and restart the bot."
    )
    monkeypatch.setenv("MENTORBOT_PROGRAM", str(rolled))
    assert main(["doctor", "--as-of", "2025-08-15"]) == 0
    assert "ok    program file: " in capsys.readouterr().out
