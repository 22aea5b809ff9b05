"""`mentorbot doctor`: after set-up, checks everything the bot needs, one line each.

Each check is a function returning a `Check` whose detail says what was found or, when it
failed, what to do. `report` formats them (pure). A check that needs something an earlier
one found broken (a working token, the program) is skipped rather than run to fail twice.
The checks that send (a DM to the first staff member; with `views`, each role's Home tab
published to them) prove that real Slack accepts what the bot builds: Slack validates the
blocks where the stand-in and the builders' own checks can only approximate it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.engine import make_url

from bot.platform.config import Settings
from bot.platform.samples import HomePublisher, Sample, home_view, home_views, sample_world, samples
from bot.platform.scopes import from_headers
from bot.platform.services import Services
from bot.program import Program, ProgramError, load_programs
from bot.years.startup import closed_year_warnings
from storage.db import (
    DatabaseUnavailable,
    check_connection,
    make_engine,
    make_session_factory,
    schema_is_current,
)

OK, FAIL, SKIP = "ok", "FAIL", "skip"
# A program file for next year may be installed this long before it starts (summer set-up).
EARLY_START = timedelta(days=60)
# Errors about the token itself, as auth.test and every method answer them.
TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # OK, FAIL or SKIP
    detail: str  # what was found; for a failure, what to do

    @property
    def passed(self) -> bool:
        return self.status == OK


def run(
    settings: Settings,
    client: WebClient,
    *,
    manifest: Path,
    today: date | None = None,
    publish_home: HomePublisher | None = None,
) -> list[Check]:
    """Every check, in the order an operator fixes things; with `publish_home`, the Home
    tabs too. `today` is the day to judge the program on (default: today)."""
    found, granted = token(settings, client)
    checks = [found]
    slack = found.passed
    checks.append(scopes(granted, manifest) if slack else skip("scopes", "a working token"))
    checks.append(transport(settings, client))
    stored = database(settings)
    checks.append(stored)
    found, programs = program(settings, today)
    if found.passed and stored.passed:
        found = still_open(settings, programs, found)
    loaded = programs[0] if programs else None  # the first program's samples
    checks.append(found)
    later = ["staff", "DM to staff", "messages"] + (["Home tabs"] if publish_home else [])
    if not slack:
        return checks + [skip(name, "a working token") for name in later]
    checks.append(staff(client, settings.staff_ids))
    if not settings.staff_ids:
        return checks + [skip(name, "a staff member in MENTORBOT_STAFF") for name in later[1:]]
    first = settings.staff_ids[0]
    found, channel = direct_message(client, first)
    checks.append(found)
    if loaded is None:
        return checks + [skip(name, "a program file that loads") for name in later[2:]]
    day = today or datetime.now(loaded.tz).date()
    with sample_world(settings, loaded, day) as world:
        if channel is None:
            checks.append(skip("messages", "a DM with staff"))
        else:
            checks.append(messages(client, channel, samples(world)))
        if publish_home is not None:
            if stored.passed:
                try:
                    tabs = home_views(world, publish_home)
                    own = _own_home(settings, loaded, publish_home, first)
                except Exception as exc:  # a builder's bug on this program's data: report it
                    checks.append(
                        fail(
                            "Home tabs",
                            f"could not be built ({type(exc).__name__}: {exc}): "
                            "a bug in the bot; report this line",
                        )
                    )
                else:
                    checks.append(home_tabs(client, first, tabs, own))
            else:
                checks.append(skip("Home tabs", "the database, to restore staff's own tab"))
    return checks


def default_manifest() -> Path:
    """manifest.yml in the working folder, else at the root of the checkout."""
    here = Path("manifest.yml")
    return here if here.is_file() else Path(__file__).resolve().parents[2] / "manifest.yml"


def ok(name: str, detail: str) -> Check:
    return Check(name, OK, detail)


def fail(name: str, detail: str) -> Check:
    return Check(name, FAIL, detail)


def skip(name: str, needs: str) -> Check:
    return Check(name, SKIP, f"not checked: needs {needs}")


def report(checks: Iterable[Check]) -> str:
    """One line per check, then a verdict."""
    found = list(checks)
    lines = [f"{check.status:4}  {check.name}: {check.detail}" for check in found]
    failed = [check for check in found if not check.passed]
    if failed:
        lines.append(
            f"{len(failed)} of {len(found)} checks did not pass: fix what the lines above say, "
            "then run `mentorbot doctor` again"
        )
    else:
        lines.append(f"all {len(found)} checks passed")
    return "\n".join(lines)


# --- Slack credentials ----------------------------------------------------------------------


def token(settings: Settings, client: WebClient) -> tuple[Check, frozenset[str] | None]:
    """auth.test with the bot token; on success, the scopes Slack says it was granted
    (None when Slack did not say)."""
    name = "Slack bot token"
    if not settings.bot_token:
        return fail(
            name,
            "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token from "
            "the app's OAuth & Permissions page",
        ), None
    if not settings.bot_token.startswith("xoxb-"):
        return fail(
            name,
            "SLACK_BOT_TOKEN is not a bot token (xoxb-…): copy the Bot User "
            "OAuth Token from the app's OAuth & Permissions page",
        ), None
    try:
        response = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in TOKEN_ERRORS:
            return fail(
                name,
                f"Slack refused SLACK_BOT_TOKEN ({error}): copy the current Bot "
                "User OAuth Token from the app's OAuth & Permissions page, "
                "reinstalling the app if it was revoked",
            ), None
        return fail(name, f"auth.test failed ({error})"), None
    except (SlackClientError, OSError) as exc:
        return fail(name, _unreachable(settings, exc)), None
    granted = from_headers(response.headers)
    team = response.get("team") or response.get("team_id")
    return ok(name, f"works: the bot <@{response.get('user_id')}> in {team}"), granted


def scopes(granted: frozenset[str] | None, manifest: Path) -> Check:
    """Every bot scope manifest.yml asks for is granted to the token."""
    name = "scopes"
    try:
        wanted = manifest_scopes(manifest)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        return fail(name, f"cannot read the scopes from {manifest}: {exc}: pass --manifest PATH")
    if granted is None:
        return fail(
            name,
            "Slack did not list the token's scopes (no x-oauth-scopes header): "
            "check that SLACK_API_URL is Slack's own API",
        )
    missing = [scope for scope in wanted if scope not in granted]
    if missing:
        return fail(
            name,
            f"the token lacks {', '.join(missing)}: add them under OAuth & "
            f"Permissions (or recreate the app from {manifest.name}), then reinstall "
            "the app and copy the new token",
        )
    return ok(name, f"all {len(wanted)} that {manifest.name} asks for are granted")


def manifest_scopes(path: Path) -> list[str]:
    """The bot scopes of a Slack app manifest (oauth_config.scopes.bot)."""
    with path.open(encoding="utf-8") as file:
        data = yaml.safe_load(file)
    try:
        found = data["oauth_config"]["scopes"]["bot"]
    except (KeyError, TypeError):
        raise ValueError("it has no oauth_config.scopes.bot list") from None
    if not isinstance(found, list) or not all(isinstance(s, str) for s in found):
        raise ValueError("oauth_config.scopes.bot is not a list of scope names")
    return found


def transport(settings: Settings, client: WebClient) -> Check:
    """The credential of the chosen transport is set; Socket Mode's app token is also tried
    (apps.connections.open only hands out a URL: nothing connects to it)."""
    if not settings.socket_mode:
        name = "HTTP transport"
        if not settings.signing_secret:
            return fail(
                name,
                "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from "
                "the app's Basic Information page (or set SLACK_APP_TOKEN for Socket "
                "Mode)",
            )
        return ok(name, "SLACK_SIGNING_SECRET is set; Slack must reach POST /slack/events")
    name = "Socket Mode transport"
    if not (settings.app_token or "").startswith("xapp-"):
        return fail(
            name,
            "SLACK_APP_TOKEN is not an app-level token (xapp-…): generate one "
            "with the connections:write scope on the app's Basic Information page",
        )
    try:
        client.apps_connections_open(app_token=settings.app_token or "")
    except SlackApiError as exc:
        return fail(
            name,
            f"Slack refused SLACK_APP_TOKEN ({exc.response.get('error')}): "
            "generate an app-level token with connections:write on the app's Basic "
            "Information page, and turn Socket Mode on",
        )
    except (SlackClientError, OSError) as exc:
        return fail(name, _unreachable(settings, exc))
    return ok(name, "SLACK_APP_TOKEN works (apps.connections.open)")


# --- the database and the program -----------------------------------------------------------


def database(settings: Settings) -> Check:
    name = "database"
    url = make_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    # Connecting to a SQLite file that is not there would create an empty one: say so instead.
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not Path(file).is_file():
        return fail(
            name, f"{shown} does not exist: check DATABASE_URL, then run `mentorbot db upgrade`"
        )
    engine = make_engine(settings.database_url)
    try:
        check_connection(engine)
        if not schema_is_current(engine):
            return fail(
                name, f"{shown} is not migrated to the newest revision: run `mentorbot db upgrade`"
            )
    except DatabaseUnavailable as exc:
        return fail(name, f"{exc}: check DATABASE_URL and that the server is up")
    finally:
        engine.dispose()
    return ok(name, f"{shown} is reachable and migrated")


def program(settings: Settings, today: date | None) -> tuple[Check, tuple[Program, ...]]:
    """Every program file loads and covers `today` (default: today in its timezone); a file
    that starts within EARLY_START counts as covering it. The programs are returned (none
    when a file does not load)."""
    name = "program file"
    try:
        programs = load_programs(settings.program_path, settings.more_programs)
    except ProgramError as exc:
        return fail(name, f"{exc}: fix it (`mentorbot program check FILE` shows the calendar)"), ()
    checks = [_covers(name, loaded, today) for loaded in programs]
    failed = next((check for check in checks if not check.passed), None)
    return failed or ok(name, "; ".join(check.detail for check in checks)), programs


def _covers(name: str, loaded: Program, today: date | None) -> Check:
    day = today or datetime.now(loaded.tz).date()
    title = f"{loaded.name} {loaded.school_year}"
    if day > loaded.end:
        return fail(
            name,
            f"{title} ended on {loaded.end}: write this year's file with "
            "`mentorbot program roll FILE --to YYYY-YY`, review it, and set "
            "MENTORBOT_PROGRAM to it",
        )
    if day < loaded.start - EARLY_START:
        return fail(
            name,
            f"{title} starts on {loaded.start}, more than "
            f"{EARLY_START.days} days away: set MENTORBOT_PROGRAM to the file of the "
            "current school year",
        )
    if day < loaded.start:
        return ok(name, f"{title} starts on {loaded.start}")
    return ok(name, f"{title} runs {loaded.start} to {loaded.end}")


def still_open(settings: Settings, programs: Sequence[Program], found: Check) -> Check:
    """The program check failed when a program's year was closed by `mentorbot year open`."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            lines = closed_year_warnings(session, programs)
    finally:
        engine.dispose()
    return fail(found.name, " ".join(lines)) if lines else found


