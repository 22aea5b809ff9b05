"""The `mentorbot` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.platform import log_format
from bot.platform.config import ConfigError, Settings, load_settings, log_format_from
from bot.platform.services import Services
from bot.privacy import PrivacyError
from bot.program import ProgramError, load_program, load_programs, roll_program
from storage.db import DatabaseUnavailable

if TYPE_CHECKING:  # imported where used, for a fast start of the light commands
    from slack_bolt import App
    from sqlalchemy import Engine


EXIT_USAGE = 2


class StartupError(Exception):
    """A problem found before the bot could start; printed as one line, exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        log_format.configure(style=log_format_from())
        return args.func(args)
    except (ConfigError, ProgramError, DatabaseUnavailable, StartupError, PrivacyError) as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mentorbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the bot (Socket Mode or HTTP on $PORT)")
    run.add_argument("--no-scheduler", action="store_true", help="do not run the tick loop")
    run.set_defaults(func=_run)

    sub.add_parser("scheduler", help="run the tick loop alone").set_defaults(func=_scheduler)

    doctor = sub.add_parser("doctor", help="check the set-up: Slack, database, program, staff")
    doctor.add_argument(
        "--views", action="store_true", help="also publish each role's Home tab to staff"
    )
    doctor.add_argument("--manifest", type=Path, help="the app manifest (default: manifest.yml)")
    doctor.add_argument(
        "--as-of", type=date.fromisoformat, help="the day to judge the program on (YYYY-MM-DD)"
    )
    doctor.set_defaults(func=_doctor)

    tick = sub.add_parser("tick", help="run the due work once and print what happened")
    tick.add_argument("--now", type=_instant, help="the instant to judge as of (ISO 8601)")
    tick.add_argument("--dry-run", action="store_true", help="record instead of calling Slack")
    tick.set_defaults(func=_tick)

    demo = sub.add_parser("demo", help="a whole program year, offline")
    demo.add_argument("--keep", type=Path, help="keep the demo database at this path")
    demo.add_argument(
        "--program", type=Path, help="the program file to play (default: MENTORBOT_PROGRAM)"
    )
    demo.set_defaults(func=_demo)

    imports = sub.add_parser("import-teams", help="register teams from a CSV file")
    imports.add_argument("file", type=Path)
    imports.add_argument("--check", action="store_true", help="check every row, store nothing")
    imports.set_defaults(func=_import_teams)

    export = sub.add_parser(
        "export", help="the program report: one row per team; or what is stored about a person"
    )
    export.add_argument("--format", choices=("csv", "xlsx"))
    export.add_argument("--out", type=Path, help="the file to write")
    export.add_argument("--person", metavar="SLACK_ID", help="everything stored about them (JSON)")
    export.add_argument(
        "--requested-by",
        metavar="SLACK_ID",
        help="who asked, for the audit (required with --person; else recorded as `cli`)",
    )
    export.add_argument("--as-of", type=date.fromisoformat, help="the day to judge (YYYY-MM-DD)")
    export.add_argument("--program", metavar="KEY", help="which program (default: the first)")
    export.set_defaults(func=_export)

    forget = sub.add_parser("forget", help="a privacy request: pseudonymise a person")
    forget.add_argument("slack_id", metavar="SLACK_ID")
    forget.add_argument("--requested-by", metavar="SLACK_ID", help="who asked (for the audit)")
    forget.add_argument("--yes", action="store_true", help="do it (default: a dry run)")
    forget.set_defaults(func=_forget)

    ledger = sub.add_parser("ledger", help="notices that failed, were skipped or are held")
    ledger.add_argument("--since", required=True, metavar="YYYY-MM-DD", help="from this day on")
    ledger.set_defaults(func=_ledger)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the migrations").set_defaults(func=_db_upgrade)

    program = sub.add_parser("program", help="program definition files")
    program_sub = program.add_subparsers(dest="program_command", required=True)
    check = program_sub.add_parser("check", help="validate a file and print its calendar")
    check.add_argument("file", type=Path)
    check.set_defaults(func=_program_check)
    roll = program_sub.add_parser("roll", help="write the file moved to another school year")
    roll.add_argument("file", type=Path)
    roll.add_argument("--to", required=True, metavar="YYYY-YY", help="the new school year")
    roll.add_argument(
        "--out",
        type=Path,
        help="where to write (default: beside the file); the report goes beside it",
    )
    roll.set_defaults(func=_program_roll)

    from bot.years.cli import add_parser as add_year_parser

    add_year_parser(sub, _instant)
    return parser


