"""A benchmark database: migrated from empty, with N teams (mentor, protégé, advisor)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime

from sqlalchemy import create_engine, text

from bot.program import load_program
from bot.program.loader import default_program_path
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.people import add_team, get_or_create_person

STAFF = "U0BENCHSTF"
REGISTERED = datetime(2024, 8, 1, tzinfo=UTC)  # long before the month start measured


def member_id(role: str, n: int) -> str:
    """The Slack id of team `n`'s mentor or protégé (`role`) as `seed_teams` registers them."""
    return f"U0{'M' if role == 'mentor' else 'P'}{n:07d}"


def fresh_database(url: str) -> None:
    """An empty, migrated database (PostgreSQL's schema is dropped first)."""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)


def current_program_file(folder: str) -> str:
    """The shipped program rolled to this school year: `mentorbot run` uses the real clock."""
    today = date.today()
    first = today.year if today.month >= 7 else today.year - 1
    out = f"{folder}/program-{first}.toml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "program",
            "roll",
            str(default_program_path()),
            "--to",
            f"{first}-{(first + 1) % 100:02d}",
            "--out",
            out,
        ],
        check=True,
        capture_output=True,
    )
    return out


def seed_teams(
    url: str,
    count: int,
    program_file: str | None = None,
    per_advisor: int = 50,
    track: str | None = None,
) -> None:
    """`count` teams, `per_advisor` to an advisor (`U0A0000000` first); year one and two
    alternate unless `track` names one."""
    program = load_program(program_file)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        for n in range(count):
            advisor = get_or_create_person(session, f"U0A{n // per_advisor:07d}", REGISTERED)
            add_team(
                session,
                program_id=program.id,
                mentor=get_or_create_person(
                    session, member_id("mentor", n), REGISTERED, tz="America/Chicago"
                ),
                protege=get_or_create_person(
                    session, member_id("protege", n), REGISTERED, tz="America/Chicago"
                ),
                advisor=advisor,
                area="bmit",
                track=track or ("year1" if n % 3 else "year2"),
                start_date=program.start,
                created_by=None,
                now=REGISTERED,
            )
    engine.dispose()