# --- people ---------------------------------------------------------------------------------


def staff(client: WebClient, staff_ids: Sequence[str]) -> Check:
    """Each MENTORBOT_STAFF id is an active person in the workspace (users.info)."""
    name = "staff"
    if not staff_ids:
        return fail(
            name,
            "MENTORBOT_STAFF is empty: set it to the Slack member ids of the "
            "program staff (Profile → ⋮ → Copy member ID)",
        )
    problems = []
    for user_id in staff_ids:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            problems.append(f"{user_id} is not a member here ({exc.response.get('error')})")
            continue
        if user.get("deleted"):
            problems.append(f"{user_id} is deactivated")
        elif user.get("is_bot"):
            problems.append(f"{user_id} is a bot, not a person")
    if problems:
        return fail(
            name,
            "; ".join(problems) + ": correct MENTORBOT_STAFF (Slack member ids of active people)",
        )
    return ok(name, f"{len(staff_ids)} staff member(s), each an active person")


def direct_message(client: WebClient, user_id: str) -> tuple[Check, str | None]:
    """conversations.open with the first staff member: the channel the samples go to."""
    name = "DM to staff"
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
    except SlackApiError as exc:
        return fail(
            name,
            f"could not open a DM with <@{user_id}> "
            f"({exc.response.get('error')}): check the im:write scope and that the "
            "app is installed",
        ), None
    return ok(name, f"the bot can open a DM with <@{user_id}>"), channel


