"""`mentorbot demo`: a whole program year, offline, through the production delivery path.

A fresh SQLite file, a few demo teams, simulated time from late August to the end of May
with a tick every hour, every notice printed as it goes out, then a summary.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import bot
from bot.access import Refusal
from bot.demo.world import Absent, DemoEvent, DemoWorld
from bot.platform.config import load_settings
from bot.platform.slack_client import RecordingClient
from bot.platform.slack_users import SlackUser
from bot.program import Program, load_program
from bot.slack.dates import zone
from bot.status import scenes as status_scenes
from bot.teams.imports import COLUMNS, import_teams
from schedules.notice import Outcome
from schedules.tick import tick
from storage import ledger
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.models import Delivery, DeliveryStatus
from storage.people import sync_bootstrap_staff


@dataclass(frozen=True)
class DemoPerson:
    slack_id: str
    name: str
    tz: str


@dataclass(frozen=True)
class DemoTeam:
    mentor: DemoPerson
    protege: DemoPerson
    advisor: DemoPerson
    area: str
    track: str
    start: date


ADVISOR = DemoPerson("U0DEMOADV1", "Grace Kim", "America/Chicago")
STAFF = DemoPerson("U0DEMOSTF1", "Pat Morgan", "America/Chicago")  # program staff
TEAMS = (
    DemoTeam(
        DemoPerson("U0DEMOMEN1", "Dana Whitfield", "America/Chicago"),
        DemoPerson("U0DEMOPRO1", "Luis Ortega", "America/Chicago"),
        ADVISOR,
        "bmit",
        "year1",
        date(2024, 8, 26),
    ),
    DemoTeam(
        DemoPerson("U0DEMOMEN2", "Ruth Adler", "America/New_York"),
        DemoPerson("U0DEMOPRO2", "Sam Patel", "America/Denver"),
        ADVISOR,
        "fcs",
        "year1",
        date(2024, 8, 26),
    ),
    DemoTeam(
        DemoPerson("U0DEMOMEN3", "Omar Haddad", "America/Chicago"),
        DemoPerson("U0DEMOPRO3", "Jen Brooks", "America/Chicago"),
        ADVISOR,
        "bmit",
        "year2",
        date(2024, 10, 1),
    ),
    # Registered late in the year (see LATE_TEAM): prompts start with the month it begins.
    DemoTeam(
        DemoPerson("U0DEMOMEN1", "Dana Whitfield", "America/Chicago"),
        DemoPerson("U0DEMOPRO4", "Avery Cole", "America/Chicago"),
        ADVISOR,
        "bmit",
        "year1",
        date(2024, 11, 4),
    ),
)
LATE_TEAM = TEAMS[-1]
DEMO_TRACKS = ("year1", "year2")  # the shipped program's, which the teams above name
OUTAGE = (date(2025, 1, 6), date(2025, 1, 20))  # the bot is down: no ticks in between


def run_demo(keep: Path | None = None, program_path: Path | None = None) -> None:
    # The demo prints every notice itself; log lines would only interleave with them.
    logging.getLogger().setLevel(logging.ERROR)
    program = load_program(program_path or load_settings().program_path)
    with tempfile.TemporaryDirectory(prefix="mentorbot-demo-") as folder:
        path = keep or Path(folder) / "demo.db"
        if path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
        upgrade(url)
        factory = make_session_factory(make_engine(url))
        names = {p.slack_id: p.name for t in TEAMS for p in (t.mentor, t.protege, t.advisor)}
        names[STAFF.slack_id] = STAFF.name
        world = DemoWorld(
            factory, program, RecordingClient(), names, {n: i for i, n in names.items()}, {}
        )
        first = datetime.combine(date(2024, 8, 26), datetime.min.time(), program.tz)
        with transaction(factory) as session:
            sync_bootstrap_staff(session, (STAFF.slack_id,), first.astimezone(UTC))
        _import(world, TEAMS[:-1], (first + timedelta(hours=7)).astimezone(UTC))
        print(f"Mentor bot demo: {program.name}, {program.school_year}")
        print(f"{len(TEAMS)} demo teams, a tick every hour, notices in the recipient's time\n")
        unfit: list[str] = []
        outcomes = _simulate(world, unfit)
        _summary(factory, outcomes, names, world.client)
        if unfit:
            print(f"  {len(unfit)} scripted event(s) did not fit this program (✗ above)")
        _messages(factory, program, names)
        print("\n" + status_scenes.status_text(factory, program, program.end))
        if keep:
            print(f"\nThe demo database is kept at {path}")


def _import(world: DemoWorld, teams: tuple[DemoTeam, ...], now: datetime) -> None:
    """Register teams the way staff do: a CSV through the import code."""
    rows = [
        ",".join(
            (
                t.mentor.slack_id,
                t.protege.slack_id,
                t.advisor.slack_id,
                *placed(world.program, t),
                t.start.isoformat(),
            )
        )
        for t in teams
    ]
    directory = {
        p.slack_id: SlackUser(p.slack_id, p.name, p.tz, is_bot=False, deleted=False)
        for t in TEAMS
        for p in (t.mentor, t.protege, t.advisor)
    }
    text = "\n".join([",".join(COLUMNS), *rows])
    with transaction(world.factory) as session:
        report = import_teams(session, (world.program,), text, directory.get, "demo", now)
        if not report.ok:
            raise RuntimeError("the demo's own CSV is wrong: " + "; ".join(report.problems))
        for team_id, team in zip(report.created, teams, strict=True):
            world.teams[f"{team.mentor.name}/{team.protege.name}"] = team_id


def placed(program: Program, team: DemoTeam) -> tuple[str, str]:
    """The team's area and track in this program: its own where the program has them, else
    the program's by position (another program's areas in turn; year two is the second
    track, or the only one)."""
    areas = [area.id for area in program.areas]
    tracks = [track.id for track in program.tracks]
    area = team.area if team.area in areas or not areas else areas[TEAMS.index(team) % len(areas)]
    if team.track in tracks:
        return area, team.track
    return area, tracks[min(DEMO_TRACKS.index(team.track), len(tracks) - 1)]


def _own_events(world: DemoWorld) -> list[DemoEvent]:
    at = datetime.combine(LATE_TEAM.start, datetime.min.time(), world.program.tz) + timedelta(
        hours=7
    )
    return [
        DemoEvent(
            at,
            f"staff import a late team: {LATE_TEAM.mentor.name} mentoring {LATE_TEAM.protege.name}",
            lambda w: _import(w, (LATE_TEAM,), at.astimezone(UTC)),
        )
    ]


def feature_scenes() -> list[ModuleType]:
    """Every feature's `scenes` module: a feature joins the demo by having one."""
    found = []
    for package in sorted(pkgutil.iter_modules(bot.__path__), key=lambda m: m.name):
        if package.ispkg and importlib.util.find_spec(f"bot.{package.name}.scenes"):
            found.append(importlib.import_module(f"bot.{package.name}.scenes"))
    return found


