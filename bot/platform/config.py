"""Settings read from the environment, checked once at start.

Every problem becomes a `ConfigError` whose message is one line naming the variable, so the
CLI can print it and exit 2 instead of showing a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///mentorbot.db"
DEFAULT_PORT = 3000

# Slack user ids: U… for ordinary users, W… for Enterprise Grid users.
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SUPPORTED_DATABASES = ("sqlite", "postgresql")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    slack_api_url: str
    database_url: str
    program_path: Path | None  # the first program file (None: the shipped BMIT one)
    staff_ids: tuple[str, ...]
    port: int
    log_format: str = "text"
    # The program files run beside the first (MENTORBOT_PROGRAMS), each for its own teams.
    more_programs: tuple[Path, ...] = ()

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    def require_slack(self) -> None:
        """Refuse to start talking to Slack without the credentials that mode needs."""
        if not self.bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is not set: the bot cannot call Slack without it")
        if not self.bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'")
        if self.socket_mode:
            if not (self.app_token or "").startswith("xapp-"):
                raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting 'xapp-'")
        elif not self.signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode cannot verify Slack's requests"
            )


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    paths = program_paths(env)
    return Settings(
        bot_token=_optional(env, "SLACK_BOT_TOKEN"),
        signing_secret=_optional(env, "SLACK_SIGNING_SECRET"),
        app_token=_optional(env, "SLACK_APP_TOKEN"),
        slack_api_url=_api_url(env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL),
        database_url=normalise_database_url(env.get("DATABASE_URL") or DEFAULT_DATABASE_URL),
        program_path=paths[0] if paths else None,
        staff_ids=parse_staff_ids(env.get("MENTORBOT_STAFF", "")),
        port=_port(env.get("PORT")),
        log_format=log_format_from(env),
        more_programs=paths[1:],
    )


LOG_FORMATS = ("text", "json")


def log_format_from(environ: Mapping[str, str] | None = None) -> str:
    """MENTORBOT_LOG_FORMAT: "text" (the default) or "json" (a JSON object a line)."""
    env = os.environ if environ is None else environ
    value = env.get("MENTORBOT_LOG_FORMAT", "").strip().lower() or "text"
    if value not in LOG_FORMATS:
        raise ConfigError(f"MENTORBOT_LOG_FORMAT must be text or json, got {value!r}")
    return value


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _api_url(value: str) -> str:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL, got {value!r}")
    # slack_sdk joins the method name straight onto the base URL.
    return value if value.endswith("/") else value + "/"


def normalise_database_url(value: str) -> str:
    """Accept the URLs hosting platforms hand out and pick the driver we ship."""
    value = value.strip()
    if value.startswith("postgres://"):
        value = "postgresql://" + value[len("postgres://") :]
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is not a database URL: {value!r}") from None
    if url.get_backend_name() not in _SUPPORTED_DATABASES:
        raise ConfigError(
            f"DATABASE_URL must be sqlite or postgresql, got {url.get_backend_name()!r}"
        )
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def parse_staff_ids(value: str) -> tuple[str, ...]:
    ids = [part.strip() for part in value.split(",") if part.strip()]
    for user_id in ids:
        if not SLACK_USER_ID.match(user_id):
            raise ConfigError(
                f"MENTORBOT_STAFF holds {user_id!r}, which is not a Slack user id (like U0123ABCD)"
            )
    return tuple(dict.fromkeys(ids))


def program_paths(env: Mapping[str, str]) -> tuple[Path, ...]:
    """The program files the deployment runs, the first first: MENTORBOT_PROGRAMS (files or
    folders of `*.toml` files, comma-separated) or MENTORBOT_PROGRAM (one file); none means
    the shipped BMIT program."""
    many = env.get("MENTORBOT_PROGRAMS", "").strip()
    one = env.get("MENTORBOT_PROGRAM", "").strip()
    if many and one:
        raise ConfigError(
            "MENTORBOT_PROGRAM and MENTORBOT_PROGRAMS are both set: list every file in "
            "MENTORBOT_PROGRAMS"
        )
    if one:
        path = Path(one)
        if not path.is_file():
            raise ConfigError(f"MENTORBOT_PROGRAM names {one!r}, which is not a file")
        return (path,)
    paths: list[Path] = []
    for part in (p.strip() for p in many.split(",") if p.strip()):
        path = Path(part)
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                raise ConfigError(f"MENTORBOT_PROGRAMS names {part!r}, a folder with no .toml file")
            paths += found
        elif path.is_file():
            paths.append(path)
        else:
            raise ConfigError(f"MENTORBOT_PROGRAMS names {part!r}, which is not a file or folder")
    unique = tuple(dict.fromkeys(p.resolve() for p in paths))
    if len(unique) < len(paths):
        raise ConfigError("MENTORBOT_PROGRAMS names one program file twice")
    return tuple(paths)


def _port(value: str | None) -> int:
    if not value:
        return DEFAULT_PORT
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"PORT must be a TCP port number, got {value!r}")
    return int(value)