# --- what the bot sends ---------------------------------------------------------------------


def messages(client: WebClient, channel: str, samples: Sequence[Sample]) -> Check:
    """One DM to `channel` saying what follows, and a sample of each kind of message in its
    thread (one message each, exactly as the bot sends it: a thread keeps the DM tidy)."""
    name = "messages"
    intro = (
        f"Mentor bot check: below, in this thread, a sample of each of the {len(samples)} kinds "
        "of message the bot sends, with made-up people and teams. Nothing to do."
    )
    try:
        thread = client.chat_postMessage(channel=channel, text=intro)["ts"]
    except SlackApiError as exc:
        return fail(
            name,
            f"Slack refused a plain DM ({exc.response.get('error')}): check the chat:write scope",
        )
    refused = []
    for sample in samples:
        try:
            text, blocks = sample.build()
        except Exception as exc:  # a builder's bug on this program's data: report, go on
            refused.append(f"{sample.label} could not be built ({type(exc).__name__}: {exc})")
            continue
        try:
            client.chat_postMessage(channel=channel, thread_ts=thread, text=text, blocks=blocks)
        except SlackApiError as exc:
            refused.append(f"{sample.label} ({_slack_says(exc)})")
    if refused:
        return fail(
            name,
            f"Slack refused {len(refused)} of {len(samples)}: "
            + "; ".join(refused)
            + ": a bug in the bot; report this line",
        )
    return ok(name, f"Slack accepted all {len(samples)} sample messages (in the DM's thread)")