def _simulate(world: DemoWorld, unfit: list[str]) -> list[Outcome]:
    factory, client, program, names = world.factory, world.client, world.program, world.names
    now = datetime.combine(date(2024, 8, 26), datetime.min.time(), tzinfo=program.tz)
    end = datetime.combine(program.end + timedelta(days=1), datetime.min.time(), program.tz)
    outcomes: list[Outcome] = []
    announced_outage = False
    sources = [_own_events, *(scenes.events for scenes in feature_scenes())]
    events = sorted((e for source in sources for e in source(world)), key=lambda e: e.at)
    while now < end:
        while events and events[0].at <= now:
            event = events.pop(0)
            local = event.at.astimezone(program.tz)
            print(f"{local:%a %b %d %H:%M %Z}  {_happen(world, event, unfit)}")
        local_day = now.astimezone(program.tz).date()
        if OUTAGE[0] <= local_day < OUTAGE[1]:
            if not announced_outage:
                print(
                    f"\n-- the bot is down from {OUTAGE[0]:%a %b %d} to {OUTAGE[1]:%a %b %d} --\n"
                )
                announced_outage = True
            now += timedelta(hours=1)
            continue
        if not _worth_ticking(program, now):
            now += timedelta(hours=1)
            continue
        result = tick(factory, client, program, now.astimezone(UTC))
        for outcome, merged in _folded(result.outcomes):
            print(_line(outcome, now, names, program, merged))
        outcomes += result.outcomes
        if result.outcomes and len(outcomes) == len(result.outcomes):
            again = tick(factory, client, program, now.astimezone(UTC))
            print(f"   (the same tick run again at once sends {len(again.outcomes)} more)")
        now += timedelta(hours=1)
    return outcomes


def _happen(world: DemoWorld, event: DemoEvent, unfit: list[str]) -> str:
    """The event done, as a line. The scenes are written for the shipped program: played over
    another program file, one may ask for what that program has not got (an experience
    selection, a form), and the bot refuses it as it would refuse a person; the demo says so,
    skips what followed from it, and goes on. `unfit` collects them for the summary."""
    try:
        event.run(world)
    except Refusal as refusal:
        unfit.append(event.describe)
        return f"✗ {event.describe}: the bot refuses ({refusal.message})"
    except Absent as absent:
        unfit.append(event.describe)
        return f"✗ {event.describe}: skipped ({absent})"
    return f"✎ {event.describe}"


def _worth_ticking(program: Program, now: datetime) -> bool:
    """Nights and weekends send nothing (quiet hours, school days): the demo skips them.
    The hours cover the demo people's zones, Eastern to Mountain, around the program's."""
    local = now.astimezone(program.tz)
    return program.is_school_day(local.date()) and 6 <= local.hour <= 19


