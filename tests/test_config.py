from pathlib import Path

import pytest

from bot.cli import main
from bot.platform.config import ConfigError, load_settings


def test_defaults_fill_what_is_optional() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///mentorbot.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.port == 3000
    assert settings.staff_ids == ()
    assert not settings.socket_mode


def test_values_are_normalised() -> None:
    settings = load_settings(
        {
            "DATABASE_URL": "postgres://u:p%40ss@db.example:5432/mentor",
            "SLACK_API_URL": "http://127.0.0.1:8080/api",
            "MENTORBOT_STAFF": " U0AAA1, W0BBB2 ,U0AAA1",
            "PORT": "8000",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u:p%40ss@db.example:5432/mentor"
    assert settings.slack_api_url == "http://127.0.0.1:8080/api/"
    assert settings.staff_ids == ("U0AAA1", "W0BBB2")
    assert settings.port == 8000


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"),
        ({"MENTORBOT_STAFF": "U0AAA1,alice"}, "MENTORBOT_STAFF"),
        ({"PORT": "eighty"}, "PORT"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"MENTORBOT_PROGRAM": "/nonexistent/program.toml"}, "MENTORBOT_PROGRAM"),
    ],
)
def test_a_bad_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(env)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN"),
    ],
)
def test_run_needs_the_credentials_of_its_mode(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(env).require_slack()


def _clear_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "DATABASE_URL",
        "MENTORBOT_PROGRAM",
        "MENTORBOT_STAFF",
        "PORT",
        "SLACK_API_URL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("argv", "env", "named"),
    [
        (["run"], {}, "SLACK_BOT_TOKEN"),
        (["tick"], {"DATABASE_URL": "nonsense://"}, "DATABASE_URL"),
        (["tick", "--dry-run"], {"MENTORBOT_STAFF": "bob"}, "MENTORBOT_STAFF"),
    ],
)
def test_cli_prints_one_line_and_exits_2(
    argv, env, named, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path
) -> None:
    _clear_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert named in err
    assert "Traceback" not in err


def test_cli_refuses_a_bad_program_file(monkeypatch, capsys, tmp_path: Path) -> None:
    _clear_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('[program]\nid = "x"\nsurprise = 1\n', encoding="utf-8")
    monkeypatch.setenv("MENTORBOT_PROGRAM", str(bad))
    assert main(["tick", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.toml" in err


def test_cli_refuses_an_unreachable_database(monkeypatch, capsys, tmp_path: Path) -> None:
    _clear_env(monkeypatch)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:9/none")
    assert main(["tick", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach the database" in err
    assert "secret" not in err