def _instant(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {value!r}") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def services_from(settings: Settings) -> tuple[Services, Engine]:
    """Load the program and open the database, refusing to start on either's problems."""
    from storage.db import check_connection, make_engine, make_session_factory, transaction
    from storage.people import sync_bootstrap_staff

    programs = load_programs(settings.program_path, settings.more_programs)
    engine = make_engine(settings.database_url)
    check_connection(engine)
    _ensure_schema(settings.database_url)
    every = programs if len(programs) > 1 else ()
    services = Services(settings, programs[0], make_session_factory(engine), every=every)
    with transaction(services.sessions) as session:
        sync_bootstrap_staff(session, settings.staff_ids, services.clock())
    return services, engine


def _ensure_schema(url: str) -> None:
    """Refuse a database whose schema is behind (a SQLite file is brought up to date). Done
    in a forked process: alembic, which reads the migrations, then never takes memory in a
    server (nor in the processes it forks). Forked by our own fork server: multiprocessing's
    modules would stay in the server's memory for good (1.4 MiB) for this one check."""
    from handlers import fork_server

    server = fork_server.fork_here()
    try:
        # waited for as long as it takes: a migration cut short could leave a SQLite file
        # half migrated (alembic copies its tables, outside a transaction)
        current = server.run(_schema_brought_up, url, timeout=None)
    except (fork_server.ProcessDied, fork_server.ServerGone) as exc:
        # it died (out of memory), or its error could not be sent back
        raise StartupError(
            "the database schema could not be checked: run `mentorbot db upgrade` to see why"
        ) from exc
    finally:
        server.close()
    if not current:
        raise StartupError(
            "the database schema is not up to date: run `mentorbot db upgrade` first"
        )


def _schema_brought_up(url: str) -> bool:
    """Whether the schema is current, once a SQLite file is brought up to date."""
    from storage.db import make_engine, schema_is_current, upgrade

    engine = make_engine(url)
    try:
        if schema_is_current(engine):
            return True
    finally:
        engine.dispose()
    if url.startswith("sqlite"):
        # A single-file database belongs to this process: bring it up to date ourselves.
        upgrade(url)
        return True
    return False


def _run(args: argparse.Namespace) -> int:
    from bot.platform.app import create_app
    from bot.platform.slack_client import scheduler_client
    from handlers import after_ack, fork_server
    from storage.db import gather_planner_statistics

    settings = load_settings()
    settings.require_slack()
    services, engine = services_from(settings)
    # Once a start: a long-running server's queries are planned with what it sampled.
    gather_planner_statistics(engine)
    _warn_closed_year(services)
    scheduler = None
    if not args.no_scheduler:
        from schedules import runner

        scheduler = runner.start(services, scheduler_client(settings))
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            SocketModeHandler(_bolt_app(create_app, services), settings.app_token).start()
        else:
            from bot.platform.server import serve
            from bot.platform.web import wsgi_app

            def worker_ready(listening: Sequence[fork_server.Closable]) -> None:
                # Connections opened before gunicorn forked belong to the arbiter: the
                # worker opens its own (SQLAlchemy's advice for forking servers).
                engine.dispose(close=False)
                # The processes that count whole programs are forked from the worker now,
                # without the server's port.
                after_ack.fork_helpers_here(listening)

            serve(
                lambda: wsgi_app(_bolt_app(create_app, services), engine),
                settings.port,
                worker_ready,
                after_ack.shutdown,
            )
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        # Socket Mode answers in this process: what it took on after acks finishes first.
        after_ack.shutdown()
    return 0


def _warn_closed_year(services: Services) -> None:
    """A warning line, not a refusal: the closed year's records stay readable meanwhile."""
    from bot.years.startup import closed_year_warnings

    with services.sessions() as session:
        lines = closed_year_warnings(session, services.programs)
    for line in lines:
        logging.getLogger("bot.cli").warning(line)


def _bolt_app(create_app: Callable[[Services], App], services: Services) -> App:
    from slack_bolt.error import BoltError

    try:
        return create_app(services)
    except BoltError as exc:
        raise StartupError(f"Slack refused the bot's credentials: {exc}") from None


def _doctor(args: argparse.Namespace) -> int:
    from bot.platform import doctor
    from bot.platform.slack_client import scheduler_client
    from handlers.home import republish_home

    settings = load_settings()
    # The paced client: the samples are several dozen posts to one DM, over Slack's pace.
    client = scheduler_client(settings)
    checks = doctor.run(
        settings,
        client,
        manifest=args.manifest or doctor.default_manifest(),
        today=args.as_of,
        publish_home=republish_home if args.views else None,
    )
    print(doctor.report(checks))
    return 0 if all(check.passed for check in checks) else 1


def _scheduler(args: argparse.Namespace) -> int:
    from bot.platform.slack_client import scheduler_client
    from schedules import runner

    settings = load_settings()
    if not settings.bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set: the scheduler cannot send without it")
    services, _ = services_from(settings)
    _warn_closed_year(services)
    runner.run_forever(services, scheduler_client(settings))
    return 0


def _tick(args: argparse.Namespace) -> int:
    from bot.platform.slack_client import RecordingClient, scheduler_client
    from schedules.tick import tick

    settings = load_settings()
    if not args.dry_run and not settings.bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set: use --dry-run to tick without Slack")
    services, _ = services_from(settings)
    client = RecordingClient() if args.dry_run else scheduler_client(settings)
    now = args.now or datetime.now(UTC)
    result = tick(services.sessions, client, services.programs, now)
    for outcome in result.outcomes:
        notice = outcome.notice
        detail = f" ({outcome.detail})" if outcome.detail else ""
        print(f"{outcome.status:7} {notice.kind:14} {notice.recipient:12} {notice.key}{detail}")
    if result.refused is not None:
        print(
            f"Slack refuses the app's token ({result.refused}): nothing more is sent until it "
            "takes it again; every notice not sent stays pending"
        )
    print(
        f"{len(result.outcomes)} notice(s) handled at {now.isoformat()}, "
        f"{result.waiting} waiting for quiet hours or a school day"
    )
    failed = any(o.status == "failed" for o in result.outcomes)
    return 1 if failed or result.refused is not None else 0


def _demo(args: argparse.Namespace) -> int:
    from bot.demo.year import run_demo

    run_demo(keep=args.keep, program_path=args.program)
    return 0


def _import_teams(args: argparse.Namespace) -> int:
    from bot.platform.slack_client import scheduler_client
    from bot.platform.slack_users import lookup_with, offline_lookup
    from bot.teams.imports import decode, import_teams
    from storage.db import transaction

    settings = load_settings()
    try:
        text = decode(args.file.read_bytes())
    except OSError as exc:
        raise StartupError(f"cannot read {args.file}: {exc.strerror}") from None
    except ValueError as exc:
        raise StartupError(f"{args.file}: {exc}") from None
    services, _ = services_from(settings)
    # Without a token, Slack ids are taken as given; e-mail addresses need Slack to resolve.
    lookup = lookup_with(scheduler_client(settings)) if settings.bot_token else offline_lookup
    if args.check:
        with services.sessions() as session:  # never committed
            report = import_teams(session, services.programs, text, lookup, None, services.clock())
    else:
        with transaction(services.sessions) as session:
            report = import_teams(session, services.programs, text, lookup, None, services.clock())
    for problem in report.problems:
        print(f"{args.file}: {problem}")
    if not report.ok:
        print(f"nothing imported: {len(report.problems)} problem(s)")
        return 1
    verb = "would import" if args.check else "imported"
    print(f"{verb} {len(report.created)} team(s); {report.unchanged} already registered")
    if report.created and not args.check:
        print("welcome messages go out with the next tick")
    return 0


def _export(args: argparse.Namespace) -> int:
    from bot.privacy.rules import checked_slack_id
    from bot.status import export as report_export
    from storage.db import transaction
    from storage.people import served_teams
    from storage.survey import record_export

    if args.person is not None:
        return _export_person(args)
    if args.format is None or args.out is None:
        raise StartupError("export needs --format and --out (or --person SLACK_ID)")
    requester = args.requested_by or "cli"
    if args.requested_by is not None:
        checked_slack_id("--requested-by", args.requested_by)
    services, _ = services_from(load_settings())
    if args.program is not None:
        one = services.only(args.program)
        if one is None:
            keys = ", ".join(p.id for p in services.programs)
            raise StartupError(f"--program names {args.program!r}; the programs run: {keys}")
        services = one
    today = args.as_of or services.today()
    with services.sessions() as session:
        teams = served_teams(session, services.program.id)
        data = report_export.gather(session, services.program, teams, today)
    if args.format == "csv":
        content = report_export.report_csv(data)
    else:
        content = report_export.report_xlsx(services.program, data)
    _write(args.out, content)
    with transaction(services.sessions) as session:  # the audit: who, when, which program
        run = record_export(
            session, requester, "program", services.clock(), f"written: {len(data.rows)} team(s)"
        )
    print(f"wrote {len(data.rows)} team(s) to {args.out} (report run #{run})")
    return 0


def _write(out: Path, content: bytes) -> None:
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise StartupError(f"cannot write {out}: {exc.strerror or exc}") from None


def _forget(args: argparse.Namespace) -> int:
    from bot.privacy.rules import forget, forgetting_lines

    settings = load_settings()
    services, _ = services_from(settings)
    done = forget(
        services.sessions,
        args.slack_id,
        args.requested_by,
        settings.staff_ids,
        services.clock(),
        apply=args.yes,
    )
    print("\n".join(forgetting_lines(done)))
    return 0


def _export_person(args: argparse.Namespace) -> int:
    from bot.privacy.rules import export_person

    services, _ = services_from(load_settings())
    document, audit = export_person(
        services.sessions, args.person, args.requested_by, services.clock()
    )
    if args.out is None:
        sys.stdout.write(document)
        print(f"mentorbot: exported, audit record #{audit}", file=sys.stderr)
        return 0
    _write(args.out, document.encode())
    print(f"wrote what is stored about {args.person} to {args.out} (audit record #{audit})")
    return 0


def _ledger(args: argparse.Namespace) -> int:
    from bot.operations.ledger import unsent_lines

    since = _day("--since", args.since)
    services, _ = services_from(load_settings())
    with services.sessions() as session:
        print("\n".join(unsent_lines(session, since, services.program.tz)))
    return 0


def _day(option: str, value: str) -> date:
    """A date argument; a bad one is one line and exit code 2 (argparse would print usage)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise StartupError(f"{option} must be a date (YYYY-MM-DD), got {value!r}") from None


def _db_upgrade(args: argparse.Namespace) -> int:
    from storage.db import check_connection, make_engine, upgrade

    settings = load_settings()
    check_connection(make_engine(settings.database_url))
    upgrade(settings.database_url)
    print("database is up to date")
    return 0


def _program_check(args: argparse.Namespace) -> int:
    from bot.program.text import program_summary
    from bot.status.progress import step_name

    program = load_program(args.file)
    print(program_summary(program, lambda deadline: step_name(program, deadline)))
    return 0


def _program_roll(args: argparse.Namespace) -> int:
    rolled = roll_program(args.file, args.to)  # checks the file and the year: nothing written
    out = args.out or args.file.with_name(f"{_rolled_stem(args.file.stem, args.to)}.toml")
    report = out.with_name(f"{out.stem}.roll-report.txt")
    for path in (out, report):
        if path.exists():
            raise StartupError(f"{path} exists already: choose another --out")
    written: list[Path] = []
    try:
        for path, text in ((out, rolled.text), (report, rolled.report())):
            with path.open("x", encoding="utf-8") as f:
                written.append(path)
                f.write(text)
    except OSError as exc:
        for path in written:  # half a roll is worse than none
            path.unlink(missing_ok=True)
        raise StartupError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from None
    print(rolled.report(), end="")
    print(f"wrote {out} and {report}: review every date listed above before using the file")
    return 0


def _rolled_stem(stem: str, to_year: str) -> str:
    import re

    replaced, count = re.subn(r"\d{4}-\d{2}", to_year, stem)
    return replaced if count else f"{stem}-{to_year}"