def _folded(outcomes: list[Outcome]) -> list[tuple[Outcome, int]]:
    """Each outcome with the number of notices merged into it that went the same way (a
    meeting's reminder and the form reminders it says): one message, so one line."""
    status = {outcome.notice.key: outcome.status for outcome in outcomes}

    def rides(outcome: Outcome) -> bool:
        into = outcome.notice.merged_into
        return into is not None and status.get(into) == outcome.status

    merged = Counter(o.notice.merged_into for o in outcomes if rides(o))
    return [(o, merged[o.notice.key]) for o in outcomes if not rides(o)]


def _line(
    outcome: Outcome, now: datetime, names: dict[str, str], program: Program, merged: int
) -> str:
    notice = outcome.notice
    when = now.astimezone(zone(notice.tz, program.tz))
    who = names.get(notice.recipient, notice.recipient)
    details = [outcome.detail] if outcome.detail else []
    if merged:
        details.append(f"{merged} reminder{'s' if merged != 1 else ''} merged into it")
    detail = f" ({'; '.join(details)})" if details else ""
    # Slack renders <@U…> as a name; the terminal shows the demo person's name instead.
    text = re.sub(r"<@([A-Z0-9]+)>", lambda m: names.get(m.group(1), m.group(1)), notice.text)
    return f"{when:%a %b %d %H:%M %Z}  {outcome.status:7} to {who:15} {text}{detail}"


ROLE_OF = {
    **{t.mentor.slack_id: "mentor" for t in TEAMS},
    **{t.protege.slack_id: "protégé" for t in TEAMS},
    ADVISOR.slack_id: "advisor",
    STAFF.slack_id: "staff",
}


def _messages(factory: sessionmaker[Session], program: Program, names: dict[str, str]) -> None:
    """Scheduled messages (a digest is one, whatever it holds) per role and month, and the
    busiest person-day: what a person feels, not what the ledger counts."""
    with factory() as session:
        rows = session.execute(
            select(Delivery.recipient, Delivery.ts, Delivery.finished_at).where(
                Delivery.status == DeliveryStatus.SENT,
                Delivery.kind.not_in([ledger.INBOUND, ledger.THREAD]),
            )
        ).all()
    first: dict[tuple[str, str | None], datetime] = {}
    notices: Counter[tuple[str, str | None]] = Counter()
    for recipient, ts, at in rows:
        message = (recipient, ts)
        notices[message] += 1
        if at is not None and (message not in first or at < first[message]):
            first[message] = at
    per_month: dict[str, Counter[str]] = {}
    per_day: Counter[tuple[str, date]] = Counter()
    for (recipient, _), at in first.items():
        local = at.astimezone(program.tz)
        role = ROLE_OF.get(recipient, "other")
        per_month.setdefault(role, Counter())[f"{local:%b}"] += 1
        per_day[(recipient, local.date())] += 1
    months = [f"{date(y, m, 1):%b}" for y, m in _months(program)]
    print("\n  Scheduled messages (one digest counts once), per role and month")
    print(f"  {'role':8}" + "".join(f"{m:>5}" for m in months) + f"{'all':>6}")
    for role in ("mentor", "protégé", "advisor", "staff"):
        tally = per_month.get(role, Counter())
        cells = "".join(f"{tally[m]:5}" for m in months)
        print(f"  {role:8}{cells}{sum(tally.values()):6}")
    if per_day:
        (who, day), count = max(per_day.items(), key=lambda item: (item[1], item[0][1]))
        held = max(n for (r, _), n in notices.items() if r == who)
        print(
            f"  busiest person-day: {names.get(who, who)} on {day:%a %b %d}, "
            f"{count} message(s); the fullest digest held {held} notices"
        )


def _months(program: Program) -> list[tuple[int, int]]:
    out, day = [], date(2024, 8, 1)
    while day <= program.end:
        out.append((day.year, day.month))
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def _summary(
    factory: sessionmaker[Session],
    outcomes: list[Outcome],
    names: dict[str, str],
    client: RecordingClient,
) -> None:
    print("\nSummary")
    counts = Counter(outcome.status for outcome in outcomes)
    print("  notices: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    print(f"  Slack calls made through the recording client: {len(client.calls)}")
    with factory() as session:
        rows = session.execute(
            select(Delivery.recipient, Delivery.status).where(
                Delivery.kind.not_in([ledger.INBOUND, ledger.THREAD])
            )
        ).all()
    table: dict[str, Counter] = {}
    for recipient, status in rows:
        table.setdefault(recipient, Counter())[str(status)] += 1
    print(f"\n  {'recipient':16} {'sent':>5} {'skipped':>8} {'failed':>7}")
    for recipient, tally in sorted(table.items(), key=lambda item: names.get(item[0], "")):
        print(
            f"  {names.get(recipient, recipient):16} {tally['sent']:5} "
            f"{tally['skipped']:8} {tally['failed']:7}"
        )
