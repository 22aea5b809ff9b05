"""`mentorbot year open FILE`: the command line's part (bot/cli.py adds the parser)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.program import load_program


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], instant: Callable[[str], datetime]
) -> None:
    """`instant` reads --now as `mentorbot tick` does."""
    year = sub.add_parser("year", help="program years: open the next school year")
    year_sub = year.add_subparsers(dest="year_command", required=True)
    opening = year_sub.add_parser(
        "open", help="carry year one into the next file's year two and close this year"
    )
    opening.add_argument("file", type=Path, help="the next school year's program file")
    opening.add_argument("--yes", action="store_true", help="do it (default: a preview)")
    opening.add_argument("--by", default="cli", help="who opens it, for the record")
    opening.add_argument(
        "--now", type=instant, help="the instant to record it at (ISO 8601; default: now)"
    )
    opening.set_defaults(func=open_command)


def open_command(args: argparse.Namespace) -> int:
    from bot.cli import services_from
    from bot.platform.config import load_settings
    from bot.years.files import year_before
    from bot.years.rules import YearError, preview_or_open
    from bot.years.text import plan_text

    new = load_program(args.file)  # a bad file stops here, naming the key, before any change
    services, _ = services_from(load_settings())
    # The program it follows; once the deployment runs it, itself (opening twice is once).
    current = year_before(new, services.programs) or services.running(new.id)
    if current is None:
        running = ", ".join(p.id for p in services.programs)
        print(
            f"mentorbot: {args.file}: program.id: {new.id!r} is not the next year of a program "
            f"this deployment runs ({running})",
            file=sys.stderr,
        )
        return 2
    now = args.now or services.clock()
    today = now.astimezone(current.tz).date()
    try:
        plan = preview_or_open(services.sessions, current, new, today, args.by, now, apply=args.yes)
    except YearError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2
    print(plan_text(plan, done=args.yes, file=str(args.file)))
    return 0