def home_tabs(
    client: WebClient,
    user_id: str,
    tabs: Sequence[tuple[str, dict[str, Any]]],
    own: dict[str, Any],
) -> Check:
    """Publishes each role's Home tab to `user_id` in turn, then their own again."""
    name = "Home tabs"
    refused = []
    try:
        for role, view in tabs:
            try:
                client.views_publish(user_id=user_id, view=view)
            except SlackApiError as exc:
                refused.append(f"{role} ({_slack_says(exc)})")
    finally:
        try:
            client.views_publish(user_id=user_id, view=own)
            restored = True
        except SlackApiError:
            restored = False
    if refused:
        return fail(
            name,
            f"Slack refused {len(refused)} of {len(tabs)}: "
            + "; ".join(refused)
            + ": a bug in the bot; report this line",
        )
    if not restored:
        return fail(
            name,
            f"<@{user_id}>'s own Home tab could not be published again: they "
            "see it once they open the tab",
        )
    roles = ", ".join(role for role, _ in tabs)
    return ok(
        name, f"Slack accepted the Home tab of each role ({roles}); <@{user_id}>'s own is back"
    )


# --- helpers --------------------------------------------------------------------------------


def _own_home(
    settings: Settings, loaded: Program, publish: HomePublisher, user: str
) -> dict[str, Any]:
    """The Home tab `user` has now, built from the real database (read only)."""
    engine = make_engine(settings.database_url)
    try:
        services = Services(settings, loaded, make_session_factory(engine))
        return home_view(services, publish, user)
    finally:
        engine.dispose()


def _unreachable(settings: Settings, error: BaseException) -> str:
    return (
        f"could not reach Slack at {settings.slack_api_url} ({type(error).__name__}): check "
        "SLACK_API_URL and the network"
    )


def _slack_says(exc: SlackApiError) -> str:
    """Slack's error and, for invalid blocks, its own messages naming what is wrong."""
    error = str(exc.response.get("error"))
    metadata = exc.response.get("response_metadata") or {}
    details = metadata.get("messages") or []
    return error + (": " + " ".join(details[:3]) if details else "")
